import Foundation
import Testing

@testable import Vitals

@Suite struct EnvironmentDumpTests {
    private static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl_-x"
    private static let pem = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
        KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==
        -----END RSA PRIVATE KEY-----
        """

    private let facts = SystemFacts(
        osRelease: "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\n",
        kernelName: "Linux",
        kernelRelease: "6.1.0-18-amd64",
        architecture: "x86_64",
        hostname: "web-1",
        uptimeSeconds: 1234.5,
        pid: 42,
        arguments: ["vitals", "serve", "--db.password=hunter2", "--token", "abc", "--log.level", "info"],
        workingDirectory: "/srv",
        userName: "vitals",
        uid: 998,
        startTime: 1_700_000_000,
        residentMemoryBytes: 1_048_576,
        environment: [
            "API_TOKEN": "abc",
            "DATABASE_URL": "postgres://app:hunter2@db:5432/app",
            "TLS_BUNDLE": pem,
            "GREETING": "Bearer " + jwt,
            "PATH": "/usr/bin",
            "PWD": "/srv",
            "OLDPWD": "/home/vitals",
            "MYSQL_PWD": "hunter2",
            "SETTINGS": #"{"password": "hunter2", "region": "eu"}"#,
        ]
    )

    private func json(_ dump: EnvironmentDump) throws -> [String: Any] {
        let bytes = dump.document(facts: facts).jsonBytes
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    private var build: BuildInfo { BuildInfo(version: "1.2.0", revision: "abc123", swiftVersion: "6.3") }

    @Test func masksSecretsByNameAndByValue() throws {
        let document = try json(EnvironmentDump(build: build))
        let process = try #require(document["process"] as? [String: Any])
        let environment = try #require(process["environment"] as? [String: String])
        #expect(environment["API_TOKEN"] == "********")
        #expect(environment["DATABASE_URL"] == "postgres://app:********@db:5432/app")
        #expect(environment["TLS_BUNDLE"] == "********")
        #expect(environment["GREETING"] == "Bearer ********")
        #expect(environment["PATH"] == "/usr/bin")
        #expect(environment["PWD"] == "/srv")
        #expect(environment["OLDPWD"] == "/home/vitals")
        #expect(environment["MYSQL_PWD"] == "********")
        #expect(environment["SETTINGS"] == #"{"password": "********", "region": "eu"}"#)
        #expect(
            process["arguments"] as? [String] == [
                "vitals", "serve", "--db.password=********", "--token", "********", "--log.level", "info",
            ]
        )
    }

    @Test func masksSecretsInTheConfigRecursively() throws {
        let config: EnvironmentValue = [
            "checks": [
                ["name": "db", "dsn": "postgres://a:b@h/db"],
                ["name": "api", "headers": ["Authorization": "Basic eA==", "Accept": "text/plain"]],
                ["name": "backup", "command": ["/usr/bin/check", "--password", "hunter2", "--host", "db", "-p", "5"]],
                ["name": "blob", "url": "https://b.test/o?sig=abc&sv=2024"],
            ],
            "notes": ["hello", .string(Self.jwt), #"{"password": "hunter2"}"#],
            "interval": "30s",
        ]
        let document = try json(EnvironmentDump(build: build, config: config))
        let expected: EnvironmentValue = [
            "checks": [
                ["name": "db", "dsn": "********"],
                ["name": "api", "headers": ["Authorization": "********", "Accept": "text/plain"]],
                [
                    "name": "backup",
                    "command": ["/usr/bin/check", "--password", "********", "--host", "db", "-p", "5"],
                ],
                ["name": "blob", "url": "https://b.test/o?sig=********&sv=2024"],
            ],
            "notes": ["hello", "********", #"{"password": "********"}"#],
            "interval": "30s",
        ]
        let expectedJSON = try JSONSerialization.jsonObject(with: Data(expected.jsonBytes)) as? NSDictionary
        #expect((document["config"] as? NSDictionary) == expectedJSON)
    }

    @Test func reportsTheBuiltInSections() throws {
        let document = try json(EnvironmentDump(build: build))
        let os = try #require(document["os"] as? [String: Any])
        #expect(os["name"] as? String == "Debian GNU/Linux")
        #expect(os["version"] as? String == "12 (bookworm)")
        #expect(os["kernel"] as? String == "6.1.0-18-amd64")
        #expect(os["hostname"] as? String == "web-1")
        #expect(os["uptime_seconds"] as? Double == 1234.5)
        let runtime = try #require(document["runtime"] as? [String: Any])
        #expect(runtime["swift_version"] as? String == "6.3")
        #expect(runtime["vitals_version"] as? String == "1.2.0")
        #expect(runtime["vitals_revision"] as? String == "abc123")
        #expect(["debug", "release"].contains(runtime["build_configuration"] as? String))
        let process = try #require(document["process"] as? [String: Any])
        #expect(process["pid"] as? Int == 42)
        #expect(process["working_directory"] as? String == "/srv")
        #expect(process["user"] as? String == "vitals")
        #expect(process["uid"] as? Int == 998)
        #expect(process["start_time"] as? String == "2023-11-14T22:13:20Z")
        #expect(process["resident_memory_bytes"] as? Int == 1_048_576)
    }

    @Test func switchedOffSectionsAreAbsent() throws {
        var dump = EnvironmentDump(build: build, options: .init(includeOS: false, includeProcess: false))
        dump.addSection("custom") { ["ok": true] }
        let document = try json(dump)
        #expect(Set(document.keys) == ["runtime", "config", "custom"])
        let keys = dump.document(facts: facts).objectKeys
        #expect(keys == ["runtime", "config", "custom"])
    }

    @Test func customSectionsAppearInOrderAndAreScrubbed() throws {
        var dump = EnvironmentDump(
            build: build,
            options: .init(includeOS: false, includeRuntime: false, includeProcess: false, includeConfig: false)
        )
        dump.addSection("billing") {
            [
                "api_key": "k-123",
                "endpoint": "https://user:pw@billing.test/v1",
                "certificate": .string(Self.pem),
                "nested": [["Session": "s", "region": "eu"]],
            ]
        }
        dump.addSection("queue") { ["depth": 3] }
        dump.addSection("billing") { ["api_key": "k-456", "plan": "gold"] }
        #expect(dump.document(facts: facts).objectKeys == ["billing", "queue"])
        let billing = try #require(try json(dump)["billing"] as? [String: String])
        #expect(billing == ["api_key": "********", "plan": "gold"])

        var other = EnvironmentDump(build: build, options: .init(includeRuntime: false, includeConfig: false))
        other.addSection("billing") {
            [
                "api_key": "k-123",
                "endpoint": "https://user:pw@billing.test/v1",
                "certificate": .string(Self.pem),
                "nested": [["Session": "s", "region": "eu"]],
            ]
        }
        let section = try #require(try json(other)["billing"] as? [String: Any])
        #expect(section["api_key"] as? String == "********")
        #expect(section["endpoint"] as? String == "https://user:********@billing.test/v1")
        #expect(section["certificate"] as? String == "********")
        #expect(section["nested"] as? [[String: String]] == [["Session": "********", "region": "eu"]])
    }

    @Test func rendersTheRealSystemAsJSON() throws {
        let bytes = EnvironmentDump(build: build).render()
        #expect(bytes.last == UInt8(ascii: "\n"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let process = try #require(document["process"] as? [String: Any])
        #expect(process["pid"] as? Int == Int(ProcessInfo.processInfo.processIdentifier))
        #if os(Linux)
        let os = try #require(document["os"] as? [String: Any])
        #expect(os["hostname"] is String)
        #expect(os["uptime_seconds"] is Double)
        #expect(os["kernel"] is String)
        #endif
    }

    @Test func parsesOSRelease() {
        let parsed = SystemFacts.parseOSRelease("# comment\nNAME='Alpine Linux'\nVERSION_ID=3.19.1\nID=alpine\n")
        #expect(parsed.name == "Alpine Linux")
        #expect(parsed.version == "3.19.1")
    }
}

extension EnvironmentValue {
    fileprivate var objectKeys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.key)
    }
}

@Suite struct EnvironmentDumpReservedNameTests {
    @Test func aSectionNamedLikeABuiltInOneIsKeptApartInsteadOfCrashing() throws {
        var dump = EnvironmentDump(
            build: BuildInfo(version: "1", revision: "r", swiftVersion: "6"),
            options: .init(includeOS: false, includeRuntime: false, includeProcess: false, includeConfig: false)
        )
        dump.addSection("os") { ["mine": true] }
        let text = String(decoding: dump.render(), as: UTF8.self)
        #expect(text.contains("\"custom.os\""))
    }
}
