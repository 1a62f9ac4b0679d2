/// The `watchdog` section: when systemd watchdog pings stop.
struct WatchdogSettings: Sendable, Equatable {
    /// `true`: no `WATCHDOG=1` while a critical check fails.
    var requireHealthy: Bool = ConfigDefaults.watchdogRequireHealthy
}
