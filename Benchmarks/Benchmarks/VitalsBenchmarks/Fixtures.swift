@_spi(Benchmarks) import Vitals
import VitalsTesting

/// A store of `count` checks and its slots, in the store's (name) order.
struct StoreFixture {
    let store: ResultStore
    let slots: [CheckSlot]

    /// Registers `count` checks with a 30 s interval and records one result for each:
    /// 80 % pass, 10 % warn, 10 % fail (with one of three reasons).
    init(count: Int, resultsPerCheck: Int = 1) {
        let store = ResultStore(wallClock: WallClock { 1_790_000_000 })
        let definitions = (0..<count).map { index in
            CheckDefinition(
                name: "check-\(index)",
                type: ["http", "tcp", "file", "disk"][index % 4],
                policy: CheckPolicy(interval: .seconds(30), tags: index % 3 == 0 ? ["db"] : []),
                settings: "bench \(index)",
                // The benchmarks measure the engine, not probes: the check is never run.
                check: FixedCheck(.pass("ok"))
            )
        }
        let slots = store.replace(with: definitions)
        for (index, slot) in slots.enumerated() {
            for run in 0..<resultsPerCheck {
                store.record(
                    Self.result(for: index, run: run),
                    for: slot,
                    expires: 1_790_000_030 + Double(run) * 30
                )
            }
        }
        self.store = store
        self.slots = slots
    }

    /// The result the check at `index` gets: the same status on every run, as in a steady state.
    static func result(for index: Int, run: Int = 0) -> CheckResult {
        let outcome: CheckOutcome =
            switch index % 10 {
            case 0: .fail("connection refused", reason: .refused)
            case 1: .fail("timed out after 10 s", reason: .timeout)
            case 2: .warn("disk 85% full")
            case 3 where index % 20 == 3: .fail("HTTP 503", reason: .status)
            default: .pass("HTTP 200 in 3.1 ms")
            }
        let duration = [0.0031, 0.012, 0.2, 1.5, 10.0][index % 5]
        return CheckResult(outcome: outcome, finished: 1_790_000_000 + Double(run) * 30, duration: duration)
    }
}

/// Hands out slots round-robin, so every record touches a different check than the last.
final class RoundRobin {
    let fixture: StoreFixture
    private let results: [CheckResult]
    private var next = 0

    init(_ fixture: StoreFixture) {
        self.fixture = fixture
        self.results = (0..<fixture.slots.count).map { StoreFixture.result(for: $0, run: 1) }
    }

    /// Records the next slot's usual result.
    func recordNext() {
        let index = next
        next = next + 1 == fixture.slots.count ? 0 : next + 1
        fixture.store.record(results[index], for: fixture.slots[index], expires: 1_790_000_060)
    }
}

let buildInfo = BuildInfo(version: "0.0.0-bench", revision: "bench", swiftVersion: "6.3.1")
