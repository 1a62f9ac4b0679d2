import TestPeers
import Testing
import Vitals
import VitalsProbes

@Suite(.tags(.integration))
struct TCPProbeTests {
    @Test func passesWhenTheConnectionSucceeds() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let outcome = try await bounded { try await TCPProbe(host: "127.0.0.1", port: server.port).run() }
        #expect(outcome.status == .pass)
        #expect(outcome.message.hasPrefix("connected in "))
        // The unit depends on how long the connect took (ms, or s on a loaded machine), not on the probe.
        #expect(outcome.message.hasSuffix(" ms") || outcome.message.hasSuffix(" s"))
    }

    @Test func passesWhenRedisAnswersPing() async throws {
        let server = try await TCPTestServer.start(.redis)
        defer { Task { try await server.stop() } }
        let probe = TCPProbe(host: "127.0.0.1", port: server.port, send: "PING\r\n", expect: #"^\+PONG"#)
        let outcome = try await bounded { try await probe.run() }
        #expect(outcome.status == .pass)
        #expect(outcome.message.contains("reply matched in"))
    }

    @Test func passesWhenTheBannerMatchesWithoutSending() async throws {
        let server = try await TCPTestServer.start(.banner("SSH-2.0-OpenSSH_9.2\r\n", thenClose: false))
        defer { Task { try await server.stop() } }
        let probe = TCPProbe(host: "127.0.0.1", port: server.port, expect: #"^SSH-2\.0-"#)
        let outcome = try await bounded { try await probe.run() }
        #expect(outcome.status == .pass)
    }

    @Test func failsWithBodyWhenTheReplyDoesNotMatchBeforeTheConnectionCloses() async throws {
        let server = try await TCPTestServer.start(.replyAndClose("-ERR unknown command\r\n"))
        defer { Task { try await server.stop() } }
        let probe = TCPProbe(host: "127.0.0.1", port: server.port, send: "PING\r\n", expect: #"\+PONG"#)
        let failure = try await failure(of: probe)
        #expect(failure.reason == .body)
        #expect(failure.detail == #"connection closed before the reply matched (got "-ERR unknown command")"#)
    }

    @Test func failsWithBodyWhenThePeerClosesWithoutReplying() async throws {
        let server = try await TCPTestServer.start(.banner("", thenClose: true))
        defer { Task { try await server.stop() } }
        let probe = TCPProbe(host: "127.0.0.1", port: server.port, expect: "hello")
        let failure = try await failure(of: probe)
        #expect(failure.reason == .body)
        #expect(failure.detail.contains("no reply"))
    }

    @Test func failsWithRefusedWhenNothingListens() async throws {
        let reserved = try ReservedPort()
        let failure = try await failure(of: TCPProbe(host: "127.0.0.1", port: reserved.port))
        #expect(failure.reason == .refused)
        #expect(failure.detail == "connection refused")
    }

    @Test func connectsToTheAddressSetAfterTheProbeWasMade() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let reserved = try ReservedPort()
        // The probe parses an IP address once; changing the host or port must not leave it on the old one.
        var probe = TCPProbe(host: "localhost", port: reserved.port)
        probe.host = "127.0.0.1"
        probe.port = server.port
        let moved = probe
        let outcome = try await bounded { try await moved.run() }
        #expect(outcome.status == .pass, "\(outcome.message)")
        probe.port = reserved.port
        #expect(try await failure(of: probe).reason == .refused)
    }

    @Test func failsWithRefusedWhenThePeerResetsTheConnection() async throws {
        let server = try await TCPTestServer.start(.reset)
        defer { Task { try await server.stop() } }
        let probe = TCPProbe(host: "127.0.0.1", port: server.port, send: "PING\r\n", expect: #"\+PONG"#)
        let failure = try await failure(of: probe)
        // A reset may arrive as a reset or, when it wins the race with the first read, as a plain close.
        #expect(failure.reason == .refused || failure.reason == .body, "\(failure.reason): \(failure.detail)")
    }

    @Test func failsWithDNSWhenTheHostDoesNotResolve() async throws {
        let failure = try await failure(of: TCPProbe(host: "no-such-host.invalid", port: 80))
        #expect(failure.reason == .dns)
        #expect(failure.detail == "cannot resolve no-such-host.invalid")
    }

    @Test func failsWithErrorWhenThePatternIsInvalid() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let failure = try await failure(of: TCPProbe(host: "127.0.0.1", port: server.port, expect: "(unclosed"))
        #expect(failure.reason == .error)
        #expect(failure.detail.hasPrefix("invalid expect pattern"))
    }

    @Test func stopsPromptlyWhenCancelledWhileWaitingForAReply() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let probe = TCPProbe(host: "127.0.0.1", port: server.port, send: "PING\r\n", expect: "PONG")
        let run = Task { try await probe.run() }
        _ = try await bounded { await server.accepted.first { _ in true } }
        run.cancel()
        let result = try await bounded { await run.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
