import Foundation
import Yams

extension ConfigValidator {
    static let commonCheckKeys = [
        "name", "type", "interval", "timeout", "failure_threshold", "success_threshold", "critical", "tags",
    ]

    /// The keys each check type adds to ``commonCheckKeys``.
    static let checkTypeKeys: [String: [String]] = [
        "tcp": ["address", "send", "expect"],
        "http": ["url", "method", "headers", "expect_status", "expect_body", "tls_skip_verify"],
        "dns": ["query", "record_type", "expect"],
        "tls": ["address", "server_name", "warn_days", "fail_days"],
        "exec": ["command"],
        "disk": ["path", "warn_free_percent", "fail_free_percent"],
        "memory": ["warn_available_percent", "fail_available_percent"],
        "load": ["warn_per_cpu", "fail_per_cpu"],
        "process": ["pidfile", "process_name"],
        "file": ["path", "max_age", "min_size"],
        "heartbeat": ["ttl", "grace"],
        "postgres": ["dsn"],
    ]

    static let httpMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]

    // Linux truncates /proc/PID/comm to 15 bytes, so a longer name never matches.
    static let maximumProcessNameLength = 15

    /// Reads the `checks` list. `global` is nil when the global section is invalid (already reported).
    mutating func checkSpecs(_ node: Node, global: GlobalSettings?) -> [CheckSpec] {
        if isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            report("checks: must be a list of checks", at: node.mark)
            return []
        }
        var specs: [CheckSpec] = []
        var firstLineOfName: [String: Int] = [:]
        for (index, item) in sequence.enumerated() {
            if let spec = checkSpec(item, index: index, global: global, firstLineOfName: &firstLineOfName) {
                specs.append(spec)
            }
        }
        return specs
    }

    private mutating func checkSpec(
        _ node: Node,
        index: Int,
        global: GlobalSettings?,
        firstLineOfName: inout [String: Int]
    ) -> CheckSpec? {
        let unnamed = ConfigScope.check(index: index, name: nil)
        guard case .mapping = node, var check = mapping(node, scope: unnamed, described: "", allowNull: false) else {
            report("checks[\(index)]: must be a mapping with at least name and type", at: node.mark)
            return nil
        }

        let name = string(check, "name").flatMap { name -> String? in
            guard CheckSpec.isValidName(name) else {
                report(check, "name", "must contain only letters, digits, \"_\", \".\" and \"-\"")
                return nil
            }
            return name
        }
        check.scope = .check(index: index, name: name)
        if let name, let nameNode = check.value("name") {
            let line = nameNode.mark?.line ?? 0
            if let firstLine = firstLineOfName[name] {
                report(check, "name", "duplicate name \"\(name)\" (first defined at line \(firstLine))")
            } else {
                firstLineOfName[name] = line
            }
        }

        let type = string(check, "type").flatMap { type -> String? in
            guard Self.checkTypeKeys[type] != nil else {
                let expected = CheckSettings.typeNames.joined(separator: ", ")
                report(check, "type", "unknown type \"\(type)\"; expected one of \(expected)")
                return nil
            }
            return type
        }
        // Without a known type, only the common keys can be judged.
        if let type, let typeKeys = Self.checkTypeKeys[type] {
            rejectUnknownKeys(in: check, allowed: Self.commonCheckKeys + typeKeys)
        }

        let interval = positiveDuration(check, "interval", global.map { .defaulted($0.interval) } ?? .optional)
        let timeout = positiveDuration(check, "timeout", global.map { .defaulted($0.timeout) } ?? .optional)
        requireTimeout(timeout, notLongerThan: interval, in: check)
        let failureThreshold = threshold(
            check,
            "failure_threshold",
            global.map { .defaulted($0.failureThreshold) } ?? .optional
        )
        let successThreshold = threshold(
            check,
            "success_threshold",
            global.map { .defaulted($0.successThreshold) } ?? .optional
        )
        let critical = bool(check, "critical", .defaulted(ConfigDefaults.critical))
        let tags = stringList(check, "tags", .defaulted([])).flatMap { validTags($0, in: check) }
        let settings = type.flatMap { checkSettings(type: $0, check) }

        guard let name, let type, let interval, let timeout, let failureThreshold, let successThreshold, let critical,
            let tags, let settings
        else {
            precondition(!diagnostics.isEmpty, "checks[\(index)] was rejected without a diagnostic")
            return nil
        }
        return CheckSpec(
            name: name,
            type: type,
            interval: interval,
            timeout: timeout,
            failureThreshold: failureThreshold,
            successThreshold: successThreshold,
            critical: critical,
            tags: tags,
            settings: settings,
            line: check.mark?.line ?? 0,
            column: check.mark?.column ?? 0
        )
    }

    private mutating func validTags(_ tags: [String], in check: ConfigMapping) -> [String]? {
        var valid = true
        let items: [Node] = if case .sequence(let sequence) = check.value("tags") { Array(sequence) } else { [] }
        for (index, tag) in tags.enumerated() where !CheckSpec.isValidName(tag) {
            report(
                "\(check.scope.key("tags[\(index)]")): must contain only letters, digits, \"_\", \".\" and \"-\"",
                at: index < items.count ? items[index].mark : check.mark
            )
            valid = false
        }
        return valid ? tags : nil
    }

    // MARK: Settings of each type

    private mutating func checkSettings(type: String, _ check: ConfigMapping) -> CheckSettings? {
        switch type {
        case "tcp": tcpSettings(check)
        case "http": httpSettings(check)
        case "dns": dnsSettings(check)
        case "tls": tlsSettings(check)
        case "exec": execSettings(check)
        case "disk": diskSettings(check)
        case "memory": memorySettings(check)
        case "load": loadSettings(check)
        case "process": processSettings(check)
        case "file": fileSettings(check)
        case "heartbeat": heartbeatSettings(check)
        case "postgres": postgresSettings(check)
        default: preconditionFailure("checkTypeKeys and checkSettings(type:) disagree about \"\(type)\"")
        }
    }

    private mutating func tcpSettings(_ check: ConfigMapping) -> CheckSettings? {
        let address = hostPort(check, "address")
        let send = string(check, "send", .optional)
        let expect = regex(check, "expect", .optional)
        guard let address else { return nil }
        return .tcp(address: address, send: send, expect: expect)
    }

    private mutating func httpSettings(_ check: ConfigMapping) -> CheckSettings? {
        let url = string(check, "url").flatMap { url -> String? in
            guard Self.isURL(url, schemes: ["http", "https"], requiringHost: true) else {
                report(check, "url", "must be an http:// or https:// URL with a host")
                return nil
            }
            return url
        }
        let method = string(check, "method", .defaulted(ConfigDefaults.httpMethod)).flatMap { method -> String? in
            guard Self.httpMethods.contains(method) else {
                report(check, "method", "must be one of \(Self.httpMethods.joined(separator: ", "))")
                return nil
            }
            return method
        }
        let headers = headerFields(check, "headers", .defaulted([]))
        let expectStatus = read(check, "expect_status", .defaulted(ConfigDefaults.httpExpectStatus)) {
            $0.statusRanges($1, at: $2)
        }
        let expectBody = regex(check, "expect_body", .optional)
        let tlsSkipVerify = bool(check, "tls_skip_verify", .defaulted(ConfigDefaults.httpTLSSkipVerify))
        guard let url, let method, let headers, let expectStatus, let tlsSkipVerify else { return nil }
        return .http(
            url: url,
            method: method,
            headers: headers,
            expectStatus: expectStatus,
            expectBody: expectBody,
            tlsSkipVerify: tlsSkipVerify
        )
    }

    private mutating func dnsSettings(_ check: ConfigMapping) -> CheckSettings? {
        let query = string(check, "query").flatMap { query -> String? in
            guard !query.contains(where: { $0.isWhitespace || $0 == "/" || $0 == ":" }) else {
                report(check, "query", "must be a domain name like example.com")
                return nil
            }
            return query
        }
        let recordType = string(check, "record_type", .defaulted(ConfigDefaults.dnsRecordType)).flatMap {
            recordType -> String? in
            let upper = recordType.uppercased()
            guard upper == "A" || upper == "AAAA" else {
                report(check, "record_type", "must be A or AAAA")
                return nil
            }
            return upper
        }
        var expect = stringList(check, "expect", .defaulted([]))
        if let recordType, let addresses = expect, case .sequence(let items) = check.value("expect") {
            let family = recordType == "A" ? IPAddressFamily.v4 : .v6
            for (index, address) in addresses.enumerated() where !family.accepts(address) {
                report(
                    "\(check.scope.key("expect[\(index)]")): must be an \(family.name) address",
                    at: items[index].mark
                )
                expect = nil
            }
        }
        guard let query, let recordType, let expect else { return nil }
        return .dns(query: query, recordType: recordType, expect: expect)
    }

    private mutating func tlsSettings(_ check: ConfigMapping) -> CheckSettings? {
        let address = hostPort(check, "address")
        let serverName = string(check, "server_name", .optional)
        let warnDays = count(check, "warn_days", .defaulted(ConfigDefaults.tlsWarnDays))
        let failDays = count(check, "fail_days", .defaulted(ConfigDefaults.tlsFailDays))
        requireOrder(check, "fail_days", failDays, notGreaterThan: "warn_days", warnDays) { "\($0)" }
        guard let address, let warnDays, let failDays, !check.contains("server_name") || serverName != nil else {
            return nil
        }
        return .tls(address: address, serverName: serverName ?? address.host, warnDays: warnDays, failDays: failDays)
    }

    private mutating func execSettings(_ check: ConfigMapping) -> CheckSettings? {
        guard let command = stringList(check, "command") else { return nil }
        guard !command.isEmpty else {
            report(check, "command", "must not be empty")
            return nil
        }
        return .exec(command: command)
    }

    private mutating func diskSettings(_ check: ConfigMapping) -> CheckSettings? {
        let path = absolutePath(check, "path", .defaulted(ConfigDefaults.diskPath))
        let warn = percent(check, "warn_free_percent", .defaulted(ConfigDefaults.diskWarnFreePercent))
        let fail = percent(check, "fail_free_percent", .defaulted(ConfigDefaults.diskFailFreePercent))
        requireOrder(check, "fail_free_percent", fail, notGreaterThan: "warn_free_percent", warn, describe: Self.number)
        guard let path, let warn, let fail else { return nil }
        return .disk(path: path, warnFreePercent: warn, failFreePercent: fail)
    }

    private mutating func memorySettings(_ check: ConfigMapping) -> CheckSettings? {
        let warn = percent(check, "warn_available_percent", .defaulted(ConfigDefaults.memoryWarnAvailablePercent))
        let fail = percent(check, "fail_available_percent", .defaulted(ConfigDefaults.memoryFailAvailablePercent))
        requireOrder(
            check,
            "fail_available_percent",
            fail,
            notGreaterThan: "warn_available_percent",
            warn,
            describe: Self.number
        )
        guard let warn, let fail else { return nil }
        return .memory(warnAvailablePercent: warn, failAvailablePercent: fail)
    }

    private mutating func loadSettings(_ check: ConfigMapping) -> CheckSettings? {
        let warn = positiveNumber(check, "warn_per_cpu", .defaulted(ConfigDefaults.loadWarnPerCPU))
        let fail = positiveNumber(check, "fail_per_cpu", .defaulted(ConfigDefaults.loadFailPerCPU))
        requireOrder(check, "warn_per_cpu", warn, notGreaterThan: "fail_per_cpu", fail, describe: Self.number)
        guard let warn, let fail else { return nil }
        return .load(warnPerCPU: warn, failPerCPU: fail)
    }

    private mutating func processSettings(_ check: ConfigMapping) -> CheckSettings? {
        let pidfile = absolutePath(check, "pidfile", .optional)
        let name = string(check, "process_name", .optional).flatMap { name -> String? in
            guard name.utf8.count <= Self.maximumProcessNameLength else {
                report(
                    check,
                    "process_name",
                    "must be at most \(Self.maximumProcessNameLength) bytes long, as /proc/PID/comm is"
                )
                return nil
            }
            return name
        }
        switch (check.contains("pidfile"), check.contains("process_name")) {
        case (false, false):
            report(check.scope.message("needs \"pidfile\" or \"process_name\""), at: check.mark)
            return nil
        case (true, true):
            report(check, "process_name", "set \"pidfile\" or \"process_name\", not both")
            return nil
        default:
            guard pidfile != nil || name != nil else { return nil }
            return .process(pidfile: pidfile, name: name)
        }
    }

    private mutating func fileSettings(_ check: ConfigMapping) -> CheckSettings? {
        let path = absolutePath(check, "path", .required)
        let maxAge = positiveDuration(check, "max_age", .optional)
        let minSize = count(check, "min_size", .optional)
        guard let path else { return nil }
        return .file(path: path, maxAge: maxAge, minSize: minSize)
    }

    private mutating func heartbeatSettings(_ check: ConfigMapping) -> CheckSettings? {
        let ttl = positiveDuration(check, "ttl")
        let grace = duration(check, "grace", .defaulted(ConfigDefaults.heartbeatGrace))
        guard let ttl, let grace else { return nil }
        return .heartbeat(ttl: ttl, grace: grace)
    }

    private mutating func postgresSettings(_ check: ConfigMapping) -> CheckSettings? {
        // The DSN may hold a password: the message never repeats it.
        guard let dsn = string(check, "dsn") else { return nil }
        guard Self.isURL(dsn, schemes: ["postgres", "postgresql"], requiringHost: false) else {
            report(check, "dsn", "must be a postgres:// or postgresql:// URL (percent-encode special characters)")
            return nil
        }
        return .postgres(dsn: dsn)
    }

    // MARK: Values of several types

    private mutating func hostPort(_ check: ConfigMapping, _ key: String) -> HostPort? {
        guard let text = string(check, key) else { return nil }
        guard let address = HostPort(text) else {
            report(check, key, "must be HOST:PORT with a port from 1 to 65535, like 127.0.0.1:8080 or [::1]:53")
            return nil
        }
        return address
    }

    /// A regular expression's source, once `Regex` accepts it.
    private mutating func regex(_ check: ConfigMapping, _ key: String, _ presence: Presence<String>) -> String? {
        guard let source = string(check, key, presence) else { return nil }
        do {
            _ = try Regex(source)
        } catch {
            report(check, key, "must be a valid regular expression: \(error)")
            return nil
        }
        return source
    }

    private mutating func absolutePath(_ check: ConfigMapping, _ key: String, _ presence: Presence<String>) -> String? {
        guard let path = string(check, key, presence) else { return nil }
        guard path.hasPrefix("/") else {
            report(check, key, "must be an absolute path")
            return nil
        }
        return path
    }

    private mutating func positiveNumber(_ check: ConfigMapping, _ key: String, _ presence: Presence<Double>) -> Double?
    {
        guard let value = number(check, key, presence) else { return nil }
        guard value > 0 else {
            report(check, key, "must be greater than 0")
            return nil
        }
        return value
    }

    /// `expect_status`: a list of codes (`200`) and ranges (`"200-299"`), each within 100...599.
    mutating func statusRanges(_ node: Node, at keyPath: String) -> [ClosedRange<Int>]? {
        guard case .sequence(let items) = node, !items.isEmpty else {
            report(
                "\(keyPath): must be a non-empty list of status codes like [200, 204] or [\"200-299\"]",
                at: node.mark
            )
            return nil
        }
        var ranges: [ClosedRange<Int>] = []
        var valid = true
        for (index, item) in items.enumerated() {
            if let range = Self.statusRange(item) {
                ranges.append(range)
            } else {
                report(
                    "\(keyPath)[\(index)]: must be a status code from 100 to 599 or a range like 200-299",
                    at: item.mark
                )
                valid = false
            }
        }
        return valid ? ranges : nil
    }

    private static func statusRange(_ node: Node) -> ClosedRange<Int>? {
        guard case .scalar(let scalar) = node else { return nil }
        let bounds = scalar.string.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else { return nil }
        let numbers = bounds.compactMap { bound in
            bound.count == 3 && bound.allSatisfy({ ("0"..."9").contains($0) }) ? Int(bound) : nil
        }
        guard numbers.count == bounds.count, let lower = numbers.first, let upper = numbers.last, lower <= upper,
            (100...599).contains(lower), (100...599).contains(upper)
        else { return nil }
        return lower...upper
    }

    private static func isURL(_ text: String, schemes: [String], requiringHost: Bool) -> Bool {
        guard !text.contains(where: { $0.isWhitespace }), let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), schemes.contains(scheme), text.contains("://")
        else { return false }
        return !requiringHost || !(url.host ?? "").isEmpty
    }

    /// 20.0 as "20", 2.5 as "2.5".
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
