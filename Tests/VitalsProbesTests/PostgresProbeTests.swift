import TestPeers
import Testing
import Vitals
import VitalsProbes

@Suite(.tags(.integration), .postgresServer)
struct PostgresProbeTests {
    typealias Server = PostgresTestServer

    @Test(arguments: ["sslmode=disable", "sslmode=prefer", "application_name=vitals-test"])
    func passesWithTheRightPassword(query: String) async throws {
        let server = try await PostgresServerTrait.server()
        let probe = PostgresProbe(dsn: server.dsn(query: query))
        let outcome = try await bounded { try await probe.run() }
        #expect(outcome.status == .pass)
        #expect(outcome.message.hasPrefix("SELECT 1 in "), "\(outcome.message)")
        #expect(outcome.message.contains(" ms (PostgreSQL "), "\(outcome.message)")
    }

    @Test func passesOverTheUnixSocket() async throws {
        let server = try await PostgresServerTrait.server()
        let dsn =
            "postgres://\(Server.user):\(Server.encodedPassword)@:\(server.port)/app?host=\(server.socketDirectory)"
        let outcome = try await bounded { try await PostgresProbe(dsn: dsn).run() }
        #expect(outcome.status == .pass, "\(outcome.message)")
    }

    @Test func failsWithAuthOnAWrongPassword() async throws {
        let server = try await PostgresServerTrait.server()
        let failure = try await failure(of: PostgresProbe(dsn: server.dsn(password: "not-the-password")))
        #expect(failure.reason == PostgresProbe.authFailure)
        #expect(failure.detail == #"password authentication failed for user "vitals" (SQLSTATE 28P01)"#)
        #expect(!failure.detail.contains("not-the-password"))
        #expect(!failure.detail.contains(Server.password))
    }

    @Test func failsWithAuthForAnUnknownUser() async throws {
        let server = try await PostgresServerTrait.server()
        let dsn = "postgres://nobody:\(Server.encodedPassword)@127.0.0.1:\(server.port)/app?sslmode=disable"
        let failure = try await failure(of: PostgresProbe(dsn: dsn))
        #expect(failure.reason == PostgresProbe.authFailure)
    }

    @Test func failsWithTheServersMessageWhenTheDatabaseDoesNotExist() async throws {
        let server = try await PostgresServerTrait.server()
        let failure = try await failure(of: PostgresProbe(dsn: server.dsn(database: "missing")))
        #expect(failure.reason == .error)
        #expect(failure.detail == #"database "missing" does not exist (SQLSTATE 3D000)"#)
    }

    @Test func failsWithTLSWhenTLSIsRequiredButTheServerHasNone() async throws {
        let server = try await PostgresServerTrait.server()
        let failure = try await failure(of: PostgresProbe(dsn: server.dsn(query: "sslmode=require")))
        #expect(failure.reason == .tls)
        #expect(failure.detail.contains("does not accept TLS"))
    }

    @Test func failsWithRefusedWhenTheServerIsNotRunning() async throws {
        let reserved = try ReservedPort()
        let dsn = "postgres://\(Server.user):\(Server.encodedPassword)@127.0.0.1:\(reserved.port)/app"
        let failure = try await failure(of: PostgresProbe(dsn: dsn))
        #expect(failure.reason == .refused)
        #expect(failure.detail == "connection refused")
    }

    @Test func failsWithDNSWhenTheHostDoesNotResolve() async throws {
        let failure = try await failure(of: PostgresProbe(dsn: "postgres://vitals:pw@no-such-host.invalid/app"))
        #expect(failure.reason == .dns)
        #expect(failure.detail == "cannot resolve no-such-host.invalid")
    }

    @Test func stopsPromptlyWhenCancelledDuringTheHandshake() async throws {
        let silent = try await TCPTestServer.start(.silent)
        defer { Task { try await silent.stop() } }
        let probe = PostgresProbe(dsn: "postgres://vitals:pw@127.0.0.1:\(silent.port)/app")
        let run = Task { try await probe.run() }
        _ = try await bounded { await silent.accepted.first { _ in true } }
        run.cancel()
        let result = try await bounded { await run.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test func noMessageContainsThePassword() async throws {
        let server = try await PostgresServerTrait.server()
        let reserved = try ReservedPort()
        let hostPort = "127.0.0.1:\(server.port)"
        let dsns = [
            server.dsn(),
            server.dsn(database: "missing"),
            server.dsn(query: "sslmode=require"),
            "postgres://nobody:\(Server.encodedPassword)@\(hostPort)/app",
            "postgres://\(Server.user):\(Server.encodedPassword)@127.0.0.1:\(reserved.port)/app",
            "postgres://\(Server.user):\(Server.encodedPassword)@no-such-host.invalid/app",
            "postgres://\(Server.user):\(Server.encodedPassword)@\(hostPort)/app?sslmode=maybe",
            "postgres://\(Server.user):\(Server.encodedPassword)@\(hostPort):x/app",
        ]
        for dsn in dsns {
            let probe = PostgresProbe(dsn: dsn)
            let result = try await bounded { await Result { try await probe.run() } }
            let message =
                switch result {
                case .success(let outcome): outcome.message
                case .failure(let error): "\(error)"
                }
            for secret in [Server.password, Server.encodedPassword, "s3cr"] {
                #expect(!message.contains(secret), "\(message)")
            }
            #expect(!"\(probe)".contains("s3cr"))
            #expect(PostgresProbe.problem(with: dsn)?.contains("s3cr") != true)
        }
    }

    @Test(arguments: [
        ("mysql://root:pw@db/app", "invalid DSN: must start with postgres:// or postgresql://"),
        ("postgres://:pw@db/app", "invalid DSN: no user name"),
        ("postgres://u:pw@db:99999/app", "invalid DSN: the port must be a number from 1 to 65535"),
        ("postgres://u:p%zz@db/app", "invalid DSN: bad percent-encoding in the password"),
        (
            "postgres://u:pw@db/app?sslmode=allow",
            "invalid DSN: sslmode must be one of disable, prefer, require, verify-ca, verify-full"
        ),
        (
            "postgres://u:pw@db/app?password=pw",
            #"invalid DSN: unsupported parameter "password" (use sslmode, host or application_name)"#
        ),
    ])
    func failsWithErrorForAnInvalidDSN(dsn: String, expected: String) async throws {
        #expect(PostgresProbe.problem(with: dsn) == expected)
        let failure = try await failure(of: PostgresProbe(dsn: dsn))
        #expect(failure.reason == .error)
        #expect(failure.detail == expected)
    }

    @Test(arguments: [
        "postgres://u:pw@db/app", "postgresql://u@[::1]:5433", "postgres://u%40corp:p%3Aw@/app?host=/run/pg",
        "postgres://u:pw@db/app?sslmode=verify-full&application_name=vitals",
    ])
    func acceptsValidDSNs(dsn: String) {
        #expect(PostgresProbe.problem(with: dsn) == nil)
    }

    @Test func describesItselfWithoutThePassword() {
        let probe = PostgresProbe(dsn: "postgres://vitals:hunter2@db:5432/app")
        #expect("\(probe)" == "PostgresProbe(postgres://vitals:********@db:5432/app)")
        #expect(!String(reflecting: probe).contains("hunter2"))
        var dumped = ""
        dump(probe, to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }
}
