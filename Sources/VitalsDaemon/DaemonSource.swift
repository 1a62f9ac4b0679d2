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
    private let draining = Atomic<Bool>(false)
    /// The scheduler's turn count when it last moved, and when that was seen.
    private let lastTurn: Mutex<(count: UInt64, seen: ContinuousClock.Instant)>

    /// How long the scheduling loop may go without a turn before `/livez` fails: it turns at least once a
    /// second while it lives.
    static let stallLimit = Duration.seconds(10)

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
        self.lastTurn = Mutex((monitor.progressCount, ContinuousClock.now))
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// From now on `/readyz` fails: the daemon is about to stop.
    func startDraining() {
        draining.store(true, ordering: .relaxed)
    }

    var liveness: Liveness {
        let count = monitor.progressCount
        let now = ContinuousClock.now
        let stalled = lastTurn.withLock { last -> Duration? in
            if last.count != count {
                last = (count, now)
                return nil
            }
            let quiet = last.seen.duration(to: now)
            return quiet > Self.stallLimit ? quiet : nil
        }
        return stalled.map { Liveness(problem: "the scheduler has not turned for \($0.shortDescription)") } ?? .alive
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
