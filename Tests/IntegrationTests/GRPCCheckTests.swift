import Foundation
import Testing

/// The `grpc` check against a real gRPC server with the standard health service (Python's
/// `grpcio-health-checking`, `StandIns/health_server.py`), over plaintext HTTP/2 and over TLS.
@Suite(.tags(.integration)) struct GRPCCheckTests {
    /// The health server; `tls` is a certificate and key for it.
    private func healthServer(tls: (certificate: String, key: String)? = nil) async throws -> (StandInProcess, Int) {
        try await StandInProcess.server(
            "health_server.py",
            tls.map { [$0.certificate, $0.key] } ?? [],
            what: "the gRPC health server"
        )
    }

    private func results(of daemon: DaemonProcess) async throws -> [String: [String: Any]] {
        let results = try await daemon.health().json["results"] as? [[String: Any]] ?? []
        return Dictionary(
            uniqueKeysWithValues: results.compactMap { result in
                (result["checker"] as? String).map { ($0, result) }
            }
        )
    }

    @Test func followsTheServingStatusOfTheServerAndOfAService() async throws {
        let (server, port) = try await healthServer()
        try await server.send("set - SERVING")
        try await server.send("set orders.v1.Orders SERVING")
        let closed = try RefusingPort()
        defer { closed.close() }
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(
            config: """
                global: {interval: 1s, timeout: 1s}
                checks:
                  - {name: server, type: grpc, address: "127.0.0.1:\(port)"}
                  - {name: orders, type: grpc, address: "127.0.0.1:\(port)", service: orders.v1.Orders}
                  - {name: unknown, type: grpc, address: "127.0.0.1:\(port)", service: nope.v1.Nope, critical: false}
                  - {name: down, type: grpc, address: "127.0.0.1:\(closed.port)", critical: false}
                  - {name: every_address, type: grpc, address: "localhost:\(port)", all_addresses: true}
                """,
            in: directory
        )
        try await waitForFirstResults(daemon)
        var now = try await results(of: daemon)
        #expect(now["server"]?["status"] as? String == "pass")
        #expect((now["server"]?["output"] as? String)?.hasPrefix("the server is SERVING in ") == true)
        #expect((now["orders"]?["output"] as? String)?.hasPrefix("orders.v1.Orders is SERVING in ") == true)
        #expect(now["unknown"]?["reason"] as? String == "status")
        #expect(now["unknown"]?["output"] as? String == "nope.v1.Nope is unknown to the server (NOT_FOUND)")
        #expect(now["down"]?["reason"] as? String == "refused")
        let every = now["every_address"]?["output"] as? String ?? ""
        #expect(every.hasPrefix("1 address passed (127.0.0.1); 127.0.0.1: the server is SERVING in "), "\(every)")

        // The service stops serving; the server as a whole still does.
        try await server.send("set orders.v1.Orders NOT_SERVING")
        try await waitUntil("orders to fail") { try await daemon.result("orders")?["status"] as? String == "fail" }
        now = try await results(of: daemon)
        #expect(now["orders"]?["reason"] as? String == "status")
        #expect((now["orders"]?["output"] as? String)?.hasPrefix("orders.v1.Orders is NOT_SERVING (in ") == true)
        #expect(now["server"]?["status"] as? String == "pass")

        try await server.send("set orders.v1.Orders SERVING")
        try await waitUntil("orders to pass again") {
            try await daemon.result("orders")?["status"] as? String == "pass"
        }
        #expect(try await daemon.stop() == 0)
    }

    @Test func verifiesTheServersCertificateAndName() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let (server, port) = try await healthServer(tls: (certificates.serverCertificate, certificates.serverKey))
        try await server.send("set - SERVING")
        let config = try directory.write(
            "grpc.yml",
            """
            checks:
              - {name: by_name, type: grpc, address: "127.0.0.1:\(port)", tls: true, ca_file: \(certificates.caCertificate), authority: localhost}
              - {name: by_address, type: grpc, address: "127.0.0.1:\(port)", tls: true, ca_file: \(certificates.caCertificate)}
              - {name: untrusted, type: grpc, address: "127.0.0.1:\(port)", tls: true}
              - {name: other_name, type: grpc, address: "127.0.0.1:\(port)", tls: true, ca_file: \(certificates.caCertificate), authority: api.example}
              - {name: plaintext, type: grpc, address: "127.0.0.1:\(port)"}
              - {name: each_address, type: grpc, address: "localhost:\(port)", tls: true, ca_file: \(certificates.caCertificate), all_addresses: true}
            """
        )
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let checks = try #require(json?["results"] as? [[String: Any]], "\(result.stdout)\(result.stderr)")
        func field(_ name: String, _ key: String) -> String? {
            checks.first { $0["checker"] as? String == name }?[key] as? String
        }
        #expect(field("by_name", "status") == "pass", "\(result.stdout)")
        // Connected to 127.0.0.1, the name localhost still sent and verified.
        #expect(field("each_address", "status") == "pass", "\(result.stdout)")
        #expect(field("by_address", "status") == "pass", "the certificate names 127.0.0.1 too: \(result.stdout)")
        #expect(field("untrusted", "reason") == "tls")
        #expect(field("untrusted", "output") == "TLS handshake failed: certificate verify failed")
        #expect(field("other_name", "reason") == "tls")
        #expect(field("other_name", "output") == "certificate is not valid for api.example")
        #expect(field("plaintext", "status") == "fail")
        _ = server
    }
}
