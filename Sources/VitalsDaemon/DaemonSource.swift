import Synchronization
import Vitals
import VitalsHTTP
import VitalsSystemd

/// The running daemon as the endpoints and the watchdog see it: the monitor, and the settings a
/// reload replaces.
final class DaemonSource: HealthSource {
    let monitor: Monitor
    let canReload: Bool
    private let reloader: Reloader
    private let heartbeats: HeartbeatStore
    private let notifier: Notifier
    private let settings: Mutex<Settings>

    /// What a reload replaces.
    private struct Settings {
        var options: HealthEndpointsOptions
        var requireHealthy: Bool
        var anonymousHealth: AnonymousHealth

        init(_ configuration: Configuration) {
            options = Daemon.endpointOptions(configuration)
            requireHealthy = configuration.watchdog.requireHealthy
            anonymousHealth = configuration.web.anonymousHealth
        }
    }

    init(
        monitor: Monitor,
        configuration: Configuration,
        reloader: Reloader,
        heartbeats: HeartbeatStore,
        notifier: Notifier,
        canReload: Bool
    ) {
        self.monitor = monitor
        self.reloader = reloader
        self.heartbeats = heartbeats
        self.notifier = notifier
        self.canReload = canReload
        self.settings = Mutex(Settings(configuration))
    }

    var store: ResultStore { monitor.store }

    var endpointOptions: HealthEndpointsOptions { settings.withLock { $0.options } }

    /// `watchdog.require_healthy` of the configuration in effect.
    var requireHealthy: Bool { settings.withLock { $0.requireHealthy } }

    /// `web.anonymous_health` of the configuration in effect.
    var anonymousHealth: AnonymousHealth { settings.withLock { $0.anonymousHealth } }

    func ping(_ name: String, success: Bool) -> Bool {
        guard monitor.ping(name, success: success) else { return false }
        heartbeats.record(name, success: success)
        return true
    }

    func reload() async -> HealthEndpoints.ReloadResult {
        reloadNow()
    }

    /// Reloads the file (SIGHUP or `POST /-/reload`). systemd hears `RELOADING=1` before and
    /// `READY=1` after, whatever the outcome.
    func reloadNow() -> HealthEndpoints.ReloadResult {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(Notifier.monotonicMicroseconds())")
        let outcome = reloader.reload()
        let status = ReadinessService.summary(of: store.snapshot())
        switch outcome {
        case .reloaded(let configuration):
            settings.withLock { $0 = Settings(configuration) }
            notifier.notify("READY=1\nSTATUS=\(status)")
            return .reloaded
        case .failed(let errors):
            notifier.notify("READY=1\nSTATUS=reload failed, previous configuration kept; \(status)")
            return .failed(errors: errors)
        }
    }
}
