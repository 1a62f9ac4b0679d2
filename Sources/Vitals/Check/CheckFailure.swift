/// The error a check throws to fail with a specific reason.
///
/// ```swift
/// guard response.status == .ok else {
///     throw CheckFailure(.status, "HTTP \(response.status.code)")
/// }
/// ```
public struct CheckFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bounded reason, used as the `reason` label of `healthcheck_failures_total`.
    public var reason: FailureReason
    /// What went wrong, for people; shown in `/health` and logs.
    public var detail: String
    /// Values measured before the failure.
    public var observations: [Observation]
    /// For ``unexpected(_:)``: the full description of the underlying error, logged but never shown.
    public var underlying: String?

    /// Creates a failure with a reason and a message.
    public init(_ reason: FailureReason, _ detail: String, observations: [Observation] = []) {
        self.reason = reason
        self.detail = detail
        self.observations = observations
        self.underlying = nil
    }

    /// Wraps an error that is not meant for users: `/health` shows `unknown error`,
    /// and the log gets the error in full.
    public static func unexpected(_ error: any Error) -> CheckFailure {
        var failure = CheckFailure(.unknown, "unknown error")
        failure.underlying = String(reflecting: error)
        return failure
    }

    /// The detail: what a thrown failure shows in `/health`.
    public var description: String { detail }
}
