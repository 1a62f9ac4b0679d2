import NIOPosix
import TestPeers
import Testing
import Vitals
import VitalsProbes

@Suite(.tags(.integration))
struct HTTPProbeTests {
    @Test func passesWhenTheStatusIsExpected() async throws {
        try await withPeers { server in
            let outcome = try await bounded { try await HTTPProbe(url: server.url("/ok")).run() }
            #expect(outcome.status == .pass)
            #expect(outcome.message.hasPrefix("HTTP 200 in "))
        }
    }

    @Test func passesWhenTheBodyMatches() async throws {
        try await withPeers { server in
            let probe = HTTPProbe(url: server.url("/ok"), expectBody: "status: (ok|fine)")
            let outcome = try await bounded { try await probe.run() }
            #expect(outcome.status == .pass)
        }
    }

    @Test func passesWhenAnExpectedRangeHoldsANonSuccessStatus() async throws {
        try await withPeers { server in
            let probe = HTTPProbe(url: server.url("/status/404"), expectStatus: [200...204, 404...404])
            let outcome = try await bounded { try await probe.run() }
            #expect(outcome.status == .pass)
        }
    }

    @Test func sendsTheMethodAndHeaders() async throws {
        try await withPeers { server in
            let post = HTTPProbe(url: server.url("/post"), method: "POST")
            let postOutcome = try await bounded { try await post.run() }
            #expect(postOutcome.status == .pass)
            let authorised = HTTPProbe(url: server.url("/auth"), headers: ["X-Token": "s3cret"])
            let authorisedOutcome = try await bounded { try await authorised.run() }
            #expect(authorisedOutcome.status == .pass)
        }
    }

    @Test func failsWithStatusWhenTheStatusIsNotExpected() async throws {
        try await withPeers { server in
            let failure = try await failure(of: HTTPProbe(url: server.url("/status/503")))
            #expect(failure.reason == .status)
            #expect(failure.detail.hasPrefix("HTTP 503 in "))
            #expect(failure.detail.hasSuffix(", expected 200-299"))
        }
    }

    @Test func neverShowsHeaderValuesInMessages() async throws {
        try await withPeers { server in
            let probe = HTTPProbe(url: server.url("/auth"), headers: ["X-Token": "wrong-secret"])
            let failure = try await failure(of: probe)
            #expect(failure.reason == .status)
            #expect(!failure.detail.contains("wrong-secret"))
        }
    }

    @Test func failsWithBodyWhenTheBodyDoesNotMatch() async throws {
        try await withPeers { server in
            let failure = try await failure(
                of: HTTPProbe(url: server.url("/ok"), expectBody: "^healthy$")
            )
            #expect(failure.reason == .body)
            #expect(failure.detail.hasSuffix(#"but the body did not match (got "status: ok")"#))
        }
    }

    @Test func readsAtMostTheBodyLimitOfAHugeBody() async throws {
        try await withPeers { server in
            let probe = HTTPProbe(url: server.url("/big"), expectBody: "^x+$")
            let outcome = try await bounded { try await probe.run() }
            #expect(outcome.status == .pass)
        }
    }

    @Test func failsWithRefusedWhenNothingListens() async throws {
        let reserved = try ReservedPort()
        let port = reserved.port
        try await withPeers { _ in
            let failure = try await failure(of: HTTPProbe(url: "http://127.0.0.1:\(port)/"))
            #expect(failure.reason == .refused)
            #expect(failure.detail == "connection refused")
        }
    }

    @Test func failsWithDNSWhenTheHostDoesNotResolve() async throws {
        try await withPeers { _ in
            let failure = try await failure(of: HTTPProbe(url: "http://no-such-host.invalid/"))
            #expect(failure.reason == .dns)
        }
    }

    @Test func failsWithTLSWhenThePeerDoesNotSpeakTLS() async throws {
        try await withPeers { server in
            let url = "https://127.0.0.1:\(server.port)/ok"
            let failure = try await failure(of: HTTPProbe(url: url))
            #expect(failure.reason == .tls)
        }
    }

    @Test func failsWithErrorWhenThePatternIsInvalid() async throws {
        try await withPeers { server in
            let failure = try await failure(of: HTTPProbe(url: server.url("/ok"), expectBody: "["))
            #expect(failure.reason == .error)
        }
    }

    @Test func stopsPromptlyWhenCancelledWhileWaitingForTheResponse() async throws {
        try await withPeers { server in
            let probe = HTTPProbe(url: server.url("/hang"))
            let run = Task { try await probe.run() }
            _ = try await bounded { await server.requests.first { $0 == "/hang" } }
            run.cancel()
            let result = try await bounded { await run.result }
            #expect(throws: CancellationError.self) { try result.get() }
        }
    }

    // MARK: - The wire: raw responses from a TCP peer

    /// Runs `probe`'s URL against a peer that answers any request with `response` and closes.
    private func outcome(of response: String, _ probe: (String) -> HTTPProbe) async throws -> CheckOutcome {
        let server = try await TCPTestServer.start(.replyAndClose(response))
        defer { Task { try await server.stop() } }
        let made = probe("http://127.0.0.1:\(server.port)/")
        return try await bounded { try await made.run() }
    }

    @Test func readsAChunkedBody() async throws {
        let response =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"
        let outcome = try await outcome(of: response) { HTTPProbe(url: $0, expectBody: "^hello, world$") }
        #expect(outcome.status == .pass, "\(outcome.message)")
    }

    @Test func readsABodyWithoutALengthUntilTheServerCloses() async throws {
        let outcome = try await outcome(of: "HTTP/1.0 200 OK\r\n\r\nuntil close") {
            HTTPProbe(url: $0, expectBody: "^until close$")
        }
        #expect(outcome.status == .pass, "\(outcome.message)")
    }

    @Test func skipsAnInterimResponse() async throws {
        let response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-Final: yes\r\n\r\n"
        let outcome = try await outcome(of: response) {
            HTTPProbe(url: $0, expectStatus: [204...204], expectHeaders: [("x-final", "^yes$")])
        }
        #expect(outcome.status == .pass, "\(outcome.message)")
    }

    @Test func joinsRepeatedHeadersForExpectHeaders() async throws {
        let response = "HTTP/1.1 200 OK\r\nVary: Accept\r\nvary: Origin\r\nContent-Length: 0\r\n\r\n"
        let outcome = try await outcome(of: response) {
            HTTPProbe(url: $0, expectHeaders: [("Vary", "^Accept, Origin$")])
        }
        #expect(outcome.status == .pass, "\(outcome.message)")
    }

    @Test func failsWithBodyWhenThePeerDoesNotSpeakHTTP() async throws {
        let server = try await TCPTestServer.start(.replyAndClose("SSH-2.0-OpenSSH_9.2\r\n"))
        defer { Task { try await server.stop() } }
        let failure = try await failure(of: HTTPProbe(url: "http://127.0.0.1:\(server.port)/"))
        #expect(failure == CheckFailure(.body, #"not an HTTP response: "SSH-2.0-OpenSSH_9.2""#))
    }

    @Test func failsWithRefusedWhenThePeerClosesWithoutAResponse() async throws {
        let server = try await TCPTestServer.start(.replyAndClose(""))
        defer { Task { try await server.stop() } }
        let failure = try await failure(of: HTTPProbe(url: "http://127.0.0.1:\(server.port)/"))
        #expect(failure == CheckFailure(.refused, "connection closed before the response (no response)"))
    }

    @Test func reportsEachPhaseOfTheExchange() async throws {
        try await withPeers { server in
            let outcome = try await bounded { try await HTTPProbe(url: server.url("/ok")).run() }
            let names = outcome.observations.map(\.name)
            #expect(
                names == [
                    "status", "redirects", "dns_seconds", "connect_seconds", "tls_seconds", "first_byte_seconds",
                    "transfer_seconds",
                ]
            )
            #expect(outcome.observations.allSatisfy { $0.value >= 0 })
        }
    }

    private func withPeers(_ body: (HTTPTestServer) async throws -> Void) async throws {
        let server = try await HTTPTestServer.start()
        do {
            try await body(server)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }
}
