/// Everything the store knows about one check; turns raw runs into the reported
/// status by the policy's thresholds.
struct CheckRecord: Sendable {
    static let changeCapacity = 20

    /// Of the policy, only the thresholds: 10,000 records do not each keep a copy of all of it.
    let failureThreshold: Int
    let successThreshold: Int
    let created: Double
    private(set) var status: CheckStatus = .fail
    private(set) var output = "pending"
    private(set) var last: CheckResult?
    private(set) var lastSuccess: Double?
    private(set) var expires: Double?
    private(set) var runs: UInt64 = 0
    /// Runs that did not start within the check's timeout (the scheduler was saturated).
    private(set) var skipped: UInt64 = 0
    private(set) var failures: [FailureReason: UInt64] = [:]
    /// Only when the policy asks for latency buckets: each bucket is a series on `/metrics`.
    var histogram: LatencyHistogram? { histograms.first }
    /// The histogram, if any, as an array of zero or one: one word for the checks without (most),
    /// not the six of an inline optional; shared with the snapshots.
    private(set) var histograms: [LatencyHistogram]
    /// Shared with the check's snapshots, which read it up to the runs they saw.
    let history: HistoryLog
    private(set) var changes = RingBuffer<StatusChange>(capacity: CheckRecord.changeCapacity)
    private var consecutiveFailures = 0
    private var consecutiveSuccesses = 0

    init(policy: CheckPolicy, created: Double, historyCapacity: Int = HistoryLog.maximumCapacity) {
        history = HistoryLog(capacity: historyCapacity)
        failureThreshold = policy.failureThreshold
        successThreshold = policy.successThreshold
        self.created = created
        histograms = policy.latencyBuckets.isEmpty ? [] : [LatencyHistogram(bounds: policy.latencyBuckets)]
    }

    mutating func skip() {
        skipped += 1
    }

    /// Marks the last result as due for replacement at `time` (on-demand mode re-runs it).
    mutating func expire(at time: Double) {
        if let expires, expires <= time { return }
        expires = time
    }

    /// Applies one run. The first run sets the status directly; after that a
    /// passing check reports `fail` only after `failureThreshold` failed runs in a
    /// row, and a failing one reports healthy only after `successThreshold` good runs.
    mutating func apply(_ result: CheckResult, expires: Double?) {
        let raw = result.outcome.status
        runs += 1
        if !histograms.isEmpty { histograms[0].observe(result.duration) }
        history.append(HistoryEntry(timestamp: result.finished, status: raw, duration: result.duration))
        if raw == .fail {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            failures[result.outcome.reason ?? .error, default: 0] += 1
        } else {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            lastSuccess = result.finished
        }

        let previous = last == nil ? nil : status
        let reported: CheckStatus
        var note = ""
        switch (previous, raw) {
        case (nil, _):
            reported = raw
        case (.fail?, .fail):
            reported = .fail
        case (.fail?, _):
            reported = consecutiveSuccesses >= successThreshold ? raw : .fail
            if reported == .fail {
                note = " (passing \(consecutiveSuccesses) of \(successThreshold) runs needed to recover)"
            }
        case (_?, .fail):
            reported = consecutiveFailures >= failureThreshold ? .fail : previous ?? .pass
            if reported != .fail {
                note = " (failing \(consecutiveFailures) of \(failureThreshold) runs before reporting fail)"
            }
        case (_?, _):
            reported = raw
        }
        if reported != previous {
            changes.append(
                StatusChange(timestamp: result.finished, from: previous, to: reported, message: result.outcome.message)
            )
        }
        status = reported
        // Without a note the message is shared, not copied: 10,000 checks keep one string each.
        output = note.isEmpty ? result.outcome.message : result.outcome.message + note
        last = result
        self.expires = expires
    }
}
