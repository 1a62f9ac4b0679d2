import Foundation
import Testing

/// The `smtp` check against aiosmtpd (`StandIns/smtp_server.py`): greeting and EHLO, STARTTLS with
/// a private CA, AUTH PLAIN, and peers that are not SMTP servers.
@Suite(.tags(.integration)) struct SMTPCheckTests {
    /// The stand-in on a free port, offering STARTTLS (and AUTH after it) when given a certificate.
    private func server(_ certificates: TestCertificates? = nil) async throws -> (StandInProcess, Int) {
        let tls = certificates.map { [$0.serverCertificate, $0.serverKey] } ?? []
        return try await StandInProcess.server("smtp_server.py", tls, what: "the SMTP server")
    }

    @Test func greetsUpgradesAndAuthenticates() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let (tlsServer, tlsPort) = try await server(certificates)
        let (plainServer, plainPort) = try await server()
        let other = try await TCPPeer()  // greets, but not as an SMTP server does
        let closed = try RefusingPort()
        defer { closed.close() }
        _ = try directory.write("password", "s3cret\n")
        _ = try directory.write("wrong", "guess\n")
        let ca = certificates.caCertificate
        let tls = "address: \"127.0.0.1:\(tlsPort)\", starttls: true, ca_file: \"\(ca)\""
        let config = try directory.write(
            "smtp.yml",
            """
            global: {interval: 10s, timeout: 5s}
            checks:
              - {name: plain, type: smtp, address: "127.0.0.1:\(plainPort)"}
              - {name: starttls, type: smtp, \(tls)}
              - {name: auth, type: smtp, \(tls), username: monitor, password_file: password}
              - {name: wrong_password, type: smtp, \(tls), username: monitor, password_file: wrong, critical: false}
              - {name: expiring, type: smtp, \(tls), warn_days: 60, fail_days: 3}
              - {name: wrong_name, type: smtp, \(tls), server_name: mail.example.com, critical: false}
              - {name: untrusted, type: smtp, address: "127.0.0.1:\(tlsPort)", starttls: true, critical: false}
              - {name: no_starttls, type: smtp, address: "127.0.0.1:\(plainPort)", starttls: true, critical: false}
              - {name: auth_in_clear, type: smtp, address: "127.0.0.1:\(tlsPort)", username: monitor, password_file: password, critical: false}
              - {name: not_smtp, type: smtp, address: "127.0.0.1:\(other.port)", critical: false}
              - {name: down, type: smtp, address: "127.0.0.1:\(closed.port)", critical: false}
            """
        )
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]], "\(result.stdout) \(result.stderr)")
        func field(_ name: String, _ key: String) -> String? {
            results.first { $0["checker"] as? String == name }?[key] as? String
        }
        let greeting = "220 mail.vitals.test Vitals test SMTP"
        #expect(field("plain", "status") == "pass", "\(result.stdout)")
        #expect(field("plain", "output")?.hasPrefix("\(greeting), EHLO in ") == true, "\(result.stdout)")
        #expect(field("starttls", "status") == "pass", "\(result.stdout)")
        #expect(field("starttls", "output")?.hasPrefix("\(greeting), EHLO, STARTTLS in ") == true)
        #expect(field("starttls", "output")?.contains("; certificate for 127.0.0.1 expires in ") == true)
        #expect(field("auth", "status") == "pass", "\(result.stdout)")
        #expect(field("auth", "output")?.contains(", STARTTLS, AUTH as monitor in ") == true, "\(result.stdout)")
        #expect(field("wrong_password", "reason") == "auth")
        #expect(
            field("wrong_password", "output")
                == "AUTH PLAIN as monitor answered 535 5.7.8 Authentication credentials invalid"
        )
        // The test certificates are valid for 30 days.
        #expect(field("expiring", "status") == "warn", "\(result.stdout)")
        #expect(field("expiring", "output")?.hasSuffix(", within 60 days") == true, "\(result.stdout)")
        #expect(field("wrong_name", "reason") == "tls", "\(result.stdout)")
        #expect(field("untrusted", "reason") == "tls", "\(result.stdout)")
        #expect(field("no_starttls", "output") == "the server does not offer STARTTLS")
        // aiosmtpd offers AUTH only over TLS: a password is not sent in the clear.
        #expect(field("auth_in_clear", "reason") == "auth")
        #expect(field("auth_in_clear", "output") == "the server does not offer AUTH PLAIN")
        #expect(field("not_smtp", "reason") == "body", "\(result.stdout)")
        #expect(field("not_smtp", "output")?.hasPrefix("the server does not speak SMTP") == true)
        #expect(field("down", "reason") == "refused")
        for secret in ["s3cret", "guess"] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(secret) leaked")
        }
        await other.close()
        _ = (tlsServer, plainServer)
    }

    @Test func rejectsTLSKeysWithoutStarttlsAndHalfCredentials() async throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("password", "s3cret\n")
        let config = try directory.write(
            "bad.yml",
            """
            checks:
              - {name: m0, type: smtp, address: "127.0.0.1:25", warn_days: 30}
              - {name: m1, type: smtp, address: "127.0.0.1:25", password_file: password}
            """
        )
        let result = try await runVitals(["check-config", "--config.file", config])
        #expect(result.status == 2)
        #expect(result.stderr.contains(": checks[0] (m0): warn_days: needs starttls: true"), "\(result.stderr)")
        #expect(
            result.stderr.contains(": checks[1] (m1): password_file: username and password_file go together"),
            "\(result.stderr)"
        )
    }
}
