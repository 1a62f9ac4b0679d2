import Logging
import Synchronization
import Testing
import VitalsTesting

@_spi(Benchmarks) @testable import Vitals

@Suite struct SchedulerTests {
    private let logger = Logger(label: "test")

    private func makeScheduler(
        _ definitions: [CheckDefinition],
        maxConcurrentRuns: Int = 1024
    ) -> (Scheduler<TestClock>, TestClock) {
        let clock = TestClock()
        let store = ResultStore(wallClock: WallClock { 1_000 })
        store.replace(with: definitions)
        return (Scheduler(store: store, clock: clock, logger: logger, maxConcurrentRuns: maxConcurrentRuns), clock)
    }

    private func status(_ scheduler: Scheduler<TestClock>, _ name: String) -> CheckSnapshot? {
        scheduler.store.snapshot().checks.first { $0.name == name }
    }

    @Test func runsEachCheckOnceInTheStartupWindowThenEveryInterval() async throws {
        let check = GatedCheck(open: true)
        let (scheduler, clock) = makeScheduler([
            CheckDefinition(name: "c", type: "test", policy: CheckPolicy(interval: .seconds(1)), check: check)
        ])
        let task = Task { try await scheduler.run() }
        for second in 1...5 {
            clock.advance(by: .seconds(1))
            #expect(await eventually { check.started == second && scheduler.runningCount == 0 })
        }
        task.cancel()
        try await task.value
        #expect(status(scheduler, "c")?.runs == 5)
    }

    @Test func spreadsFirstRunsOverTheStartupWindowAndLaterRunsOverTheInterval() async throws {
        let checks = (0..<100).map { _ in GatedCheck(open: true) }
        let (scheduler, clock) = makeScheduler(
            checks.enumerated().map { index, check in
                CheckDefinition(
                    name: "check-\(index)",
                    type: "test",
                    policy: CheckPolicy(interval: .seconds(60)),
                    check: check
                )
            }
        )
        let task = Task { try await scheduler.run() }
        func ran(atLeast runs: Int) -> Int { checks.filter { $0.started >= runs }.count }

        clock.advance(by: .milliseconds(500))
        #expect(await eventually { ran(atLeast: 1) > 0 && scheduler.runningCount == 0 })
        #expect(ran(atLeast: 1) < 100, "not every check may fire in the first half of the window")
        clock.advance(by: .milliseconds(500))
        #expect(await eventually { ran(atLeast: 1) == 100 && scheduler.runningCount == 0 })

        clock.advance(by: .seconds(30))
        #expect(await eventually { ran(atLeast: 2) > 20 })
        #expect(ran(atLeast: 2) < 80, "second runs spread across the 60 s interval")
        task.cancel()
        try await task.value
    }

    /// Runs due just after a wake-up of the loop start with it, so that a thousand checks a second cost
    /// tens of wake-ups: at most a fortieth of the check's interval early (25 ms at 1 s, 2.5 ms at 100 ms).
    @Test(
        arguments: [
            (Duration.seconds(1), Duration.milliseconds(20), Duration.milliseconds(30)),
            (Duration.milliseconds(100), Duration.milliseconds(2), Duration.milliseconds(5)),
            (Duration.seconds(60), Duration.milliseconds(45), Duration.milliseconds(55)),
        ]
    )
    func startsARunEarlyByAtMostAFortiethOfItsIntervalAndFiftyMilliseconds(
        interval: Duration,
        early: Duration,
        tooEarly: Duration
    ) {
        let policy = CheckPolicy(interval: interval)
        let (scheduler, clock) = makeScheduler([
            CheckDefinition(name: "c", type: "test", policy: policy, check: FixedCheck(.pass("")))
        ])
        // The first run falls at the check's phase within the startup window (1 s).
        let due = clock.now.advanced(by: min(interval, scheduler.startupWindow) * RunPhase.fraction(of: "c"))
        #expect(scheduler.takeDueChecksWithoutRunning(now: due.advanced(by: .zero - tooEarly)) == 0)
        #expect(scheduler.takeDueChecksWithoutRunning(now: due.advanced(by: .zero - early)) == 1)
    }

    /// `/metrics` lists series in run order so that a scrape re-compresses only the stretch holding the
    /// checks that ran since the last one: those checks must be neighbours in that order.
    @Test func checksThatRanInAWindowAreNeighboursInTheMetricsRunOrder() async throws {
        let checks = (0..<200).map { _ in GatedCheck(open: true) }
        let (scheduler, clock) = makeScheduler(
            checks.enumerated().map { index, check in
                CheckDefinition(
                    name: "check-\(index)",
                    type: "test",
                    policy: CheckPolicy(interval: .seconds(index % 2 == 0 ? 10 : 30)),
                    check: check
                )
            }
        )
        let task = Task { try await scheduler.run() }
        func advance(to milliseconds: Int, from start: Int) async {
            for _ in stride(from: start, to: milliseconds, by: 100) {
                // The loop has reached its sleep and no run is under way: the advance wakes it.
                _ = await eventually { clock.sleeperCount > 0 && scheduler.runningCount == 0 }
                clock.advance(by: .milliseconds(100))
            }
            _ = await eventually { clock.sleeperCount > 0 && scheduler.runningCount == 0 }
        }
        await advance(to: 12_000, from: 0)
        let before = scheduler.store.snapshot().checks.map(\.runs)
        await advance(to: 14_500, from: 12_000)
        let after = scheduler.store.snapshot()
        task.cancel()
        try await task.value

        // Per interval, the checks that ran in the window form one stretch of the run order.
        let ran = after.checks.indices.map { after.checks[$0].runs > before[$0] }
        let order = MetricsRenderer.runOrder(of: after.checks)
        for interval in [Duration.seconds(10), .seconds(30)] {
            let ranks = order.filter { after.checks[$0].interval == interval }
            let marks = ranks.map { ran[$0] }
            let stretches = zip(marks, [false] + marks).filter { $0 && !$1 }.count
            #expect(marks.contains(true) && marks.contains(false), "\(interval): \(marks)")
            #expect(stretches == 1, "\(interval): the checks that ran are \(stretches) stretches: \(marks)")
        }
    }

    @Test func cutsOffAHangingCheckAtItsTimeoutWhileOthersKeepTheirSchedule() async throws {
        let hanging = GatedCheck()
        let fast = GatedCheck(open: true)
        let (scheduler, clock) = makeScheduler([
            CheckDefinition(
                name: "hang",
                type: "test",
                policy: CheckPolicy(interval: .seconds(10), timeout: .seconds(2)),
                check: hanging
            ),
            CheckDefinition(
                name: "fast",
                type: "test",
                policy: CheckPolicy(interval: .seconds(1), timeout: .seconds(1)),
                check: fast
            ),
        ])
        let task = Task { try await scheduler.run() }
        for second in 1...5 {
            clock.advance(by: .seconds(1))
            // The hanging check stays under way; the fast one must have finished.
            #expect(await eventually { fast.started == second && scheduler.runningCount == 1 })
        }
        #expect(await eventually { status(scheduler, "hang")?.last != nil })
        let hang = try #require(status(scheduler, "hang"))
        #expect(hang.status == .fail)
        #expect(hang.last?.outcome.reason == .timeout)
        #expect(hang.output == "timed out after 2s")
        #expect(hang.last?.duration == 2)
        #expect(hang.failures == ["timeout": 1])
        hanging.open()
        task.cancel()
        try await task.value
    }

    @Test func neverRunsACheckTwiceAtTheSameTime() async throws {
        let hanging = GatedCheck()
        let (scheduler, clock) = makeScheduler([
            CheckDefinition(
                name: "slow",
                type: "test",
                policy: CheckPolicy(interval: .seconds(1), timeout: .seconds(1)),
                check: hanging
            )
        ])
        let task = Task { try await scheduler.run() }
        clock.advance(by: .seconds(1))
        #expect(await eventually { hanging.started == 1 })
        for _ in 1...4 {
            let turns = scheduler.progressCount
            clock.advance(by: .seconds(1))
            #expect(await eventually { scheduler.progressCount > turns })
        }
        #expect(hanging.started == 1)
        hanging.open()
        task.cancel()
        try await task.value
    }

    @Test func skipsARunThatCannotStartWithinItsTimeoutAndCountsItNotAsAFailure() async throws {
        let fast = CheckDefinition(
            name: "fast",
            type: "test",
            policy: CheckPolicy(interval: .seconds(1), timeout: .milliseconds(500)),
            check: GatedCheck(open: true)
        )
        let hanging = GatedCheck()  // ignores cancellation: holds the only slot until opened
        let (scheduler, clock) = makeScheduler([fast], maxConcurrentRuns: 1)
        let task = Task { try await scheduler.run() }
        clock.advance(by: .seconds(1))
        #expect(await eventually { status(scheduler, "fast")?.runs == 1 && scheduler.runningCount == 0 })

        scheduler.replace(with: [
            fast,
            CheckDefinition(
                name: "hang",
                type: "test",
                policy: CheckPolicy(interval: .seconds(60), timeout: .seconds(60)),
                check: hanging
            ),
        ])
        // If `fast` holds the slot when `hang` falls due, `hang` waits and is tried again 10 ms on.
        // Each step waits for the loop's turn (not for a real-time span, which a loaded runner stalls).
        for _ in 1...10 where hanging.started == 0 {
            let turns = scheduler.progressCount
            clock.advance(by: .milliseconds(500))
            _ = await eventually {
                hanging.started == 1 || (scheduler.progressCount > turns && scheduler.runningCount == 0)
            }
        }
        #expect(hanging.started == 1)
        let runsBefore = status(scheduler, "fast")?.runs
        for _ in 1...6 {
            let turns = scheduler.progressCount
            clock.advance(by: .milliseconds(500))
            #expect(await eventually { scheduler.progressCount > turns })
        }
        #expect(await eventually { (status(scheduler, "fast")?.skipped ?? 0) >= 2 })
        let waited = try #require(status(scheduler, "fast"))
        #expect(waited.runs == runsBefore, "a skipped run is not a run")
        #expect(waited.failures.isEmpty, "nor a failure of the dependency")
        #expect(scheduler.store.snapshot().scheduler.runsInFlight == 1)

        hanging.open()
        #expect(await eventually { scheduler.runningCount == 0 })
        clock.advance(by: .seconds(1))
        #expect(await eventually { (status(scheduler, "fast")?.runs ?? 0) > (runsBefore ?? 0) })
        #expect(scheduler.store.snapshot().scheduler.lateness.count > 0)
        task.cancel()
        try await task.value
    }

    @Test func turnsThrownErrorsIntoFailures() async throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom at postgres://u:pw@db/x" } }
        let cases: [(any Error, String, FailureReason)] = [
            (Boom(), "boom at postgres://u:********@db/x", .error),
            (CheckFailure(.status, "HTTP 503"), "HTTP 503", .status),
            (CheckFailure.unexpected(Boom()), "unknown error", .unknown),
        ]
        for (error, message, reason) in cases {
            let store = ResultStore(wallClock: WallClock { 0 })
            let slot = try #require(
                store.replace(with: [CheckDefinition(name: "x", type: "t", check: FixedCheck(throwing: error))]).first
            )
            let result = await CheckRunner.run(slot, store: store, clock: TestClock(), logger: logger) { _ in nil }
            #expect(result.outcome.status == .fail)
            #expect(result.outcome.message == message)
            #expect(result.outcome.reason == reason)
            #expect(slot.snapshot().last == result, "the result returned is the one recorded")
        }
    }

    @Test func replaceKeepsTheStateOfUnchangedChecks() async throws {
        let kept = GatedCheck(open: true)
        let changed = GatedCheck(open: true)
        let (scheduler, clock) = makeScheduler([
            CheckDefinition(name: "kept", type: "t", policy: CheckPolicy(interval: .seconds(1)), check: kept),
            CheckDefinition(name: "changed", type: "t", policy: CheckPolicy(interval: .seconds(1)), check: changed),
        ])
        let task = Task { try await scheduler.run() }
        for second in 1...3 {
            clock.advance(by: .seconds(1))
            #expect(
                await eventually { kept.started == second && changed.started == second && scheduler.runningCount == 0 }
            )
        }
        scheduler.replace(with: [
            CheckDefinition(name: "kept", type: "t", policy: CheckPolicy(interval: .seconds(1)), check: kept),
            CheckDefinition(name: "changed", type: "t", policy: CheckPolicy(interval: .seconds(2)), check: changed),
        ])
        #expect(status(scheduler, "kept")?.runs == 3)
        #expect(status(scheduler, "changed")?.runs == 0)
        #expect(status(scheduler, "changed")?.output == "pending")
        // The changed check is a new one: it gets its first run within the startup window.
        clock.advance(by: .seconds(1))
        #expect(await eventually { changed.started == 4 && status(scheduler, "changed")?.runs == 1 })
        task.cancel()
        try await task.value
    }

    @Test func waitForFirstRoundReturnsOnceEveryCheckHasRun() async throws {
        let checks = (0..<3).map { _ in GatedCheck(open: true) }
        let (scheduler, clock) = makeScheduler(
            checks.enumerated().map { index, check in
                CheckDefinition(name: "c\(index)", type: "t", policy: CheckPolicy(interval: .seconds(5)), check: check)
            }
        )
        let task = Task { try await scheduler.run() }
        let firstRound = Task { await scheduler.waitForFirstRound() }
        clock.advance(by: .seconds(1))
        await firstRound.value
        #expect(checks.allSatisfy { $0.started == 1 })
        task.cancel()
        try await task.value
    }
}
