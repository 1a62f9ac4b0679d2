import Vitals
import VitalsProbes

/// Turns validated check specs into runnable checks.
struct CheckFactory {
    let context: ProbeContext

    /// The checks of `configuration`.
    /// - Throws: a ``ConfigError`` for a check type this build cannot run.
    func definitions(for configuration: Configuration, path: String) throws(ConfigError) -> [CheckDefinition] {
        var definitions: [CheckDefinition] = []
        var diagnostics: [Diagnostic] = []
        for (index, spec) in configuration.checks.enumerated() {
            // The DSN's own rules (sslmode, parameters, encoding) live with the probe.
            if case .postgres(let dsn) = spec.settings, let problem = PostgresProbe.problem(with: dsn) {
                diagnostics.append(
                    Diagnostic(
                        path: path,
                        line: spec.line,
                        column: spec.column,
                        message: "checks[\(index)] (\(spec.name)): dsn: \(problem)"
                    )
                )
                continue
            }
            guard let check = makeCheck(spec.settings) else {
                diagnostics.append(
                    Diagnostic(
                        path: path,
                        line: spec.line,
                        column: spec.column,
                        message:
                            "checks[\(index)] (\(spec.name)): type: \"\(spec.type)\" is not available in this build"
                    )
                )
                continue
            }
            let policy = CheckPolicy(
                interval: spec.interval,
                timeout: spec.timeout,
                failureThreshold: spec.failureThreshold,
                successThreshold: spec.successThreshold,
                critical: spec.critical,
                tags: spec.tags
            )
            definitions.append(
                CheckDefinition(
                    // The settings string only decides whether a reloaded check is unchanged; it is never shown.
                    name: spec.name,
                    type: spec.type,
                    policy: policy,
                    settings: String(reflecting: spec.settings),
                    check: check
                )
            )
        }
        if !diagnostics.isEmpty { throw ConfigError(diagnostics: diagnostics) }
        return definitions
    }

    private func makeCheck(_ settings: CheckSettings) -> (any HealthCheck)? {
        switch settings {
        case .tcp(let address, let send, let expect):
            return TCPProbe(host: address.host, port: address.port, send: send, expect: expect)
        case .http(let url, let method, let headers, let expectStatus, let expectBody, let tlsSkipVerify):
            return HTTPProbe(
                url: url,
                method: method,
                headers: Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
                expectStatus: expectStatus,
                expectBody: expectBody,
                client: tlsSkipVerify ? context.insecureHTTPClient : context.httpClient
            )
        case .exec(let command):
            return ExecProbe(command: command, threadPool: context.blockingThreadPool)
        case .disk(let path, let warn, let fail):
            return DiskProbe(path: path, warnFreePercent: warn, failFreePercent: fail)
        case .memory(let warn, let fail):
            return MemoryProbe(warnAvailablePercent: warn, failAvailablePercent: fail)
        case .load(let warn, let fail):
            return LoadProbe(warnPerCPU: warn, failPerCPU: fail)
        case .file(let path, let maxAge, let minSize):
            return FileProbe(path: path, maxAge: maxAge, minSize: minSize.map(Int64.init))
        case .heartbeat(let ttl, let grace):
            return HeartbeatProbe(ttl: ttl, grace: grace)
        case .dns(let query, let recordType, let expect):
            guard let type = DNSProbe.RecordType(rawValue: recordType) else { return nil }
            return DNSProbe(query: query, recordType: type, expect: expect, threadPool: context.blockingThreadPool)
        case .process(let pidfile?, _):
            return ProcessProbe(pidfile: pidfile)
        case .process(nil, let name?):
            return ProcessProbe(name: name)
        case .tls(let address, let serverName, let warnDays, let failDays):
            return TLSProbe(
                host: address.host,
                port: address.port,
                serverName: serverName,
                warnDays: warnDays,
                failDays: failDays
            )
        case .postgres(let dsn):
            return PostgresProbe(dsn: dsn)
        case .process(nil, nil):
            return nil
        }
    }
}
