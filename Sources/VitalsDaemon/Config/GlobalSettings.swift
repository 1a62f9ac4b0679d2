/// The `global` section: values every check inherits unless it overrides them.
struct GlobalSettings: ConfigSection {
    var interval = Duration.seconds(30)
    /// Never longer than `interval`.
    var timeout = Duration.seconds(10)
    var failureThreshold = 1
    var successThreshold = 1

    static var keys: [ConfigKey<Self>] {
        [
            .key("interval", \.interval, .positiveDuration, "How often each check runs."),
            .key("timeout", \.timeout, .positiveDuration, "A run that takes longer is cancelled and fails."),
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
        ]
    }

    func validate(_ rules: inout KeyRules) {
        rules.requireTimeout(timeout, notLongerThan: interval)
    }
}
