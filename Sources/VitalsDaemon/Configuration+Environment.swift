import Vitals

extension Configuration {
    /// The effective configuration as the `config` section of `/environment` shows it,
    /// keyed as in the YAML file. Secrets are masked by the dump's scrubber (by key
    /// name and by value), so they are passed as they are here.
    var environmentValue: EnvironmentValue {
        .object([
            .init(
                "global",
                .object([
                    .init("interval", .string(formatDuration(global.interval))),
                    .init("timeout", .string(formatDuration(global.timeout))),
                    .init("failure_threshold", .number(Double(global.failureThreshold))),
                    .init("success_threshold", .number(Double(global.successThreshold))),
                ])
            ),
            .init(
                "web",
                .object([
                    .init("failure_status", .number(Double(web.failureStatus))),
                    .init("headers", Self.headers(web.headers)),
                ])
            ),
            .init("watchdog", .object([.init("require_healthy", .bool(watchdog.requireHealthy))])),
            .init("checks", .array(checks.map(\.environmentValue))),
        ])
    }

    static func headers(_ headers: [HeaderField]) -> EnvironmentValue {
        .object(headers.map { .init($0.name, .string($0.value)) })
    }
}

extension CheckSpec {
    fileprivate var environmentValue: EnvironmentValue {
        var members: [EnvironmentValue.Member] = [
            .init("name", .string(name)), .init("type", .string(type)),
            .init("interval", .string(formatDuration(interval))), .init("timeout", .string(formatDuration(timeout))),
            .init("failure_threshold", .number(Double(failureThreshold))),
            .init("success_threshold", .number(Double(successThreshold))),
            .init("critical", .bool(critical)), .init("tags", .array(tags.map { .string($0) })),
        ]
        members += settings.environmentMembers
        return .object(members)
    }
}

extension CheckSettings {
    fileprivate var environmentMembers: [EnvironmentValue.Member] {
        func optional(_ value: String?) -> EnvironmentValue { value.map { .string($0) } ?? .null }
        switch self {
        case .tcp(let address, let send, let expect):
            return [
                .init("address", .string(address.description)), .init("send", optional(send)),
                .init("expect", optional(expect)),
            ]
        case .http(let url, let method, let headers, let expectStatus, let expectBody, let tlsSkipVerify):
            return [
                .init("url", .string(url)), .init("method", .string(method)),
                .init("headers", Configuration.headers(headers)),
                .init("expect_status", .array(expectStatus.map { .string("\($0.lowerBound)-\($0.upperBound)") })),
                .init("expect_body", optional(expectBody)), .init("tls_skip_verify", .bool(tlsSkipVerify)),
            ]
        case .dns(let query, let recordType, let expect):
            return [
                .init("query", .string(query)), .init("record_type", .string(recordType)),
                .init("expect", .array(expect.map { .string($0) })),
            ]
        case .tls(let address, let serverName, let warnDays, let failDays):
            return [
                .init("address", .string(address.description)), .init("server_name", .string(serverName)),
                .init("warn_days", .number(Double(warnDays))), .init("fail_days", .number(Double(failDays))),
            ]
        case .exec(let command):
            return [.init("command", .array(command.map { .string($0) }))]
        case .disk(let path, let warn, let fail):
            return [
                .init("path", .string(path)), .init("warn_free_percent", .number(warn)),
                .init("fail_free_percent", .number(fail)),
            ]
        case .memory(let warn, let fail):
            return [.init("warn_available_percent", .number(warn)), .init("fail_available_percent", .number(fail))]
        case .load(let warn, let fail):
            return [.init("warn_per_cpu", .number(warn)), .init("fail_per_cpu", .number(fail))]
        case .process(let pidfile, let name):
            return [.init("pidfile", optional(pidfile)), .init("process_name", optional(name))]
        case .file(let path, let maxAge, let minSize):
            return [
                .init("path", .string(path)), .init("max_age", optional(maxAge.map(formatDuration))),
                .init("min_size", minSize.map { .number(Double($0)) } ?? .null),
            ]
        case .heartbeat(let ttl, let grace):
            return [.init("ttl", .string(formatDuration(ttl))), .init("grace", .string(formatDuration(grace)))]
        case .postgres(let dsn):
            return [.init("dsn", .string(dsn))]
        }
    }
}
