import Testing
import Vitals
import VitalsProbes

struct DiskProbeTests {
    @Test func passesAndReportsFreeSpaceAboveTheThresholds() async throws {
        let outcome = try await DiskProbe(path: "/", warnFreePercent: 0, failFreePercent: 0).run()
        #expect(outcome.status == .pass)
        #expect(outcome.message.contains("% free ("))
        #expect(outcome.observations.map(\.name) == ["free_percent", "free_bytes"])
        #expect(outcome.observations.map(\.unit) == ["%", "B"])
        let percent = try #require(outcome.observations.first?.value)
        #expect((0...100).contains(percent))
    }

    @Test func warnsBelowTheWarningThreshold() async throws {
        let outcome = try await DiskProbe(path: "/", warnFreePercent: 101, failFreePercent: 0).run()
        #expect(outcome.status == .warn)
        #expect(outcome.reason == nil)
    }

    @Test func failsWithThresholdBelowTheFailureThreshold() async throws {
        let outcome = try await DiskProbe(path: "/", warnFreePercent: 101, failFreePercent: 101).run()
        #expect(outcome.status == .fail)
        #expect(outcome.reason == .threshold)
        #expect(outcome.observations.count == 2)
    }

    @Test func failsWithErrorWhenThePathDoesNotExist() async throws {
        await #expect(throws: CheckFailure(.error, "cannot stat /no/such/path: No such file or directory")) {
            try await DiskProbe(path: "/no/such/path", warnFreePercent: 20, failFreePercent: 10).run()
        }
    }
}
