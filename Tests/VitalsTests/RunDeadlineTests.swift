import Synchronization
import Testing
import VitalsTesting

@testable import Vitals

/// The race between a scheduled run and its timeout, decided once, with the timeout counted from the
/// run's own start, and the run's own task cancelled when the timeout wins.
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

        func record(_ run: RunDeadline) -> CheckResult {
            count.withLock { $0 += 1 }
            return RunDeadlineTests.timedOut
        }
    }

    private func deadline() throws -> RunDeadline {
        let store = ResultStore(wallClock: WallClock { 1_000 })
        let policy = CheckPolicy(interval: .seconds(30), timeout: Self.timeout)
        let slot = try #require(
            store.replace(with: [CheckDefinition(name: "c", type: "t", policy: policy, check: FixedCheck(.pass("")))])
                .first
        )
        return RunDeadline(slot: slot, nextDue: .seconds(30))
    }

    /// A task that attaches itself to `deadline` as starting at `started`, then waits up to a minute
    /// for cancellation; its value is whether it was cancelled. Returns once it is attached.
    private func hangingRun(_ deadline: RunDeadline, started: Duration) async -> Task<Bool, Never> {
        let (attached, attachedContinuation) = AsyncStream.makeStream(of: Void.self)
        let run = Task {
            withUnsafeCurrentTask { task in
                if let task { deadline.attach(task, deadline: started + Self.timeout) }
            }
            attachedContinuation.finish()
            try? await Task.sleep(for: .seconds(60))
            return Task.isCancelled
        }
        for await _ in attached {}
        return run
    }

    @Test func aRunThatHasNotStartedIsNotTimedOutAndIsLookedAtOneTimeoutLater() throws {
        let deadline = try deadline()
        let recorder = Recorder()
        let now = Duration.seconds(5)
        #expect(deadline.timeout == Self.timeout)
        #expect(deadline.expire(at: now, recordTimeout: recorder.record) == now + Self.timeout)
        #expect(deadline.isPending)
        #expect(recorder.recorded == 0)
    }

    @Test func theTimeoutCountsFromTheRunsStartAndCancelsTheRunsTask() async throws {
        let deadline = try deadline()
        let recorder = Recorder()
        let handedOver = Duration.seconds(5)
        let started = handedOver + .milliseconds(300)
        let run = await hangingRun(deadline, started: started)

        // The loop looks at the hand-over's deadline: the run's own is 300 ms later.
        let handOverDeadline = handedOver + Self.timeout
        #expect(deadline.expire(at: handOverDeadline, recordTimeout: recorder.record) == started + Self.timeout)
        #expect(recorder.recorded == 0)
        #expect(!run.isCancelled)

        #expect(deadline.expire(at: started + Self.timeout, recordTimeout: recorder.record) == nil)
        #expect(recorder.recorded == 1)
        #expect(run.isCancelled)
        #expect(!deadline.isPending)
        // The run then finds the recorded timeout and must not record its own outcome.
        #expect(deadline.finish() == Self.timedOut)
        #expect(deadline.finish() == Self.timedOut)
        // Expiring again records nothing more.
        #expect(deadline.expire(at: started + .seconds(10), recordTimeout: recorder.record) == nil)
        #expect(recorder.recorded == 1)
        #expect(await run.value, "the run's task stopped waiting because it was cancelled")
    }

    @Test func aRunThatFinishesFirstIsNeverTimedOutNorCancelled() async throws {
        let deadline = try deadline()
        let recorder = Recorder()
        let started = Duration.seconds(5)
        let run = Task {
            withUnsafeCurrentTask { task in
                if let task { deadline.attach(task, deadline: started + Self.timeout) }
            }
            return deadline.finish()
        }
        #expect(await run.value == nil)
        #expect(deadline.finish() == nil, "the run asks again: the answer stays the same")
        #expect(!deadline.isPending)
        #expect(deadline.expire(at: started + .seconds(10), recordTimeout: recorder.record) == nil)
        #expect(recorder.recorded == 0)
        #expect(!run.isCancelled)
    }

    @Test func aRunThatEndsBeforeItIsAttachedKeepsItsOutcome() async throws {
        let deadline = try deadline()
        let recorder = Recorder()
        #expect(deadline.finish() == nil)
        let started = Duration.seconds(5)
        let run = Task {
            withUnsafeCurrentTask { task in
                if let task { deadline.attach(task, deadline: started + Self.timeout) }
            }
        }
        await run.value
        #expect(deadline.expire(at: started + .seconds(10), recordTimeout: recorder.record) == nil)
        #expect(recorder.recorded == 0)
        #expect(deadline.finish() == nil)
        #expect(!run.isCancelled)
    }
}
