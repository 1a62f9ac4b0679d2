import Foundation
import Testing

/// The `tls` check's `min_version` and client certificates, against `openssl s_server` limited to
/// TLS 1.2 and requiring a client certificate from the test CA (TLS 1.2 rejects a missing one
/// during the handshake, where the client sees it).
@Suite(.tags(.integration)) struct TLSCheckTests {
    @Test func judgesTheVersionAndPresentsAClientCertificate() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let server = try await ServerProcess(
            "/usr/bin/openssl",
            [
                "s_server", "-accept", "127.0.0.1:0", "-cert", certificates.serverCertificate, "-key",
                certificates.serverKey, "-tls1_2", "-Verify", "1", "-CAfile", certificates.caCertificate, "-www",
            ],
            portAfter: "ACCEPT ",
            what: "openssl s_server"
        )
        let base = "type: tls, address: \"127.0.0.1:\(server.port)\", ca_file: \"\(certificates.caCertificate)\""
        let client = "cert_file: \"\(certificates.clientCertificate)\", key_file: \"\(certificates.clientKey)\""
        let config = try directory.write(
            "tls.yml",
            """
            global: {interval: 10s, timeout: 5s}
            checks:
              - {name: mutual, \(base), \(client), min_version: TLSv1.2}
              - {name: too_old, \(base), \(client), min_version: TLSv1.3, critical: false}
              - {name: no_client_certificate, \(base), critical: false}
            """
        )
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]], "\(result.stdout) \(result.stderr)")
        func check(_ name: String) -> [String: Any] {
            results.first { $0["checker"] as? String == name } ?? [:]
        }
        func observation(_ name: String, _ key: String) -> Double? {
            let observations = check(name)["observations"] as? [[String: Any]] ?? []
            return observations.first { $0["name"] as? String == key }?["value"] as? Double
        }
        #expect(check("mutual")["status"] as? String == "pass", "\(result.stdout)")
        #expect(observation("mutual", "tls_version") == 1.2)
        #expect(check("too_old")["reason"] as? String == "tls")
        #expect(check("too_old")["output"] as? String == "the server agreed on TLSv1.2, older than TLSv1.3")
        #expect(check("no_client_certificate")["status"] as? String == "fail", "\(result.stdout)")
        #expect(check("no_client_certificate")["reason"] as? String == "tls", "\(result.stdout)")
        _ = server
    }
}
