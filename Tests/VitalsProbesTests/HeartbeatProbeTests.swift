import Testing
import Vitals
import VitalsProbes
import VitalsTesting

struct HeartbeatProbeTests {
    @Test func failsWithMissedBeforeTheFirstPing() async throws {
        let probe = HeartbeatProbe(ttl: .seconds(60), clock: TestClock())
        #expect(try await probe.run() == .fail("no ping received yet", reason: FailureReason("missed")))
    }

    @Test func passesWithinTTLAndGraceAndFailsAfter() async throws {
        let clock = TestClock()
        let probe = HeartbeatProbe(ttl: .seconds(60), grace: .seconds(10), clock: clock)
        probe.receivePing(success: true)
        clock.advance(by: .milliseconds(3200))
        let fresh = try await probe.run()
        #expect(fresh.status == .pass)
        #expect(fresh.message == "last ping 3.2 s ago")
        #expect(fresh.observations == [Observation("seconds_since_ping", 3.2, unit: "s")])

        clock.advance(by: .milliseconds(66_800))
        #expect(try await probe.run().status == .pass)

        clock.advance(by: .milliseconds(1))
        let stale = try await probe.run()
        #expect(stale.status == .fail)
        #expect(stale.reason == HeartbeatProbe<TestClock>.missed)
        #expect(stale.message == "last ping 1m 10s ago, more than 1m 10s")

        probe.receivePing(success: true)
        #expect(try await probe.run().status == .pass)
    }

    @Test func failsWithReportedUntilTheNextSuccessfulPing() async throws {
        let clock = TestClock()
        let probe = HeartbeatProbe(ttl: .seconds(60), clock: clock)
        probe.receivePing(success: true)
        probe.receivePing(success: false)
        clock.advance(by: .seconds(5))
        let reported = try await probe.run()
        #expect(reported.status == .fail)
        #expect(reported.reason == HeartbeatProbe<TestClock>.reported)
        #expect(reported.message == "failure reported 5 s ago")

        probe.receivePing(success: true)
        #expect(try await probe.run().status == .pass)
    }

    @Test func isAPingReceiverForTheEngine() {
        let check: any HealthCheck = HeartbeatProbe(ttl: .seconds(1))
        #expect(check is any PingReceiver)
    }
}
