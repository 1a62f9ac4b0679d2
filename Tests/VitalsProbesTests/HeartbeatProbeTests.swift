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

    @Test func aRestoredPingWithinTTLAndGracePassesAtOnce() async throws {
        let clock = TestClock()
        let probe = HeartbeatProbe(ttl: .seconds(60), grace: .seconds(10), clock: clock)
        probe.restore(lastPing: 1_700_000_000, success: true, now: 1_700_000_042.5)
        let restored = try await probe.run()
        #expect(restored.status == .pass)
        #expect(restored.message == "last ping 42.5 s ago")

        clock.advance(by: .milliseconds(27_500))
        #expect(try await probe.run().status == .pass, "70 s after the ping: the last moment of ttl + grace")
        clock.advance(by: .milliseconds(1))
        #expect(try await probe.run().reason == HeartbeatProbe<TestClock>.missed)
    }

    @Test func aRestoredPingOlderThanTTLAndGraceFailsAsItWould() async throws {
        let probe = HeartbeatProbe(ttl: .seconds(60), grace: .seconds(10), clock: TestClock())
        probe.restore(lastPing: 1_700_000_000, success: true, now: 1_700_003_600)
        let expired = try await probe.run()
        #expect(expired.status == .fail)
        #expect(expired.reason == HeartbeatProbe<TestClock>.missed)
        #expect(expired.message == "last ping 1h 0m ago, more than 1m 10s")
    }

    @Test func aRestoredFailureStaysReported() async throws {
        let probe = HeartbeatProbe(ttl: .seconds(60), clock: TestClock())
        probe.restore(lastPing: 1_700_000_000, success: false, now: 1_700_000_005)
        let reported = try await probe.run()
        #expect(reported.reason == HeartbeatProbe<TestClock>.reported)
        #expect(reported.message == "failure reported 5 s ago")
    }

    @Test func aRestoredPingFromTheFutureCountsAsJustNow() async throws {
        let probe = HeartbeatProbe(ttl: .seconds(60), clock: TestClock())
        probe.restore(lastPing: 1_700_000_100, success: true, now: 1_700_000_000)
        #expect(
            try await probe.run()
                == .pass("last ping 0 ms ago", observations: [.init("seconds_since_ping", 0, unit: "s")])
        )
    }

    @Test func aLivePingWinsOverARestoredOne() async throws {
        let clock = TestClock()
        let probe = HeartbeatProbe(ttl: .seconds(60), clock: clock)
        probe.receivePing(success: true)
        clock.advance(by: .seconds(2))
        probe.restore(lastPing: 1_700_000_000, success: false, now: 1_700_000_030)
        #expect(try await probe.run().message == "last ping 2 s ago")
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, -1e300])
    func aNonsenseRestoredTimeIsIgnoredOrExpired(_ lastPing: Double) async throws {
        let probe = HeartbeatProbe(ttl: .seconds(60), clock: TestClock())
        probe.restore(lastPing: lastPing, success: true, now: 1_700_000_000)
        let outcome = try await probe.run()
        #expect(outcome.status == .fail)
        #expect(outcome.reason == HeartbeatProbe<TestClock>.missed)
    }

    @Test func isAPingReceiverForTheEngine() {
        let check: any HealthCheck = HeartbeatProbe(ttl: .seconds(1))
        #expect(check is any PingReceiver)
    }
}
