import Foundation
import Testing

/// The `systemd` check against a stand-in for systemd's D-Bus API (`StandIns/systemd1.py`, on
/// Debian's `dbus-daemon` run privately): the check's real sd-bus code path, reached through
/// `DBUS_SYSTEM_BUS_ADDRESS` as on a host, while the test changes the units' states.
@Suite(.tags(.integration)) struct SystemdCheckTests {
    @Test func followsTheUnitsStateAndWarnsWhenItRestarted() async throws {
        let systemd = try await SystemdStandIn()
        try await systemd.set("nginx.service", active: "active", sub: "running", restarts: 1)
        try await systemd.set("worker@1.service", active: "active", sub: "running")
        try await systemd.set("worker@2.service", active: "active", sub: "running")
        try await systemd.set("backup.service", active: "inactive", sub: "dead")
        try await systemd.set("gone.service", load: "not-found", active: "inactive", sub: "dead")
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(
            config: """
                global: {interval: 1s, timeout: 1s}
                checks:
                  - {name: web, type: systemd, unit: nginx.service}
                  - {name: workers, type: systemd, unit: "worker@*.service"}
                  - {name: backup, type: systemd, unit: backup.service, expect_states: [active, inactive]}
                  - {name: gone, type: systemd, unit: gone.service, critical: false}
                  - {name: none, type: systemd, unit: "nothing-*.service", critical: false}
                  - {name: user, type: systemd, unit: nginx.service, bus: user}
                """,
            in: directory,
            environment: ["DBUS_SYSTEM_BUS_ADDRESS": systemd.address, "DBUS_SESSION_BUS_ADDRESS": systemd.address]
        )
        func output(_ name: String) async throws -> String {
            try await daemon.result(name)?["output"] as? String ?? ""
        }
        func field(_ name: String, _ key: String) async throws -> String? {
            try await daemon.result(name)?[key] as? String
        }
        try await waitForFirstResults(daemon)
        #expect(try await output("web") == "nginx.service is active (running)")
        #expect(try await output("user") == "nginx.service is active (running)", "bus: user asks the session bus")
        #expect(try await output("workers") == "2 of 2 units active")
        #expect(try await field("backup", "status") == "pass")
        #expect(try await output("gone") == "gone.service is not loaded (not-found)")
        #expect(try await field("gone", "reason") == "state")
        #expect(try await output("none") == "no loaded unit matches nothing-*.service")

        // The unit fails: the next run says how.
        try await systemd.set("nginx.service", active: "failed", sub: "failed", result: "exit-code", restarts: 1)
        try await waitUntil("web to fail") { try await field("web", "reason") == "state" }
        #expect(try await output("web").hasPrefix("nginx.service is failed (failed), result exit-code"))

        // systemd restarted it twice: one run warns, the next passes again.
        try await systemd.set("nginx.service", active: "active", sub: "running", restarts: 3)
        try await waitUntil("web to warn of the restarts") {
            try await output("web")
                == "nginx.service is active (running); nginx.service restarted 2 times since the last run"
        }
        try await waitUntil("web to pass again") { try await output("web") == "nginx.service is active (running)" }
        let restarts = try await daemon.result("web")?["observations"] as? [[String: Any]] ?? []
        #expect(restarts.contains { $0["name"] as? String == "restarts" && $0["value"] as? Double == 3 })

        // One of the pattern's units fails; one is on its way up.
        try await systemd.set("worker@2.service", active: "failed", sub: "failed", result: "signal")
        try await waitUntil("workers to fail") { try await field("workers", "status") == "fail" }
        #expect(
            try await output("workers") == "1 of 2 units active; worker@2.service is failed (failed), result signal"
        )
        try await systemd.set("worker@2.service", active: "activating", sub: "start")
        try await waitUntil("workers to warn") { try await field("workers", "status") == "warn" }
        #expect(try await output("workers") == "1 of 2 units active; worker@2.service is activating (start)")
        #expect(try await daemon.stop() == 0)
    }

    @Test func withoutABusTheCheckFailsAndSaysSo() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "systemd.yml",
            "checks:\n  - {name: web, type: systemd, unit: nginx.service}\n"
        )
        let result = try await runProcess(
            "/usr/bin/env",
            ["DBUS_SYSTEM_BUS_ADDRESS=unix:path=\(directory.path)/no-bus", try vitalsBinary()]
                + ["check", "--config.file", config, "--format", "json"]
        )
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let web = try #require((json?["results"] as? [[String: Any]])?.first, "\(result.stdout)\(result.stderr)")
        #expect(web["status"] as? String == "fail")
        #expect(web["reason"] as? String == "error")
        #expect(web["output"] as? String == "cannot connect to the system bus: No such file or directory")
    }
}

/// A private `dbus-daemon` and the systemd stand-in on it; both are killed when released.
private final class SystemdStandIn: Sendable {
    let address: String
    private let bus: Process
    private let standIn: StandInProcess

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/vitals-dbus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        bus = Process()
        bus.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        bus.arguments = ["--session", "--nofork", "--address=unix:path=\(directory)/bus", "--print-address=1"]
        let printed = Locked("")
        let busOutput = Pipe()
        bus.standardOutput = busOutput
        bus.standardError = FileHandle.nullDevice
        busOutput.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            printed.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try bus.run()
        let process = bus
        try await waitUntil("dbus-daemon to print its address") {
            guard process.isRunning else { throw TimedOut(what: "dbus-daemon, which exited") }
            return printed.withLock { $0.contains("\n") }
        }
        address = printed.withLock { String($0.prefix { $0 != "\n" }) }
        standIn = try await StandInProcess(
            try venvPython(),
            [StandInProcess.script("systemd1.py"), address],
            readyMarker: "ready\n",
            what: "the systemd stand-in"
        )
    }

    deinit {
        if bus.isRunning { kill(bus.processIdentifier, SIGKILL) }
    }

    /// Sets a unit's state, as systemd would show it, and waits until the stand-in has it.
    func set(
        _ unit: String,
        load: String = "loaded",
        active: String,
        sub: String,
        result: String = "success",
        restarts: Int = 0
    ) async throws {
        try await standIn.send("set \(unit) \(load) \(active) \(sub) \(result) \(restarts)")
    }
}
