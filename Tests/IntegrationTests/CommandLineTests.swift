import Foundation
import Testing

@Suite(.tags(.integration)) struct CommandLineTests {
    @Test func checkExitsZeroWhenNoCriticalCheckFails() async throws {
        let directory = try TemporaryDirectory()
        let fail = try directory.write("fail.sh", "#!/bin/sh\necho 'CRITICAL - x'\nexit 2\n", executable: true)
        let config = try directory.write(
            "ok.yml",
            """
            checks:
              - {name: root, type: disk, path: /, warn_free_percent: 0, fail_free_percent: 0}
              - {name: optional, type: exec, command: ["\(fail)"], critical: false}
            """
        )
        let result = try await runVitals(["check", "--config.file", config])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("PASS"))
        #expect(result.stdout.contains("root"))
        #expect(result.stdout.contains("optional"))
    }

    @Test func checkExitsOneWhenACriticalCheckFailsAndPrintsJSON() async throws {
        let directory = try TemporaryDirectory()
        let fail = try directory.write("fail.sh", "#!/bin/sh\necho 'CRITICAL - x'\nexit 2\n", executable: true)
        let config = try directory.write("bad.yml", "checks:\n  - {name: broken, type: exec, command: [\"\(fail)\"]}\n")
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        #expect(result.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["status"] as? String == "failure")
    }

    @Test func checkOnlyRunsTheSelectedTags() async throws {
        let directory = try TemporaryDirectory()
        let fail = try directory.write("fail.sh", "#!/bin/sh\nexit 2\n", executable: true)
        let config = try directory.write(
            "tags.yml",
            """
            checks:
              - {name: root, type: disk, path: /, warn_free_percent: 0, fail_free_percent: 0, tags: [ready]}
              - {name: broken, type: exec, command: ["\(fail)"], tags: [live]}
            """
        )
        let result = try await runVitals(["check", "--config.file", config, "--tag", "ready"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("broken"))
    }

    @Test func checkExitsTwoOnAConfigurationOrUsageError() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write("invalid.yml", "checks:\n  - {name: x, type: ftp}\n")
        #expect(try await runVitals(["check", "--config.file", config]).status == 2)
        #expect(try await runVitals(["check", "--format", "yaml"]).status == 2)
        #expect(try await runVitals(["serve", "--web.listen-address", "nonsense"]).status == 2)
    }

    @Test func checkConfigSummarisesAValidFile() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "valid.yml",
            """
            checks:
              - {name: root, type: disk}
              - {name: mem, type: memory, critical: false}
            """
        )
        let result = try await runVitals(["check-config", "--config.file", config])
        #expect(result.status == 0)
        #expect(result.stdout == "\(config): OK, 2 checks (1 critical)\n")
    }

    @Test func checkConfigPrintsOneLocatedErrorPerMistake() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "mistakes.yml",
            """
            global:
              interval: soon
            checks:
              - name: api
                type: http
              - name: api
                type: disk
                colour: blue
            """
        )
        let result = try await runVitals(["check-config", "--config.file", config])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("\(config):") })
        #expect(lines.contains { $0.hasPrefix("\(config):2:13: global.interval:") })
        #expect(lines.contains { $0.hasPrefix("\(config):4:5: checks[0] (api):") && $0.contains("\"url\"") })
        #expect(lines.contains { $0.contains("checks[1] (api): name: duplicate name \"api\"") })
        #expect(lines.contains { $0.hasPrefix("\(config):8:5: checks[1] (api): unknown key \"colour\"") })
    }

    @Test func versionNamesTheRelease() async throws {
        let result = try await runVitals(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("vitals "))
    }
}

@Suite(.tags(.integration)) struct NagiosOutputTests {
    private func run(_ body: String, critical: Bool = true) async throws -> CommandResult {
        let directory = try TemporaryDirectory()
        let plugin = try directory.write("plugin.sh", "#!/bin/sh\n\(body)\n", executable: true)
        let config = try directory.write(
            "nagios.yml",
            """
            checks:
              - {name: root, type: disk, path: /, warn_free_percent: 0, fail_free_percent: 0}
              - {name: plugin, type: exec, command: ["\(plugin)"], critical: \(critical)}
            """
        )
        return try await runVitals(["check", "--config.file", config, "--format", "nagios"])
    }

    @Test func okLineAndExitZero() async throws {
        let result = try await run("echo OK; exit 0")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("VITALS OK - 2 checks passing | 'plugin'="))
    }

    @Test func warningLineAndExitOne() async throws {
        let result = try await run("echo 'WARNING - meh'; exit 1")
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("VITALS WARNING - 1 of 2 warning: plugin | "))
    }

    @Test func criticalLineAndExitTwo() async throws {
        let result = try await run("echo 'CRITICAL - down'; exit 2")
        #expect(result.status == 2)
        #expect(result.stdout.hasPrefix("VITALS CRITICAL - 1 of 2 failing: plugin | "))
        #expect(result.stdout.contains("'root'="))
    }

    @Test func unknownAndExitThreeOnAConfigurationOrUsageError() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write("bad.yml", "checks:\n  - {name: x, type: ftp}\n")
        let invalid = try await runVitals(["check", "--config.file", config, "--format", "nagios"])
        #expect(invalid.status == 3)
        #expect(invalid.stdout.hasPrefix("VITALS UNKNOWN"))
        let usage = try await runVitals(["check", "--format", "nagios", "--no-such-flag"])
        #expect(usage.status == 3)
        #expect(usage.stdout.hasPrefix("VITALS UNKNOWN"))
    }
}

@Suite(.tags(.integration)) struct PostgresConfigTests {
    @Test func checkConfigRejectsABadDSNWithoutEchoingThePassword() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "pg.yml",
            "checks:\n  - {name: db, type: postgres, dsn: \"postgres://app:pw-9d2f@127.0.0.1/app?sslmode=sometimes\"}\n"
        )
        let result = try await runVitals(["check-config", "--config.file", config])
        #expect(result.status == 2)
        // Reported at the DSN itself, like every other value error (it was at the check's start before 0.3.0).
        #expect(result.stderr.hasPrefix("\(config):2:37: checks[0] (db): dsn: "), "\(result.stderr)")
        #expect(result.stderr.contains("sslmode"))
        #expect(!result.stderr.contains("pw-9d2f"))
    }
}
