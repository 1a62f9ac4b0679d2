import Foundation
import TestPeers
import Testing
import Vitals
import VitalsProbes

/// The `certificate` probe on PEM files made with `openssl`: valid, expiring, expired, chains,
/// keys that do and do not match, and patterns.
@Suite(.tags(.integration)) struct CertificateProbeTests {
    private static let day = 86400.0
    private let now = Date().timeIntervalSince1970

    private func expiry(_ outcome: CheckOutcome) -> Double? {
        outcome.observations.first { $0.name == "expiry_timestamp" }?.value
    }

    @Test func passesWithTheDaysLeftAndExportsTheExpiry() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let notAfter = now + 30 * Self.day
        let site = try await authority.issue("site", notBefore: now - Self.day, notAfter: notAfter)
        let outcome = try await bounded { try await CertificateProbe(path: site.certificate).run() }
        #expect(outcome.status == .pass)
        #expect(outcome.message.hasPrefix("certificate CN=localhost in \(site.certificate) expires in 29 days ("))
        // `openssl ca` writes whole seconds.
        #expect(abs((expiry(outcome) ?? 0) - notAfter.rounded(.down)) <= 1)
    }

    @Test func warnsAndFailsAsTheExpiryComesNearAndFailsOnceItHasPassed() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let soon = try await authority.issue("soon", notBefore: now - Self.day, notAfter: now + 5 * Self.day + 600)
        let warned = try await bounded { try await CertificateProbe(path: soon.certificate, warnDays: 14).run() }
        #expect(warned.status == .warn)
        #expect(warned.message.hasSuffix(", within 14 days"))

        let failing = try await bounded {
            try await CertificateProbe(path: soon.certificate, warnDays: 14, failDays: 7).run()
        }
        #expect(failing.status == .fail)
        #expect(failing.reason == TLSProbe.expiry)
        #expect(failing.message.hasSuffix(", within 7 days"))

        let old = try await authority.issue("old", notBefore: now - 40 * Self.day, notAfter: now - 2 * Self.day - 600)
        let expired = try await failure(of: CertificateProbe(path: old.certificate))
        #expect(expired.reason == TLSProbe.expiry)
        #expect(expired.detail.hasPrefix("certificate CN=localhost in \(old.certificate) expired 2 days ago ("))
        #expect(expired.observations.contains { $0.name == "expiry_timestamp" })
    }

    @Test func theEarliestCertificateOfAChainOrAPatternCounts() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let directory = try TestDirectory()
        let late = try await authority.issue("late", notBefore: now - Self.day, notAfter: now + 300 * Self.day)
        let early = try await authority.issue("early", notBefore: now - Self.day, notAfter: now + 20 * Self.day)
        // A chain file: the leaf, then the CA (valid 365 days): the leaf expires first.
        let chain = try directory.file(
            "chain.pem",
            try String(contentsOfFile: late.certificate, encoding: .utf8)
                + String(contentsOfFile: authority.certificate, encoding: .utf8)
        )
        let single = try await bounded { try await CertificateProbe(path: chain).run() }
        #expect(single.message.hasSuffix("(earliest of 2 certificates)"))
        #expect(single.message.contains("expires in 299 days"))

        _ = try directory.file("site-b.pem", try String(contentsOfFile: early.certificate, encoding: .utf8))
        let pattern = directory.path("*.pem")
        let both = try await bounded { try await CertificateProbe(path: pattern).run() }
        #expect(
            both.message.hasPrefix("certificate CN=localhost in \(directory.path("site-b.pem")) expires in 19 days")
        )
        #expect(both.message.hasSuffix("(earliest of 3 certificates in 2 files)"))
    }

    @Test func theKeyMustBelongToTheCertificate() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let site = try await authority.issue("site", notBefore: now - Self.day, notAfter: now + 30 * Self.day)
        let other = try await authority.issue("other", notBefore: now - Self.day, notAfter: now + 30 * Self.day)
        let matching = CertificateProbe(path: site.certificate, keyFile: site.key)
        #expect(try await bounded { try await matching.run() }.status == .pass)

        let mismatched = try await failure(of: CertificateProbe(path: site.certificate, keyFile: other.key))
        #expect(mismatched.reason == CertificateProbe.keyMismatch)
        #expect(
            mismatched.detail == "the key in \(other.key) does not belong to the certificate in \(site.certificate)"
        )
        #expect(mismatched.observations.contains { $0.name == "expiry_timestamp" }, "the expiry stays known")

        let notAKey = try await failure(of: CertificateProbe(path: site.certificate, keyFile: site.certificate))
        #expect(notAKey.reason == .error)
        #expect(notAKey.detail == "\(site.certificate) holds no private key this check can read")
    }

    @Test func eachChainMustLeadToTheCA() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let stranger = try await TLSTestServer.CertificateAuthority()
        let site = try await authority.issue("site", notBefore: now - Self.day, notAfter: now + 30 * Self.day)
        let trusted = CertificateProbe(path: site.certificate, caFile: authority.certificate)
        #expect(try await bounded { try await trusted.run() }.status == .pass)

        let untrusted = try await failure(of: CertificateProbe(path: site.certificate, caFile: stranger.certificate))
        #expect(untrusted.reason == CertificateProbe.untrusted)
        #expect(
            untrusted.detail
                == "\(site.certificate): no valid chain from CN=localhost to a CA in \(stranger.certificate)"
        )
    }

    @Test func aMissingFileAPatternWithoutMatchesAndAFileWithoutCertificatesFail() async throws {
        let directory = try TestDirectory()
        let missing = try await failure(of: CertificateProbe(path: directory.path("gone.pem")))
        #expect(missing.reason == .error)
        #expect(missing.detail == "no such file: \(directory.path("gone.pem"))")

        let none = try await failure(of: CertificateProbe(path: directory.path("*.crt")))
        #expect(none.detail == "no file matches \(directory.path("*.crt"))")

        let text = try directory.file("notes.pem", "not a certificate\n")
        let empty = try await failure(of: CertificateProbe(path: text))
        #expect(empty.reason == .error)
        #expect(empty.detail == "\(text) holds no certificate")
    }
}
