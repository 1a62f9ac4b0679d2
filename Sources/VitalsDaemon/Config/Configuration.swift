/// The validated, immutable contents of a configuration file.
///
/// Made by ``ConfigLoader``; ``Configuration/default`` is used when no file is given.
struct Configuration: Sendable, Equatable {
    var global: GlobalSettings
    var web: WebSettings
    var environment: EnvironmentSettings
    var watchdog: WatchdogSettings
    var metrics: MetricsSettings
    var checks: [CheckSpec]

    init(
        global: GlobalSettings = GlobalSettings(),
        web: WebSettings = WebSettings(),
        environment: EnvironmentSettings = EnvironmentSettings(),
        watchdog: WatchdogSettings = WatchdogSettings(),
        metrics: MetricsSettings = MetricsSettings(),
        checks: [CheckSpec]
    ) {
        self.global = global
        self.web = web
        self.environment = environment
        self.watchdog = watchdog
        self.metrics = metrics
        self.checks = checks
    }

    /// The embedded checks: free space of `/`, available memory and load average, with every default.
    /// The load check is not critical: a busy host (say, right after a build) is not a broken service.
    static let `default`: Configuration = {
        let global = GlobalSettings()
        func check(_ name: String, _ settings: some CheckSettings, critical: Bool = true) -> CheckSpec {
            CheckSpec(
                name: name,
                type: type(of: settings).typeName,
                interval: global.interval,
                timeout: global.timeout,
                failureThreshold: global.failureThreshold,
                successThreshold: global.successThreshold,
                critical: critical,
                tags: [],
                labels: [:],
                latencyBuckets: [],
                settings: settings,
                line: 0,
                column: 0
            )
        }
        return Configuration(
            global: global,
            checks: [
                check("disk_root", DiskSettings()),
                check("memory", MemorySettings()),
                check("load", LoadSettings(), critical: false),
            ]
        )
    }()
}
