public import Logging
import Vitals

#if canImport(Glibc)
import Glibc
#endif

extension Daemon {
    /// The output formats of `vitals check`.
    public enum CheckFormat: String, Sendable, CaseIterable {
        case text
        case json
        /// One Nagios plugin line with perfdata; exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
        case nagios
    }

    /// The Nagios plugin exit code for a usage or configuration error.
    public static let nagiosUnknown: Int32 = 3

    /// Runs every check once (or those with one of `tags`), prints the results and
    /// returns 0 when no critical check failed, 1 when one did, 2 on a configuration error.
    public static func check(configFiles: [String], format: CheckFormat, tags: [String], logger: Logger) async -> Int32
    {
        let source = ConfigSource(paths: configFiles)
        let context = ProbeContext(ownsProcess: true)
        let definitions: [CheckDefinition]
        do {
            let configuration = try source.load()
            definitions = CheckFactory(context: context).definitions(for: configuration)
                .filter { tags.isEmpty || !Set($0.policy.tags).isDisjoint(with: tags) }
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            await context.shutdown()
            if format == .nagios {
                let message = "invalid configuration \(source.displayPath) (\(error.diagnostics.count) errors)"
                print(String(decoding: NagiosRenderer.renderUnknown(message), as: UTF8.self), terminator: "")
                return nagiosUnknown
            }
            return ExitCode.usage
        }
        // The same engine as `serve`, on demand with nothing cached: every check runs once.
        let monitor = Monitor(mode: .onDemand(OnDemandOptions(successTTL: nil, failureTTL: nil)), logger: logger)
        monitor.replace(with: definitions)
        await monitor.refresh()
        let store = monitor.store
        await context.shutdown()
        let snapshot = store.snapshot()
        switch format {
        case .text: print(CheckReport.text(snapshot.checks), terminator: "")
        case .json:
            let prefix = HealthJSONRenderer.renderDocumentPrefix(
                healthy: snapshot.isHealthy,
                hostname: hostname(),
                timestamp: store.wallClock.now()
            )
            let bytes = prefix + HealthJSONRenderer.renderResults(snapshot.checks) + HealthJSONRenderer.documentSuffix
            print(String(decoding: bytes, as: UTF8.self), terminator: "")
        case .nagios:
            print(String(decoding: NagiosRenderer.render(snapshot.checks), as: UTF8.self), terminator: "")
            return NagiosRenderer.exitCode(for: snapshot.checks)
        }
        return snapshot.isHealthy ? ExitCode.success : ExitCode.checkFailed
    }

    /// Validates a configuration file and a web configuration file (either may be nil); prints a
    /// summary of each (exit 0) or every error (exit 2).
    public static func checkConfig(paths: [String], webConfigFile: String? = nil) async -> Int32 {
        var failed = false
        if !paths.isEmpty {
            let source = ConfigSource(paths: paths)
            do {
                let configuration = try source.load()
                let critical = configuration.checks.filter(\.critical).count
                print("\(source.displayPath): OK, \(configuration.checks.count) checks (\(critical) critical)")
            } catch {
                for diagnostic in error.diagnostics { printError(diagnostic.description) }
                failed = true
            }
        }
        if let webConfigFile {
            do {
                let web = try ConfigLoader.loadWebConfiguration(path: webConfigFile)
                let tls = web.tls.map { "TLS (\($0.clientAuthType.rawValue))" } ?? "plain HTTP"
                print("\(webConfigFile): OK, \(tls), \(web.users.count) basic auth users")
            } catch {
                for diagnostic in error.diagnostics { printError(diagnostic.description) }
                failed = true
            }
        }
        return failed ? ExitCode.usage : ExitCode.success
    }
}

/// The table `vitals check` prints.
enum CheckReport {
    static func text(_ checks: [CheckSnapshot]) -> String {
        let rows = checks.map { check in
            [
                check.status.rawValue.uppercased(), check.name, check.type,
                check.last.map { formatSeconds($0.duration) } ?? "-", check.critical ? "" : "(non-critical) ",
                check.output,
            ]
        }
        let nameWidth = max(5, rows.map { $0[1].count }.max() ?? 0)
        let typeWidth = max(4, rows.map { $0[2].count }.max() ?? 0)
        var out =
            pad("STATUS", 7) + pad("CHECK", nameWidth + 2) + pad("TYPE", typeWidth + 2) + pad("TIME", 10) + "OUTPUT\n"
        for row in rows {
            out += pad(row[0], 7) + pad(row[1], nameWidth + 2) + pad(row[2], typeWidth + 2) + pad(row[3], 10)
            out += row[4] + row[5] + "\n"
        }
        return out
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func formatSeconds(_ seconds: Double) -> String {
        if seconds < 1 { return "\((seconds * 10_000).rounded() / 10) ms" }
        return "\((seconds * 100).rounded() / 100) s"
    }
}
