import Foundation
import NIOHTTP1
import Testing

@Suite(.tags(.integration)) struct ReloadTests {
    private static func config(_ checks: [String]) -> String {
        "checks:\n" + checks.map { "  - \($0)\n" }.joined()
    }

    private let kept = "{name: kept, type: disk, path: /, interval: 250ms, timeout: 250ms}"
    private let changing = "{name: changing, type: disk, path: /, interval: 250ms, timeout: 250ms}"
    private func runs(_ name: String) -> String { "healthcheck_runs_total{check=\"\(name)\",type=\"disk\"}" }

    @Test func aValidReloadKeepsTheCountersOfUnchangedChecks() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(
            config: Self.config([kept, changing]),
            in: directory,
            extraArguments: ["--web.enable-lifecycle"]
        )
        try await waitUntil("a few runs") {
            let kept = try await daemon.metric(runs("kept")) ?? 0
            let changing = try await daemon.metric(runs("changing")) ?? 0
            return kept >= 4 && changing >= 4
        }
        let keptBefore = try await daemon.metric(runs("kept")) ?? 0
        let changed = "{name: changing, type: disk, path: /, interval: 1h, timeout: 1s}"
        let added = "{name: added, type: memory}"
        try daemon.rewriteConfig(Self.config([kept, changed, added]))
        let response = try await daemon.request("/-/reload", method: .POST)
        #expect(response.status == 200)
        #expect(try await daemon.metric(runs("kept")) ?? 0 >= keptBefore, "unchanged: counters kept")
        #expect(try await daemon.metric(runs("changing")) ?? 99 <= 1, "changed: a new check")
        #expect(try await daemon.metric("vitals_checks") == 3)
        #expect(try await daemon.metric("vitals_config_last_reload_successful") == 1)
        // New and changed checks are scheduled: each runs within the first second.
        try await waitUntil("the added and the changed check to run") {
            let added = try await daemon.metric("healthcheck_runs_total{check=\"added\",type=\"memory\"}") ?? 0
            let changing = try await daemon.metric(runs("changing")) ?? 0
            return added >= 1 && changing >= 1
        }
    }

    @Test func anInvalidReloadChangesNothingAndAnswers400() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(
            config: Self.config([kept]),
            in: directory,
            extraArguments: ["--web.enable-lifecycle"]
        )
        try await waitUntil("a run") { try await daemon.metric(runs("kept")) ?? 0 >= 1 }
        try daemon.rewriteConfig("checks:\n  - {name: kept, type: disk, interval: never}\n")
        let response = try await daemon.request("/-/reload", method: .POST)
        #expect(response.status == 400)
        #expect(response.body.contains(":2:") && response.body.contains("interval"), "\(response.body)")
        #expect(try await daemon.metric("vitals_config_last_reload_successful") == 0)
        #expect(try await daemon.metric("vitals_checks") == 1)
        let before = try await daemon.metric(runs("kept")) ?? 0
        try await waitUntil("the old check to keep running") { try await daemon.metric(runs("kept")) ?? 0 > before }
        #expect(daemon.logText.contains("Reload failed"))
    }

    @Test func reloadIs404WithoutTheLifecycleFlag() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: Self.config([kept]), in: directory)
        #expect(try await daemon.request("/-/reload", method: .POST).status == 404)
    }

    @Test func aHundredSIGHUPsLeaveOneHealthySetOfChecks() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(config: Self.config([kept, changing]), in: directory)
        try await waitUntil("a run of each") {
            let kept = try await daemon.metric(runs("kept")) ?? 0
            let changing = try await daemon.metric(runs("changing")) ?? 0
            return kept >= 1 && changing >= 1
        }
        for _ in 0..<100 { kill(daemon.pid, SIGHUP) }
        try await waitUntil("the reloads to be logged") { daemon.logText.contains("Configuration reloaded") }
        #expect(daemon.process.isRunning)
        let (status, json) = try await daemon.health()
        #expect(status == 200)
        let names = (json["results"] as? [[String: Any]] ?? []).compactMap { $0["checker"] as? String }
        #expect(names == ["changing", "kept"])
        #expect(try await daemon.metric("vitals_checks") == 2)
        #expect(try await daemon.metric("vitals_config_last_reload_successful") == 1)
        let before = try await daemon.metric(runs("kept")) ?? 0
        try await waitUntil("checks to keep running") { try await daemon.metric(runs("kept")) ?? 0 > before }
    }
}
