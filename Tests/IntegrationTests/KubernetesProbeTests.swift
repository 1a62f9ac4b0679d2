import Foundation
import NIOHTTP1
import Testing

/// `/livez` and `/readyz` of the real binary, as kubelet's probes use them, and the drain on SIGTERM.
@Suite(.tags(.integration)) struct KubernetesProbeTests {
    @Test func livenessIgnoresDependenciesAndReadinessFollowsTheCriticalChecksAndTheDrain() async throws {
        let closed = try RefusingPort()
        defer { closed.close() }
        let directory = try TemporaryDirectory()
        let daemon = try await DaemonProcess(
            config: """
                web: {shutdown_delay: 3s}
                checks:
                  - {name: app, type: exec, command: [/bin/true], tags: [api]}
                  - {name: db, type: tcp, address: "127.0.0.1:\(closed.port)"}
                  - {name: optional, type: tcp, address: "127.0.0.1:\(closed.port)", critical: false, tags: [api]}
                """,
            in: directory
        )
        try await waitForFirstResults(daemon)

        // A failing dependency never fails liveness.
        let live = try await daemon.request("/livez")
        #expect(live.status == 200)
        #expect(live.body == "ok\n")
        #expect(try await daemon.request("/livez?verbose").body == "[+]ping ok\n[+]scheduler ok\nlivez check passed\n")

        // Readiness: the critical checks; a failure lists every line, with the reason only.
        let notReady = try await daemon.request("/readyz")
        #expect(notReady.status == 503)
        #expect(notReady.body == "[+]app ok\n[-]db failed: refused\nreadyz check failed\n")
        let excluded = try await daemon.request("/readyz?exclude=db")
        #expect(excluded.status == 200)
        #expect(excluded.body == "ok\n")
        // A tag's checks, critical or not.
        let tagged = try await daemon.request("/readyz/api?verbose")
        #expect(tagged.status == 503)
        #expect(tagged.body == "[+]app ok\n[-]optional failed: refused\nreadyz check failed\n")
        #expect(try await daemon.request("/readyz/api?exclude=optional").status == 200)
        #expect(try await daemon.request("/readyz/none").status == 404)
        #expect(try await daemon.request("/readyz", method: .POST).status == 405)

        // SIGTERM: for shutdown_delay, readiness fails and liveness holds, then the daemon stops.
        kill(daemon.process.processIdentifier, SIGTERM)
        try await waitUntil("readiness to report the drain") {
            try await daemon.request("/readyz?exclude=db").body.contains("[-]shutdown failed: draining before the stop")
        }
        #expect(try await daemon.request("/readyz?exclude=db").status == 503)
        #expect(try await daemon.request("/livez").status == 200)
        let process = daemon.process
        try await waitUntil("vitals to exit after the drain", limit: .seconds(10)) { !process.isRunning }
        #expect(process.terminationStatus == 0)
        #expect(daemon.logText.contains("Draining before the stop"))
    }
}
