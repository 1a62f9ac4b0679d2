/// A health check: one probe of one thing, run on a schedule or on demand.
///
/// Conformers do the probing only. The collector around them measures the
/// duration, enforces the timeout (by cancelling the task, so honour
/// cancellation), applies thresholds and records the result.
///
/// ```swift
/// struct QueueDepthCheck: HealthCheck {
///     let queue: JobQueue
///     func run() async throws -> CheckOutcome {
///         let depth = try await queue.depth()
///         return depth < 1_000 ? .pass("\(depth) jobs queued") : .warn("\(depth) jobs queued")
///     }
/// }
/// ```
///
/// Throwing fails the check: a ``CheckFailure`` with its reason and detail, any
/// other error with its description and the reason `error`. Wrap an error that
/// is not meant for users in ``CheckFailure/unexpected(_:)``: it is reported as
/// `unknown error` and logged in full.
public protocol HealthCheck: Sendable {
    /// Probes once and says how it went.
    func run() async throws -> CheckOutcome
}
