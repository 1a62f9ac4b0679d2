import Foundation
import Testing

/// A real memcached (Debian's `memcached`) on a free loopback port, stopped when released.
private final class MemcachedServer: Sendable {
    let process: Process
    let port: Int

    init() async throws {
        let probe = try await TCPPeer()
        port = probe.port
        await probe.close()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/memcached")
        // -U 0: no UDP; -u: memcached refuses to run as root without a user to switch to.
        process.arguments = ["-l", "127.0.0.1", "-p", "\(port)", "-U", "0", "-m", "8", "-u", "nobody"]
        // Not the test runner's pipes: a server holding them open would keep its output from ending.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let port = self.port
        try await waitUntil("memcached to listen on \(port)") { Self.accepts(port: port) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Memcached 1.6 ignores SIGTERM while idle; a test peer holds no data worth a clean exit.
    func stop() async throws {
        kill(process.processIdentifier, SIGKILL)
        let process = self.process
        try await waitUntil("memcached to stop") { !process.isRunning }
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

@Suite(.tags(.integration)) struct MemcachedCheckTests {
    @Test func passesAgainstMemcachedAndFailsAgainstAnythingElse() async throws {
        let memcached = try await MemcachedServer()
        let other = try await TCPPeer()  // answers, but not as memcached does
        let closed = try await TCPPeer()
        let closedPort = closed.port
        await closed.close()
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "memcached.yml",
            """
            global: {interval: 10s, timeout: 3s}
            checks:
              - {name: cache, type: memcached, address: "127.0.0.1:\(memcached.port)"}
              - {name: impostor, type: memcached, address: "127.0.0.1:\(other.port)", critical: false}
              - {name: down, type: memcached, address: "127.0.0.1:\(closedPort)", critical: false}
            """
        )
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        #expect(result.status == 0, "only non-critical checks fail: \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]])
        func field(_ name: String, _ key: String) -> String? {
            results.first { $0["checker"] as? String == name }?[key] as? String
        }
        #expect(field("cache", "status") == "pass", "\(result.stdout)")
        #expect(field("cache", "type") == "memcached")
        #expect(field("impostor", "status") == "fail")
        #expect(field("impostor", "reason") == "timeout")
        #expect(field("down", "status") == "fail")
        #expect(field("down", "reason") == "refused")
        await other.close()
        try await memcached.stop()
    }

    @Test func rejectsAMissingAddressAtTheCheck() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write("bad.yml", "checks:\n  - {name: cache, type: memcached}\n")
        let result = try await runVitals(["check-config", "--config.file", config])
        #expect(result.status == 2)
        #expect(result.stderr == "\(config):2:5: checks[0] (cache): missing required key \"address\"\n")
    }
}
