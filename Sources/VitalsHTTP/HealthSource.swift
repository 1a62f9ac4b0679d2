public import Vitals

/// Where ``HealthEndpoints`` gets what it serves: the results, the settings that may change while
/// running, and the actions behind `/ping` and `/-/reload`.
///
/// A ``Monitor`` becomes a source through ``HealthEndpoints/init(monitor:options:environment:)``; the
/// `vitals` daemon is another source, whose options change on a reload.
public protocol HealthSource: Sendable {
    /// The results to serve.
    var store: ResultStore { get }
    /// Status code, headers, identity and the environment document, as they are now. Read on every
    /// request, so keep it cheap.
    var endpointOptions: HealthEndpointsOptions { get }
    /// The `/environment` document, or `nil` for 404; read only by `/environment`.
    func environmentDump() -> EnvironmentDump?
    /// Whether `POST /-/reload` is offered (404 otherwise).
    var canReload: Bool { get }

    /// Awaited before a request is answered from the store; on-demand mode runs the expired checks
    /// (those tagged `tag`, or all) here.
    func prepare(tag: String?) async
    /// Records a ping for the check named `name`; false when no check by that name takes pings.
    func ping(_ name: String, success: Bool) -> Bool
    /// Reloads the configuration for `POST /-/reload`.
    func reload() async -> HealthEndpoints.ReloadResult
    /// Whether the scheduling loop still turns, for `/livez`; alive by default.
    var liveness: Liveness { get }
    /// True while the source drains before it stops: `/readyz` then fails. False by default.
    var isDraining: Bool { get }
}

extension HealthSource {
    /// Requests answer from what was collected.
    public func prepare(tag: String?) async {}

    /// Passes the ping to the check named `name` when it is a ``PingReceiver``; nothing runs it sooner.
    public func ping(_ name: String, success: Bool) -> Bool {
        guard let receiver = store.slot(named: name)?.definition.check as? any PingReceiver else { return false }
        receiver.receivePing(success: success)
        return true
    }

    /// The document in ``endpointOptions``.
    public func environmentDump() -> EnvironmentDump? { endpointOptions.environment }

    /// No reload.
    public var canReload: Bool { false }

    public var liveness: Liveness { .alive }

    public var isDraining: Bool { false }

    /// No reload: a failure that says so.
    public func reload() async -> HealthEndpoints.ReloadResult {
        .failed(errors: ["reloading is not supported here"])
    }
}

/// A ``Monitor`` as a source, with fixed options.
struct MonitorHealthSource: HealthSource {
    let monitor: Monitor
    let options: HealthEndpointsOptions
    let environment: EnvironmentDump.Options?

    var store: ResultStore { monitor.store }

    var endpointOptions: HealthEndpointsOptions { options }

    /// Built per `/environment` request: the monitor's custom sections may be added at any time.
    func environmentDump() -> EnvironmentDump? {
        environment.map { monitor.environmentDump(build: options.build, options: $0) }
    }

    func prepare(tag: String?) async {
        await monitor.refresh(tag: tag)
    }

    func ping(_ name: String, success: Bool) -> Bool {
        monitor.ping(name, success: success)
    }
}
