import TestPeers
import Testing
import Vitals
import VitalsProbes

/// How the `memcached` probe reads what a server answers; the real memcached is in the integration
/// tests (`MemcachedCheckTests`).
@Suite(.tags(.integration)) struct MemcachedProbeTests {
    @Test func aServerThatCannotStoreFailsTheRoundTripWithItsOwnWords() async throws {
        let server = try await TCPTestServer.start(
            .replyAndClose("VERSION 1.6.18\r\nSERVER_ERROR out of memory storing object\r\n")
        )
        defer { Task { try await server.stop() } }
        let failure = try await failure(of: MemcachedProbe(host: "127.0.0.1", port: server.port, roundTripKey: "k"))
        #expect(failure.reason == .body)
        #expect(failure.detail == #"memcached answered "SERVER_ERROR out of memory storing object""#)
    }

    @Test func aValueThatComesBackDifferentFailsTheRoundTrip() async throws {
        let server = try await TCPTestServer.start(
            .replyAndClose("VERSION 1.6.18\r\nSTORED\r\nEND\r\nNOT_FOUND\r\nx\r\nx\r\n")
        )
        defer { Task { try await server.stop() } }
        let failure = try await failure(of: MemcachedProbe(host: "127.0.0.1", port: server.port, roundTripKey: "k"))
        #expect(failure.reason == .body)
        #expect(failure.detail.hasPrefix(#"the set/get round trip got "END", expected "VALUE k 0 "#))
    }

    @Test func aPeerThatClosesEarlyFailsWithWhatItSent() async throws {
        let server = try await TCPTestServer.start(.replyAndClose("VERSION 1.6.18\r\n"))
        defer { Task { try await server.stop() } }
        let failure = try await failure(of: MemcachedProbe(host: "127.0.0.1", port: server.port, roundTripKey: "k"))
        #expect(failure.reason == .body)
        #expect(failure.detail == #"connection closed before memcached answered (got "VERSION 1.6.18")"#)
    }

    @Test func keysFollowTheTextProtocol() {
        #expect(MemcachedProbe.isValidKey("vitals:healthcheck"))
        #expect(!MemcachedProbe.isValidKey("with space"))
        #expect(!MemcachedProbe.isValidKey(""))
        #expect(!MemcachedProbe.isValidKey(String(repeating: "k", count: 251)))
    }
}
