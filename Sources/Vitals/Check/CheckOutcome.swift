/// What one run of a check found: a status, a message for people, and optionally
/// measured values and (for a failure) a bounded reason.
public struct CheckOutcome: Sendable, Equatable {
    /// Pass, warn or fail.
    public var status: CheckStatus
    /// A one-line message for people, e.g. `HTTP 200 in 3.1 ms`.
    public var message: String
    /// Why the run failed; `nil` unless ``status`` is ``CheckStatus/fail``.
    public var reason: FailureReason?
    /// Values the run measured.
    public var observations: [Observation]

    /// Creates an outcome. A failing outcome without a reason gets ``FailureReason/error``.
    public init(status: CheckStatus, message: String, reason: FailureReason? = nil, observations: [Observation] = []) {
        self.status = status
        self.message = message
        self.reason = status == .fail ? (reason ?? .error) : nil
        self.observations = observations
    }

    /// A passing outcome.
    public static func pass(_ message: String, observations: [Observation] = []) -> CheckOutcome {
        CheckOutcome(status: .pass, message: message, observations: observations)
    }

    /// A passing outcome with a warning: it does not fail `/health`.
    public static func warn(_ message: String, observations: [Observation] = []) -> CheckOutcome {
        CheckOutcome(status: .warn, message: message, observations: observations)
    }

    /// A failing outcome.
    public static func fail(
        _ message: String,
        reason: FailureReason = .error,
        observations: [Observation] = []
    ) -> CheckOutcome {
        CheckOutcome(status: .fail, message: message, reason: reason, observations: observations)
    }
}
