import Foundation
import NIOCore
import Testing

/// `--web.config.file`: TLS, client certificates, basic auth and the anonymous view, against real
/// clients (curl, openssl, Prometheus) with certificates from `openssl` and hashes from bcrypt.
@Suite(.tags(.integration)) struct WebSecurityTests {
    private static let checks = """
        web: {anonymous_health: status_only}
        checks:
          - {name: secret_db_name, type: tcp, address: "127.0.0.1:1", interval: 1s, timeout: 1s, tags: [ready]}
        """

    private func start(
        _ webConfig: String,
        in directory: TemporaryDirectory,
        config: String = WebSecurityTests.checks
    ) async throws -> DaemonProcess {
        let web = try directory.write("web.yml", webConfig)
        return try await DaemonProcess(config: config, in: directory, extraArguments: ["--web.config.file", web])
    }

    @Test func withoutCredentialsEveryEndpointAnswers401AndTheRightOnes200() async throws {
        let directory = try TemporaryDirectory()
        let hash = try await bcryptHash("correct horse")
        let daemon = try await start(
            """
            basic_auth_users:
              prometheus: \(hash)
            http_server_config:
              headers: {X-Frame-Options: deny}
            """,
            in: directory,
            config: "checks: []\n"
        )
        let base = "http://127.0.0.1:\(daemon.port)"
        for path in ["/metrics", "/health", "/health/ready", "/", "/environment", "/ping/x", "/no-such-page"] {
            let anonymous = try await curl(base + path)
            #expect(anonymous.status == 401, "\(path): \(anonymous.status)")
            #expect(anonymous.headers.lowercased().contains("www-authenticate: basic"), "\(path): \(anonymous.headers)")
            #expect(anonymous.headers.lowercased().contains("x-frame-options: deny"), "headers on every answer")
        }
        let wrong = try await curl(base + "/metrics", ["-u", "prometheus:wrong horse"])
        #expect(wrong.status == 401)
        let unknown = try await curl(base + "/metrics", ["-u", "nobody:correct horse"])
        #expect(unknown.status == 401)
        let right = try await curl(base + "/metrics", ["-u", "prometheus:correct horse"])
        #expect(right.status == 200)
        #expect(right.body.contains("vitals_build_info"))
        // The second time the answer is remembered; still right.
        #expect(try await curl(base + "/metrics", ["-u", "prometheus:correct horse"]).status == 200)
        #expect(try await curl(base + "/metrics", ["-u", "prometheus:wrong horse"]).status == 401)
    }

    @Test func theAnonymousStatusOnlyViewLeaksNoCheckName() async throws {
        let directory = try TemporaryDirectory()
        let hash = try await bcryptHash("pw")
        let daemon = try await start("basic_auth_users: {ops: \(hash)}\n", in: directory)
        let base = "http://127.0.0.1:\(daemon.port)"
        try await waitUntil("the check to fail") {
            try await curl(base + "/health", ["-u", "ops:pw"]).body.contains("\"fail\"")
        }
        for path in ["/health", "/health/ready"] {
            let anonymous = try await curl(base + path)
            #expect(anonymous.status == 500, "\(path): the failing critical check fails it")
            #expect(anonymous.body.contains("\"failure\""), "\(anonymous.body)")
            #expect(!anonymous.body.contains("secret_db_name"), "\(path) leaks: \(anonymous.body)")
        }
        #expect(try await curl(base + "/health/no-such-tag").status == 404)
        for path in ["/metrics", "/", "/environment", "/ping/secret_db_name"] {
            #expect(try await curl(base + path).status == 401, "\(path)")
        }
        let full = try await curl(base + "/health", ["-u", "ops:pw"])
        #expect(full.body.contains("secret_db_name"), "with credentials, everything")
    }

    @Test func tlsServesHTTPSAndNothingToPlainHTTP() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let daemon = try await start(
            """
            tls_server_config:
              cert_file: server.pem
              key_file: server.key
              min_version: TLS12
            """,
            in: directory,
            config: "checks: []\n"
        )
        let https = try await curl("https://127.0.0.1:\(daemon.port)/health", ["--cacert", certificates.caCertificate])
        #expect(https.status == 200, "exit \(https.exitCode)")
        let plain = try await curl("http://127.0.0.1:\(daemon.port)/health")
        #expect(plain.status == 0, "plain HTTP got an answer: \(plain.status) \(plain.body)")
        #expect(plain.exitCode != 0)
        // TLS 1.1 is below min_version.
        let old = try await curl(
            "https://127.0.0.1:\(daemon.port)/health",
            ["--cacert", certificates.caCertificate, "--tls-max", "1.1"]
        )
        #expect(old.status == 0)
    }

    @Test func clientCertificatesAreRequiredAndVerified() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let stranger = try TemporaryDirectory()
        let other = try await TestCertificates.make(in: stranger)
        let daemon = try await start(
            """
            tls_server_config:
              cert_file: server.pem
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.pem
            """,
            in: directory,
            config: "checks: []\n"
        )
        let url = "https://127.0.0.1:\(daemon.port)/metrics"
        let none = try await curl(url, ["--cacert", certificates.caCertificate])
        #expect(none.status == 0, "no client certificate: \(none.status)")
        let foreign = try await curl(
            url,
            ["--cacert", certificates.caCertificate, "--cert", other.clientCertificate, "--key", other.clientKey]
        )
        #expect(foreign.status == 0, "a certificate from another CA: \(foreign.status)")
        let good = try await curl(
            url,
            [
                "--cacert", certificates.caCertificate, "--cert", certificates.clientCertificate, "--key",
                certificates.clientKey,
            ]
        )
        #expect(good.status == 200)
    }

    @Test func aRotatedCertificateIsServedWithoutRestartAndABrokenFileKeepsTheLastGood() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let daemon = try await start(
            "tls_server_config: {cert_file: server.pem, key_file: server.key}\n",
            in: directory,
            config: "checks: []\n"
        )
        func servedSubject() async throws -> String {
            let result = try await runProcess(
                "sh",
                [
                    "-c",
                    "openssl s_client -connect 127.0.0.1:\(daemon.port) </dev/null 2>/dev/null | openssl x509 -noout -subject",
                ]
            )
            return result.stdout
        }
        #expect(try await servedSubject().contains("127.0.0.1"))
        try await certificates.issue(name: "server", commonName: "rotated", extensions: "subjectAltName=IP:127.0.0.1")
        try await waitUntil("the rotated certificate to be served", limit: .seconds(15)) {
            try await servedSubject().contains("rotated")
        }
        // A broken web file: the last good configuration stays, and the error is logged.
        try directory.write("web.yml", "tls_server_config: {cert_file: missing.pem, key_file: server.key}\n")
        try await waitUntil("the error to be logged", limit: .seconds(15)) {
            _ = try? await curl("https://127.0.0.1:\(daemon.port)/health", ["--cacert", certificates.caCertificate])
            return daemon.logText.contains("Web configuration not reloaded")
        }
        #expect(daemon.logText.contains("missing.pem"))
        let still = try await curl("https://127.0.0.1:\(daemon.port)/health", ["--cacert", certificates.caCertificate])
        #expect(still.status == 200)
    }

    @Test func anUnusableFileAtStartExits2NamingItAndCheckConfigSaysTheSame() async throws {
        let directory = try TemporaryDirectory()
        let web = try directory.write(
            "web.yml",
            """
            tls_server_config:
              cert_file: nowhere.pem
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCerts
            basic_auth_users:
              admin: hunter2
            """
        )
        let config = try directory.write("vitals.yml", "checks: []\n")
        let served = try await runVitals([
            "serve", "--config.file", config, "--web.config.file", web, "--web.listen-address", "127.0.0.1:0",
        ])
        #expect(served.status == 2)
        #expect(served.stderr.contains("\(web):2:14: tls_server_config.cert_file: cannot read"), "\(served.stderr)")
        #expect(served.stderr.contains("\(web):4:21: tls_server_config.client_auth_type: must be one of"))
        #expect(served.stderr.contains("\(web):6:10: basic_auth_users.admin: must be a bcrypt hash"))
        #expect(!served.stderr.contains("hunter2"), "a password written where its hash belongs is never printed")
        let checked = try await runVitals(["check-config", "--web.config.file", web])
        #expect(checked.status == 2)
        #expect(checked.stderr == served.stderr)
    }

    @Test func aRealPrometheusScrapesOverTLSWithBasicAuth() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let hash = try await bcryptHash("scrape-secret")
        let daemon = try await start(
            """
            tls_server_config: {cert_file: server.pem, key_file: server.key}
            basic_auth_users: {prometheus: \(hash)}
            """,
            in: directory,
            config: "checks: [{name: mem, type: memory, interval: 1s}]\n"
        )
        let prometheus = try await PrometheusServer(
            scrapeConfigs: """
                  - job_name: vitals
                    scheme: https
                    tls_config: {ca_file: "\(certificates.caCertificate)"}
                    basic_auth: {username: prometheus, password: scrape-secret}
                    static_configs:
                      - targets: ["127.0.0.1:\(daemon.port)"]
                  - job_name: vitals-no-credentials
                    scheme: https
                    tls_config: {ca_file: "\(certificates.caCertificate)"}
                    static_configs:
                      - targets: ["127.0.0.1:\(daemon.port)"]
                """,
            in: directory
        )
        do {
            try await prometheus.waitForQuery("up{job=\"vitals\"} == 1", limit: .seconds(60))
        } catch {
            Issue.record("targets: \(await prometheus.targetErrors())")
            throw error
        }
        try await prometheus.waitForQuery("up{job=\"vitals-no-credentials\"} == 0", limit: .seconds(60))
        #expect(try await !prometheus.query("healthcheck_success{check=\"mem\"}").isEmpty)
    }

    @Test func everyListenAddressServes() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(
            config: "checks: []\n",
            in: directory,
            extraArguments: ["--web.listen-address", "127.0.0.1:0"]
        )
        try await waitUntil("two listeners") {
            daemon.logText.components(separatedBy: "msg=Listening").count - 1 == 2
        }
        let ports = daemon.logText.split(separator: "\n").filter { $0.contains("msg=Listening") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("address=") }.flatMap {
                Int($0.split(separator: ":").last ?? "")
            }
        }
        #expect(Set(ports).count == 2)
        for port in ports {
            #expect(try await curl("http://127.0.0.1:\(port)/health").status == 200)
        }
    }

    // Socket activation itself is checked by scripts/check-socket-activation.sh, which `make test` runs
    // before swift test: a child of this runner that execs into a server upsets Foundation's reaping of
    // the runner's other children.

    @Test func withoutAPassedSocketTheFlagIsAClearErrorExit2() async throws {
        let result = try await runVitals(["serve", "--web.systemd-socket"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("systemd passed no listening socket"), "\(result.stderr)")
    }
}
