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
        successTTL: Duration? = nil,
        failureTTL: Duration? = nil
    ) {
        precondition(interval > .zero, "interval must be positive")
        precondition(timeout > .zero, "timeout must be positive")
        self.interval = interval
        self.timeout = timeout
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
        self.critical = critical
        self.tags = tags
        self.successTTL = successTTL
        self.failureTTL = failureTTL
    }
}
