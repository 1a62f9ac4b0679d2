/// The `global` section: values every check inherits unless it overrides them.
struct GlobalSettings: ConfigSection {
    /// The shortest interval a file may set: shorter ones only burn CPU.
    static let minimumInterval = Duration.milliseconds(100)
    /// The shortest timeout a file may set.
    static let minimumTimeout = Duration.milliseconds(10)

    var interval = Duration.seconds(30)
    /// Never longer than `interval`.
    var timeout = Duration.seconds(10)
    var failureThreshold = 1
    var successThreshold = 1
    /// Labels of every check; a check's own `labels` add to them and win on a clash.
    var labels: [String: String] = [:]

    static var keys: [ConfigKey<Self>] {
        [
            .key("interval", \.interval, .atLeast(minimumInterval), "How often each check runs."),
            .key(
                "timeout",
                \.timeout,
                .atLeast(minimumTimeout),
                "A run that takes longer is cancelled and fails; an inherited one longer than the interval is cut to it."
            ),
            .key(
                "failure_threshold",
                \.failureThreshold,
                .threshold,
                "Consecutive failed runs before a check reports fail."
            ),
            .key(
                "success_threshold",
                \.successThreshold,
                .threshold,
                "Consecutive passing runs before it reports pass again."
            ),
            .key(
                "labels",
                \.labels,
                .labels,
                "Labels added to every series of every check on `/metrics` (say `team`, `service`); a check's own `labels` add to them."
            ),
        ]
    }

    mutating func validate(_ rules: inout KeyRules) {
        timeout = rules.clampedTimeout(timeout, interval: interval)
    }
}
