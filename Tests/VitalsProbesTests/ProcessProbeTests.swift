import Foundation
import TestPeers
import Testing
import Vitals
import VitalsProbes

#if canImport(Glibc)
import Glibc
#endif

struct ProcessProbeTests {
    // MARK: - A fake /proc

    @Test(
        arguments: [
            ("S", CheckStatus.pass, "process 42 (nginx) is running"),
            ("R", .pass, "process 42 (nginx) is running"),
            ("D", .pass, "process 42 (nginx) is running"),
            ("Z", .fail, "process 42 (nginx) is a zombie"),
            ("X", .fail, "process 42 (nginx) is a zombie"),
        ] as [(String, CheckStatus, String)]
    )
    func judgesThePidfilesProcessByItsState(state: String, status: CheckStatus, message: String) async throws {
        let proc = try FakeProc([42: ("nginx", state)])
        let pidfile = try proc.directory.file("nginx.pid", "42\n")
        let outcome = try await ProcessProbe(pidfile: pidfile, procRoot: proc.root).run()
        #expect(outcome.status == status)
        #expect(outcome.reason == (status == .fail ? ProcessProbe.notRunning : nil))
        #expect(outcome.message == message)
    }

    @Test func readsACommandWithSpacesAndParentheses() async throws {
        let proc = try FakeProc([7: ("my (odd) app", "S")])
        let pidfile = try proc.directory.file("app.pid", " 7 \n")
        let outcome = try await ProcessProbe(pidfile: pidfile, procRoot: proc.root).run()
        #expect(outcome == .pass("process 7 (my (odd) app) is running"))
    }

    @Test func failsWithNotRunningWhenThePidfilesProcessIsGone() async throws {
        let proc = try FakeProc([:])
        let pidfile = try proc.directory.file("gone.pid", "4242")
        let outcome = try await ProcessProbe(pidfile: pidfile, procRoot: proc.root).run()
        #expect(outcome == .fail("process 4242 is not running", reason: ProcessProbe.notRunning))
    }

    @Test func countsLiveProcessesWithExactlyTheName() async throws {
        let proc = try FakeProc([
            1: ("nginx", "S"), 2: ("nginx", "R"), 3: ("nginx", "Z"), 4: ("nginx-worker", "S"), 5: ("nginx ", "S"),
            6: ("php", "S"),
        ])
        // Not a process: only numeric entries are.
        try FileManager.default.createDirectory(
            atPath: proc.directory.path("proc/self"),
            withIntermediateDirectories: true
        )
        _ = try proc.directory.file("proc/self/comm", "nginx\n")
        let outcome = try await ProcessProbe(name: "nginx", procRoot: proc.root).run()
        #expect(outcome == .pass("2 processes named nginx", observations: [Observation("count", 2)]))
        let single = try await ProcessProbe(name: "php", procRoot: proc.root).run()
        #expect(single == .pass("1 process named php", observations: [Observation("count", 1)]))
    }

    @Test func failsWithNotRunningWhenOnlyZombiesHaveTheName() async throws {
        let proc = try FakeProc([3: ("nginx", "Z"), 6: ("php", "S")])
        let outcome = try await ProcessProbe(name: "nginx", procRoot: proc.root).run()
        #expect(
            outcome
                == .fail(
                    "no process named nginx",
                    reason: ProcessProbe.notRunning,
                    observations: [Observation("count", 0)]
                )
        )
    }

    // MARK: - Pidfiles

    @Test(arguments: ["", "\n", "nginx", "-5", "0", "12 34", "99999999999"])
    func failsWithErrorWhenThePidfileHoldsNoProcessID(contents: String) async throws {
        let directory = try TestDirectory()
        let pidfile = try directory.file("bad.pid", contents)
        let result = await Result { try await ProcessProbe(pidfile: pidfile).run() }
        #expect(throws: CheckFailure.self) { try result.get() }
        guard case .failure(let error as CheckFailure) = result else { return }
        #expect(error.reason == .error)
        #expect(error.detail.hasPrefix("pidfile \(pidfile) does not hold a process ID: "))
    }

    @Test func failsWithErrorWhenThePidfileCannotBeRead() async throws {
        await #expect(throws: CheckFailure(.error, "cannot read pidfile /no/such.pid: No such file or directory")) {
            try await ProcessProbe(pidfile: "/no/such.pid").run()
        }
    }

    // MARK: - Real processes

    @Test(.tags(.integration)) func passesForTheProcessOfARealPidfile() async throws {
        let sleeper = try Sleeper()
        let directory = try TestDirectory()
        let pidfile = try directory.file("sleep.pid", "\(sleeper.pid)\n")
        let outcome = try await ProcessProbe(pidfile: pidfile).run()
        #expect(outcome == .pass("process \(sleeper.pid) (sleep) is running"))
    }

    @Test(.tags(.integration)) func failsWithNotRunningOnceThePidfilesProcessIsKilled() async throws {
        let sleeper = try Sleeper()
        let directory = try TestDirectory()
        let pidfile = try directory.file("sleep.pid", "\(sleeper.pid)\n")
        sleeper.stop()
        let outcome = try await ProcessProbe(pidfile: pidfile).run()
        #expect(outcome == .fail("process \(sleeper.pid) is not running", reason: ProcessProbe.notRunning))
    }

    @Test(.tags(.integration)) func failsWithNotRunningForAZombie() async throws {
        // A child that has exited but is not waited for stays a zombie until it is reaped.
        var spawned: pid_t = 0
        let argv = [strdup("/bin/true"), nil]
        defer {
            for argument in argv { free(argument) }
        }
        try #require(posix_spawn(&spawned, "/bin/true", nil, nil, argv, environ) == 0)
        let pid = spawned
        defer { waitpid(pid, nil, 0) }
        let directory = try TestDirectory()
        let pidfile = try directory.file("zombie.pid", "\(pid)")
        try await waitUntil {
            (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true
        }
        let outcome = try await ProcessProbe(pidfile: pidfile).run()
        #expect(outcome == .fail("process \(pid) (true) is a zombie", reason: ProcessProbe.notRunning))
    }

    @Test(.tags(.integration)) func findsARealProcessByName() async throws {
        let sleeper = try Sleeper()
        let outcome = try await ProcessProbe(name: "sleep").run()
        #expect(sleeper.pid > 0)
        #expect(outcome.status == .pass)
        let count = try #require(outcome.observations.first { $0.name == "count" }?.value)
        #expect(count >= 1)
        #expect(outcome.message == "\(Int(count)) \(count == 1 ? "process" : "processes") named sleep")
    }

    @Test(.tags(.integration)) func failsWithNotRunningWhenNoProcessHasTheName() async throws {
        let name = "vitals\(Int.random(in: 0..<1_000_000))"
        let outcome = try await ProcessProbe(name: name).run()
        #expect(
            outcome
                == .fail(
                    "no process named \(name)",
                    reason: ProcessProbe.notRunning,
                    observations: [Observation("count", 0)]
                )
        )
    }
}

/// A directory laid out like `/proc`, holding `PID/comm` and `PID/stat` for each process.
private struct FakeProc: ~Copyable {
    let directory: TestDirectory
    var root: String { directory.path("proc") }

    init(_ processes: [Int: (command: String, state: String)]) throws {
        // Filled in before it becomes a property: a noncopyable property cannot be left half-made by a throw.
        let directory = try TestDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("proc"), withIntermediateDirectories: true)
        for (pid, process) in processes {
            try FileManager.default.createDirectory(
                atPath: directory.path("proc/\(pid)"),
                withIntermediateDirectories: true
            )
            _ = try directory.file("proc/\(pid)/comm", "\(process.command)\n")
            _ = try directory.file(
                "proc/\(pid)/stat",
                "\(pid) (\(process.command)) \(process.state) 1 \(pid) \(pid) 0 -1"
            )
        }
        self.directory = directory
    }
}

/// A `/bin/sleep 30` child, stopped and reaped at the latest when the value goes away.
private struct Sleeper: ~Copyable {
    let process = Process()
    var pid: Int32 { process.processIdentifier }

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["30"]
        try process.run()
    }

    /// Kills the child and waits until it has been reaped.
    func stop() {
        // SIGKILL, not `terminate()`: Foundation's child inherits the signal mask of the
        // spawning thread, and in the test runner that blocks SIGTERM.
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        stop()
    }
}
