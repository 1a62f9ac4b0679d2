import Logging
import Vitals
import VitalsHTTP
import VitalsSystemd

/// Applies a new configuration to a running daemon, or keeps the old one when the new one is invalid.
final class Reloader: Sendable {
    private let source: ConfigSource
    private let factory: CheckFactory
    private let scheduler: Scheduler<ContinuousClock>
    private let endpoints: HealthEndpoints
    private let notifier: Notifier
    private let logger: Logger

    init(
        source: ConfigSource,
        factory: CheckFactory,
        scheduler: Scheduler<ContinuousClock>,
        endpoints: HealthEndpoints,
        notifier: Notifier,
        logger: Logger
    ) {
        self.source = source
        self.factory = factory
        self.scheduler = scheduler
        self.endpoints = endpoints
        self.notifier = notifier
        self.logger = logger
    }

    /// Loads the file again and, when it is valid, replaces the checks; unchanged checks keep their state.
    /// systemd hears `RELOADING=1` before and `READY=1` after, whatever the outcome.
    func reload() -> HealthEndpoints.ReloadResult {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(Notifier.monotonicMicroseconds())")
        let result = apply()
        let status = ReadinessService.summary(of: scheduler.store.snapshot())
        switch result {
        case .reloaded: notifier.notify("READY=1\nSTATUS=\(status)")
        case .failed: notifier.notify("READY=1\nSTATUS=reload failed, previous configuration kept; \(status)")
        }
        return result
    }

    private func apply() -> HealthEndpoints.ReloadResult {
        let store = scheduler.store
        do {
            let configuration = try source.load()
            let definitions = try factory.definitions(for: configuration, path: source.displayPath)
            scheduler.replace(with: definitions)
            endpoints.update(Daemon.endpointOptions(configuration))
            store.recordReload(successful: true)
            logger.info(
                "Configuration reloaded",
                metadata: ["file": "\(source.displayPath)", "checks": "\(definitions.count)"]
            )
            return .reloaded
        } catch {
            store.recordReload(successful: false)
            let errors = error.diagnostics.map(\.description)
            logger.error(
                "Reload failed; the previous configuration stays in effect",
                metadata: ["file": "\(source.displayPath)", "errors": "\(errors.joined(separator: "; "))"]
            )
            return .failed(errors: errors)
        }
    }
}
