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

    /// The settings' probe, timed against `warn_after` when a network check sets it, and steered to
    /// the addresses `ip_family` and `all_addresses` choose (each address's run timed on its own).
    private static func check(of settings: any CheckSettings, _ context: ProbeContext) -> any HealthCheck {
        var check = settings.makeCheck(context)
        if let network = settings as? any NetworkCheckSettings, let warnAfter = network.warnAfter {
            check = LatencyWarning(check, warnAfter: warnAfter)
        }
        if let connecting = settings as? any AddressedCheckSettings, let host = connecting.connectHost,
            connecting.ipFamily != .any || connecting.allAddresses
        {
            check = AddressSelection(
                check,
                host: host,
                family: connecting.ipFamily,
                allAddresses: connecting.allAddresses,
                threadPool: context.resolverThreadPool
            )
        }
        return check
    }
}
