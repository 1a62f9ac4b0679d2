import Foundation
import Testing

/// `--grpc.listen-address`: the daemon's own `grpc.health.v1.Health`, asked by Python's gRPC health
/// client (`StandIns/health_client.py`), as kubelet's gRPC probe, Envoy or Consul would.
@Suite(.tags(.integration)) struct GRPCHealthServerTests {
    /// The address the gRPC listener logged (`--grpc.listen-address 127.0.0.1:0` picks a port).
    private func grpcAddress(of daemon: DaemonProcess) async throws -> String {
        var address = ""
        try await waitUntil("the gRPC listener's address in the log") {
            let line = daemon.logText.split(separator: "\n").first { $0.contains("gRPC health service listening") }
            address =
                line.flatMap { $0.split(separator: " ").first { $0.hasPrefix("address=") } }
                .map { String($0.dropFirst("address=".count)) } ?? ""
            return !address.isEmpty
        }
        return address
    }

    @Test func checkAndWatchFollowTheChecksAndAStopEndsTheWatch() async throws {
        let directory = try TemporaryDirectory()
        let flag = try directory.write("flag", "present\n")
        let daemon = try await DaemonProcess(
            config: """
                checks:
                  - {name: flag, type: file, path: \(flag), interval: 1s, tags: [api]}
                  - {name: extra, type: exec, command: [/bin/true], critical: false, tags: [batch]}
                """,
            in: directory,
            extraArguments: ["--grpc.listen-address", "127.0.0.1:0"]
        )
        try await waitForFirstResults(daemon)
        let address = try await grpcAddress(of: daemon)
        func check(_ service: String) async throws -> String {
            let result = try await runProcess(
                try venvPython(),
                [StandInProcess.script("health_client.py"), address, service, "check"]
            )
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try await check("-") == "SERVING")
        #expect(try await check("api") == "SERVING")
        #expect(try await check("nope") == "NOT_FOUND")

        let watch = try await StandInProcess(
            try venvPython(),
            [StandInProcess.script("health_client.py"), address, "-", "watch"],
            readyMarker: "SERVING\n",
            what: "a Watch of the overall status"
        )
        // The critical check fails: Check and the open Watch both say so.
        try FileManager.default.removeItem(atPath: flag)
        try await waitUntil("the Watch to see NOT_SERVING") { watch.printed.contains("NOT_SERVING\n") }
        #expect(try await check("-") == "NOT_SERVING")
        #expect(try await check("batch") == "SERVING", "a tag's checks only")

        #expect(try await daemon.stop() == 0)
        try await waitUntil("the Watch to end with the daemon") { watch.printed.hasSuffix("END\n") }
    }

    @Test func withTLSFromTheWebConfigurationOnlyAClientWithACertificateGetsAnAnswer() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let web = try directory.write(
            "web.yml",
            """
            tls_server_config:
              cert_file: \(certificates.serverCertificate)
              key_file: \(certificates.serverKey)
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: \(certificates.caCertificate)
            """
        )
        let daemon = try await DaemonProcess(
            config: "checks:\n  - {name: ok, type: exec, command: [/bin/true]}\n",
            in: directory,
            extraArguments: ["--grpc.listen-address", "127.0.0.1:0", "--web.config.file", web]
        )
        let address = try await grpcAddress(of: daemon)
        func check(_ extra: [String]) async throws -> String {
            let result = try await runProcess(
                try venvPython(),
                [StandInProcess.script("health_client.py"), address, "-", "check"] + extra
            )
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let client = [certificates.caCertificate, certificates.clientCertificate, certificates.clientKey]
        // The HTTP listener wants a client certificate too: the first round is seen through gRPC.
        try await waitUntil("the check's first run") { try await check(client) == "SERVING" }
        #expect(try await check([certificates.caCertificate]) == "UNAVAILABLE", "no client certificate")
        #expect(try await check([]) == "UNAVAILABLE", "plaintext to a TLS listener")
        #expect(try await daemon.stop() == 0)
    }
}
