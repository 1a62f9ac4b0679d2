import Foundation
import Testing

/// A real memcached (Debian's `memcached`) on a free loopback port, stopped when released.
private final class MemcachedServer: Sendable {
    let process: Process
    let port: Int

    /// Another test may take the free port between our probe closing it and memcached binding it;
    /// memcached then exits, and the port answers, but not as memcached. So a start counts only
    /// when the port answers `version` as memcached does, and a lost race starts again elsewhere.
    init() async throws {
        var attempt = 0
        while true {
            attempt += 1
            let probe = try await TCPPeer()
            let port = probe.port
            await probe.close()
            let process = Self.start(port: port)
            try process.run()
            var answered = false
            try await waitUntil("memcached to listen on \(port) or exit") {
                answered = Self.answersAsMemcached(port: port)
                return answered || !process.isRunning
            }
            if answered && process.isRunning {
                self.process = process
                self.port = port
                return
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            guard attempt < 5 else { throw TimedOut(what: "memcached to start on a free port") }
        }
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

    private static func start(port: Int) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/memcached")
        // -U 0: no UDP; -u: memcached refuses to run as root without a user to switch to.
        process.arguments = ["-l", "127.0.0.1", "-p", "\(port)", "-U", "0", "-m", "8", "-u", "nobody"]
        // Not the test runner's pipes: a server holding them open would keep its output from ending.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    /// Loopback answers within microseconds; the receive timeout bounds a peer that never answers.
    private static func answersAsMemcached(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var limit = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return false }
        let request = Array("version\r\n".utf8)
        guard send(socket, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = recv(socket, &reply, reply.count, 0)
        guard count > 0 else { return false }
        return String(decoding: reply[0..<count], as: UTF8.self).hasPrefix("VERSION ")
    }
}

@Suite(.tags(.integration)) struct MemcachedCheckTests {
    @Test func passesAgainstMemcachedAndFailsAgainstAnythingElse() async throws {
        let memcached = try await MemcachedServer()
        let other = try await TCPPeer()  // answers, but not as memcached does
        let closed = try RefusingPort()
        defer { closed.close() }
        let closedPort = closed.port
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "memcached.yml",
            """
            global: {interval: 30s, timeout: 15s}
            checks:
              - {name: cache, type: memcached, address: "127.0.0.1:\(memcached.port)"}
              - {name: cache_rw, type: memcached, address: "127.0.0.1:\(memcached.port)", round_trip: true}
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
        #expect(field("cache", "output")?.hasPrefix("version 1.") == true, "\(result.stdout)")
        #expect(field("cache_rw", "status") == "pass", "\(result.stdout)")
        #expect(field("cache_rw", "output")?.contains(", set/get/delete in ") == true, "\(result.stdout)")
        // Something that answers, but not as memcached does, fails at its first line, not at the timeout.
        #expect(field("impostor", "status") == "fail")
        #expect(field("impostor", "reason") == "body")
        #expect(field("impostor", "output") == #"version answered "+OK vitals-test", not what memcached answers"#)
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
