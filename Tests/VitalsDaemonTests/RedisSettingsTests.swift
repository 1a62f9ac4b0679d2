import Foundation
import TestPeers
import Testing
import Vitals
import VitalsProbes

@testable import VitalsDaemon

/// The `redis` check type's keys: how `url`, `address` and the secrets become the probe, the
/// rules between them, and a check loaded from a file against a real server.
@Suite struct RedisSettingsTests {
    private func probe(_ yaml: String, in directory: borrowing TestDirectory) async throws -> RedisProbe? {
        try configuredChecks(yaml, in: directory).first as? RedisProbe
    }

    @Test func aURLGivesHostPortUserPasswordDatabaseAndTLS() async throws {
        let directory = try TestDirectory()
        let probe = try #require(
            try await probe(
                """
                checks:
                  - {name: c, type: redis, url: "rediss://monitor:p%40ss%20word@cache.internal:6380/3"}
                """,
                in: directory
            )
        )
        #expect(probe.host == "cache.internal")
        #expect(probe.port == 6380)
        #expect(probe.username == "monitor")
        #expect(probe.password == "p@ss word")
        #expect(probe.database == 3)
        #expect(probe.tls?.serverName == "cache.internal")
    }

    @Test func anAddressWithAPasswordFileAndDefaults() async throws {
        let directory = try TestDirectory()
        _ = try directory.file("redis.pass", "from-a-file\n")
        let probe = try #require(
            try await probe(
                """
                checks:
                  - {name: c, type: redis, address: "127.0.0.1:6379", password_file: redis.pass, expect_role: replica}
                """,
                in: directory
            )
        )
        #expect(probe.host == "127.0.0.1")
        #expect(probe.port == 6379)
        #expect(probe.username == nil)
        #expect(probe.password == "from-a-file")
        #expect(probe.database == nil)
        #expect(probe.tls == nil)
        #expect(probe.expectedRole == .replica)
    }

    @Test func rulesBetweenKeysAreLocatedErrors() throws {
        let directory = try TestDirectory()
        _ = try directory.file("pw", "x\n")
        let ca = try directory.file("ca.pem", "")
        // Each check breaks one rule; the error must point at the value named (the check's mapping for a
        // missing key), on its line.
        let checks: [(yaml: String, at: String, message: String)] = [
            (#"{name: a, type: redis}"#, "{", "checks[0] (a): needs address or url"),
            (
                #"{name: b, type: redis, address: "127.0.0.1:6379", url: "redis://127.0.0.1"}"#, #""redis://"#,
                "checks[1] (b): url: give address or url, not both"
            ),
            (
                #"{name: c, type: redis, url: "redis://:inline@127.0.0.1", password_file: pw}"#, "pw}",
                "checks[2] (c): password_file: the password is set more than once (url, password, password_file); "
                    + "keep it in one place"
            ),
            (
                #"{name: d, type: redis, address: "127.0.0.1:6379", username: monitor}"#, "monitor",
                "checks[3] (d): username: needs a password (password, password_file, or in the url)"
            ),
            (
                #"{name: e, type: redis, address: "127.0.0.1:6379", ca_file: \#(ca)}"#, ca,
                "checks[4] (e): ca_file: needs TLS (tls: true or a rediss:// url)"
            ),
            (
                #"{name: f, type: redis, url: "redis://127.0.0.1/cache"}"#, #""redis"#,
                "checks[5] (f): url: the path must be a database index, like /0"
            ),
            (
                #"{name: g, type: redis, url: "http://127.0.0.1"}"#, #""http"#,
                "checks[6] (g): url: must be a redis:// or rediss:// URL with a host (percent-encode special characters)"
            ),
            (
                #"{name: h, type: redis, address: "127.0.0.1:6379", expect_role: primary}"#, "primary",
                "checks[7] (h): expect_role: must be master or replica"
            ),
        ]
        let config = try directory.file(
            "vitals.yml",
            "checks:\n" + checks.map { "  - \($0.yaml)\n" }.joined()
        )
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: config) }
        let lines = error?.diagnostics.map(\.description) ?? []
        for (index, check) in checks.enumerated() {
            let line = "  - \(check.yaml)"
            let column = try #require(line.range(of: check.at)).lowerBound.utf16Offset(in: line) + 1
            let expected = "\(config):\(index + 2):\(column): \(check.message)"
            #expect(lines.contains(expected), "missing: \(expected)\ngot:\n\(lines.joined(separator: "\n"))")
        }
        #expect(lines.count == checks.count, "\(lines.joined(separator: "\n"))")
    }

    @Test func aCheckFromTheFilePassesAgainstRedisWithItsPasswordFile() async throws {
        let password = "file-held secret"
        let redis = try await RedisTestServer(["--requirepass", password])
        let directory = try TestDirectory()
        _ = try directory.file("redis.pass", password + "\n")
        let probe = try #require(
            try await probe(
                """
                checks:
                  - {name: c, type: redis, url: "redis://127.0.0.1:\(redis.port)/1", password_file: redis.pass}
                """,
                in: directory
            )
        )
        let outcome = try await probe.run()
        #expect(outcome.status == .pass, "\(outcome.message)")
    }
}
