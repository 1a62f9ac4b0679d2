import Foundation
import NIOSSL
import TestPeers
import Testing
import Vitals
import VitalsProbes

/// The `redis` probe against Debian's `redis-server` on loopback.
@Suite(.tags(.integration)) struct RedisProbeTests {
    /// RESP strings are binary-safe: spaces and URL delimiters go through as they are.
    private static let password = "s3cr&t:p@ss w0rd/x"

    @Test func passesWhenTheServerAnswersPong() async throws {
        let redis = try await RedisTestServer()
        let outcome = try await bounded { try await RedisProbe(host: "127.0.0.1", port: redis.port).run() }
        #expect(outcome.status == .pass)
        #expect(outcome.message.hasPrefix("PONG in "))
    }

    @Test func passesWithThePasswordAndFailsWithAuthWithoutOrWithAWrongOne() async throws {
        let redis = try await RedisTestServer(["--requirepass", Self.password])
        let probe = RedisProbe(host: "127.0.0.1", port: redis.port, password: Self.password)
        #expect(try await bounded { try await probe.run() }.status == .pass)

        let none = try await failure(of: RedisProbe(host: "127.0.0.1", port: redis.port))
        #expect(none.reason == RedisProbe.authFailure)
        #expect(none.detail.hasPrefix("the server wants a password: NOAUTH"))

        let wrong = try await failure(
            of: RedisProbe(host: "127.0.0.1", port: redis.port, password: "x" + Self.password)
        )
        #expect(wrong.reason == RedisProbe.authFailure)
        #expect(wrong.detail.hasPrefix("authentication failed: WRONGPASS"))
        #expect(!wrong.detail.contains(Self.password))
    }

    @Test func authenticatesAsAnACLUserAndReportsWhatTheUserMayNotRun() async throws {
        let redis = try await RedisTestServer([
            "--user", "default", "off", "--user", "monitor", "on", ">" + Self.password, "+ping",
        ])
        let monitor = RedisProbe(host: "127.0.0.1", port: redis.port, username: "monitor", password: Self.password)
        #expect(try await bounded { try await monitor.run() }.status == .pass)

        let stranger = try await failure(
            of: RedisProbe(host: "127.0.0.1", port: redis.port, username: "stranger", password: Self.password)
        )
        #expect(stranger.reason == RedisProbe.authFailure)
        #expect(stranger.detail.hasPrefix("authentication failed: WRONGPASS"))

        // The user may PING but not ask ROLE: the server's own words say so.
        var roleWanted = monitor
        roleWanted.expectedRole = .master
        let denied = try await failure(of: roleWanted)
        #expect(denied.reason == .body)
        #expect(denied.detail.hasPrefix("ROLE failed: NOPERM"))
    }

    @Test func followsTheReplicationRole() async throws {
        let master = try await RedisTestServer()
        let replica = try await RedisTestServer(["--replicaof", "127.0.0.1", "\(master.port)"])

        let masterOutcome = try await bounded {
            try await RedisProbe(host: "127.0.0.1", port: master.port, expectedRole: .master).run()
        }
        #expect(masterOutcome.status == .pass)
        #expect(masterOutcome.message.hasSuffix("; master"))

        let notMaster = try await failure(of: RedisProbe(host: "127.0.0.1", port: replica.port, expectedRole: .master))
        #expect(notMaster.reason == RedisProbe.role)
        #expect(
            notMaster.detail.hasPrefix("expected master, but the server is replica of 127.0.0.1:\(master.port), link ")
        )

        // The replica's first sync takes a moment: it warns until its link is up, then passes.
        let asReplica = RedisProbe(host: "127.0.0.1", port: replica.port, expectedRole: .replica)
        var last: CheckOutcome?
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            last = try await bounded { try await asReplica.run() }
            if last?.status == .pass { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(last?.status == .pass, "\(String(describing: last)); replica log: \(replica.log)")
        #expect(last?.message.hasSuffix("; replica of 127.0.0.1:\(master.port), link connected") == true)
    }

    @Test func warnsWhileAReplicaCannotReachItsMaster() async throws {
        let nowhere = try ReservedPort()
        let replica = try await RedisTestServer(["--replicaof", "127.0.0.1", "\(nowhere.port)"])
        let outcome = try await bounded {
            try await RedisProbe(host: "127.0.0.1", port: replica.port, expectedRole: .replica).run()
        }
        #expect(outcome.status == .warn)
        #expect(outcome.message.contains("; replica of 127.0.0.1:\(nowhere.port), link "))
        #expect(outcome.message.hasSuffix("(the replica is not in sync with its master)"))
    }

    @Test func speaksTLSAndVerifiesTheServersCertificate() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let now = Date().timeIntervalSince1970
        let identity = try await authority.issue("redis", notBefore: now - 86400, notAfter: now + 30 * 86400)
        let redis = try await RedisTestServer(tls: (identity.certificate, identity.key))

        let trusted = RedisProbe(
            host: "127.0.0.1",
            port: redis.port,
            tls: RedisProbe.TLS(trustRoots: .file(authority.certificate), serverName: "localhost")
        )
        #expect(try await bounded { try await trusted.run() }.status == .pass)

        let untrusted = RedisProbe(host: "127.0.0.1", port: redis.port, tls: RedisProbe.TLS(serverName: "localhost"))
        let unverified = try await failure(of: untrusted)
        #expect(unverified.reason == .tls)
        #expect(unverified.detail == "TLS handshake failed: certificate verify failed")

        // The certificate names localhost and 127.0.0.1; connecting to 127.0.0.1 must not make it
        // valid for another name.
        var wrongName = trusted
        wrongName.tls?.serverName = "cache.example"
        let misnamed = try await failure(of: wrongName)
        #expect(misnamed.reason == .tls)
        #expect(misnamed.detail == "certificate is not valid for cache.example")

        // Plain text to a TLS port gets no PONG.
        let plain = try await failure(of: RedisProbe(host: "127.0.0.1", port: redis.port))
        #expect(plain.reason == .body || plain.reason == .refused)
    }

    @Test func failsWithBodyWhenThePeerIsNotRedis() async throws {
        let server = try await TCPTestServer.start(.replyAndClose("HTTP/1.1 400 Bad Request\r\n\r\n"))
        defer { Task { try await server.stop() } }
        let notRedis = try await failure(of: RedisProbe(host: "127.0.0.1", port: server.port))
        #expect(notRedis.reason == .body)
        #expect(notRedis.detail.hasPrefix("not a Redis reply (unknown type byte 0x48)"))
    }

    @Test func failsWithRefusedWhenNothingListens() async throws {
        let reserved = try ReservedPort()
        let refused = try await failure(of: RedisProbe(host: "127.0.0.1", port: reserved.port))
        #expect(refused.reason == .refused)
    }
}
