import Foundation
import TestPeers
import Testing

/// The `tls` check's `starttls`: the certificate of a server that upgrades in-band, for SMTP
/// (aiosmtpd), IMAP and POP3 (`StandIns/starttls_server.py`) and PostgreSQL (Debian's, `ssl = on`).
@Suite(.tags(.integration)) struct StartTLSCheckTests {
    @Test func reachesTheCertificateBehindEachProtocolsUpgrade() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let pair = [certificates.serverCertificate, certificates.serverKey]
        let (smtp, smtpPort) = try await StandInProcess.server("smtp_server.py", pair, what: "the SMTP server")
        let (plainSMTP, plainSMTPPort) = try await StandInProcess.server(
            "smtp_server.py",
            what: "the SMTP server without TLS"
        )
        var servers = [smtp, plainSMTP]
        var ports: [String: Int] = [:]
        for name in ["imap", "pop3"] {
            for refuse in [false, true] {
                let (server, port) = try await StandInProcess.server(
                    "starttls_server.py",
                    [name] + pair + (refuse ? ["refuse"] : []),
                    what: "the \(name) server"
                )
                servers.append(server)
                ports[name + (refuse ? "_refuse" : "")] = port
            }
        }
        let postgres = try await PostgresTestServer.start(
            tls: (certificates.serverCertificate, certificates.serverKey)
        )
        let other = try await TCPPeer()  // greets with "+OK vitals-test": not PostgreSQL
        let ca = "ca_file: \"\(certificates.caCertificate)\""
        let config = try directory.write(
            "starttls.yml",
            """
            global: {interval: 10s, timeout: 5s}
            checks:
              - {name: smtp, type: tls, address: "127.0.0.1:\(smtpPort)", starttls: smtp, \(ca)}
              - {name: imap, type: tls, address: "127.0.0.1:\(ports["imap"] ?? 0)", starttls: imap, \(ca)}
              - {name: pop3, type: tls, address: "127.0.0.1:\(ports["pop3"] ?? 0)", starttls: pop3, \(ca)}
              - {name: postgres, type: tls, address: "127.0.0.1:\(postgres.port)", starttls: postgres, \(ca)}
              - {name: smtp_without_tls, type: tls, address: "127.0.0.1:\(plainSMTPPort)", starttls: smtp, \(ca), critical: false}
              - {name: imap_refuses, type: tls, address: "127.0.0.1:\(ports["imap_refuse"] ?? 0)", starttls: imap, \(ca), critical: false}
              - {name: pop3_refuses, type: tls, address: "127.0.0.1:\(ports["pop3_refuse"] ?? 0)", starttls: pop3, \(ca), critical: false}
              - {name: imap_untrusted, type: tls, address: "127.0.0.1:\(ports["imap"] ?? 0)", starttls: imap, critical: false}
              - {name: not_postgres, type: tls, address: "127.0.0.1:\(other.port)", starttls: postgres, critical: false}
            """
        )
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]], "\(result.stdout) \(result.stderr)")
        func field(_ name: String, _ key: String) -> String? {
            results.first { $0["checker"] as? String == name }?[key] as? String
        }
        for name in ["smtp", "imap", "pop3", "postgres"] {
            #expect(field(name, "status") == "pass", "\(name): \(result.stdout)")
            #expect(
                field(name, "output")?.hasPrefix("certificate for 127.0.0.1 expires in ") == true,
                "\(name): \(result.stdout)"
            )
        }
        #expect(field("smtp_without_tls", "reason") == "tls")
        #expect(field("smtp_without_tls", "output") == "the server does not offer STARTTLS")
        #expect(field("imap_refuses", "output") == #"STARTTLS answered "a1 BAD STARTTLS not available""#)
        #expect(field("pop3_refuses", "output") == #"STLS answered "-ERR STLS not available""#)
        #expect(field("imap_untrusted", "reason") == "tls", "\(result.stdout)")
        #expect(field("not_postgres", "reason") == "body", "\(result.stdout)")
        await other.close()
        try await postgres.stop()
        servers.removeAll()
    }
}
