import Synchronization

/// One scheduled run and its timeout, kept by the scheduler's loop instead of a sleeping task and a
/// timer per run: the loop already wakes for due checks, so it also wakes for the earliest deadline
/// of the runs under way and calls ``expire(at:recordTimeout:)`` once it may have passed.
///
/// The timeout counts from when the run actually starts, not from when the loop handed it over: a
/// run that waited for a thread is not cut short for it. Whichever comes first decides the run:
/// ``expire(at:recordTimeout:)`` records the `timeout` failure and cancels the run's task, or
/// ``finish()`` leaves the run to record its own outcome.
///
/// Times are durations since an origin the scheduler chose (its clock's instant at start-up), so
/// that nothing a run's task touches is generic: generic code looks up type metadata at run time,
/// and its async frames are larger.
final class RunDeadline: Sendable {
    /// The task evaluating the check. Only cancelled under the lock, while the phase is `running`:
    /// the task cannot have moved past ``finish()`` then.
    private struct RunTask: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private enum Phase {
        case starting
        case running(deadline: Duration, task: RunTask)
        case finished
        /// The deadline passed; the timeout as recorded.
        case expired(CheckResult)
    }

    /// The check to run.
    let slot: CheckSlot
    /// The check's timeout, counted from the run's start.
    let timeout: Duration
    /// When the check is next due: how long the run's result stays current.
    let nextDue: Duration
    private let phase = Mutex(Phase.starting)

    init(slot: CheckSlot, nextDue: Duration) {
        self.slot = slot
        timeout = slot.definition.policy.timeout
        self.nextDue = nextDue
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

    /// Hands over the run's task (the caller's own, evaluating the check until it calls ``finish()``)
    /// and its deadline.
    func attach(_ task: UnsafeCurrentTask, deadline: Duration) {
        let task = RunTask(task: task)
        phase.withLock { phase in
            guard case .starting = phase else { return }
            phase = .running(deadline: deadline, task: task)
        }
    }

    /// Expires the run if its deadline is at or before `now`: records the timeout (once, through
    /// `recordTimeout`) and cancels the run's task.
    /// - Returns: when to look again: the deadline of a run that has not reached it yet, or nil.
    func expire(at now: Duration, recordTimeout: (RunDeadline) -> CheckResult) -> Duration? {
        phase.withLock { phase in
            switch phase {
            case .starting:
                // Not started yet: its timeout has not begun.
                return now + timeout
            case .running(let deadline, _) where now < deadline:
                return deadline
            case .running(_, let run):
                // Recorded under the lock, so that `finish()` always finds the result. Cancelled under
                // it too, so that the task is still evaluating; its cancellation handlers run on this
                // thread and none of them comes back to this deadline.
                phase = .expired(recordTimeout(self))
                run.task.cancel()
                return nil
            case .finished, .expired:
                return nil
            }
        }
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
