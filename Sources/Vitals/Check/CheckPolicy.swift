/// How a check is run and judged: its schedule, timeout, thresholds and labels.
public struct CheckPolicy: Sendable, Equatable {
    /// How often the check runs.
    public var interval: Duration
    /// A run that takes longer is cancelled and fails with reason `timeout`.
    public var timeout: Duration
    /// Consecutive failed runs before the check reports `fail`.
    public var failureThreshold: Int
    /// Consecutive passing runs before a failing check reports `pass` again.
    public var successThreshold: Int
    /// Whether a failure of this check fails `/health`.
    public var critical: Bool
    /// Tags that select the check in `/health/{tag}`.
    public var tags: [String]
    /// Labels added to every series of the check on `/metrics`, such as `team` or `service`. Names
    /// follow Prometheus' syntax and are none of ``reservedLabelNames`` nor start with `__`.
    public var labels: [String: String]
    /// Upper bounds in seconds of the check's `healthcheck_latency_seconds` histogram, increasing;
    /// empty (the default) leaves the histogram out. Each bound costs one series on `/metrics`,
    /// plus three (`+Inf`, `_count`, `_sum`) for the histogram.
    public var latencyBuckets: [Double]
    /// On-demand mode: how long a passing (or warning) result is reused; `nil` uses the monitor's default.
    public var successTTL: Duration?
    /// On-demand mode: how long a failing result is reused; `nil` uses the monitor's default.
    public var failureTTL: Duration?

    /// Creates a policy; the defaults are those of the daemon's `global` section.
    public init(
        interval: Duration = .seconds(30),
        timeout: Duration = .seconds(10),
        failureThreshold: Int = 1,
        successThreshold: Int = 1,
        critical: Bool = true,
        tags: [String] = [],
        labels: [String: String] = [:],
        latencyBuckets: [Double] = [],
        successTTL: Duration? = nil,
        failureTTL: Duration? = nil
    ) {
        precondition(interval > .zero, "interval must be positive")
        precondition(timeout > .zero, "timeout must be positive")
        precondition(labels.keys.allSatisfy(Self.isValidLabelName), "label names must be valid and not reserved")
        precondition(zip(latencyBuckets, latencyBuckets.dropFirst()).allSatisfy(<), "buckets must increase")
        self.interval = interval
        self.timeout = timeout
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
        self.critical = critical
        self.tags = tags
        self.labels = labels
        self.latencyBuckets = latencyBuckets
        self.successTTL = successTTL
        self.failureTTL = failureTTL
    }

    /// Label names Vitals writes itself, which a check's ``labels`` may not use: `job` and `instance`
    /// are Prometheus' target labels (it would rename ours to `exported_job`).
    public static let reservedLabelNames: Set<String> = [
        "check", "type", "critical", "reason", "le", "quantile", "healthcheck_status", "job", "instance",
    ]

    /// Whether `name` may be a label of a check: `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed (that
    /// is Prometheus' own), and not one of ``reservedLabelNames``.
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !name.hasPrefix("__"), !reservedLabelNames.contains(name) else {
            return false
        }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
        return isLetter(first)
            && name.utf8.allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
