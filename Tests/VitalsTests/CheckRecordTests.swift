import Testing

@testable import Vitals

@Suite struct CheckRecordTests {
    private func result(_ outcome: CheckOutcome, at time: Double = 100, duration: Double = 0.01) -> CheckResult {
        CheckResult(outcome: outcome, finished: time, duration: duration)
    }

    @Test func isPendingFailUntilTheFirstRun() {
        let record = CheckRecord(policy: CheckPolicy(), created: 1)
        #expect(record.status == .fail)
        #expect(record.output == "pending")
        #expect(record.runs == 0)
    }

    @Test func firstRunSetsTheStatusDirectly() {
        var record = CheckRecord(policy: CheckPolicy(failureThreshold: 3), created: 1)
        record.apply(result(.fail("down", reason: .refused)), expires: nil)
        #expect(record.status == .fail)
    }

    @Test func failureThresholdDelaysAFail() {
        var record = CheckRecord(policy: CheckPolicy(failureThreshold: 3), created: 1)
        record.apply(result(.pass("ok")), expires: nil)
        record.apply(result(.fail("down", reason: .refused)), expires: nil)
        #expect(record.status == .pass)
        #expect(record.output.hasPrefix("down"))
        record.apply(result(.fail("down", reason: .refused)), expires: nil)
        #expect(record.status == .pass)
        record.apply(result(.fail("down", reason: .refused)), expires: nil)
        #expect(record.status == .fail)
        #expect(record.failures == ["refused": 3])
    }

    @Test func successThresholdDelaysRecovery() {
        var record = CheckRecord(policy: CheckPolicy(successThreshold: 2), created: 1)
        record.apply(result(.fail("down")), expires: nil)
        record.apply(result(.pass("ok")), expires: nil)
        #expect(record.status == .fail)
        record.apply(result(.pass("ok")), expires: nil)
        #expect(record.status == .pass)
    }

    @Test func aPassInBetweenResetsTheFailureCount() {
        var record = CheckRecord(policy: CheckPolicy(failureThreshold: 2), created: 1)
        record.apply(result(.pass("ok")), expires: nil)
        record.apply(result(.fail("down")), expires: nil)
        record.apply(result(.pass("ok")), expires: nil)
        record.apply(result(.fail("down")), expires: nil)
        #expect(record.status == .pass)
    }

    @Test func warningIsReportedAtOnceAndIsNotAFailure() {
        var record = CheckRecord(policy: CheckPolicy(failureThreshold: 3), created: 1)
        record.apply(result(.pass("ok")), expires: nil)
        record.apply(result(.warn("getting full")), expires: nil)
        #expect(record.status == .warn)
        #expect(record.status.isHealthy)
        #expect(record.lastSuccess == 100)
        #expect(record.failures.isEmpty)
    }

    @Test func keepsTheLastHundredResultsOldestFirst() {
        var record = CheckRecord(policy: CheckPolicy(), created: 1)
        for run in 1...150 {
            record.apply(result(.pass("ok"), at: Double(run)), expires: nil)
        }
        let history = record.history.elements
        #expect(history.count == 100)
        #expect(history.first?.timestamp == 51)
        #expect(history.last?.timestamp == 150)
        #expect(record.runs == 150)
    }

    @Test func recordsStatusChangesOnly() {
        var record = CheckRecord(policy: CheckPolicy(), created: 1)
        record.apply(result(.pass("ok"), at: 1), expires: nil)
        record.apply(result(.pass("ok"), at: 2), expires: nil)
        record.apply(result(.fail("down"), at: 3), expires: nil)
        let changes = record.changes.elements
        #expect(changes.map(\.to) == [.pass, .fail])
        #expect(changes.last?.from == .pass)
        #expect(changes.last?.message == "down")
    }

    @Test func histogramCountsEachRunInItsBucket() {
        var histogram = LatencyHistogram()
        histogram.observe(0.004)
        histogram.observe(0.005)
        histogram.observe(0.3)
        histogram.observe(100)
        #expect(histogram.count == 4)
        #expect(histogram.counts[0] == 2)
        #expect(histogram.counts[LatencyHistogram.bounds.firstIndex(of: 0.5)!] == 1)
        #expect(histogram.counts.last == 1)
        #expect(abs(histogram.sum - 100.309) < 1e-9)
    }
}
