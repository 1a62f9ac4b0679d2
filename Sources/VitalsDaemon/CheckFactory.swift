import Vitals

/// Turns validated check specs into runnable checks.
struct CheckFactory {
    let context: ProbeContext

    /// The checks of `configuration`, in file order.
    func definitions(for configuration: Configuration) -> [CheckDefinition] {
        configuration.checks.map(definition)
    }

    func definition(for spec: CheckSpec) -> CheckDefinition {
        let policy = CheckPolicy(
            interval: spec.interval,
            timeout: spec.timeout,
            failureThreshold: spec.failureThreshold,
            successThreshold: spec.successThreshold,
            critical: spec.critical,
            tags: spec.tags,
            labels: spec.labels,
            latencyBuckets: spec.latencyBuckets
        )
        return CheckDefinition(
            name: spec.name,
            type: spec.type,
            policy: policy,
            settings: spec.settings,
            check: spec.settings.makeCheck(context)
        )
    }
}
