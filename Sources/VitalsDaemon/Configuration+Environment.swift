import Vitals

extension Configuration {
    /// The effective configuration as the `config` section of `/environment` shows it, keyed as in the
    /// YAML file and derived from the same key tables that read it. Secrets are masked by the dump's
    /// scrubber (by key name and by value), so they are passed as they are here.
    var environmentValue: EnvironmentValue {
        .object([
            .init("global", .object(global.environmentMembers)),
            .init("web", .object(web.environmentMembers)),
            .init("environment", .object(environment.environmentMembers)),
            .init("watchdog", .object(watchdog.environmentMembers)),
            .init("metrics", .object(metrics.environmentMembers)),
            .init("checks", .array(checks.map(\.environmentValue))),
        ])
    }
}

extension CheckSpec {
    fileprivate var environmentValue: EnvironmentValue {
        let common: [EnvironmentValue.Member] = [
            .init("name", .string(name)), .init("type", .string(type)),
            .init("interval", ValueReader.duration.show(interval)),
            .init("timeout", ValueReader.duration.show(timeout)),
            .init("failure_threshold", .number(Double(failureThreshold))),
            .init("success_threshold", .number(Double(successThreshold))),
            .init("critical", .bool(critical)), .init("tags", .array(tags.map { .string($0) })),
            .init("labels", ValueReader.labels.show(labels)),
            .init("metrics", ValueReader.metrics.show(MetricsSettings(latencyBuckets: latencyBuckets))),
        ]
        return .object(common + settings.environmentMembers)
    }
}
