/// An immutable picture of every check at one moment; renderers are pure functions of it.
public struct Snapshot: Sendable {
    /// Moves on every change of the store; equal versions mean equal content.
    public let version: UInt64
    /// Every check, sorted by name.
    public let checks: [CheckSnapshot]
    /// The outcome of the last configuration reload.
    public let reload: ReloadStatus
    /// True when no critical check fails; worked out once, since every request and the watchdog ask.
    public let isHealthy: Bool
    /// How the scheduler keeps up.
    public let scheduler: SchedulerStatistics

    /// Moves when the set of checks is replaced: equal generations mean the same checks in the same
    /// order (their results may differ).
    package let generation: UInt64

    init(
        version: UInt64,
        generation: UInt64 = 0,
        checks: [CheckSnapshot],
        reload: ReloadStatus,
        scheduler: SchedulerStatistics = .init()
    ) {
        self.version = version
        self.generation = generation
        self.checks = checks
        self.reload = reload
        self.scheduler = scheduler
        self.isHealthy = !checks.contains { $0.critical && $0.status == .fail }
    }

    /// The same snapshot with only `checks` (for output limited to a tag).
    public func restricted(to checks: [CheckSnapshot]) -> Snapshot {
        // A new generation: the subset is another set of checks.
        Snapshot(version: version, generation: 0, checks: checks, reload: reload, scheduler: scheduler)
    }

    /// The checks that carry `tag`, or `nil` when no check does.
    public func checks(taggedWith tag: String) -> [CheckSnapshot]? {
        let selected = checks.filter { $0.tags.contains(tag) }
        return selected.isEmpty ? nil : selected
    }
}

/// Whether the last configuration (re)load succeeded, and when one last did.
public struct ReloadStatus: Sendable, Equatable {
    /// `false` after a reload with an invalid file.
    public var successful: Bool
    /// When the configuration was last loaded successfully, in Unix seconds.
    public var lastSuccess: Double

    /// Creates a reload status.
    public init(successful: Bool, lastSuccess: Double) {
        self.successful = successful
        self.lastSuccess = lastSuccess
    }
}

/// One check in a ``Snapshot``.
///
/// Its fields live in one immutable object, so copying a snapshot of 10,000 checks (every
/// `/metrics` and `/health` request, the readiness status) costs one reference count per check.
public struct CheckSnapshot: Sendable, Equatable {
    private final class Storage: Sendable {
        /// The check's name, type and policy are its slot's definition's, not copied into every
        /// snapshot (a new one per result).
        let slot: CheckSlot
        let status: CheckStatus
        let output: String
        let last: CheckResult?
        let lastSuccess: Double?
        let expires: Double?
        let created: Double
        let runs: UInt64
        let skipped: UInt64
        let failures: [FailureReason: UInt64]
        let histograms: [LatencyHistogram]
        // The record's log, read up to the runs this snapshot saw (it costs no copy); the status
        // changes are a ring shared copy-on-write (they change rarely).
        let history: HistoryLog
        let historyCount: Int
        let changes: RingBuffer<StatusChange>

        init(slot: CheckSlot, record: CheckRecord) {
            self.slot = slot
            status = record.status
            output = record.output
            last = record.last
            lastSuccess = record.lastSuccess
            expires = record.expires
            created = record.created
            runs = record.runs
            skipped = record.skipped
            failures = record.failures
            histograms = record.histograms
            history = record.history
            historyCount = record.history.appended
            changes = record.changes
        }
    }

    private let storage: Storage

    init(slot: CheckSlot, record: CheckRecord) {
        storage = Storage(slot: slot, record: record)
    }

    /// The unique name, used as the `check` label.
    public var name: String { storage.slot.definition.name }
    /// The type, used as the `type` label, e.g. `http`.
    public var type: String { storage.slot.definition.type }
    /// Whether a failure of this check fails `/health`.
    public var critical: Bool { storage.slot.definition.policy.critical }
    /// Tags that select the check in `/health/{tag}`.
    public var tags: [String] { storage.slot.definition.policy.tags }
    /// How often the check runs (in scheduled mode).
    public var interval: Duration { storage.slot.definition.policy.interval }
    /// The reported status, after thresholds; `fail` until the first run.
    public var status: CheckStatus { storage.status }
    /// The message of the last run (with a note while a threshold holds the status), or `pending`.
    public var output: String { storage.output }
    /// The last run, if any.
    public var last: CheckResult? { storage.last }
    /// When the last passing or warning run finished, in Unix seconds.
    public var lastSuccess: Double? { storage.lastSuccess }
    /// When the result is due to be replaced, in Unix seconds.
    public var expires: Double? { storage.expires }
    /// When the check was registered, in Unix seconds.
    public var created: Double { storage.created }
    /// Runs since registration.
    public var runs: UInt64 { storage.runs }
    /// Failed runs by reason.
    public var failures: [FailureReason: UInt64] { storage.failures }
    /// Labels added to every series of the check on `/metrics`.
    public var labels: [String: String] { storage.slot.definition.policy.labels }
    /// Durations of all runs, when the check's policy has latency buckets.
    public var histogram: LatencyHistogram? { storage.histograms.first }
    /// The last runs up to this snapshot, oldest first: at most 100 (with more than 2,000 checks,
    /// 200,000 in all: 20 each at 10,000, never fewer than 10), fewer when the check has run since
    /// and its oldest runs are no longer kept. Times are kept to the millisecond and durations to
    /// 0.05 %.
    public var history: [HistoryEntry] { storage.history.entries(through: storage.historyCount) }
    /// The last changes of the reported status, oldest first.
    public var changes: [StatusChange] { storage.changes.elements }
    /// Runs that did not start within the timeout, because the scheduler was saturated.
    public var skipped: UInt64 { storage.skipped }

    /// Whether both hold the same check state.
    public static func == (lhs: CheckSnapshot, rhs: CheckSnapshot) -> Bool {
        lhs.storage === rhs.storage
            || (lhs.name == rhs.name && lhs.type == rhs.type && lhs.critical == rhs.critical
                && lhs.tags == rhs.tags && lhs.interval == rhs.interval && lhs.labels == rhs.labels
                && lhs.status == rhs.status && lhs.output == rhs.output && lhs.last == rhs.last
                && lhs.lastSuccess == rhs.lastSuccess && lhs.expires == rhs.expires && lhs.created == rhs.created
                && lhs.runs == rhs.runs && lhs.skipped == rhs.skipped && lhs.failures == rhs.failures
                && lhs.histogram == rhs.histogram && lhs.history == rhs.history
                && lhs.storage.changes == rhs.storage.changes)
    }
}

/// How the scheduler keeps up: how late runs start, and how many are under way.
public struct SchedulerStatistics: Sendable {
    /// How late runs started after their due time, in seconds.
    public internal(set) var lateness = LatencyHistogram()
    /// Runs under way now.
    public internal(set) var runsInFlight = 0

    init() {}
}
