import Vitals
import VitalsProbes

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
            check: Self.check(of: spec.settings, context)
        )
    }

    /// The settings' probe, timed against `warn_after` when a network check sets it.
    private static func check(of settings: any CheckSettings, _ context: ProbeContext) -> any HealthCheck {
        let check = settings.makeCheck(context)
        guard let network = settings as? any NetworkCheckSettings, let warnAfter = network.warnAfter else {
            return check
        }
        return LatencyWarning(check, warnAfter: warnAfter)
    }
}
