import Foundation
import NIOHTTP1
import Testing

/// Configures secrets in every place the contract names and looks for them in every output.
@Suite(.tags(.integration)) struct SecretsTests {
    private static let secrets = [
        "url-pass-7f3a", "dsn-pass-9c1e", "bearer-token-44d2", "api-key-0b8f", "cookie-val-5e6d", "env-secret-2a9c",
    ]

    private func config(httpPort: Int, closedPort: Int) -> String {
        let s = Self.secrets
        return """
            environment: {enabled: true}
            checks:
              - name: api
                type: http
                url: "http://vitals:\(s[0])@127.0.0.1:\(httpPort)/status"
                headers: {Authorization: "Bearer \(s[2])", X-Api-Key: "\(s[3])", Cookie: "session=\(s[4])"}
                interval: 250ms
                timeout: 250ms
              - name: api_down
                type: http
                url: "http://vitals:\(s[0])@127.0.0.1:\(closedPort)/"
                interval: 250ms
                timeout: 250ms
              - name: db
                type: postgres
                dsn: "postgres://vitals:\(s[1])@127.0.0.1:\(closedPort)/app"
                interval: 250ms
                timeout: 250ms
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
        let closed = try await TCPPeer()
        let closedPort = closed.port
        await closed.close()
        let config = config(httpPort: http.port, closedPort: closedPort)
        let daemon = try await DaemonProcess(
            config: config,
            in: directory,
            extraArguments: ["--log.level", "debug"],
            environment: ["VITALS_DB_PASSWORD": Self.secrets[5]]
        )
        try await waitUntil("every check to fail at least twice") {
            let body = try await daemon.request("/metrics").body
            let runs = body.split(separator: "\n").filter { $0.hasPrefix("healthcheck_runs_total{") }
            return runs.count == 3 && runs.allSatisfy { Double($0.split(separator: " ").last ?? "") ?? 0 >= 2 }
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
        assertClean(daemon.logText, "the debug log")
        #expect(daemon.logText.contains("level=debug"), "the log really is at debug level")

        let file = try directory.write("sweep.yml", config)
        for format in ["text", "json", "nagios"] {
            let result = try await runVitals([
                "check", "--config.file", file, "--format", format, "--log.level", "debug",
            ])
            assertClean(result.stdout + result.stderr, "vitals check --format \(format)")
        }
        // An invalid file must not echo its secrets either.
        let broken = try directory.write(
            "broken.yml",
            config.replacingOccurrences(of: "interval: 250ms", with: "interval: soon")
        )
        let check = try await runVitals(["check-config", "--config.file", broken])
        #expect(check.status == 2)
        assertClean(check.stdout + check.stderr, "check-config errors")
    }
}
