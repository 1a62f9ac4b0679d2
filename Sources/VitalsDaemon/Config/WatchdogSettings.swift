/// The `watchdog` section: when systemd watchdog pings stop.
struct WatchdogSettings: ConfigSection {
    /// `true`: no `WATCHDOG=1` while a critical check fails.
    var requireHealthy = false

    static var keys: [ConfigKey<Self>] {
        [.key("require_healthy", \.requireHealthy, .bool, "Stop `WATCHDOG=1` pings while a critical check fails.")]
    }
}
