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

    /// One sequence of raw run statuses under a policy, and the status reported after each run.
    struct ThresholdCase: Sendable, CustomTestStringConvertible {
        var failureThreshold: Int
        var successThreshold: Int
        var runs: [CheckStatus]
        var reported: [CheckStatus]

        init(_ failureThreshold: Int, _ successThreshold: Int, _ runs: [CheckStatus], _ reported: [CheckStatus]) {
            precondition(runs.count == reported.count, "one reported status per run")
            self.failureThreshold = failureThreshold
            self.successThreshold = successThreshold
            self.runs = runs
            self.reported = reported
        }

        var testDescription: String {
            "failure \(failureThreshold), success \(successThreshold): "
                + "\(runs.map(\.rawValue).joined(separator: " ")) -> \(reported.map(\.rawValue).joined(separator: " "))"
        }
    }

    static let thresholdCases: [ThresholdCase] = [
        // The first run sets the status directly, whatever the thresholds.
        ThresholdCase(3, 1, [.fail], [.fail]),
        ThresholdCase(1, 3, [.pass], [.pass]),
        ThresholdCase(3, 3, [.warn], [.warn]),
        // Threshold 1 (the default) flips at once, both ways; 0 is taken as 1.
        ThresholdCase(1, 1, [.pass, .fail, .pass, .warn, .fail, .fail], [.pass, .fail, .pass, .warn, .fail, .fail]),
        ThresholdCase(0, 0, [.pass, .fail, .pass], [.pass, .fail, .pass]),
        // A failure threshold delays a fail until that many failed runs in a row.
        ThresholdCase(3, 1, [.pass, .fail, .fail, .fail, .fail], [.pass, .pass, .pass, .fail, .fail]),
        // A success threshold delays recovery until that many good runs in a row.
        ThresholdCase(1, 2, [.fail, .pass, .pass], [.fail, .fail, .pass]),
        ThresholdCase(1, 3, [.pass, .fail, .pass, .pass, .pass], [.pass, .fail, .fail, .fail, .pass]),
        // A pass breaks a failure streak, and a failure breaks a success streak: the count starts again.
        ThresholdCase(2, 1, [.pass, .fail, .pass, .fail], [.pass, .pass, .pass, .pass]),
        ThresholdCase(
            3,
            1,
            [.pass, .fail, .fail, .pass, .fail, .fail, .fail],
            [.pass, .pass, .pass, .pass, .pass, .pass, .fail]
        ),
        ThresholdCase(
            1,
            3,
            [.fail, .pass, .pass, .fail, .pass, .pass, .pass],
            [.fail, .fail, .fail, .fail, .fail, .fail, .pass]
        ),
        // A warning is healthy: reported at once, it breaks a failure streak and counts towards recovery.
        ThresholdCase(3, 1, [.pass, .warn], [.pass, .warn]),
        ThresholdCase(2, 1, [.pass, .fail, .warn, .fail], [.pass, .pass, .warn, .warn]),
        ThresholdCase(2, 1, [.warn, .fail, .fail], [.warn, .warn, .fail]),
        ThresholdCase(1, 2, [.fail, .warn, .warn], [.fail, .fail, .warn]),
        ThresholdCase(1, 2, [.fail, .warn, .pass], [.fail, .fail, .pass]),
    ]

    @Test(arguments: CheckRecordTests.thresholdCases)
    func reportsTheStatusThatTheThresholdsAllow(_ row: ThresholdCase) {
        var record = CheckRecord(
            policy: CheckPolicy(failureThreshold: row.failureThreshold, successThreshold: row.successThreshold),
            created: 1
        )
        var reported: [CheckStatus] = []
        for (index, status) in row.runs.enumerated() {
            let outcome = CheckOutcome(status: status, message: "run \(index + 1)", reason: .refused)
            record.apply(result(outcome, at: Double(100 + index)), expires: nil)
            reported.append(record.status)
        }
        #expect(reported == row.reported)
    }

    @Test func aFailureHeldByTheThresholdShowsItsMessageAndCountsItsReason() {
        var record = CheckRecord(policy: CheckPolicy(failureThreshold: 3), created: 1)
        record.apply(result(.pass("ok")), expires: nil)
        record.apply(result(.fail("down", reason: .refused)), expires: nil)
        #expect(record.status == .pass)
        #expect(record.output.hasPrefix("down"))
        #expect(record.output == "down (failing 1 of 3 runs before reporting fail)")
        record.apply(result(.fail("down", reason: .refused)), expires: nil)
        #expect(record.status == .pass)
        record.apply(result(.fail("down", reason: .refused)), expires: nil)
        #expect(record.status == .fail)
        #expect(record.failures == ["refused": 3])
    }

    @Test func warningIsNotAFailure() {
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
        let history = record.history.entries()
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
        #expect(histogram.counts[LatencyHistogram.standardBounds.firstIndex(of: 0.5)!] == 1)
        #expect(histogram.counts.last == 1)
        #expect(abs(histogram.sum - 100.309) < 1e-9)
    }
}
