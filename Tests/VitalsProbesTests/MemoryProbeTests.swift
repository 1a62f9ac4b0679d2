import TestPeers
import Testing
import Vitals
import VitalsProbes

struct MemoryProbeTests {
    private static let meminfo = """
        MemTotal:       16000000 kB
        MemFree:         1000000 kB
        MemAvailable:    4000000 kB
        Buffers:          200000 kB

        """

    @Test(arguments: [
        (20.0, 10.0, CheckStatus.pass), (30, 10, .warn), (30, 26, .fail),
    ])
    func judgesAvailableMemoryAgainstTheThresholds(warn: Double, fail: Double, status: CheckStatus) async throws {
        let directory = try TestDirectory()
        let path = try directory.file("meminfo", Self.meminfo)
        let outcome = try await MemoryProbe(warnAvailablePercent: warn, failAvailablePercent: fail, meminfoPath: path)
            .run()
        #expect(outcome.status == status)
        #expect(outcome.reason == (status == .fail ? .threshold : nil))
        #expect(outcome.message == "25% available (3.8 GiB of 15.3 GiB)")
        #expect(
            outcome.observations == [
                Observation("available_percent", 25, unit: "%"),
                Observation("available_bytes", 4_096_000_000, unit: "B"),
            ]
        )
    }

    @Test func readsTheRealMeminfo() async throws {
        let outcome = try await MemoryProbe(warnAvailablePercent: 0, failAvailablePercent: 0).run()
        #expect(outcome.status == .pass)
    }

    @Test func failsWithErrorWithoutMemAvailable() async throws {
        let directory = try TestDirectory()
        let path = try directory.file("meminfo", "MemTotal: 1000 kB\nMemFree: 10 kB\n")
        await #expect(throws: CheckFailure(.error, "no MemAvailable in \(path)")) {
            try await MemoryProbe(warnAvailablePercent: 20, failAvailablePercent: 10, meminfoPath: path).run()
        }
    }

    @Test func failsWithErrorWhenTheFileCannotBeRead() async throws {
        await #expect(throws: CheckFailure(.error, "cannot read /no/meminfo: No such file or directory")) {
            try await MemoryProbe(warnAvailablePercent: 20, failAvailablePercent: 10, meminfoPath: "/no/meminfo").run()
        }
    }
}
