import Foundation
import TestPeers
import Testing
import Vitals
import VitalsProbes

@testable import VitalsDaemon

/// The `grpc` check type's keys and the rules between them; the check against a real server is in
/// `GRPCCheckTests`.
@Suite struct GRPCSettingsTests {
    @Test func keysBecomeTheProbe() throws {
        let directory = try TestDirectory()
        let ca = try directory.file("ca.pem", "")
        let checks = try configuredChecks(
            """
            checks:
              - {name: a, type: grpc, address: "127.0.0.1:50051"}
              - {name: b, type: grpc, address: "10.0.0.2:443", service: orders.v1.Orders, tls: true, ca_file: ca.pem, authority: api.internal}
            """,
            in: directory
        )
        let a = try #require(checks[0] as? GRPCProbe)
        #expect((a.host, a.port, a.service) == ("127.0.0.1", 50051, ""))
        #expect(a.tls == nil)
        let b = try #require(checks[1] as? GRPCProbe)
        #expect(b.service == "orders.v1.Orders")
        #expect(b.tls?.caFile == ca, "relative to the config file")
        #expect(b.authority == "api.internal")
    }

    @Test func rulesBetweenKeysAreLocatedErrors() throws {
        let directory = try TestDirectory()
        let pem = try directory.file("x.pem", "")
        let config = try directory.file(
            "vitals.yml",
            """
            checks:
              - {name: a, type: grpc, address: "127.0.0.1:50051", ca_file: \(pem)}
              - {name: b, type: grpc, address: "127.0.0.1:50051", tls: true, cert_file: \(pem)}
            """
        )
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: config) }
        let lines = error?.diagnostics.map(\.description) ?? []
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.hasSuffix("checks[0] (a): ca_file: needs tls: true") == true, "\(lines)")
        #expect(
            lines.last?.hasSuffix("checks[1] (b): cert_file: cert_file and key_file go together") == true,
            "\(lines)"
        )
    }
}
