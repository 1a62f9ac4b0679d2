import HTTPTypes
import NIOCore
import Testing
import Vitals
import VitalsTesting

@testable import VitalsHTTP

/// The answers of `/livez` and `/readyz` for states the daemon test cannot reach on demand: a check
/// that has not run yet, and a stalled scheduler.
@Suite struct ProbeEndpointsTests {
    private func text(_ reply: Reply) -> String {
        reply.buffers.map { String(buffer: $0) }.joined()
    }

    @Test func aCheckThatHasNotRunYetKeepsTheDaemonUnready() {
        let store = ResultStore(wallClock: WallClock { 1_000 })
        store.replace(with: [CheckDefinition(name: "db", type: "test", check: FixedCheck(.pass("up")))])
        let reply = ProbeEndpoints.readiness(store.snapshot(), tag: nil, draining: false, verbose: false, excluding: [])
        #expect(reply?.status == .serviceUnavailable)
        #expect(reply.map(text) == "[-]db failed: pending\nreadyz check failed\n")
    }

    @Test func aStalledSchedulerFailsLivenessUnlessExcluded() {
        let stalled = Liveness(problem: "the scheduler has not turned for 12s")
        let reply = ProbeEndpoints.liveness(stalled, verbose: false, excluding: [])
        #expect(reply.status == .serviceUnavailable)
        #expect(
            text(reply) == "[+]ping ok\n[-]scheduler failed: the scheduler has not turned for 12s\nlivez check failed\n"
        )
        #expect(ProbeEndpoints.liveness(stalled, verbose: false, excluding: ["scheduler"]).status == .ok)
    }
}
