import AsyncHTTPClient
import NIOPosix
import TestPeers
import Testing
import Vitals
import VitalsProbes

@Suite(.tags(.integration))
struct HTTPProbeTests {
    @Test func passesWhenTheStatusIsExpected() async throws {
        try await withPeers { server, client in
            let outcome = try await bounded { try await HTTPProbe(url: server.url("/ok"), client: client).run() }
            #expect(outcome.status == .pass)
            #expect(outcome.message.hasPrefix("HTTP 200 in "))
        }
    }

    @Test func passesWhenTheBodyMatches() async throws {
        try await withPeers { server, client in
            let probe = HTTPProbe(url: server.url("/ok"), expectBody: "status: (ok|fine)", client: client)
            let outcome = try await bounded { try await probe.run() }
            #expect(outcome.status == .pass)
        }
    }

    @Test func passesWhenAnExpectedRangeHoldsANonSuccessStatus() async throws {
        try await withPeers { server, client in
            let probe = HTTPProbe(url: server.url("/status/404"), expectStatus: [200...204, 404...404], client: client)
            let outcome = try await bounded { try await probe.run() }
            #expect(outcome.status == .pass)
        }
    }

    @Test func sendsTheMethodAndHeaders() async throws {
        try await withPeers { server, client in
            let post = HTTPProbe(url: server.url("/post"), method: "POST", client: client)
            let postOutcome = try await bounded { try await post.run() }
            #expect(postOutcome.status == .pass)
            let authorised = HTTPProbe(url: server.url("/auth"), headers: ["X-Token": "s3cret"], client: client)
            let authorisedOutcome = try await bounded { try await authorised.run() }
            #expect(authorisedOutcome.status == .pass)
        }
    }

    @Test func failsWithStatusWhenTheStatusIsNotExpected() async throws {
        try await withPeers { server, client in
            let failure = try await failure(of: HTTPProbe(url: server.url("/status/503"), client: client))
            #expect(failure.reason == .status)
            #expect(failure.detail.hasPrefix("HTTP 503 in "))
            #expect(failure.detail.hasSuffix(", expected 200-299"))
        }
    }

    @Test func neverShowsHeaderValuesInMessages() async throws {
        try await withPeers { server, client in
            let probe = HTTPProbe(url: server.url("/auth"), headers: ["X-Token": "wrong-secret"], client: client)
            let failure = try await failure(of: probe)
            #expect(failure.reason == .status)
            #expect(!failure.detail.contains("wrong-secret"))
        }
    }

    @Test func failsWithBodyWhenTheBodyDoesNotMatch() async throws {
        try await withPeers { server, client in
            let failure = try await failure(
                of: HTTPProbe(url: server.url("/ok"), expectBody: "^healthy$", client: client)
            )
            #expect(failure.reason == .body)
            #expect(failure.detail.hasSuffix(#"but the body did not match (got "status: ok")"#))
        }
    }

    @Test func readsAtMostTheBodyLimitOfAHugeBody() async throws {
        try await withPeers { server, client in
            let probe = HTTPProbe(url: server.url("/big"), expectBody: "^x+$", client: client)
            let outcome = try await bounded { try await probe.run() }
            #expect(outcome.status == .pass)
        }
    }

    @Test func failsWithRefusedWhenNothingListens() async throws {
        let reserved = try ReservedPort()
        let port = reserved.port
        try await withPeers { _, client in
            let failure = try await failure(of: HTTPProbe(url: "http://127.0.0.1:\(port)/", client: client))
            #expect(failure.reason == .refused)
            #expect(failure.detail == "connection refused")
        }
    }

    @Test func failsWithDNSWhenTheHostDoesNotResolve() async throws {
        try await withPeers { _, client in
            let failure = try await failure(of: HTTPProbe(url: "http://no-such-host.invalid/", client: client))
            #expect(failure.reason == .dns)
        }
    }

    @Test func failsWithTLSWhenThePeerDoesNotSpeakTLS() async throws {
        try await withPeers { server, client in
            let url = "https://127.0.0.1:\(server.port)/ok"
            let failure = try await failure(of: HTTPProbe(url: url, client: client))
            #expect(failure.reason == .tls)
        }
    }

    @Test func failsWithErrorWhenThePatternIsInvalid() async throws {
        try await withPeers { server, client in
            let failure = try await failure(of: HTTPProbe(url: server.url("/ok"), expectBody: "[", client: client))
            #expect(failure.reason == .error)
        }
    }

    @Test func stopsPromptlyWhenCancelledWhileWaitingForTheResponse() async throws {
        try await withPeers { server, client in
            let probe = HTTPProbe(url: server.url("/hang"), client: client)
            let run = Task { try await probe.run() }
            _ = try await bounded { await server.requests.first { $0 == "/hang" } }
            run.cancel()
            let result = try await bounded(.seconds(2)) { await run.result }
            #expect(throws: CancellationError.self) { try result.get() }
        }
    }

    private func withPeers(_ body: (HTTPTestServer, HTTPClient) async throws -> Void) async throws {
        let server = try await HTTPTestServer.start()
        var configuration = HTTPClient.Configuration()
        // As the daemon does: fail at once on a refused connection instead of retrying.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: configuration)
        do {
            try await body(server, client)
        } catch {
            try await client.shutdown()
            try await server.stop()
            throw error
        }
        try await client.shutdown()
        try await server.stop()
    }
}
