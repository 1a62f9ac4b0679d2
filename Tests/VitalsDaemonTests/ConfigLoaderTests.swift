import Foundation
import Testing
import Vitals
import VitalsProbes

@testable import VitalsDaemon

private func fixturePath(_ name: String) throws -> String {
    let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return fixtures.appendingPathComponent("config").appendingPathComponent(name).path
}

/// The diagnostics of loading `path`, as printed; empty when the file is valid.
private func diagnostics(loading path: String) -> [String] {
    do {
        _ = try ConfigLoader.load(path: path)
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

/// One rule, one fixture: the exact `LINE:COLUMN: message` lines it must produce (the path is prefixed).
struct InvalidConfigFixture: Sendable, CustomTestStringConvertible {
    var file: String
    var expected: [String]
    var testDescription: String { file }
}

private let invalidFixtures: [InvalidConfigFixture] = [
    InvalidConfigFixture(
        file: "invalid-syntax.yml",
        expected: [
            "4:4: invalid YAML: did not find expected '-' indicator "
                + "(while parsing a block collection at line 2, column 3)"
        ]
    ),
    InvalidConfigFixture(file: "invalid-duplicate-key.yml", expected: ["3:5: duplicate key \"type\""]),
    InvalidConfigFixture(file: "invalid-empty.yml", expected: ["1:1: missing required key \"checks\""]),
    InvalidConfigFixture(
        file: "invalid-root.yml",
        expected: ["1:1: the file must be a mapping with the keys global, web, environment, watchdog, metrics, checks"]
    ),
    InvalidConfigFixture(
        file: "invalid-structure.yml",
        expected: [
            "1:9: global: must be a mapping",
            "2:6: web: must be a mapping",
            "4:3: checks: must be a list of checks",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-check-entry.yml",
        expected: ["2:5: checks[0]: must be a mapping with at least name and type"]
    ),
    InvalidConfigFixture(
        file: "invalid-unknown-key.yml",
        expected: [
            "1:1: unknown key \"globl\"; did you mean \"global\"?",
            "4:3: global: unknown key \"intervall\"; did you mean \"interval\"?",
            "5:3: global: unknown key \"foo\"",
            "10:5: checks[0] (api): unknown key \"foo\"",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-missing-key.yml",
        expected: [
            "2:5: checks[0] (api): missing required key \"url\"",
            "4:5: checks[1]: missing required key \"name\"",
            "6:5: checks[2] (nothing): missing required key \"type\"",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-types.yml",
        expected: [
            "2:13: global.interval: must be a duration like 250ms, 10s, 1h30m",
            "3:22: global.failure_threshold: must be an integer",
            "5:19: web.failure_status: must be an integer",
            "7:12: environment.enabled: must be true or false",
            "11:10: checks[0] (api): url: must be a string",
            "12:11: checks[0] (api): tags: must be a list of strings",
            "13:15: checks[0] (api): critical: must be true or false",
            "16:24: checks[1] (run): command[1]: must be a string",
            "19:19: checks[2] (cpu): warn_per_cpu: must be a number",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-unknown-type.yml",
        expected: [
            "3:11: checks[0] (files): type: unknown type \"ftp\"; expected one of "
                + CheckTypes.names.joined(separator: ", ")
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-duplicate-name.yml",
        expected: ["8:11: checks[2] (api): name: duplicate name \"api\" (first defined at line 5)"]
    ),
    InvalidConfigFixture(
        file: "invalid-name.yml",
        expected: [
            "2:11: checks[0]: name: must contain only letters, digits, \"_\", \".\" and \"-\"",
            "4:11: checks[1]: name: must not be empty",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-timeout.yml",
        // Only a timeout the file sets is an error; an inherited one is cut to the interval (global, cpu).
        expected: [
            "8:14: checks[0] (api): timeout: must not be longer than interval (10s)",
            "11:14: checks[1] (db): timeout: must not be longer than interval (5s)",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-global-timeout.yml",
        expected: ["3:12: global.timeout: must not be longer than interval (10s)"]
    ),
    InvalidConfigFixture(
        file: "invalid-threshold.yml",
        expected: [
            "2:22: global.success_threshold: must be at least 1",
            "6:24: checks[0] (api): failure_threshold: must be at least 1",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-address.yml",
        expected: [4, 7, 10].enumerated().map { index, line in
            "\(line):14: checks[\(index)] (\(["a", "b", "c"][index])): address: must be HOST:PORT with a port "
                + "from 1 to 65535, like 127.0.0.1:8080 or [::1]:53"
        }
    ),
    InvalidConfigFixture(
        file: "invalid-url.yml",
        expected: [
            "4:10: checks[0] (a): url: must be an http:// or https:// URL with a host",
            "7:10: checks[1] (b): url: must be an http:// or https:// URL with a host",
            "10:10: checks[2] (c): url: must be an http:// or https:// URL with a host",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-regex.yml",
        expected: [
            "5:13: checks[0] (a): expect: must be a valid regular expression: expected ')'",
            "9:18: checks[1] (b): expect_body: must be a valid regular expression: "
                + "character 'z' must compare less than or equal to 'a'",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-record-type.yml",
        expected: [
            "5:18: checks[0] (a): record_type: must be one of A, AAAA, CNAME, MX, TXT, NS, SRV, SOA, PTR, CAA",
            "9:25: checks[1] (b): expect[1]: must be an IPv4 address or /regex/",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-range.yml",
        expected: [
            "2:19: web.failure_status: must be between 400 and 599",
            "6:24: checks[0] (root): warn_free_percent: must be between 0 and 100",
            "7:24: checks[0] (root): fail_free_percent: must be between 0 and 100",
            "10:29: checks[1] (mem): fail_available_percent: must not be greater than warn_available_percent (20)",
            "13:19: checks[2] (cpu): warn_per_cpu: must be greater than 0",
            "16:19: checks[3] (cpu2): warn_per_cpu: must not be greater than fail_per_cpu (4)",
            "20:16: checks[4] (cert): warn_days: must not be negative",
            "24:16: checks[5] (cert2): fail_days: must not be greater than warn_days (14)",
            "28:15: checks[6] (backup): min_size: must not be negative",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-process.yml",
        expected: [
            "2:5: checks[0] (nginx): needs \"pidfile\" or \"process_name\"",
            "7:19: checks[1] (sshd): process_name: set \"pidfile\" or \"process_name\", not both",
            "10:19: checks[2] (longname): process_name: must be at most 15 bytes long, as /proc/PID/comm is",
            "13:14: checks[3] (rel): pidfile: must be an absolute path",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-duration.yml",
        expected: [
            "2:13: global.interval: must be a duration like 250ms, 10s, 1h30m",
            "3:12: global.timeout: must be at least 10ms",
            "7:10: checks[0] (cron): ttl: must be a duration like 250ms, 10s, 1h30m",
            "8:12: checks[0] (cron): grace: must be a duration like 250ms, 10s, 1h30m",
            "12:14: checks[1] (backup): max_age: must be longer than 0s",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-limits.yml",
        expected: [
            "2:13: global.interval: must be at least 100ms",
            "6:14: checks[0] (slow): timeout: is out of range",
            "7:11: checks[1]: name: must be at most 128 bytes long",
            "9:16: checks[1]: tags[1]: must be at most 128 bytes long",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-dsn.yml",
        expected: [
            "4:10: checks[0] (db): dsn: must be a postgres:// or postgresql:// URL (percent-encode special characters)"
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-tags.yml",
        expected: ["4:19: checks[0] (a): tags[1]: must contain only letters, digits, \"_\", \".\" and \"-\""]
    ),
    InvalidConfigFixture(
        file: "invalid-headers.yml",
        expected: [
            "4:5: web.headers.Bad Name: is not a valid header name (use letters, digits and !#$%&'*+-.^_`|~)",
            "5:13: web.headers.X-Empty: must be a string",
            "10:13: checks[0] (api): method: must be one of GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH",
            "11:26: checks[0] (api): expect_status[1]: must be a status code from 100 to 599 or a range like 200-299",
            "11:31: checks[0] (api): expect_status[2]: must be a status code from 100 to 599 or a range like 200-299",
            "13:16: checks[0] (api): headers.X-Token: must be a string",
        ]
    ),
    InvalidConfigFixture(
        file: "invalid-exec.yml",
        expected: [
            "4:14: checks[0] (a): command: must not be empty",
            "7:14: checks[1] (b): command: must be a list of strings",
        ]
    ),
]

@Suite struct ConfigLoaderTests {
    // MARK: Valid files

    @Test func parsesEveryKeyOfAFullFile() throws {
        let configuration = try ConfigLoader.load(path: try fixturePath("valid-full.yml"))
        let global = GlobalSettings(
            interval: .seconds(60),
            timeout: .seconds(5),
            failureThreshold: 3,
            successThreshold: 2
        )
        func check(_ name: String, line: Int, _ settings: some CheckSettings) -> CheckSpec {
            CheckSpec(
                name: name,
                type: type(of: settings).typeName,
                interval: .seconds(60),
                timeout: .seconds(5),
                failureThreshold: 3,
                successThreshold: 2,
                critical: true,
                tags: [],
                labels: [:],
                latencyBuckets: [],
                settings: settings,
                line: line,
                column: 5
            )
        }
        var api = check(
            "api",
            line: 20,
            HTTPSettings(
                url: "https://127.0.0.1:8443/ping",
                method: .post,
                headers: [
                    HeaderField(name: "Authorization", value: "Bearer s3cret"),
                    HeaderField(name: "Accept", value: "application/json"),
                ],
                expectStatus: [200...200, 300...399],
                expectBody: #""ok":\s*true"#,
                tlsSkipVerify: true
            )
        )
        api.interval = .seconds(10)
        api.timeout = .seconds(2)
        api.failureThreshold = 5
        api.successThreshold = 4
        api.critical = false
        api.tags = ["ready", "live"]
        let expected = Configuration(
            global: global,
            web: WebSettings(
                failureStatus: 503,
                headers: [
                    HeaderField(name: "Cache-Control", value: "no-store"),
                    HeaderField(name: "X-Served-By", value: "vitals"),
                ]
            ),
            environment: EnvironmentSettings(
                enabled: true,
                includeOS: false,
                includeRuntime: true,
                includeProcess: false,
                includeConfig: true
            ),
            watchdog: WatchdogSettings(requireHealthy: true),
            checks: [
                api,
                check(
                    "redis",
                    line: 36,
                    TCPSettings(address: HostPort(host: "::1", port: 6379), send: "PING\r\n", expect: #"^\+PONG"#)
                ),
                check(
                    "resolver",
                    line: 41,
                    DNSSettings(query: "example.com", recordType: .aaaa, expect: ["2001:db8::1"])
                ),
                check(
                    "cert",
                    line: 46,
                    TLSSettings(
                        address: HostPort(host: "example.com", port: 443),
                        serverName: "www.example.com",
                        warnDays: 30,
                        failDays: 7
                    )
                ),
                check(
                    "ping",
                    line: 52,
                    ExecSettings(command: ["/usr/lib/nagios/plugins/check_ping", "-H", "127.0.0.1"])
                ),
                check("data", line: 55, DiskSettings(path: "/var/lib", warnFreePercent: 25, failFreePercent: 12.5)),
                check("mem", line: 60, MemorySettings(warnAvailablePercent: 15, failAvailablePercent: 5)),
                check("cpu", line: 64, LoadSettings(warnPerCPU: 1.5, failPerCPU: 3)),
                check("nginx", line: 68, ProcessSettings(target: .pidfile("/run/nginx.pid"))),
                check("sshd", line: 71, ProcessSettings(target: .name("sshd"))),
                check(
                    "backup",
                    line: 74,
                    FileSettings(path: "/var/backups/latest.tar", maxAge: .seconds(86_400), minSize: 1024)
                ),
                check("cron", line: 79, HeartbeatSettings(ttl: .seconds(3600), grace: .seconds(300))),
                check("db", line: 83, PostgresSettings(dsn: "postgres://vitals:hunter2@127.0.0.1:5432/app")),
            ]
        )
        #expect(configuration.global == expected.global)
        #expect(configuration.web == expected.web)
        #expect(configuration.environment == expected.environment)
        #expect(configuration.watchdog == expected.watchdog)
        #expect(configuration.checks.count == expected.checks.count)
        for (actual, wanted) in zip(configuration.checks, expected.checks) {
            #expect(actual == wanted)
        }
        #expect(configuration == expected)
    }

    @Test func appliesDefaultsToAMinimalFile() throws {
        let configuration = try ConfigLoader.load(path: try fixturePath("valid-minimal.yml"))
        #expect(configuration.global == GlobalSettings())
        #expect(configuration.web == WebSettings(failureStatus: 500, headers: []))
        #expect(configuration.environment == EnvironmentSettings())
        #expect(!configuration.environment.enabled)
        #expect(configuration.watchdog == WatchdogSettings(requireHealthy: false))
        #expect(
            configuration.checks.map { AnyHashable($0.settings) } == [
                AnyHashable(
                    HTTPSettings(
                        url: "http://127.0.0.1:8080/ping",
                        method: .get,
                        headers: [],
                        expectStatus: [200...299],
                        expectBody: nil,
                        tlsSkipVerify: false
                    )
                ),
                AnyHashable(TCPSettings(address: HostPort(host: "127.0.0.1", port: 6379), send: nil, expect: nil)),
                AnyHashable(DNSSettings(query: "example.com", recordType: .a, expect: [])),
                AnyHashable(
                    TLSSettings(
                        address: HostPort(host: "example.com", port: 443),
                        serverName: "example.com",
                        warnDays: 14,
                        failDays: 3
                    )
                ),
                AnyHashable(DiskSettings(path: "/", warnFreePercent: 20, failFreePercent: 10)),
                AnyHashable(MemorySettings(warnAvailablePercent: 20, failAvailablePercent: 10)),
                AnyHashable(LoadSettings(warnPerCPU: 2, failPerCPU: 4)),
                AnyHashable(HeartbeatSettings(ttl: .seconds(600), grace: .zero)),
            ]
        )
        for check in configuration.checks {
            #expect(check.interval == .seconds(30))
            #expect(check.timeout == .seconds(10))
            #expect(check.failureThreshold == 1)
            #expect(check.successThreshold == 1)
            #expect(check.critical)
            #expect(check.tags.isEmpty)
            #expect(check.type == type(of: check.settings).typeName)
        }
        #expect(configuration.checks.map(\.line) == [2, 5, 8, 11, 14, 16, 18, 20])
    }

    @Test func inheritsGlobalValuesUnlessACheckOverridesThem() throws {
        let yaml = """
            global:
              interval: 2m
              timeout: 20s
              failure_threshold: 3
            checks:
              - {name: a, type: memory}
              - {name: b, type: memory, interval: 1m, failure_threshold: 1, success_threshold: 2}
            """
        let checks = try ConfigLoader.parse(yaml: yaml, path: "inline.yml").checks
        #expect(checks.map(\.interval) == [.seconds(120), .seconds(60)])
        #expect(checks.map(\.timeout) == [.seconds(20), .seconds(20)])
        #expect(checks.map(\.failureThreshold) == [3, 1])
        #expect(checks.map(\.successThreshold) == [1, 2])
    }

    @Test func cutsAnInheritedTimeoutToTheIntervalAsPrometheusDoes() throws {
        let yaml = """
            checks:
              - {name: a, type: memory, interval: 5s}
              - {name: b, type: memory, interval: 2s, timeout: 1s}
            """
        let checks = try ConfigLoader.parse(yaml: yaml, path: "inline.yml").checks
        #expect(checks.map(\.interval) == [.seconds(5), .seconds(2)])
        #expect(checks.map(\.timeout) == [.seconds(5), .seconds(1)])
        let global = try ConfigLoader.parse(yaml: "global: {interval: 3s}\nchecks: []\n", path: "g.yml").global
        #expect(global.timeout == .seconds(3))
    }

    @Test func rejectsAFileLargerThanTheLimit() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-large-\(UUID()).yml")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(count: ConfigLoader.maximumFileSize + 1).write(to: url)
        #expect(diagnostics(loading: url.path) == ["\(url.path): cannot read file: larger than 16 MiB"])
    }

    @Test func treatsEmptySectionsAsDefaults() throws {
        let yaml = """
            global:
            web:
              headers:
            environment:
            watchdog:
            checks: []
            """
        #expect(try ConfigLoader.parse(yaml: yaml, path: "inline.yml") == Configuration(checks: []))
    }

    @Test func defaultConfigurationWatchesTheHost() {
        let checks = Configuration.default.checks
        #expect(checks.map(\.name) == ["disk_root", "memory", "load"])
        #expect(checks.map(\.type) == ["disk", "memory", "load"])
        #expect(
            AnyHashable(checks[0].settings)
                == AnyHashable(DiskSettings(path: "/", warnFreePercent: 20, failFreePercent: 10))
        )
        #expect(checks.allSatisfy { $0.interval == .seconds(30) && $0.timeout == .seconds(10) })
        #expect(checks.map(\.critical) == [true, true, false], "a busy host is not a broken service")
        #expect(Configuration.default.global == GlobalSettings())
    }

    @Test func reloadKeepsAMovedCheckAndReplacesAChangedOne() async throws {
        let context = ProbeContext(resolverThreads: 1)
        let factory = CheckFactory(context: context)
        func slot(_ yaml: String) throws -> CheckSlot? {
            let configuration = try ConfigLoader.parse(yaml: yaml, path: "a.yml")
            return store.replace(with: factory.definitions(for: configuration)).first
        }
        let store = ResultStore()
        let first = try slot("checks:\n  - {name: a, type: memory}\n")
        let moved = try slot("\n\nchecks:\n - {name: a, type: memory}\n")
        let changed = try slot("checks:\n  - {name: a, type: memory, critical: false}\n")
        let otherSetting = try slot(
            "checks:\n  - {name: a, type: memory, critical: false, warn_available_percent: 30}\n"
        )
        await context.shutdown()
        #expect(first != nil)
        #expect(first === moved, "the same check elsewhere in the file keeps its state")
        #expect(moved !== changed, "a changed policy makes a new check")
        #expect(changed !== otherSetting, "a changed type setting makes a new check")
    }

    // MARK: Invalid files

    @Test(arguments: invalidFixtures)
    func reportsEveryMistakeOfARuleAtItsPosition(_ fixture: InvalidConfigFixture) throws {
        let path = try fixturePath(fixture.file)
        #expect(diagnostics(loading: path) == fixture.expected.map { "\(path):\($0)" })
    }

    @Test func reportsOneDiagnosticPerMistakeInFileOrder() throws {
        let path = try fixturePath("invalid-multiple.yml")
        let unknownType = "unknown type \"ftp\"; expected one of " + CheckTypes.names.joined(separator: ", ")
        #expect(
            diagnostics(loading: path) == [
                "\(path):6:11: checks[0] (disk): path: must be an absolute path",
                "\(path):9:5: checks[1] (mem): unknown key \"unknown\"",
                "\(path):13:14: checks[2] (api): timeout: must not be longer than interval (10s)",
                "\(path):14:11: checks[3] (api): name: duplicate name \"api\" (first defined at line 10)",
                "\(path):15:11: checks[3] (api): type: \(unknownType)",
            ]
        )
    }

    @Test func reportsEveryBadLabelAtItsKeyOrValue() throws {
        let path = try fixturePath("invalid-labels.yml")
        let reserved = CheckPolicy.reservedLabelNames.sorted().joined(separator: ", ")
        #expect(
            diagnostics(loading: path) == [
                "\(path):2:12: global.labels.__env: label names starting with \"__\" are reserved for Prometheus",
                "\(path):2:25: global.labels.9lives: is not a valid label name (a letter or \"_\", then letters, "
                    + "digits and \"_\")",
                "\(path):6:14: checks[0] (db): labels.check: \"check\" is a label Vitals or Prometheus sets itself "
                    + "(reserved: \(reserved))",
                "\(path):6:34: checks[0] (db): labels.team: must not be empty",
                "\(path):6:38: checks[0] (db): labels.instance: \"instance\" is a label Vitals or Prometheus sets "
                    + "itself (reserved: \(reserved))",
                "\(path):9:13: checks[1] (api): labels: must be a mapping",
            ]
        )
    }

    @Test func reportsBadLatencyBucketsAtEachBound() throws {
        let path = try fixturePath("invalid-latency-buckets.yml")
        #expect(
            diagnostics(loading: path) == [
                "\(path):2:26: metrics.latency_buckets[1]: must be greater than the bound before it (0.1)",
                "\(path):2:32: metrics.latency_buckets[2]: must be greater than 0",
                "\(path):6:37: checks[0] (db): metrics.latency_buckets[1]: must be greater than the bound before "
                    + "it (1.0)",
                "\(path):6:45: checks[0] (db): metrics: unknown key \"buckets\"",
                "\(path):9:32: checks[1] (api): metrics.latency_buckets: must be a list of bounds in seconds, "
                    + "like [0.01, 0.1, 1], or [] for none",
            ]
        )
    }

    @Test func labelsOfAllChecksMergeWithTheCheckOwnAndBucketsAreInherited() throws {
        let configuration = try ConfigLoader.parse(
            yaml: """
                global: {labels: {env: prod, team: core}}
                metrics: {latency_buckets: [0.01, 250ms, 1]}
                checks:
                  - {name: a, type: memory, labels: {team: payments}}
                  - {name: b, type: memory, metrics: {latency_buckets: []}}
                """,
            path: "v.yml"
        )
        #expect(configuration.checks[0].labels == ["env": "prod", "team": "payments"])
        #expect(configuration.checks[1].labels == ["env": "prod", "team": "core"])
        #expect(configuration.checks[0].latencyBuckets == [0.01, 0.25, 1])
        #expect(configuration.checks[1].latencyBuckets == [])
    }

    @Test func errorDescriptionHasOneLinePerDiagnostic() throws {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "checks:\n  - {name: a, type: memory, foo: 1, bar: 2}\n", path: "v.yml")
        }
        #expect(
            error?.description == """
                v.yml:2:29: checks[0] (a): unknown key "foo"
                v.yml:2:37: checks[0] (a): unknown key "bar"
                """
        )
    }

    @Test func neverEchoesAPassword() throws {
        for file in ["invalid-dsn.yml", "invalid-url.yml"] {
            let output = diagnostics(loading: try fixturePath(file)).joined(separator: "\n")
            #expect(!output.isEmpty)
            #expect(!output.contains("hunter2"))
            #expect(!output.contains("s3cret"))
        }
    }

    @Test func reportsAMissingFileWithoutPosition() {
        #expect(
            diagnostics(loading: "/nonexistent/vitals.yml") == [
                "/nonexistent/vitals.yml: cannot read file: No such file or directory"
            ]
        )
    }

    @Test func reportsADirectoryAsUnreadable() throws {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path
        #expect(diagnostics(loading: directory) == ["\(directory): cannot read file: Is a directory"])
    }

    @Test func rejectsYAMLBooleansOtherThanTrueAndFalse() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "watchdog:\n  require_healthy: on\nchecks: []\n", path: "v.yml")
        }
        #expect(error?.diagnostics.map(\.message) == ["watchdog.require_healthy: must be true or false"])
    }

    @Test func sortsDiagnosticsByPosition() {
        let error = ConfigError(diagnostics: [
            Diagnostic(path: "p", line: 3, column: 1, message: "c"),
            Diagnostic(path: "p", line: 1, column: 9, message: "b"),
            Diagnostic(path: "p", line: 1, column: 2, message: "a"),
        ])
        #expect(error.diagnostics.map(\.message) == ["a", "b", "c"])
    }
}
