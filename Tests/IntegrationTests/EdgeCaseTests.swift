import Foundation
import NIOHTTP1
import Testing

/// The small cases a new user trips over, each against the real binary.
@Suite(.tags(.integration)) struct EdgeCaseTests {
    @Test func anIntervalAloneIsValidBecauseTheInheritedTimeoutIsCutToIt() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write("interval.yml", "checks:\n  - {name: m, type: memory, interval: 5s}\n")
        let result = try await runVitals(["check-config", "--config.file", config])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(config): OK, 1 checks (1 critical)\n")
    }

    @Test func tooShortIntervalsAndOutOfRangeDurationsAreLocated() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "limits.yml",
            "checks:\n  - {name: m, type: memory, interval: 1ms}\n  - {name: n, type: memory, interval: 999999999h}\n"
        )
        let result = try await runVitals(["check-config", "--config.file", config])
        #expect(result.status == 2)
        #expect(
            result.stderr == """
                \(config):2:39: checks[0] (m): interval: must be at least 100ms
                \(config):3:39: checks[1] (n): interval: is out of range

                """
        )
    }

    @Test func theStatusPageIs200WhileACriticalCheckFails() async throws {
        let directory = try TemporaryDirectory()
        let config = """
            checks:
              - {name: gone, type: file, path: "\(directory.path)/absent"}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitForFirstResults(daemon)
        #expect(try await daemon.health().status == 500)
        let page = try await daemon.request("/")
        #expect(page.status == 200)
        #expect(page.body.contains("gone"))
    }

    @Test func aWrongMethodIs405WithAllow() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: "checks: []\n", in: directory)
        for path in ["/health", "/metrics", "/"] {
            let response = try await daemon.request(path, method: .POST)
            #expect(response.status == 405, "\(path)")
            #expect(response.headers["Allow"] == ["GET, HEAD"], "\(path)")
        }
        let reload = try await daemon.request("/ping/x", method: .DELETE)
        #expect(reload.status == 405)
        #expect(reload.headers["Allow"] == ["GET, POST"])
        #expect(try await daemon.request("/nothing-here").status == 404)
    }

    @Test func pingNamesArePercentDecoded() async throws {
        let directory = try TemporaryDirectory()
        let config = "checks:\n  - {name: hb, type: heartbeat, ttl: 1h}\n"
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitForFirstResults(daemon)
        #expect(try await daemon.request("/ping/%68%62", method: .POST).status == 200)
        try await waitUntil("the heartbeat to pass") { try await daemon.result("hb")?["status"] as? String == "pass" }
    }

    @Test func anHTTPSCheckAgainstPlainTCPSaysSoInWords() async throws {
        let plain = try await TCPPeer()
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "tls.yml",
            """
            global: {timeout: 10s}  # generous: a loaded test process sends the banner late; the handshake fails at once
            checks:
              - {name: web, type: http, url: "https://127.0.0.1:\(plain.port)/"}
              - {name: cert, type: tls, address: "127.0.0.1:\(plain.port)"}
            """
        )
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        await plain.close()
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]])
        #expect(results.count == 2)
        for check in results {
            let output = check["output"] as? String ?? ""
            #expect(check["reason"] as? String == "tls", "\(check)")
            #expect(output.hasPrefix("TLS handshake failed"), "\(output)")
            #expect(!output.contains("NIOSSL") && !output.contains("BoringSSL"), "\(output)")
        }
    }
}

/// Slow and idle clients, with real sockets.
@Suite(.tags(.integration)) struct SlowClientTests {
    @Test func aClientThatNeverFinishesItsHeadersIsCutOffAtTheIdleTimeout() async throws {
        let directory = try TemporaryDirectory()
        // 3 s, not 1 s: on a loaded CI machine the partial request must still arrive before the timeout.
        let daemon = try await DaemonProcess(config: "web: {idle_timeout: 3s}\nchecks: []\n", in: directory)
        let slow = try await RawConnection(port: daemon.port)
        try await slow.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")  // and never the blank line
        let idle = try await RawConnection(port: daemon.port)
        // Both are closed by the server; a bound keeps a broken server from hanging the test.
        try await waitUntil("the server to close the slowloris connection", limit: .seconds(10)) { slow.isClosed }
        try await waitUntil("the server to close the idle connection", limit: .seconds(10)) { idle.isClosed }
        #expect(try await daemon.request("/health").status == 200, "the server still answers")
    }

    @Test func connectionsOverTheCapAreClosedAndThePlaceComesBackWhenOneGoes() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: "web: {max_connections: 3}\nchecks: []\n", in: directory)
        var held: [RawConnection] = []
        for _ in 1...3 {
            let connection = try await RawConnection(port: daemon.port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await waitUntil("an answer on a held connection") { connection.text.contains("\"status\"") }
            held.append(connection)
        }
        let fourth = try await RawConnection(port: daemon.port)
        try await waitUntil("the server to close the fourth connection", limit: .seconds(10)) { fourth.isClosed }
        #expect(fourth.text.isEmpty, "closed before anything was read or written")
        #expect(held.allSatisfy { !$0.isClosed }, "the held connections stay open")

        await held[0].close()
        try await waitUntil("a new connection to be served once a place is free", limit: .seconds(10)) {
            (try? await daemon.request("/health").status) == 200
        }
    }

    @Test func anHTTP10RequestIsAnsweredAs10AndClosed() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: "checks: []\n", in: directory)
        let plain = try await RawConnection(port: daemon.port)
        try await plain.send("GET /health HTTP/1.0\r\n\r\n")
        try await waitUntil("the server to answer and close", limit: .seconds(10)) { plain.isClosed }
        #expect(plain.text.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(plain.text)")
        #expect(plain.text.lowercased().contains("\r\nconnection: close\r\n"))
        #expect(plain.text.contains("\"status\""))

        let keepAlive = try await RawConnection(port: daemon.port)
        try await keepAlive.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        try await waitUntil("the keep-alive answer", limit: .seconds(10)) { keepAlive.text.contains("\"status\"") }
        #expect(keepAlive.text.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(keepAlive.text.lowercased().contains("\r\nconnection: keep-alive\r\n"))
        #expect(!keepAlive.isClosed, "a 1.0 client that asks to keep the connection keeps it")
    }
}
