import Synchronization
import Testing

@testable import Vitals

/// The race between a scheduled run and its timeout, decided once, with the timeout counted from the
/// run's own start.
@Suite struct RunDeadlineTests {
    private static let timeout = Duration.seconds(2)
    private static let timedOut = CheckResult(
        outcome: .fail("timed out after 2s", reason: .timeout),
        finished: 1,
        duration: 2
    )

    /// Counts how often the timeout was recorded.
    private final class Recorder: Sendable {
        private let count = Mutex(0)
        var recorded: Int { count.withLock { $0 } }

        func record() -> CheckResult {
            count.withLock { $0 += 1 }
            return RunDeadlineTests.timedOut
        }
    }

    private static func hangingEvaluation() -> Task<CheckOutcome, Never> {
        Task {
            try? await Task.sleep(for: .seconds(60))
            return .pass("stopped")
        }
    }

    @Test func aRunThatHasNotStartedIsNotTimedOutAndIsLookedAtOneTimeoutLater() {
        let deadline = RunDeadline<ContinuousClock.Instant>(timeout: Self.timeout)
        let now = ContinuousClock.now
        #expect(deadline.expire(at: now) == now.advanced(by: Self.timeout))
        #expect(deadline.isPending)
    }

    @Test func theTimeoutCountsFromTheRunsStartNotFromItsHandOver() async {
        let deadline = RunDeadline<ContinuousClock.Instant>(timeout: Self.timeout)
        let recorder = Recorder()
        let handedOver = ContinuousClock.now
        let started = handedOver.advanced(by: .milliseconds(300))
        let evaluation = Self.hangingEvaluation()
        deadline.attach(evaluation, deadline: started.advanced(by: Self.timeout)) { recorder.record() }

        // The loop looks at the hand-over's deadline: the run's own is 300 ms later.
        let handOverDeadline = handedOver.advanced(by: Self.timeout)
        #expect(deadline.expire(at: handOverDeadline) == started.advanced(by: Self.timeout))
        #expect(recorder.recorded == 0)
        #expect(!evaluation.isCancelled)

        #expect(deadline.expire(at: started.advanced(by: Self.timeout)) == nil)
        #expect(recorder.recorded == 1)
        #expect(evaluation.isCancelled)
        #expect(!deadline.isPending)
        // The run then finds the recorded timeout and must not record its own outcome.
        #expect(deadline.finish() == Self.timedOut)
        #expect(deadline.finish() == Self.timedOut)
        // Expiring again records nothing more.
        #expect(deadline.expire(at: started.advanced(by: .seconds(10))) == nil)
        #expect(recorder.recorded == 1)
        _ = await evaluation.value
    }

    @Test func aRunThatFinishesFirstIsNeverTimedOut() async {
        let deadline = RunDeadline<ContinuousClock.Instant>(timeout: Self.timeout)
        let recorder = Recorder()
        let started = ContinuousClock.now
        let evaluation = Task<CheckOutcome, Never> { .pass("ok") }
        deadline.attach(evaluation, deadline: started.advanced(by: Self.timeout)) { recorder.record() }
        #expect(deadline.finish() == nil)
        #expect(deadline.finish() == nil, "the run asks again after the evaluation task has answered")
        #expect(!deadline.isPending)
        #expect(deadline.expire(at: started.advanced(by: .seconds(10))) == nil)
        #expect(recorder.recorded == 0)
        #expect(await evaluation.value == .pass("ok"))
    }

    @Test func anEvaluationThatEndsBeforeItIsAttachedKeepsItsOutcome() async {
        let deadline = RunDeadline<ContinuousClock.Instant>(timeout: Self.timeout)
        let recorder = Recorder()
        #expect(deadline.finish() == nil)
        let started = ContinuousClock.now
        let evaluation = Task<CheckOutcome, Never> { .pass("ok") }
        deadline.attach(evaluation, deadline: started.advanced(by: Self.timeout)) { recorder.record() }
        #expect(deadline.expire(at: started.advanced(by: .seconds(10))) == nil)
        #expect(recorder.recorded == 0)
        #expect(deadline.finish() == nil)
        _ = await evaluation.value
    }
}
