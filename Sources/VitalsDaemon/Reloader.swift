import Logging
import Vitals

/// Loads the configuration file again and, when it is valid, replaces the monitor's checks.
struct Reloader: Sendable {
    /// What a reload did.
    enum Outcome: Sendable {
        /// The new configuration is in effect; unchanged checks kept their state.
        case reloaded(Configuration)
        /// The file was invalid; the old configuration stays in effect.
        case failed(errors: [String])
    }

    let source: ConfigSource
    let factory: CheckFactory
    let monitor: Monitor
    /// Restores the last pings of heartbeats the new file changed, and forgets removed ones.
    let heartbeats: HeartbeatStore
    let logger: Logger

    /// Loads and applies the file; records the outcome in the store for `vitals_config_last_reload_*`.
    func reload() -> Outcome {
        let store = monitor.store
        do {
            let configuration = try source.load()
            let definitions = factory.definitions(for: configuration)
            heartbeats.adopt(definitions)
            monitor.replace(with: definitions)
            store.recordReload(successful: true)
            logger.info(
                "Configuration reloaded",
                metadata: ["file": "\(source.displayPath)", "checks": "\(definitions.count)"]
            )
            return .reloaded(configuration)
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
