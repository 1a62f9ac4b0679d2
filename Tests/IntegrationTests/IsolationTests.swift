import Foundation
import NIOCore
import NIOPosix
import Testing

/// Checks stay isolated when dependencies hang: real hung plugins, a real silent resolver, the real binary.
@Suite(.tags(.integration)) struct IsolationTests {
    /// The processes whose command line contains `marker` (from `/proc`).
    private func processes(matching marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return line.contains(marker) ? pid : nil
        }
    }

    /// Runs of check `name`, whose type is its name unless given.
    private func runs(_ daemon: DaemonProcess, _ name: String, type: String? = nil) async throws -> Double {
        try await daemon.metric("healthcheck_runs_total{check=\"\(name)\",type=\"\(type ?? name)\"}") ?? 0
    }

    /// Runs of the fast checks over a few seconds, against the runs their interval of 1 s promises.
    private func expectOnSchedule(_ daemon: DaemonProcess, _ names: [String]) async throws {
        let clock = ContinuousClock()
        var before: [String: Double] = [:]
        for name in names { before[name] = try await runs(daemon, name) }
        // A measuring window, not a timing assertion: the runs in it are counted below. It lies
        // within the span between the two readings, so slow readings (a loaded machine) cannot
        // make it promise runs that the counts had no time to see.
        let start = clock.now
        try await Task.sleep(for: .seconds(6))
        let elapsed = start.duration(to: clock.now)
        let expected = Double(elapsed.components.seconds)
        for name in names {
            let done = try await runs(daemon, name) - (before[name] ?? 0)
            #expect(done >= (0.9 * expected).rounded(.down), "\(name) ran \(done) times in \(elapsed)")
        }
    }

    @Test func athousandHungPluginsLeaveFastChecksOnScheduleAndStopTakesUnderTwoSeconds() async throws {
        let tcp = try await TCPPeer()
        let directory = try TemporaryDirectory()
        let marker = "7\(Int.random(in: 10_000...99_999)).5"  // `sleep` argument unique to this test
        var config = """
            global: {interval: 60s, timeout: 30s}
            checks:
              - {name: tcp, type: tcp, address: "127.0.0.1:\(tcp.port)", interval: 1s, timeout: 1s}
              - {name: exec, type: exec, command: [/bin/true], interval: 1s, timeout: 1s}

            """
        for index in 0..<1000 {
            config += "  - {name: hung_\(index), type: exec, command: [sleep, \"\(marker)\"], critical: false}\n"
        }
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitUntil("1,000 hung plugins", limit: .seconds(30)) {
            processes(matching: "sleep \(marker)").count >= 1000
        }
        try await expectOnSchedule(daemon, ["tcp", "exec"])
        #expect(try await daemon.metric("vitals_runs_in_flight") ?? 0 >= 1000)

        let clock = ContinuousClock()
        let stopping = clock.now
        let status = try await daemon.stop(limit: .seconds(10))
        let took = stopping.duration(to: clock.now)
        #expect(status == 0)
        #expect(took < .seconds(2), "stopped in \(took)")
        #expect(processes(matching: "sleep \(marker)").isEmpty, "no plugin outlives the daemon")
        await tcp.close()
    }

    @Test func stopTakesUnderTwoSecondsWhileAClientHoldsARequestOpen() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: "checks: []\n", in: directory)
        // A request whose body never comes: the server's graceful shutdown waits for it to finish.
        let stuck = try await RawConnection(port: daemon.port)
        try await stuck.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nx")
        try await waitUntil("the server to take the request") { stuck.text.contains("\"status\"") }
        let clock = ContinuousClock()
        let stopping = clock.now
        let status = try await daemon.stop(limit: .seconds(40))
        let took = stopping.duration(to: clock.now)
        #expect(status == 0)
        // The stop deadline is 1.5 s; waiting for the client would take the 30 s idle timeout. 5 s
        // tells the two apart on a CI machine loaded by the tests running beside this one.
        #expect(took < .seconds(5), "stopped in \(took)")
    }

    @Test func aPluginThatDaemonizesLeavesNothingBehind() async throws {
        let directory = try TemporaryDirectory()
        let marker = "8\(Int.random(in: 10_000...99_999)).5"
        // `setsid` takes the sleeper out of the plugin's process group, beyond a group kill.
        let plugin = try directory.write(
            "daemonizing.sh",
            "#!/bin/sh\nsetsid sleep \(marker) </dev/null >/dev/null 2>&1 &\necho started\n",
            executable: true
        )
        let daemon = try await DaemonProcess(
            config: "checks:\n  - {name: spawner, type: exec, command: [\(plugin)], interval: 1s, timeout: 1s}\n",
            in: directory
        )
        try await waitUntil("three runs of the plugin") { try await runs(daemon, "spawner", type: "exec") >= 3 }
        try await waitUntil("the daemonized sleepers to be gone", limit: .seconds(5)) {
            processes(matching: "sleep \(marker)").isEmpty
        }
        _ = try await daemon.stop()
        #expect(processes(matching: "sleep \(marker)").isEmpty)
    }

    @Test func aSilentResolverDelaysOnlyDNSChecks() async throws {
        // The resolver: a UDP socket on 127.0.0.1:53 that reads nothing and answers nothing.
        let silent = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 53).get()
        let tcp = try await TCPPeer()
        let directory = try TemporaryDirectory()
        let resolv = try directory.write("resolv.conf", "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n")
        var config = """
            checks:
              - {name: tcp, type: tcp, address: "127.0.0.1:\(tcp.port)", interval: 1s, timeout: 1s}
              - {name: exec, type: exec, command: [/bin/true], interval: 1s, timeout: 1s}

            """
        for index in 0..<20 {
            config +=
                "  - {name: dns_\(index), type: dns, query: svc-\(index).vitals.test, interval: 1s, timeout: 1s}\n"
        }
        // A mount namespace of its own, where /etc/resolv.conf names the silent resolver.
        let daemon = try await DaemonProcess(
            config: config,
            in: directory,
            launcher: [
                "/usr/bin/unshare", "--mount", "--", "/bin/sh", "-c",
                "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", resolv,
            ]
        )
        try await expectOnSchedule(daemon, ["tcp", "exec"])
        let dns = try #require(try await daemon.result("dns_0"))
        #expect(dns["status"] as? String == "fail")
        #expect(dns["reason"] as? String == "timeout")
        #expect(try await daemon.stop() == 0)
        try await silent.close()
        await tcp.close()
    }
}
