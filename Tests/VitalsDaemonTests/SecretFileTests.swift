import Foundation
import TestPeers
import Testing
import Vitals

@testable import VitalsDaemon

/// The `*_file` keys: a secret read from a file at load, never written in `vitals.yml`.
@Suite(.postgresServer) struct SecretFileTests {
    @Test func pathsResolveBesideTheConfigAndInSystemdsCredentialsDirectory() {
        let config = "/etc/vitals/vitals.yml"
        #expect(SecretFile.resolve("db.pass", configPath: config, credentialsDirectory: nil) == "/etc/vitals/db.pass")
        #expect(SecretFile.resolve("/run/x", configPath: config, credentialsDirectory: nil) == "/run/x")
        let credentials = "/run/credentials/vitals.service"
        #expect(
            SecretFile.resolve("%d/db", configPath: config, credentialsDirectory: credentials) == credentials + "/db"
        )
        #expect(
            SecretFile.resolve("$CREDENTIALS_DIRECTORY/db", configPath: config, credentialsDirectory: credentials)
                == credentials + "/db"
        )
        #expect(SecretFile.resolve("%d/db", configPath: config, credentialsDirectory: nil) == nil)
    }

    @Test func aMissingEmptyOrDoubledSecretIsALocatedError() throws {
        let directory = try TestDirectory()
        _ = try directory.file("empty", "\n")
        _ = try directory.file("pw", "from-a-file\n")
        let config = try directory.file(
            "vitals.yml",
            """
            checks:
              - {name: a, type: postgres, dsn: "postgres://u@127.0.0.1/db", password_file: missing}
              - {name: b, type: postgres, dsn: "postgres://u@127.0.0.1/db", password_file: empty}
              - {name: c, type: postgres, dsn: "postgres://u:inline@127.0.0.1/db", password_file: pw}
              - {name: d, type: http, url: "http://127.0.0.1/", bearer_token_file: "%d/token"}
            """
        )
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: config) }
        let lines = error?.diagnostics.map(\.description) ?? []
        #expect(
            lines.contains("\(config):2:80: checks[0] (a): password_file: cannot read \(directory.path("missing"))")
        )
        #expect(lines.contains("\(config):3:80: checks[1] (b): password_file: \(directory.path("empty")) is empty"))
        #expect(
            lines.contains(
                "\(config):4:87: checks[2] (c): password_file: the dsn has a password already; keep it in one place"
            )
        )
        #expect(
            lines.contains(
                "\(config):5:72: checks[3] (d): bearer_token_file: %d/token names a systemd credential, but "
                    + "$CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit sets it)"
            )
        )
    }

    @Test func environmentShowsThePathNeverTheSecret() throws {
        let directory = try TestDirectory()
        _ = try directory.file("token", "tok-5bd1\n")
        let configuration = try ConfigLoader.parse(
            yaml: "checks: [{name: a, type: http, url: \"http://127.0.0.1/\", bearer_token_file: token}]\n",
            path: directory.path("vitals.yml")
        )
        let dump = "\(configuration.environmentValue)"
        #expect(dump.contains(directory.path("token")))
        #expect(!dump.contains("tok-5bd1"))
        #expect(!"\(configuration.checks[0].settings)".contains("tok-5bd1"), "nor in the settings' description")
    }

    @Test func httpSecretsBecomeRequestHeaders() throws {
        let directory = try TestDirectory()
        _ = try directory.file("password", "open sesame\n")
        _ = try directory.file("key", "k-123\n")
        let configuration = try ConfigLoader.parse(
            yaml: """
                checks:
                  - name: a
                    type: http
                    url: "http://monitor@127.0.0.1/"
                    password_file: password
                    header_files: {X-Api-Key: key}
                """,
            path: directory.path("vitals.yml")
        )
        let settings = try #require(configuration.checks[0].settings as? HTTPSettings)
        let headers = Dictionary(settings.requestHeaders, uniquingKeysWith: { $1 })
        // RFC 7617: base64 of "user:password".
        #expect(headers["Authorization"] == "Basic bW9uaXRvcjpvcGVuIHNlc2FtZQ==")
        #expect(headers["X-Api-Key"] == "k-123")
    }

    @Test func anHTTPPasswordFileNeedsAUserAndNoPasswordInTheURL() throws {
        let directory = try TestDirectory()
        _ = try directory.file("password", "pw\n")
        let config = try directory.file(
            "vitals.yml",
            """
            checks:
              - {name: a, type: http, url: "http://127.0.0.1/", password_file: password}
              - {name: b, type: http, url: "http://u:p@127.0.0.1/", password_file: password}
            """
        )
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: config) }
        let lines = error?.diagnostics.map(\.description) ?? []
        #expect(lines.count == 2)
        #expect(lines.first?.contains("url needs the user name") == true)
        #expect(lines.last?.contains("the url has a password already") == true)
    }

    @Test func aPostgresCheckReadsItsPasswordFromAFileAndPasses() async throws {
        let server = try await PostgresServerTrait.server()
        let directory = try TestDirectory()
        // The password has characters a DSN must percent-encode; the file holds it as it is.
        _ = try directory.file("db-password", PostgresTestServer.password + "\n")
        let configuration = try ConfigLoader.parse(
            yaml: """
                checks:
                  - name: db
                    type: postgres
                    dsn: "postgres://\(PostgresTestServer.user)@127.0.0.1:\(server.port)/\(PostgresTestServer.database)?sslmode=disable"
                    password_file: db-password
                """,
            path: directory.path("vitals.yml")
        )
        let context = ProbeContext(resolverThreads: 1)
        let check = CheckFactory(context: context).definition(for: configuration.checks[0]).check
        let outcome = try await check.run()
        await context.shutdown()
        #expect(outcome.status == .pass, "\(outcome.message)")
    }
}
