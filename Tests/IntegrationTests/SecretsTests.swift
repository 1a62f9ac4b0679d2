import Foundation
import NIOHTTP1
import TestPeers
import Testing

/// Configures secrets in every place the contract names and looks for them in every output.
@Suite(.tags(.integration)) struct SecretsTests {
    private static let jwtSignature = "jwtSig6b1aQx"
    private static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2aXRhbHMifQ." + jwtSignature

    private static let secrets = [
        "url-pass-7f3a", "url-sig-7d3e", "dsn-pass-9c1e", "bearer-token-44d2", "api-key-0b8f", "cookie-val-5e6d",
        "env-secret-2a9c", "body-pass-3d71", "body-bearer-8e2f", jwtSignature, "mysql-pwd-1c5b", "env-json-pass-77aa",
        "env-bearer-5f0c", "exec-pass-2e9d", "file-token-61ab", "file-pass-93cd",
        "file-header-4c2a", "file-basic-0d9e", "redis-url-pass-6a1f", "redis-pass-3b7c", "redis-file-pass-8d2e",
    ]

    /// Bodies that fail `expect_body`, so that they reach their check's message, and what
    /// the message shows of them. Their checks have a roomier timeout than the others:
    /// they must not time out, or the bodies would not reach the messages.
    private static let bodies = [
        ("json", #"{"password": "body-pass-3d71", "user": "vitals"}"#, #"{"password": "********", "user": "vitals"}"#),
        ("header", "Authorization: Bearer body-bearer-8e2f", "Authorization: Bearer ********"),
        ("jwt", "token " + jwt, "token ********"),
    ]

    /// Secrets by value in variables whose names do not look secret, and `MYSQL_PWD`.
    private static let environment = [
        "VITALS_DB_PASSWORD": "env-secret-2a9c", "MYSQL_PWD": "mysql-pwd-1c5b",
        "VITALS_SETTINGS": #"{"password": "env-json-pass-77aa"}"#, "VITALS_UPSTREAM": "Bearer env-bearer-5f0c",
    ]

    private func config(httpPort: Int, closedPort: Int, redisPort: Int, secrets: TemporaryDirectory) throws -> String {
        // Secrets read from files (`*_file`): never in the file, never in any output.
        let token = try secrets.write("token", "file-token-61ab\n")
        let password = try secrets.write("db-password", "file-pass-93cd\n")
        let header = try secrets.write("api-key", "file-header-4c2a\n")
        let basic = try secrets.write("basic-password", "file-basic-0d9e\n")
        let redisPassword = try secrets.write("redis-password", "redis-file-pass-8d2e\n")
        let bodyChecks = Self.bodies.map { name, _, _ in
            """
              - name: body_\(name)
                type: http
                url: "http://127.0.0.1:\(httpPort)/body/\(name)"
                expect_body: "^ok$"
                interval: 1s
                timeout: 1s
            """
        }
        return """
            environment: {enabled: true}
            checks:
              - name: api
                type: http
                url: "http://vitals:url-pass-7f3a@127.0.0.1:\(httpPort)/status?sig=url-sig-7d3e"
                headers: {Authorization: "Bearer bearer-token-44d2", X-Api-Key: "api-key-0b8f", Cookie: "session=cookie-val-5e6d"}
                interval: 250ms
                timeout: 250ms
              - name: api_down
                type: http
                url: "http://vitals:url-pass-7f3a@127.0.0.1:\(closedPort)/"
                interval: 250ms
                timeout: 250ms
              - name: db
                type: postgres
                dsn: "postgres://vitals:dsn-pass-9c1e@127.0.0.1:\(closedPort)/app"
                interval: 250ms
                timeout: 250ms
              - name: api_file
                type: http
                url: "http://127.0.0.1:\(httpPort)/status"
                bearer_token_file: \(token)
                header_files: {X-Api-Key: \(header)}
                interval: 250ms
                timeout: 250ms
              - name: api_basic
                type: http
                url: "http://monitor@127.0.0.1:\(httpPort)/status"
                password_file: \(basic)
                interval: 250ms
                timeout: 250ms
              - name: db_file
                type: postgres
                dsn: "postgres://vitals@127.0.0.1:\(closedPort)/app"
                password_file: \(password)
                interval: 250ms
                timeout: 250ms
              - name: cache
                type: redis
                url: "redis://monitor:redis-url-pass-6a1f@127.0.0.1:\(redisPort)/0"
                interval: 250ms
                timeout: 250ms
              - name: cache_inline
                type: redis
                address: "127.0.0.1:\(redisPort)"
                password: "redis-pass-3b7c"
                interval: 250ms
                timeout: 250ms
              - name: cache_file
                type: redis
                address: "127.0.0.1:\(redisPort)"
                password_file: \(redisPassword)
                interval: 250ms
                timeout: 250ms
              - name: plugin
                type: exec
                command: ["/bin/echo", "--password", "exec-pass-2e9d"]
                interval: 250ms
                timeout: 250ms
            \(bodyChecks.joined(separator: "\n"))
            """
    }

    private func assertClean(_ text: String, _ place: String) {
        for secret in Self.secrets {
            #expect(!text.contains(secret), "\(secret) appears in \(place)")
        }
    }

    @Test func noSecretAppearsInAnyOutputOrLog() async throws {
        let directory = try TemporaryDirectory()
        let http = try await HTTPPeer()
        defer { http.stop() }
        http.setStatus(503)
        for (name, body, _) in Self.bodies { http.setBody(body, at: name) }
        let closed = try RefusingPort()
        defer { closed.close() }
        let closedPort = closed.port
        // A real Redis with another password: every redis check's AUTH is refused.
        let redis = try await RedisTestServer(["--requirepass", "the-right-one"])
        let config = try config(httpPort: http.port, closedPort: closedPort, redisPort: redis.port, secrets: directory)
        let daemon = try await DaemonProcess(
            config: config,
            in: directory,
            extraArguments: ["--log.level", "debug"],
            environment: Self.environment
        )
        try await waitUntil("every check to run at least twice") {
            let body = try await daemon.request("/metrics").body
            let runs = body.split(separator: "\n").filter { $0.hasPrefix("healthcheck_runs_total{") }
            return runs.count == 13 && runs.allSatisfy { Double($0.split(separator: " ").last ?? "") ?? 0 >= 2 }
        }
        // The secrets really reach the messages, and only they are masked.
        try await waitUntil("the bodies to reach the messages") {
            for (name, _, shown) in Self.bodies {
                let output = try await daemon.result("body_\(name)")?["output"] as? String ?? ""
                guard output.contains("(got \"\(shown)\")") else { return false }
            }
            return true
        }
        #expect(try await daemon.result("plugin")?["output"] as? String == "--password ********")
        for name in ["cache", "cache_inline", "cache_file"] {
            let output = try await daemon.result(name)?["output"] as? String ?? ""
            #expect(output.hasPrefix("authentication failed: WRONGPASS"), "\(name): \(output)")
        }

        for format in ["json", "health+json", "text", "openmetrics", "rss", "atom", "html"] {
            assertClean(try await daemon.request("/health?format=\(format)").body, "/health?format=\(format)")
        }
        assertClean(try await daemon.request("/metrics").body, "/metrics")
        assertClean(
            try await daemon.request("/metrics", headers: [("Accept", "application/openmetrics-text;version=1.0.0")])
                .body,
            "/metrics (OpenMetrics)"
        )
        assertClean(try await daemon.request("/").body, "/")
        let environment = try await daemon.request("/environment")
        #expect(environment.status == 200)
        assertClean(environment.body, "/environment")
        try expectMasks(inEnvironment: environment.body)
        assertClean(daemon.logText, "the debug log")
        #expect(daemon.logText.contains("level=debug"), "the log really is at debug level")
        #expect(daemon.logText.contains("Authorization: Bearer ********"), "check messages reach the log")

        let file = try directory.write("sweep.yml", config)
        for format in ["text", "json", "nagios"] {
            let result = try await runVitals([
                "check", "--config.file", file, "--format", format, "--log.level", "debug",
            ])
            assertClean(result.stdout + result.stderr, "vitals check --format \(format)")
            if format != "nagios" {
                #expect(result.stdout.contains("Bearer ********"), "vitals check --format \(format) shows the messages")
            }
        }
        // An invalid file must not echo its secrets either.
        let broken = try directory.write(
            "broken.yml",
            config.replacingOccurrences(of: "interval: 250ms", with: "interval: soon")
        )
        let check = try await runVitals(["check-config", "--config.file", broken])
        #expect(check.status == 2)
        assertClean(check.stdout + check.stderr, "check-config errors")
        // No client may be connecting when the in-process HTTP peer shuts down: NIO traps on a
        // connection accepted during shutdown ("Deinited NIOAsyncWriter without calling finish()").
        _ = try await daemon.stop()
    }

    /// `/environment` masks the secrets but keeps what is around them.
    private func expectMasks(inEnvironment body: String) throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let process = try #require(document["process"] as? [String: Any])
        let variables = try #require(process["environment"] as? [String: String])
        #expect(variables["MYSQL_PWD"] == "********")
        #expect(variables["VITALS_SETTINGS"] == #"{"password": "********"}"#)
        #expect(variables["VITALS_UPSTREAM"] == "Bearer ********")
        let config = try #require(document["config"] as? [String: Any])
        let checks = try #require(config["checks"] as? [[String: Any]])
        let plugin = try #require(checks.first { $0["name"] as? String == "plugin" })
        #expect(plugin["command"] as? [String] == ["/bin/echo", "--password", "********"])
        let api = try #require(checks.first { $0["name"] as? String == "api" })
        #expect((api["url"] as? String)?.hasSuffix("/status?sig=********") == true)
        let cache = try #require(checks.first { $0["name"] as? String == "cache" })
        #expect((cache["url"] as? String)?.hasPrefix("redis://monitor:********@127.0.0.1:") == true)
        let inline = try #require(checks.first { $0["name"] as? String == "cache_inline" })
        #expect(inline["password"] as? String == "********")
    }
}
