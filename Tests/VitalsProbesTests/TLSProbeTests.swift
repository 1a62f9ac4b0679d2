import Foundation
import NIOSSL
import TestPeers
import Testing
import Vitals
import VitalsProbes

@Suite(.tags(.integration))
struct TLSProbeTests {
    private static let day = 86400.0

    /// Whole seconds, as certificates hold them, so that messages are exact.
    private let now = Date().timeIntervalSince1970.rounded(.down)

    @Test(arguments: ["localhost", "127.0.0.1"])
    func passesWhenTheCertificateExpiresAfterWarnDays(serverName: String) async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let notAfter = now + 30 * Self.day
        let identity = try await authority.issue("leaf", notBefore: now - Self.day, notAfter: notAfter)
        let outcome = try await run(probe(serverName: serverName, trustRoots: authority.trustRoots), against: identity)
        #expect(outcome.status == .pass)
        #expect(outcome.message == "certificate for \(serverName) expires in 30 days (\(Self.date(notAfter)))")
        #expect(
            outcome.observations == [
                Observation("expiry_seconds", 30 * Self.day, unit: "s"),
                Observation("expiry_timestamp", notAfter, unit: "s", metric: TLSProbe.expiryMetric),
                // The leaf ends before the root.
                Observation("chain_expiry_timestamp", notAfter, unit: "s"),
                // NIOSSL on both ends agrees on TLS 1.3.
                Observation("tls_version", 1.3),
            ]
        )
    }

    @Test func warnsWhenTheCertificateExpiresWithinWarnDays() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let notAfter = now + 10 * Self.day
        let identity = try await authority.issue("leaf", notBefore: now - Self.day, notAfter: notAfter)
        let outcome = try await run(probe(trustRoots: authority.trustRoots), against: identity)
        #expect(outcome.status == .warn)
        let expires = "expires in 10 days (\(Self.date(notAfter)))"
        #expect(outcome.message == "certificate for localhost \(expires), within 14 days")
    }

    @Test func failsWithExpiryWhenTheCertificateExpiresWithinFailDays() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let notAfter = now + 2 * Self.day
        let identity = try await authority.issue("leaf", notBefore: now - Self.day, notAfter: notAfter)
        let outcome = try await run(probe(trustRoots: authority.trustRoots), against: identity)
        #expect(outcome.status == .fail)
        #expect(outcome.reason == TLSProbe.expiry)
        let expires = "expires in 2 days (\(Self.date(notAfter)))"
        #expect(outcome.message == "certificate for localhost \(expires), within 3 days")
        #expect(outcome.observations.first == Observation("expiry_seconds", 2 * Self.day, unit: "s"))
    }

    @Test func judgesAnIntermediateThatExpiresBeforeTheLeaf() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let intermediateEnd = now + 10 * Self.day
        let (intermediate, leaf) = try await issueThroughIntermediate(authority, until: intermediateEnd)
        let outcome = try await run(
            probe(trustRoots: authority.trustRoots),
            against: try authority.chain(leaf, intermediate)
        )
        #expect(outcome.status == .warn, "\(outcome.message)")
        #expect(
            outcome.message
                == "certificate for localhost expires in 60 days (\(Self.date(now + 60 * Self.day))); "
                + "CN=Vitals-Test-Intermediate in the chain expires in 10 days (\(Self.date(intermediateEnd))), within 14 days"
        )
        #expect(outcome.observations.contains(Observation("chain_expiry_timestamp", intermediateEnd, unit: "s")))
        // The leaf's own expiry stays what the shared certificate family exports.
        #expect(outcome.observations.contains { $0.name == "expiry_timestamp" && $0.value == now + 60 * Self.day })
    }

    @Test func failsWhenTheServerLeavesOutItsIntermediate() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let (_, leaf) = try await issueThroughIntermediate(authority, until: now + 90 * Self.day)
        let failure = try await handshakeFailure(of: probe(trustRoots: authority.trustRoots), against: leaf)
        #expect(failure.reason == .tls)
        #expect(failure.detail == "TLS handshake failed: certificate verify failed")
    }

    @Test func failsWithExpiryWhenVerificationRejectsAnExpiredCertificate() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let notAfter = now - 5 * Self.day
        let identity = try await authority.issue("leaf", notBefore: now - 30 * Self.day, notAfter: notAfter)
        let failure = try await handshakeFailure(of: probe(trustRoots: authority.trustRoots), against: identity)
        #expect(failure.reason == TLSProbe.expiry)
        #expect(failure.detail == "certificate for localhost expired 5 days ago (\(Self.date(notAfter)))")
        #expect(
            failure.observations == [
                Observation("expiry_seconds", -5 * Self.day, unit: "s"),
                Observation("expiry_timestamp", notAfter, unit: "s", metric: TLSProbe.expiryMetric),
            ]
        )
    }

    @Test func failsWithTLSWhenTheCertificateIsSelfSigned() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let identity = try await authority.selfSigned("self", days: 30)
        let failure = try await handshakeFailure(of: probe(trustRoots: authority.trustRoots), against: identity)
        #expect(failure.reason == .tls)
        #expect(failure.detail == "TLS handshake failed: certificate verify failed")
        #expect(failure.observations.isEmpty)
    }

    @Test func passesWhenASelfSignedCertificateIsTrusted() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let identity = try await authority.selfSigned("self", days: 30)
        let trusted = try NIOSSLCertificate.fromPEMFile(identity.certificate)
        let outcome = try await run(probe(trustRoots: .certificates(trusted)), against: identity)
        #expect(outcome.status == .pass)
    }

    // NIOSSL itself accepts an IP address SAN that matches the address connected to, whatever
    // the server name; the probe still requires the name.
    @Test(arguments: ["DNS:localhost,IP:127.0.0.1", "DNS:localhost"])
    func failsWithTLSWhenTheCertificateIsForAnotherName(names: String) async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let notAfter = now + 30 * Self.day
        let identity = try await authority.issue("leaf", notBefore: now - Self.day, notAfter: notAfter, names: names)
        let probe = probe(serverName: "example.com", trustRoots: authority.trustRoots)
        let failure = try await handshakeFailure(of: probe, against: identity)
        #expect(failure.reason == .tls)
        #expect(failure.detail == "certificate is not valid for example.com")
    }

    @Test(arguments: [("api.example.test", true), ("API.Example.Test.", true), ("a.api.example.test", false)])
    func matchesAWildcardNameWithOneLabel(serverName: String, matches: Bool) async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let identity = try await authority.issue(
            "leaf",
            notBefore: now - Self.day,
            notAfter: now + 30 * Self.day,
            names: "DNS:*.example.test"
        )
        let probe = probe(serverName: serverName, trustRoots: authority.trustRoots)
        let result = await Result { try await run(probe, against: identity) }
        switch result {
        case .success(let outcome):
            #expect(matches && outcome.status == .pass, "\(outcome)")
        case .failure(let error):
            #expect(!matches && (error as? CheckFailure)?.reason == .tls, "\(error)")
        }
    }

    @Test func failsWithTLSWhenThePeerDoesNotSpeakTLS() async throws {
        let server = try await TCPTestServer.start(.replyAndClose("SSH-2.0-OpenSSH_9.2\r\n"))
        defer { Task { try await server.stop() } }
        var probe = probe()
        probe.port = server.port
        let failure = try await failure(of: probe)
        #expect(failure.reason == .tls, "\(failure.reason): \(failure.detail)")
        #expect(failure.detail.hasPrefix("TLS handshake failed"))
    }

    @Test func failsWithRefusedWhenNothingListens() async throws {
        let reserved = try ReservedPort()
        var probe = probe()
        probe.port = reserved.port
        let failure = try await failure(of: probe)
        #expect(failure.reason == .refused)
        #expect(failure.detail == "connection refused")
    }

    @Test func failsWithErrorWhenTheTrustRootsCannotBeLoaded() async throws {
        let reserved = try ReservedPort()
        var probe = probe()
        probe.port = reserved.port
        probe.trustRoots = .file("/nonexistent/ca.pem")
        let failure = try await failure(of: probe)
        #expect(failure.reason == .error)
        #expect(failure.detail.hasPrefix("cannot load trust roots from /nonexistent/ca.pem"))
    }

    @Test func stopsPromptlyWhenCancelledDuringTheHandshake() async throws {
        // A plain TCP server that never answers the ClientHello.
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        var probe = probe()
        probe.port = server.port
        let run = Task { [probe] in try await probe.run() }
        _ = try await bounded { await server.accepted.first { _ in true } }
        run.cancel()
        let result = try await bounded { await run.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }

    /// A probe of 127.0.0.1 that warns at 14 days and fails at 3, with the test's fixed wall clock.
    private func probe(serverName: String = "localhost", trustRoots: NIOSSLTrustRoots = .default) -> TLSProbe {
        let now = now
        return TLSProbe(
            host: "127.0.0.1",
            port: 0,
            serverName: serverName,
            warnDays: 14,
            failDays: 3,
            trustRoots: trustRoots,
            wallClock: WallClock { now }
        )
    }

    /// An intermediate authority valid until `intermediateEnd`, and a leaf it issued that is valid
    /// for 60 days.
    private func issueThroughIntermediate(
        _ authority: borrowing TLSTestServer.CertificateAuthority,
        until intermediateEnd: Double
    ) async throws -> (intermediate: TLSTestServer.Identity, leaf: TLSTestServer.Identity) {
        let intermediate = try await authority.issue(
            "Vitals-Test-Intermediate",
            notBefore: now - Self.day,
            notAfter: intermediateEnd,
            authority: true
        )
        let leaf = try await authority.issue(
            "leaf",
            notBefore: now - Self.day,
            notAfter: now + 60 * Self.day,
            issuer: "Vitals-Test-Intermediate"
        )
        return (intermediate, leaf)
    }

    /// Runs `probe` against a TLS server presenting `identity`.
    private func run(_ probe: TLSProbe, against identity: TLSTestServer.Identity) async throws -> CheckOutcome {
        let server = try await TLSTestServer.start(identity)
        defer { Task { try await server.stop() } }
        var probe = probe
        probe.port = server.port
        return try await bounded { [probe] in try await probe.run() }
    }

    private func handshakeFailure(
        of probe: TLSProbe,
        against identity: TLSTestServer.Identity
    ) async throws -> CheckFailure {
        let server = try await TLSTestServer.start(identity)
        defer { Task { try await server.stop() } }
        var probe = probe
        probe.port = server.port
        return try await failure(of: probe)
    }

    /// A UTC date as the probe shows it: `2026-12-20`.
    private static func date(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
