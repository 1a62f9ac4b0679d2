import Foundation
import TestPeers
import Testing
import Vitals

@testable import VitalsProbes

@Suite(.tags(.integration))
struct ExecProbeTests {
    @Test(
        arguments: [
            (0, CheckStatus.pass, nil),
            (1, .warn, nil),
            (2, .fail, FailureReason.exitCode),
            (3, .fail, .unknown),
            (4, .fail, .unknown),
            (127, .fail, .unknown),
        ] as [(Int, CheckStatus, FailureReason?)]
    )
    func judgesExitCodesAsNagiosDoes(code: Int, status: CheckStatus, reason: FailureReason?) async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script("check", "echo 'DISK OK - 42% free | free=42%;20;10;0;100'\nexit \(code)")
        let outcome = try await bounded { try await ExecProbe(command: [plugin]).run() }
        #expect(outcome.status == status)
        #expect(outcome.reason == reason)
        #expect(outcome.message == "DISK OK - 42% free")
        #expect(outcome.observations == [Observation("free", 42, unit: "%")])
    }

    @Test func passesArgumentsAndFindsProgramsOnThePath() async throws {
        let outcome = try await bounded { try await ExecProbe(command: ["echo", "all", "good"]).run() }
        #expect(outcome == .pass("all good"))
    }

    @Test func usesTheFirstLineOfStandardOutputOnly() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script("check", "echo 'OK - fine | a=1'\necho 'long text | b=2'\necho noise >&2")
        let outcome = try await bounded { try await ExecProbe(command: [plugin]).run() }
        #expect(outcome == .pass("OK - fine", observations: [Observation("a", 1)]))
    }

    @Test func fallsBackToTheExitCodeAndStandardErrorWhenThereIsNoOutput() async throws {
        let plugins = try TestDirectory()
        let silent = try plugins.script("silent", "exit 2")
        #expect(try await bounded { try await ExecProbe(command: [silent]).run() }.message == "exit code 2")
        let complaining = try plugins.script("complaining", "echo 'cannot open socket' >&2\nexit 3")
        let outcome = try await bounded { try await ExecProbe(command: [complaining]).run() }
        #expect(outcome.message == "exit code 3: cannot open socket")
    }

    @Test func failsWithUnknownWhenKilledByASignal() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script("check", "kill -9 $$")
        let outcome = try await bounded { try await ExecProbe(command: [plugin]).run() }
        #expect(outcome.status == .fail)
        #expect(outcome.reason == .unknown)
        #expect(outcome.message == "killed by signal 9")
    }

    @Test func runsWithAMinimalEnvironmentAndNoInput() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script(
            "check",
            """
            if read line; then input=yes; else input=no; fi
            echo "PATH=$PATH LANG=$LANG HOME=${HOME:-unset} input=$input"
            """
        )
        let outcome = try await bounded { try await ExecProbe(command: [plugin]).run() }
        #expect(outcome.message == "PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 HOME=unset input=no")
    }

    @Test func usesTheGivenEnvironment() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script("check", #"echo "$GREETING""#)
        let probe = ExecProbe(command: [plugin], environment: ["GREETING": "hello"])
        #expect(try await bounded { try await probe.run() }.message == "hello")
    }

    @Test func failsWithErrorWhenTheCommandIsNotFound() async throws {
        let notFound = try await failure(of: ExecProbe(command: ["no-such-plugin-xyz", "-v"]))
        #expect(notFound.reason == .error)
        #expect(notFound.detail == "command not found: no-such-plugin-xyz (PATH=/usr/local/bin:/usr/bin:/bin)")
        let missing = try await failure(of: ExecProbe(command: ["/nonexistent/check_x"]))
        #expect(missing.detail == "command not found: /nonexistent/check_x")
    }

    @Test func failsWithErrorWhenTheCommandIsNotExecutable() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script("check", "exit 0", executable: false)
        let denied = try await failure(of: ExecProbe(command: [plugin]))
        #expect(denied.reason == .error)
        #expect(denied.detail == "permission denied: \(plugin)")
    }

    @Test func drainsBothStreamsWithoutDeadlockAndCapsTheMessage() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script(
            "chatty",
            """
            head -c 1048576 /dev/zero | tr '\\0' e >&2
            head -c 1048576 /dev/zero | tr '\\0' o
            exit 1
            """
        )
        let outcome = try await bounded { try await ExecProbe(command: [plugin]).run() }
        #expect(outcome.status == .warn)
        #expect(outcome.message.utf8.count == ExecProbe.outputLimit)
        #expect(outcome.message.allSatisfy { $0 == "o" })
    }

    @Test func killsAHangingPluginAndItsChildrenWhenCancelled() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script(
            "hang",
            """
            echo $$ > \(plugins.path("leader"))
            sleep 60 &
            echo $! > \(plugins.path("child"))
            wait
            """
        )
        try await expectKilledPromptly(plugin, plugins: plugins)
    }

    @Test func killsWhatAPluginLeftBehindWhenItExits() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script(
            "background",
            """
            sleep 40 &
            echo $! > \(plugins.path("child"))
            echo "OK - started"
            exit 0
            """
        )
        let outcome = try await bounded { try await ExecProbe(command: [plugin]).run() }
        #expect(outcome.status == .pass)
        let child = try #require(
            plugins.read("child").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        )
        try await waitUntil { !isRunning(child) }
    }

    @Test func escalatesToSIGKILLWhenThePluginIgnoresSIGTERM() async throws {
        let plugins = try TestDirectory()
        let plugin = try plugins.script(
            "stubborn",
            """
            trap '' TERM
            echo $$ > \(plugins.path("leader"))
            sleep 60 &
            echo $! > \(plugins.path("child"))
            while true; do wait; done
            """
        )
        try await expectKilledPromptly(plugin, plugins: plugins)
    }

    private func expectKilledPromptly(_ plugin: String, plugins: borrowing TestDirectory) async throws {
        let run = Task { try await ExecProbe(command: [plugin]).run() }
        let directory = plugins.directory
        try await waitUntil { FileManager.default.fileExists(atPath: "\(directory)/child") }
        let leader = try #require(
            plugins.read("leader").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        )
        let child = try #require(
            plugins.read("child").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        )
        run.cancel()
        // Promptly means long before the plugin's own `sleep 60` would end; the bound only keeps a
        // broken probe from hanging the suite, and is loose enough for a loaded machine.
        let result = try await bounded { await run.result }
        #expect(throws: CancellationError.self) { try result.get() }
        // The leader is reaped by the probe; the orphaned child may linger as a zombie until
        // init reaps it, but it must not be running.
        try await waitUntil { !isRunning(leader) && !isRunning(child) }
    }
}

/// Whether a process exists and is not a zombie.
private func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first
    return state != "Z" && state != "X"
}
