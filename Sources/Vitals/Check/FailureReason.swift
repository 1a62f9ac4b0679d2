/// Why a check failed, from a small fixed set so that it is safe as a metric label.
///
/// The free-text detail of a failure goes in the outcome's message instead.
public struct FailureReason: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The label value, e.g. `timeout`.
    public let rawValue: String

    /// Creates a reason. Keep the set a check type can produce small and fixed.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// Creates a reason from a literal: `"not_running"`.
    public init(stringLiteral rawValue: String) {
        self.init(rawValue)
    }

    /// The label value, as ``rawValue``.
    public var description: String { rawValue }

    /// The run took longer than its timeout and was cancelled.
    public static let timeout = FailureReason("timeout")
    /// The peer refused or reset the connection.
    public static let refused = FailureReason("refused")
    /// A name did not resolve, or resolved to something unexpected.
    public static let dns = FailureReason("dns")
    /// The TLS handshake or certificate was bad.
    public static let tls = FailureReason("tls")
    /// The response had an unexpected status.
    public static let status = FailureReason("status")
    /// The response body did not match.
    public static let body = FailureReason("body")
    /// A command exited with a failing exit code.
    public static let exitCode = FailureReason("exit_code")
    /// A measured value crossed its failure threshold.
    public static let threshold = FailureReason("threshold")
    /// Any other error the check reported.
    public static let error = FailureReason("error")
    /// An unexpected error; details are only in the log.
    public static let unknown = FailureReason("unknown")
}
