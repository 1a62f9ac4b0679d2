import Synchronization
import Testing
import VitalsSystemd
import VitalsTesting

/// Drives the watchdog with a scheduler heartbeat the test controls, on a test clock.
@Suite struct WatchdogServiceTests {
    private final class Probe: Sendable {
        let progress = Atomic<UInt64>(0)
        let healthy = Atomic<Bool>(true)
        let pings = Atomic<Int>(0)
        let requireHealthy: Atomic<Bool>

        init(requireHealthy: Bool) {
            self.requireHealthy = Atomic(requireHealthy)
        }
    }

    private func start(requireHealthy: Bool) -> (TestClock, Probe, Task<Void, any Error>) {
        let clock = TestClock()
        let probe = Probe(requireHealthy: requireHealthy)
        let service = WatchdogService(
            interval: .seconds(5),
            clock: clock,
            progress: { probe.progress.load(ordering: .relaxed) },
            isHealthy: { probe.healthy.load(ordering: .relaxed) },
            requireHealthy: { probe.requireHealthy.load(ordering: .relaxed) },
            ping: { probe.pings.add(1, ordering: .relaxed) }
        )
        return (clock, probe, Task { try await service.run() })
    }

    /// Moves time on by one interval, after the scheduler (maybe) turned, and waits for the decision.
    private func interval(_ clock: TestClock, _ probe: Probe, schedulerTurns: Bool) async {
        #expect(await eventually { clock.sleeperCount == 1 })
        if schedulerTurns { probe.progress.add(1, ordering: .relaxed) }
        clock.advance(by: .seconds(5))
        #expect(await eventually { clock.sleeperCount == 1 })
    }

    @Test func pingsWhileTheSchedulerMakesProgressAndStopsWhenItStalls() async throws {
        let (clock, probe, task) = start(requireHealthy: false)
        for _ in 1...3 { await interval(clock, probe, schedulerTurns: true) }
        #expect(probe.pings.load(ordering: .relaxed) == 3)
        for _ in 1...3 { await interval(clock, probe, schedulerTurns: false) }
        #expect(probe.pings.load(ordering: .relaxed) == 3, "a stalled scheduler gets no pings")
        for _ in 1...2 { await interval(clock, probe, schedulerTurns: true) }
        #expect(probe.pings.load(ordering: .relaxed) == 5, "pings resume with progress")
        task.cancel()
        try await task.value
    }

    @Test func withRequireHealthyWithholdsPingsWhileACriticalCheckFails() async throws {
        let (clock, probe, task) = start(requireHealthy: true)
        await interval(clock, probe, schedulerTurns: true)
        #expect(probe.pings.load(ordering: .relaxed) == 1)
        probe.healthy.store(false, ordering: .relaxed)
        for _ in 1...3 { await interval(clock, probe, schedulerTurns: true) }
        #expect(probe.pings.load(ordering: .relaxed) == 1)
        probe.healthy.store(true, ordering: .relaxed)
        await interval(clock, probe, schedulerTurns: true)
        #expect(probe.pings.load(ordering: .relaxed) == 2)
        task.cancel()
        try await task.value
    }

    @Test func withoutRequireHealthyPingsEvenWhileFailing() async throws {
        let (clock, probe, task) = start(requireHealthy: false)
        probe.healthy.store(false, ordering: .relaxed)
        for _ in 1...2 { await interval(clock, probe, schedulerTurns: true) }
        #expect(probe.pings.load(ordering: .relaxed) == 2)
        task.cancel()
        try await task.value
    }

    @Test func requireHealthyIsReadOnEveryIntervalSoThatAReloadChangesIt() async throws {
        let (clock, probe, task) = start(requireHealthy: false)
        probe.healthy.store(false, ordering: .relaxed)
        await interval(clock, probe, schedulerTurns: true)
        #expect(probe.pings.load(ordering: .relaxed) == 1)
        probe.requireHealthy.store(true, ordering: .relaxed)
        await interval(clock, probe, schedulerTurns: true)
        #expect(probe.pings.load(ordering: .relaxed) == 1, "a reload turned require_healthy on")
        probe.requireHealthy.store(false, ordering: .relaxed)
        await interval(clock, probe, schedulerTurns: true)
        #expect(probe.pings.load(ordering: .relaxed) == 2, "and off again")
        task.cancel()
        try await task.value
    }
}
