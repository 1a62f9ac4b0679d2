import Testing
import VitalsTesting

@testable import Vitals

@Suite struct HistoryLogTests {
    private func run(_ store: ResultStore, _ slot: CheckSlot, at time: Double, _ status: CheckStatus = .pass) {
        let outcome = CheckOutcome(status: status, message: "run at \(time)", reason: status == .fail ? .error : nil)
        store.record(CheckResult(outcome: outcome, finished: time, duration: 0.01), for: slot, expires: nil)
    }

    private func oneCheck() throws -> (ResultStore, CheckSlot) {
        let store = ResultStore(wallClock: WallClock { 1_000 })
        let slot = try #require(
            store.replace(with: [CheckDefinition(name: "c", type: "t", check: FixedCheck(.pass("")))]).first
        )
        return (store, slot)
    }

    private func history(_ store: ResultStore) -> [HistoryEntry] {
        store.snapshot().checks.first?.history ?? []
    }

    @Test func keepsTimesToTheMillisecondDurationsTo0_05PercentAndEveryStatus() {
        let times = [0, 1, 51, 1_700_000_000.123, 4_102_444_800.999]
        let durations = [0, 0.000_001, 0.0031, 0.25, 1.5, 59.9, 3_600]
        for (time, duration) in zip(times, durations) {
            for status in CheckStatus.allCases {
                let entry = HistoryLog.unpack(
                    HistoryLog.pack(HistoryEntry(timestamp: time, status: status, duration: duration))
                )
                #expect(entry.timestamp == time)
                #expect(entry.status == status)
                #expect(abs(entry.duration - duration) <= duration / 2048, "\(duration) read back as \(entry.duration)")
            }
        }
    }

    @Test func outOfRangeValuesAreClampedNotTrapped() {
        let cases: [(HistoryEntry, Double, Double)] = [
            (HistoryEntry(timestamp: -5, status: .pass, duration: -1), 0, 0),
            (HistoryEntry(timestamp: .nan, status: .warn, duration: .nan), 0, 0),
            (HistoryEntry(timestamp: .infinity, status: .fail, duration: .infinity), 0, 0),
        ]
        for (entry, time, duration) in cases {
            let read = HistoryLog.unpack(HistoryLog.pack(entry))
            #expect(read.timestamp == time)
            #expect(read.duration == duration)
            #expect(read.status == entry.status)
        }
        let far = HistoryLog.unpack(HistoryLog.pack(HistoryEntry(timestamp: 1e300, status: .pass, duration: 1e300)))
        #expect(far.timestamp > 8_000_000_000, "the latest time it can hold, not a wrap-around")
        #expect(far.duration > 1e38 && far.duration.isFinite)
    }

    @Test func aSnapshotReadsTheRunsItSawAndNotLaterOnes() throws {
        let (store, slot) = try oneCheck()
        for time in 1...3 { run(store, slot, at: Double(time)) }
        let before = store.snapshot()
        run(store, slot, at: 4, .fail)
        run(store, slot, at: 5, .warn)
        #expect(before.checks.first?.history.map(\.timestamp) == [1, 2, 3])
        #expect(history(store).map(\.timestamp) == [1, 2, 3, 4, 5])
        #expect(history(store).map(\.status) == [.pass, .pass, .pass, .fail, .warn])
    }

    @Test func keepsTheLastHundredRunsAndAnOlderSnapshotLosesOnlyWhatWasOverwritten() throws {
        let (store, slot) = try oneCheck()
        for time in 1...100 { run(store, slot, at: Double(time)) }
        let before = store.snapshot()
        for time in 101...110 { run(store, slot, at: Double(time)) }
        #expect(history(store).map(\.timestamp) == (11...110).map(Double.init))
        #expect(before.checks.first?.history.map(\.timestamp) == (11...100).map(Double.init))
        for time in 111...250 { run(store, slot, at: Double(time)) }
        #expect(before.checks.first?.history.isEmpty == true, "every run it saw has been overwritten")
        #expect(history(store).map(\.timestamp) == (151...250).map(Double.init))
    }

    /// With more than 2,000 checks each keeps fewer runs, 200,000 in all, and never fewer than 10;
    /// checks kept by a reload keep their logs.
    @Test(arguments: [(1, 100), (2_000, 100), (2_500, 80), (10_000, 20), (25_000, 10)])
    func aLargeStoreKeepsFewerRunsPerCheck(checks: Int, kept: Int) throws {
        let store = ResultStore(wallClock: WallClock { 1_000 })
        let definitions = (0..<checks).map {
            CheckDefinition(name: "c\($0)", type: "t", check: FixedCheck(.pass("")))
        }
        let slot = try #require(store.replace(with: definitions).first)
        for time in 1...150 { run(store, slot, at: Double(time)) }
        #expect(store.snapshot().checks.first?.history.map(\.timestamp) == (151 - kept...150).map(Double.init))
        // Reloaded with a single check, the kept one keeps its log and its size.
        store.replace(with: [definitions[0]])
        run(store, slot, at: 151)
        #expect(store.snapshot().checks.first?.history.count == kept)
    }
}
