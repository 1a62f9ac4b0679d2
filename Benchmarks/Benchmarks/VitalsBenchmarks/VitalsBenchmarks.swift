import Benchmark
import Logging
@_spi(Benchmarks) import Vitals
import VitalsTesting

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Under `CI` only allocation counts are measured: they are deterministic, so the
/// checked-in thresholds (Thresholds/) hold on any machine. Times are for local runs.
let thresholdsOnly = ProcessInfo.processInfo.environment["CI"] != nil
let timeMetrics: [BenchmarkMetric] = thresholdsOnly ? [] : [.wallClock, .cpuTotal, .throughput]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: timeMetrics + [.mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    // MARK: Rendering /metrics from a snapshot (what a scrape pays after a change)

    // Names without spaces: `benchmark thresholds check` finds the threshold files by name.
    for (label, format) in [("OpenMetrics", MetricsFormat.openMetrics), ("PrometheusText", .prometheusText)] {
        // Every check rendered: a scrape without gzip (`curl`), or the first gzip one.
        Benchmark("Render.\(label).10k") { benchmark, snapshot in
            for _ in benchmark.scaledIterations {
                blackHole(MetricsRenderer.renderChecks(snapshot, build: buildInfo, format: format))
            }
        } setup: {
            StoreFixture(count: 10_000).store.snapshot()
        }
    }

    // A scrape without gzip after one check ran: nothing is cached, every check is rendered.
    Benchmark("Render.OneChangedCheck.10k") { benchmark, checks in
        for _ in benchmark.scaledIterations {
            checks.recordNext()
            let snapshot = checks.fixture.store.snapshot()
            blackHole(MetricsRenderer.renderChecks(snapshot, build: buildInfo, format: .openMetrics))
        }
    } setup: { () -> RoundRobin in
        let checks = RoundRobin(StoreFixture(count: 10_000))
        _ = MetricsRenderer.renderChecks(checks.fixture.store.snapshot(), build: buildInfo, format: .openMetrics)
        return checks
    }

    // MARK: Recording a result (what every check run pays); flat in the number of checks

    // Every check has run 150 times already (history full), as in a daemon that has
    // been up for more than 100 intervals; a young store also pays for growing the history.

    for (label, count) in [("1k", 1_000), ("10k", 10_000), ("100k", 100_000)] {
        Benchmark(
            "Record.\(label)",
            configuration: .init(scalingFactor: .kilo)
        ) { benchmark, checks in
            for _ in benchmark.scaledIterations {
                checks.recordNext()
            }
        } setup: {
            RoundRobin(StoreFixture(count: count, resultsPerCheck: 150))
        }
    }

    // MARK: The first scrape after a change builds a new snapshot

    Benchmark("Snapshot.OneChange.10k") { benchmark, checks in
        for _ in benchmark.scaledIterations {
            checks.recordNext()
            blackHole(checks.fixture.store.snapshot())
        }
    } setup: {
        RoundRobin(StoreFixture(count: 10_000))
    }

    // The same in a steady state: every check has run more than 100 times, so its
    // history ring buffer has wrapped.
    Benchmark("Snapshot.OneChange.10k.FullHistory") { benchmark, checks in
        for _ in benchmark.scaledIterations {
            checks.recordNext()
            blackHole(checks.fixture.store.snapshot())
        }
    } setup: {
        RoundRobin(StoreFixture(count: 10_000, resultsPerCheck: 150))
    }

    // MARK: One turn of the scheduler loop (its own cost, without running checks)

    Benchmark(
        "Scheduler.Step.10k",
        configuration: .init(
            metrics: timeMetrics + [.mallocCountTotal, .custom("checksDue")],
            scalingFactor: .kilo
        )
    ) { benchmark, fixture in
        // 10 ms per step with 10,000 checks every 30 s: about 3.3 checks due per step.
        var due = 0
        for _ in benchmark.scaledIterations {
            let now = fixture.clock.advance(by: .milliseconds(10))
            due += fixture.scheduler.takeDueChecksWithoutRunning(now: now)
        }
        benchmark.measurement(.custom("checksDue"), due)
    } setup: {
        SchedulerFixture(count: 10_000)
    }
}

/// A scheduler over `count` checks whose first runs are spread over their whole
/// interval, as in a daemon that has been up for a while.
struct SchedulerFixture {
    let clock = TestClock()
    let scheduler: Scheduler<TestClock>

    init(count: Int) {
        let store = StoreFixture(count: count).store
        scheduler = Scheduler(
            store: store,
            clock: clock,
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }),
            startupWindow: .seconds(30)
        )
    }
}
