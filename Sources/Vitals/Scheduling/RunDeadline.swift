import Synchronization

/// The timeout of one scheduled run, kept by the scheduler's loop instead of a sleeping task and a
/// timer per run: the loop already wakes for due checks, so it also wakes for the earliest deadline
/// of the runs under way and calls ``expire(at:)`` once it may have passed.
///
/// The timeout counts from when the run actually starts, not from when the loop handed it over: a
/// run that waited for a thread is not cut short for it. Whichever comes first decides the run:
/// ``expire(at:)`` records the `timeout` failure and cancels the evaluation, or ``finish()`` leaves
/// the run to record its own outcome.
final class RunDeadline<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private enum Phase {
        case starting
        case running(
            deadline: Instant,
            evaluation: Task<CheckOutcome, Never>,
            recordTimeout: @Sendable () -> CheckResult
        )
        case finished
        /// The deadline passed; the timeout as recorded.
        case expired(CheckResult)
    }

    /// The check's timeout, counted from the run's start.
    let timeout: Duration
    private let phase = Mutex(Phase.starting)

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Whether the run has neither ended nor timed out; the loop drops the deadlines of the others.
    var isPending: Bool {
        phase.withLock {
            switch $0 {
            case .starting, .running: true
            case .finished, .expired: false
            }
        }
    }

    /// Hands over the run's evaluation, its deadline, and what records its timeout.
    func attach(
        _ evaluation: Task<CheckOutcome, Never>,
        deadline: Instant,
        recordTimeout: @escaping @Sendable () -> CheckResult
    ) {
        phase.withLock { phase in
            guard case .starting = phase else { return }
            phase = .running(deadline: deadline, evaluation: evaluation, recordTimeout: recordTimeout)
        }
    }

    /// Expires the run if its deadline is at or before `now`: records the timeout (once) and cancels
    /// the evaluation.
    /// - Returns: when to look again: the deadline of a run that has not reached it yet, or nil.
    func expire(at now: Instant) -> Instant? {
        let (evaluation, later) = phase.withLock { phase -> (Task<CheckOutcome, Never>?, Instant?) in
            switch phase {
            case .starting:
                // Not started yet: its timeout has not begun.
                return (nil, now.advanced(by: timeout))
            case .running(let deadline, _, _) where now < deadline:
                return (nil, deadline)
            case .running(_, let evaluation, let recordTimeout):
                // Recorded under the lock, so that `finish()` always finds the result.
                phase = .expired(recordTimeout())
                return (evaluation, nil)
            case .finished, .expired:
                return (nil, nil)
            }
        }
        // Outside the lock: cancelling runs the evaluation's cancellation handlers on this thread.
        evaluation?.cancel()
        return later
    }

    /// The evaluation has ended (called again by the run: the answer stays the same). Returns nil if
    /// the run is to record its own outcome, or the timeout already recorded (then the run must not
    /// record again).
    func finish() -> CheckResult? {
        phase.withLock { phase in
            switch phase {
            case .expired(let result):
                return result
            case .starting, .running, .finished:
                phase = .finished
                return nil
            }
        }
    }
}
