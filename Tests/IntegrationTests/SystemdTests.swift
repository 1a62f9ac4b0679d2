import Foundation
import Testing

/// The real binary against a Unix datagram socket standing in for systemd's notify socket.
@Suite(.tags(.integration)) struct SystemdTests {
    private func waitFor(_ assignment: String, on socket: NotifySocket, count: Int = 1) async throws {
        try await waitUntil("\(assignment) ×\(count)") { socket.messages(containing: assignment).count >= count }
    }

    @Test func readyComesAfterTheFirstRoundWithAStatusLine() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket()
        let daemon = try await DaemonProcess(
            config: nil,
            in: directory,
            environment: ["NOTIFY_SOCKET": socket.path]
        )
        try await waitFor("READY=1", on: socket)
        // READY means every check has a result: none may still be pending.
        let results = try await daemon.health().json["results"] as? [[String: Any]] ?? []
        #expect(results.count == 3)
        #expect(results.allSatisfy { $0["output"] as? String != "pending" })
        let ready = try #require(socket.messages(containing: "READY=1").first)
        // The load check may fail on a busy machine; the line counts and names whatever is true.
        let status = try #require(ready.text.split(separator: "\n").first { $0.hasPrefix("STATUS=") })
        #expect(status.contains("/3 checks passing"), "\(status)")
        #expect(socket.messages(containing: "WATCHDOG=1").isEmpty, "no WATCHDOG_USEC, no pings")
    }

    @Test func statusChangesWhenACheckStartsFailing() async throws {
        let directory = try TemporaryDirectory()
        let marker = try directory.write("marker", "x")
        let socket = try NotifySocket()
        let config = "checks:\n  - {name: marker, type: file, path: \"\(marker)\", interval: 250ms, timeout: 250ms}\n"
        let daemon = try await DaemonProcess(
            config: config,
            in: directory,
            environment: ["NOTIFY_SOCKET": socket.path]
        )
        try await waitFor("READY=1", on: socket)
        try FileManager.default.removeItem(atPath: marker)
        try await waitFor("STATUS=0/1 checks passing; failing: marker", on: socket)
        #expect(daemon.process.isRunning)
    }

    @Test func watchdogPingsAtLeastEveryHalfPeriod() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket()
        let daemon = try await DaemonProcess(
            config: nil,
            in: directory,
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"]
        )
        try await waitFor("WATCHDOG=1", on: socket, count: 6)
        #expect(daemon.process.isRunning)
        let pings = socket.messages(containing: "WATCHDOG=1").map(\.received)
        let gaps = zip(pings, pings.dropFirst()).map { $0.duration(to: $1) }
        // systemd restarts the service when a whole period (1 s) passes without a ping.
        #expect(gaps.allSatisfy { $0 < .seconds(1) }, "gaps: \(gaps)")
    }

    @Test func requireHealthyWithholdsPingsWhileACriticalCheckFailsAndResumesAfter() async throws {
        let directory = try TemporaryDirectory()
        let marker = try directory.write("marker", "x")
        let socket = try NotifySocket()
        let config = """
            watchdog: {require_healthy: true}
            checks:
              - {name: marker, type: file, path: "\(marker)", interval: 250ms, timeout: 250ms}
            """
        let daemon = try await DaemonProcess(
            config: config,
            in: directory,
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"]
        )
        try await waitFor("WATCHDOG=1", on: socket, count: 2)
        try FileManager.default.removeItem(atPath: marker)
        try await waitUntil("the check to fail") { try await daemon.health().status == 500 }
        let runsSeries = "healthcheck_runs_total{check=\"marker\",type=\"file\"}"
        // A ping decided just before the failure may still arrive; count from one ping interval later.
        let failedAt = try await daemon.metric(runsSeries) ?? 0
        try await waitUntil("half a second of runs") { try await daemon.metric(runsSeries) ?? 0 >= failedAt + 2 }
        let baseline = socket.messages(containing: "WATCHDOG=1").count
        try await waitUntil("two more seconds of runs") { try await daemon.metric(runsSeries) ?? 0 >= failedAt + 10 }
        #expect(socket.messages(containing: "WATCHDOG=1").count == baseline, "no pings while failing")
        try directory.write("marker", "x")
        try await waitFor("WATCHDOG=1", on: socket, count: baseline + 2)
    }

    @Test func watchdogPidOfAnotherProcessMeansNoPings() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket()
        let config = "checks:\n  - {name: root, type: disk, path: /, interval: 250ms, timeout: 250ms}\n"
        let daemon = try await DaemonProcess(
            config: config,
            in: directory,
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "500000", "WATCHDOG_PID": "1"]
        )
        try await waitFor("READY=1", on: socket)
        let series = "healthcheck_runs_total{check=\"root\",type=\"disk\"}"
        try await waitUntil("two seconds of runs") { try await daemon.metric(series) ?? 0 >= 9 }
        #expect(socket.messages(containing: "WATCHDOG=1").isEmpty)
    }

    @Test func reloadingAndReadyFrameASIGHUP() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket()
        let config = "checks:\n  - {name: root, type: disk, path: /}\n"
        let daemon = try await DaemonProcess(config: config, in: directory, environment: ["NOTIFY_SOCKET": socket.path])
        try await waitFor("READY=1", on: socket)
        kill(daemon.pid, SIGHUP)
        try await waitFor("READY=1", on: socket, count: 2)
        let texts = socket.all.map(\.text)
        let reloading = try #require(texts.firstIndex { $0.hasPrefix("RELOADING=1") })
        let secondReady = try #require(texts.lastIndex { $0.hasPrefix("READY=1") })
        #expect(reloading < secondReady)
        let monotonic = texts[reloading].split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
        #expect(monotonic.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) } != nil)
    }

    @Test func stoppingOnSIGTERMThenExitZero() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket()
        let daemon = try await DaemonProcess(config: nil, in: directory, environment: ["NOTIFY_SOCKET": socket.path])
        try await waitFor("READY=1", on: socket)
        let status = try await daemon.stop(signal: SIGTERM, limit: .seconds(3))
        #expect(status == 0)
        #expect(!socket.messages(containing: "STOPPING=1").isEmpty)
    }
}
