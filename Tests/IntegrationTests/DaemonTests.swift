import Foundation
import NIOHTTP1
import Testing

/// Starts the real `vitals` binary against real peers on 127.0.0.1.
@Suite(.tags(.integration)) struct DaemonTests {
    private func plugin(_ directory: TemporaryDirectory, _ name: String, _ body: String) throws -> String {
        try directory.write(name, "#!/bin/sh\n\(body)\n", executable: true)
    }

    @Test func defaultChecksWatchTheHostWithoutAConfigFile() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: nil, in: directory)
        try await waitForFirstResults(daemon)
        let (status, json) = try await daemon.health()
        #expect(status == 200, "the load check is not critical, so a busy machine stays healthy")
        let results = try #require(json["results"] as? [[String: Any]])
        #expect(Set(results.compactMap { $0["type"] as? String }) == ["disk", "memory", "load"])
        // Disk and memory pass on any sane test machine; the load check may legitimately fail
        // while the machine is busy building, so only its presence is asserted.
        for result in results where result["type"] as? String != "load" {
            #expect(result["passed"] as? Bool == true, "\(result)")
        }
    }

    @Test func everyTypePassesAndFailsAgainstRealPeers() async throws {
        let directory = try TemporaryDirectory()
        let tcp = try await TCPPeer()
        let closed = try RefusingPort()
        defer { closed.close() }
        let closedPort = closed.port
        let http = try await HTTPPeer()
        defer { http.stop() }
        http.setStatus(503)
        let pass = try plugin(directory, "pass.sh", "echo \"OK - fine | 'latency'=0.5s;1;2;0\"; exit 0")
        let warn = try plugin(directory, "warn.sh", "echo 'WARNING - meh'; exit 1")
        let fail = try plugin(directory, "fail.sh", "echo 'CRITICAL - broken'; exit 2")
        let present = try directory.write("present.txt", "x")
        let config = """
            global: {interval: 5s, timeout: 5s}  # roomy: the in-process HTTP peer answers late on a loaded CI machine
            checks:
              - {name: tcp_ok, type: tcp, address: "127.0.0.1:\(tcp.port)", expect: "OK"}
              - {name: tcp_refused, type: tcp, address: "127.0.0.1:\(closedPort)", critical: false}
              - {name: http_ok, type: http, url: "http://127.0.0.1:\(http.port)/hello", expect_body: "hello"}
              - {name: http_status, type: http, url: "http://127.0.0.1:\(http.port)/status", critical: false}
              - {name: exec_ok, type: exec, command: ["\(pass)"]}
              - {name: exec_warn, type: exec, command: ["\(warn)"]}
              - {name: exec_fail, type: exec, command: ["\(fail)"], critical: false}
              - {name: disk_ok, type: disk, path: /, warn_free_percent: 0, fail_free_percent: 0}
              - {name: disk_fail, type: disk, path: /, warn_free_percent: 100, fail_free_percent: 100, critical: false}
              - {name: memory_ok, type: memory, warn_available_percent: 0, fail_available_percent: 0}
              - {name: memory_fail, type: memory, warn_available_percent: 100, fail_available_percent: 100, critical: false}
              - {name: load_ok, type: load, warn_per_cpu: 1000, fail_per_cpu: 1000}
              - {name: load_fail, type: load, warn_per_cpu: 0.000001, fail_per_cpu: 0.000001, critical: false}
              - {name: file_ok, type: file, path: "\(present)"}
              - {name: file_missing, type: file, path: "\(directory.path)/absent.txt", critical: false}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitForFirstResults(daemon)
        let expected: [(String, String, String?)] = [
            ("tcp_ok", "pass", nil), ("tcp_refused", "fail", "refused"),
            ("http_ok", "pass", nil), ("http_status", "fail", "status"),
            ("exec_ok", "pass", nil), ("exec_warn", "warn", nil), ("exec_fail", "fail", "exit_code"),
            ("disk_ok", "pass", nil), ("disk_fail", "fail", "threshold"),
            ("memory_ok", "pass", nil), ("memory_fail", "fail", "threshold"),
            ("load_ok", "pass", nil), ("load_fail", "fail", "threshold"),
            ("file_ok", "pass", nil), ("file_missing", "fail", "error"),
        ]
        for (name, status, reason) in expected {
            let result = try #require(try await daemon.result(name), "no result for \(name)")
            #expect(result["status"] as? String == status, "\(name): \(result)")
            #expect(result["reason"] as? String == reason, "\(name): \(result)")
        }
        let exec = try #require(try await daemon.result("exec_ok"))
        #expect(exec["output"] as? String == "OK - fine")
        let observations = exec["observations"] as? [[String: Any]]
        #expect(observations?.first?["name"] as? String == "latency")
        #expect(try await daemon.health().status == 200, "only non-critical checks fail")
        _ = try await daemon.stop()  // before the HTTP peer: see HTTPPeer.stop()
        await tcp.close()
    }

    @Test func aCriticalFailureGivesTheFailureStatus() async throws {
        let directory = try TemporaryDirectory()
        let fail = try plugin(directory, "fail.sh", "echo 'CRITICAL - broken'; exit 2")
        let config = """
            web: {failure_status: 503, headers: {X-Check: vitals}}
            checks:
              - {name: broken, type: exec, command: ["\(fail)"], interval: 1s, timeout: 1s}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitForFirstResults(daemon)
        let response = try await daemon.request("/health")
        #expect(response.status == 503)
        #expect(response.headers.first(name: "X-Check") == "vitals")
        #expect(response.body.contains("\"status\":\"failure\""))
    }

    @Test func aHangingCheckIsCutOffAtItsTimeoutWhileOthersKeepTheirSchedule() async throws {
        let directory = try TemporaryDirectory()
        let tcp = try await TCPPeer()
        let hang = try plugin(
            directory,
            "hang.sh",
            "echo $$ > \(directory.path)/hang.pid\nsleep 60 &\necho $! > \(directory.path)/child.pid\nwait"
        )
        let config = """
            checks:
              - {name: hang, type: exec, command: ["\(hang)"], interval: 5s, timeout: 500ms}
              - {name: fast, type: tcp, address: "127.0.0.1:\(tcp.port)", interval: 250ms, timeout: 250ms}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitUntil("the hanging check to time out") {
            try await daemon.result("hang")?["reason"] as? String == "timeout"
        }
        let result = try #require(try await daemon.result("hang"))
        #expect(result["status"] as? String == "fail")
        #expect((result["response_time"] as? Double ?? 0) <= 0.5)
        // The plugin and the child it started are killed with their process group.
        for file in ["hang.pid", "child.pid"] {
            let pid = try #require(
                Int32(
                    try String(contentsOfFile: "\(directory.path)/\(file)", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                )
            )
            try await waitUntil("process \(pid) from \(file) to be gone") { kill(pid, 0) != 0 }
        }
        let before = try await runs(of: "fast", in: daemon)
        try await waitUntil("the fast check to keep running") { try await runs(of: "fast", in: daemon) >= before + 4 }
        await tcp.close()
    }

    private func runs(of check: String, in daemon: DaemonProcess) async throws -> Int {
        let metrics = try await daemon.request("/metrics").body
        let prefix = "healthcheck_runs_total{check=\"\(check)\","
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test func thresholdsDelayAFailAndARecovery() async throws {
        let directory = try TemporaryDirectory()
        let http = try await HTTPPeer()
        defer { http.stop() }
        let config = """
            checks:
              - name: flaky
                type: http
                url: "http://127.0.0.1:\(http.port)/status"
                interval: 250ms
                timeout: 250ms
                failure_threshold: 3
                success_threshold: 2
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitUntil("flaky to pass") { try await daemon.result("flaky")?["status"] as? String == "pass" }
        http.setStatus(503)
        var heldBack: [String: Any]?
        try await waitUntil("a failed run held back by the threshold") {
            let result = try await daemon.result("flaky")
            if (result?["output"] as? String)?.contains("before reporting fail") == true { heldBack = result }
            return heldBack != nil
        }
        #expect(heldBack?["status"] as? String == "pass")
        #expect(heldBack?["passed"] as? Bool == true)
        try await waitUntil("flaky to fail") { try await daemon.result("flaky")?["status"] as? String == "fail" }
        #expect(try await daemon.health().status == 500)
        http.setStatus(200)
        try await waitUntil("flaky to recover") { try await daemon.result("flaky")?["status"] as? String == "pass" }
        _ = try await daemon.stop()  // before the HTTP peer: see HTTPPeer.stop()
    }

    // The ttl leaves a pass window wide enough to be seen by polling on a loaded machine.
    @Test func heartbeatsPassAfterAPingAndFailAfterTheirTTL() async throws {
        let directory = try TemporaryDirectory()
        let config = """
            checks:
              - {name: backup, type: heartbeat, ttl: 3s, interval: 250ms, timeout: 250ms}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitForFirstResults(daemon)
        #expect(try await daemon.result("backup")?["status"] as? String == "fail", "no ping yet")
        #expect(try await daemon.request("/ping/backup", method: .POST).status == 200)
        try await waitUntil("the heartbeat to pass") {
            try await daemon.result("backup")?["status"] as? String == "pass"
        }
        try await waitUntil("the heartbeat to expire") {
            try await daemon.result("backup")?["status"] as? String == "fail"
        }
        #expect(try await daemon.request("/ping/backup").status == 200)
        try await waitUntil("a GET ping to count") { try await daemon.result("backup")?["status"] as? String == "pass" }
        #expect(try await daemon.request("/ping/backup/fail").status == 200)
        try await waitUntil("a reported failure") { try await daemon.result("backup")?["status"] as? String == "fail" }
        #expect(try await daemon.request("/ping/nothing").status == 404)
    }

    @Test func tagsFilterHealthAndAnUnknownTagIs404() async throws {
        let directory = try TemporaryDirectory()
        let fail = try plugin(directory, "fail.sh", "echo 'CRITICAL - broken'; exit 2")
        let config = """
            checks:
              - {name: root, type: disk, path: /, warn_free_percent: 0, fail_free_percent: 0, tags: [ready]}
              - {name: broken, type: exec, command: ["\(fail)"], tags: [live]}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitForFirstResults(daemon)
        let ready = try await daemon.health("/health/ready")
        #expect(ready.status == 200)
        #expect((ready.json["results"] as? [[String: Any]])?.compactMap { $0["checker"] as? String } == ["root"])
        #expect(try await daemon.health("/health/live").status == 500)
        #expect(try await daemon.request("/health/nope").status == 404)
        #expect(try await daemon.request("/nowhere").status == 404)
    }

    @Test func sigtermStopsTheDaemonCleanly() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: nil, in: directory)
        try await waitForFirstResults(daemon)
        // CONTRACT §8: a clean exit 0 within a second; the bound leaves room for a loaded CI machine.
        let status = try await daemon.stop(signal: SIGTERM, limit: .seconds(3))
        #expect(status == 0)
        #expect(daemon.process.terminationReason == .exit)
    }
}
