import TestPeers
import Testing
import Vitals
import VitalsProbes

struct LoadProbeTests {
    @Test(arguments: [
        (2.0, 4.0, CheckStatus.pass), (1, 4, .warn), (0.5, 1, .fail),
    ])
    func judgesLoadPerCPUAgainstTheThresholds(warn: Double, fail: Double, status: CheckStatus) async throws {
        let directory = try TestDirectory()
        let path = try directory.file("loadavg", "5.20 0.58 0.59 1/467 12345\n")
        let outcome = try await LoadProbe(warnPerCPU: warn, failPerCPU: fail, loadavgPath: path, cpuCount: 4).run()
        #expect(outcome.status == status)
        #expect(outcome.reason == (status == .fail ? .threshold : nil))
        #expect(outcome.message == "load 5.2 on 4 CPUs (1.3 per CPU)")
        #expect(outcome.observations == [Observation("load1_per_cpu", 1.3)])
    }

    @Test func readsTheRealLoadAverage() async throws {
        let outcome = try await LoadProbe(warnPerCPU: 1_000, failPerCPU: 1_000).run()
        #expect(outcome.status == .pass)
    }

    @Test func failsWithErrorWhenTheFileHoldsNoLoadAverage() async throws {
        let directory = try TestDirectory()
        let path = try directory.file("loadavg", "garbage\n")
        await #expect(throws: CheckFailure(.error, "no load average in \(path)")) {
            try await LoadProbe(warnPerCPU: 2, failPerCPU: 4, loadavgPath: path).run()
        }
    }
}
