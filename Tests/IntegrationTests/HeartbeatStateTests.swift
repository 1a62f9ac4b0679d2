import Foundation
import NIOHTTP1
import Testing

/// Heartbeats keep their last ping across a restart (`--storage.path`, or systemd's `STATE_DIRECTORY`).
@Suite(.tags(.integration)) struct HeartbeatStateTests {
    /// Heartbeats that run once at start and after each ping, so the first result after a start is
    /// the result of the first run.
    private static func config(_ names: [String]) -> String {
        "checks:\n"
            + names.map { "  - {name: \($0), type: heartbeat, ttl: 30s, interval: 1h, timeout: 1s}\n" }.joined()
    }

    /// The result of `name` once it has run (not the `pending` placeholder).
    private func firstResult(_ daemon: DaemonProcess, _ name: String) async throws -> [String: Any] {
        var result: [String: Any] = [:]
        try await waitUntil("\(name) to run") {
            guard let current = try await daemon.result(name), current["output"] as? String != "pending" else {
                return false
            }
            result = current
            return true
        }
        return result
    }

    /// The heartbeat names in the saved file, or `nil` while there is none.
    private func savedNames(_ path: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let heartbeats = json["heartbeats"] as? [String: Any]
        else { return nil }
        return heartbeats.keys.sorted()
    }

    private func warnings(_ daemon: DaemonProcess, containing text: String) -> Int {
        daemon.logText.split(separator: "\n").filter { $0.contains("level=warning") && $0.contains(text) }.count
    }

    @Test func aHeartbeatPassesRightAfterARestartWithoutANewPing() async throws {
        let directory = try TemporaryDirectory()
        let state = directory.path + "/state"
        let file = state + "/heartbeats.json"
        let first = try await DaemonProcess(
            config: Self.config(["backup", "failing", "gone"]),
            in: directory,
            extraArguments: ["--storage.path", state]
        )
        #expect(try await firstResult(first, "backup")["output"] as? String == "no ping received yet")
        #expect(try await first.request("/ping/backup", method: .POST).status == 200)
        #expect(try await first.request("/ping/failing/fail", method: .POST).status == 200)
        #expect(try await first.request("/ping/gone").status == 200)
        // On disk soon after the ping, not only at shutdown (the bound allows for a loaded machine).
        try await waitUntil("the pings to be written", limit: .seconds(5)) {
            savedNames(file) == ["backup", "failing", "gone"]
        }
        #expect(try await first.stop() == 0)

        let second = try await DaemonProcess(
            config: Self.config(["backup", "failing", "never"]),
            in: directory,
            extraArguments: ["--storage.path", state]
        )
        let backup = try await firstResult(second, "backup")
        #expect(backup["status"] as? String == "pass")
        #expect((backup["output"] as? String)?.hasPrefix("last ping ") == true)
        #expect(try await second.metric(#"healthcheck_runs_total{check="backup",type="heartbeat"}"#) == 1)
        let failing = try await firstResult(second, "failing")
        #expect(failing["status"] as? String == "fail")
        #expect((failing["output"] as? String)?.hasPrefix("failure reported ") == true)
        #expect(try await firstResult(second, "never")["output"] as? String == "no ping received yet")
        try await waitUntil("the removed check to leave the file") { savedNames(file) == ["backup", "failing"] }
        #expect(try FileManager.default.contentsOfDirectory(atPath: state) == ["heartbeats.json"])
        #expect(warnings(second, containing: "heartbeat") == 0)
    }

    @Test func withoutAStoragePathAHeartbeatFailsAfterARestart() async throws {
        let directory = try TemporaryDirectory()
        let config = Self.config(["backup"])
        let first = try await DaemonProcess(config: config, in: directory)
        _ = try await firstResult(first, "backup")
        #expect(try await first.request("/ping/backup", method: .POST).status == 200)
        try await waitUntil("the ping to count") { try await first.result("backup")?["status"] as? String == "pass" }
        #expect(try await first.stop() == 0)

        let second = try await DaemonProcess(config: config, in: directory)
        let backup = try await firstResult(second, "backup")
        #expect(backup["status"] as? String == "fail")
        #expect(backup["output"] as? String == "no ping received yet")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { $0.hasSuffix(".yml") })
    }

    @Test func systemdsFirstStateDirectoryIsTheDefault() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(
            config: Self.config(["backup"]),
            in: directory,
            environment: ["STATE_DIRECTORY": "\(directory.path)/first:\(directory.path)/second"]
        )
        #expect(try await daemon.request("/ping/backup", method: .POST).status == 200)
        try await waitUntil("the ping to be written") {
            savedNames("\(directory.path)/first/heartbeats.json") == ["backup"]
        }
        #expect(try await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/second"))
    }

    @Test func aCorruptFileIsAWarningAndIsReplaced() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("heartbeats.json", "{\"version\": 1, \"heartbeats\": {\"backup\": tru")
        let daemon = try await DaemonProcess(
            config: Self.config(["backup"]),
            in: directory,
            extraArguments: ["--storage.path", directory.path]
        )
        #expect(try await firstResult(daemon, "backup")["output"] as? String == "no ping received yet")
        #expect(warnings(daemon, containing: "Cannot read the heartbeat state") == 1)
        #expect(try await daemon.request("/ping/backup", method: .POST).status == 200)
        try await waitUntil("the heartbeat to pass") {
            try await daemon.result("backup")?["status"] as? String == "pass"
        }
        try await waitUntil("a valid file") { savedNames(file) == ["backup"] }
    }

    @Test func aDirectoryThatCannotBeWrittenIsAWarning() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("a-file", "")
        let daemon = try await DaemonProcess(
            config: Self.config(["backup"]),
            in: directory,
            extraArguments: ["--storage.path", directory.path + "/a-file/state"]
        )
        #expect(try await daemon.request("/ping/backup", method: .POST).status == 200)
        try await waitUntil("the heartbeat to pass") {
            try await daemon.result("backup")?["status"] as? String == "pass"
        }
        #expect(warnings(daemon, containing: "Cannot create the heartbeat state directory") == 1)
        #expect(try await daemon.stop() == 0)
    }
}
