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

    init(version: UInt64, checks: [CheckSnapshot], reload: ReloadStatus, scheduler: SchedulerStatistics = .init()) {
        self.version = version
        self.checks = checks
        self.reload = reload
        self.scheduler = scheduler
        self.isHealthy = !checks.contains { $0.critical && $0.status == .fail }
    }

    /// The same snapshot with only `checks` (for output limited to a tag).
    public func restricted(to checks: [CheckSnapshot]) -> Snapshot {
        Snapshot(version: version, checks: checks, reload: reload, scheduler: scheduler)
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
public struct CheckSnapshot: Sendable, Equatable {
    /// The unique name, used as the `check` label.
    public let name: String
    /// The type, used as the `type` label, e.g. `http`.
    public let type: String
    /// Whether a failure of this check fails `/health`.
    public let critical: Bool
    /// Tags that select the check in `/health/{tag}`.
    public let tags: [String]
    /// How often the check runs (in scheduled mode).
    public let interval: Duration
    /// The reported status, after thresholds; `fail` until the first run.
    public let status: CheckStatus
    /// The message of the last run (with a note while a threshold holds the status), or `pending`.
    public let output: String
    /// The last run, if any.
    public let last: CheckResult?
    /// When the last passing or warning run finished, in Unix seconds.
    public let lastSuccess: Double?
    /// When the result is due to be replaced, in Unix seconds.
    public let expires: Double?
    /// When the check was registered, in Unix seconds.
    public let created: Double
    /// Runs since registration.
    public let runs: UInt64
    /// Failed runs by reason.
    public let failures: [FailureReason: UInt64]
    /// Labels added to every series of the check on `/metrics`.
    public let labels: [String: String]
    /// Durations of all runs, when the check's policy has latency buckets.
    public let histogram: LatencyHistogram?
    /// The last runs, oldest first (at most 100).
    public let history: [HistoryEntry]
    /// The last changes of the reported status, oldest first.
    public let changes: [StatusChange]
    /// Runs that did not start within the timeout, because the scheduler was saturated.
    public let skipped: UInt64

    init(definition: CheckDefinition, record: CheckRecord) {
        name = definition.name
        type = definition.type
        critical = definition.policy.critical
        tags = definition.policy.tags
        interval = definition.policy.interval
        labels = definition.policy.labels
        status = record.status
        output = record.output
        last = record.last
        lastSuccess = record.lastSuccess
        expires = record.expires
        created = record.created
        runs = record.runs
        skipped = record.skipped
        failures = record.failures
        histogram = record.histogram
        history = record.history.elements
        changes = record.changes.elements
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
