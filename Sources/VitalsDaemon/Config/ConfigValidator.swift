import Yams

/// Walks a composed YAML document, collects every mistake, and builds a ``Configuration`` when there is none.
///
/// Each reading function returns nil only after it has reported why, so a nil value never goes unexplained.
struct ConfigValidator {
    let path: String
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String) {
        self.path = path
    }

    static let sectionKeys = ["global", "web", "environment", "watchdog", "checks"]

    /// Validates the document; `root` is nil for an empty file.
    mutating func configuration(from root: Node?) -> Configuration? {
        let rootNode = root ?? Node([(Node, Node)]())
        guard case .mapping = rootNode, let file = mapping(rootNode, scope: .root, described: "", allowNull: false)
        else {
            report(
                "the file must be a mapping with the keys \(Self.sectionKeys.joined(separator: ", "))",
                at: rootNode.mark
            )
            return nil
        }
        rejectUnknownKeys(in: file, allowed: Self.sectionKeys)

        var global: GlobalSettings? = GlobalSettings()
        if let node = file.value("global") { global = globalSettings(node) }
        var web: WebSettings? = WebSettings()
        if let node = file.value("web") { web = webSettings(node) }
        var environment: EnvironmentSettings? = EnvironmentSettings()
        if let node = file.value("environment") { environment = environmentSettings(node) }
        var watchdog: WatchdogSettings? = WatchdogSettings()
        if let node = file.value("watchdog") { watchdog = watchdogSettings(node) }
        let checks: [CheckSpec]
        if let node = file.value("checks") {
            checks = checkSpecs(node, global: global)
        } else {
            report(file.scope.message("missing required key \"checks\""), at: file.mark)
            checks = []
        }
        guard diagnostics.isEmpty, let global, let web, let environment, let watchdog else { return nil }
        return Configuration(global: global, web: web, environment: environment, watchdog: watchdog, checks: checks)
    }

    // MARK: Sections

    private mutating func globalSettings(_ node: Node) -> GlobalSettings? {
        guard let section = mapping(node, scope: .section("global"), described: "global", allowNull: true) else {
            return nil
        }
        rejectUnknownKeys(in: section, allowed: ["interval", "timeout", "failure_threshold", "success_threshold"])
        let defaults = GlobalSettings()
        let interval = positiveDuration(section, "interval", .defaulted(defaults.interval))
        let timeout = positiveDuration(section, "timeout", .defaulted(defaults.timeout))
        let failureThreshold = threshold(section, "failure_threshold", .defaulted(defaults.failureThreshold))
        let successThreshold = threshold(section, "success_threshold", .defaulted(defaults.successThreshold))
        requireTimeout(timeout, notLongerThan: interval, in: section)
        guard let interval, let timeout, let failureThreshold, let successThreshold else { return nil }
        return GlobalSettings(
            interval: interval,
            timeout: timeout,
            failureThreshold: failureThreshold,
            successThreshold: successThreshold
        )
    }

    private mutating func webSettings(_ node: Node) -> WebSettings? {
        guard let section = mapping(node, scope: .section("web"), described: "web", allowNull: true) else {
            return nil
        }
        rejectUnknownKeys(in: section, allowed: ["failure_status", "headers"])
        let defaults = WebSettings()
        let failureStatus = integer(section, "failure_status", .defaulted(defaults.failureStatus))
        if let failureStatus, !(400...599).contains(failureStatus) {
            report(section, "failure_status", "must be between 400 and 599")
        }
        let headers = headerFields(section, "headers", .defaulted(defaults.headers))
        guard let failureStatus, let headers else { return nil }
        return WebSettings(failureStatus: failureStatus, headers: headers)
    }

    private mutating func environmentSettings(_ node: Node) -> EnvironmentSettings? {
        let scope = ConfigScope.section("environment")
        guard let section = mapping(node, scope: scope, described: "environment", allowNull: true) else {
            return nil
        }
        rejectUnknownKeys(
            in: section,
            allowed: ["enabled", "include_os", "include_runtime", "include_process", "include_config"]
        )
        let defaults = EnvironmentSettings()
        let enabled = bool(section, "enabled", .defaulted(defaults.enabled))
        let includeOS = bool(section, "include_os", .defaulted(defaults.includeOS))
        let includeRuntime = bool(section, "include_runtime", .defaulted(defaults.includeRuntime))
        let includeProcess = bool(section, "include_process", .defaulted(defaults.includeProcess))
        let includeConfig = bool(section, "include_config", .defaulted(defaults.includeConfig))
        guard let enabled, let includeOS, let includeRuntime, let includeProcess, let includeConfig else {
            return nil
        }
        return EnvironmentSettings(
            enabled: enabled,
            includeOS: includeOS,
            includeRuntime: includeRuntime,
            includeProcess: includeProcess,
            includeConfig: includeConfig
        )
    }

    private mutating func watchdogSettings(_ node: Node) -> WatchdogSettings? {
        guard let section = mapping(node, scope: .section("watchdog"), described: "watchdog", allowNull: true) else {
            return nil
        }
        rejectUnknownKeys(in: section, allowed: ["require_healthy"])
        let requireHealthy = bool(section, "require_healthy", .defaulted(WatchdogSettings().requireHealthy))
        guard let requireHealthy else { return nil }
        return WatchdogSettings(requireHealthy: requireHealthy)
    }

    /// Reports a timeout longer than the interval, at whichever of the two the mapping sets (timeout first).
    mutating func requireTimeout(_ timeout: Duration?, notLongerThan interval: Duration?, in mapping: ConfigMapping) {
        guard let timeout, let interval, timeout > interval else { return }
        if mapping.value("timeout") != nil {
            report(mapping, "timeout", "must not be longer than interval (\(formatDuration(interval)))")
        } else if mapping.value("interval") != nil {
            report(mapping, "interval", "must not be shorter than timeout (\(formatDuration(timeout)))")
        }
    }

    // MARK: Reporting

    mutating func report(_ message: String, at mark: Mark?) {
        diagnostics.append(
            Diagnostic(path: path, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message)
        )
    }

    /// Reports a problem with the value of `key`, at that value.
    mutating func report(_ mapping: ConfigMapping, _ key: String, _ message: String) {
        report("\(mapping.scope.key(key)): \(message)", at: mapping.value(key)?.mark ?? mapping.mark)
    }
}
