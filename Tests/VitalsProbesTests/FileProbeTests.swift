import Foundation
import TestPeers
import Testing
import Vitals
import VitalsProbes

struct FileProbeTests {
    /// A wall clock an hour ahead, so that a file written now is an hour old.
    private static let anHourLater = WallClock { Date().timeIntervalSince1970 + 3600 }

    @Test func passesWhenTheFileIsRecentAndLargeEnough() async throws {
        let directory = try TestDirectory()
        let path = try directory.file("backup", String(repeating: "x", count: 2048))
        let probe = FileProbe(path: path, maxAge: .seconds(7200), minSize: 1024, wallClock: Self.anHourLater)
        let outcome = try await probe.run()
        #expect(outcome.status == .pass)
        #expect(outcome.message.hasPrefix("modified 1h 0m ago, 2 KiB") || outcome.message.hasPrefix("modified 59m"))
        #expect(outcome.observations.map(\.name) == ["age_seconds", "size_bytes"])
        #expect(outcome.observations.last == Observation("size_bytes", 2048, unit: "B"))
    }

    @Test func passesWhenOnlyExistenceIsChecked() async throws {
        let directory = try TestDirectory()
        let path = try directory.file("flag", "")
        #expect(try await FileProbe(path: path).run().status == .pass)
    }

    @Test func failsWithAgeWhenModifiedLongerAgoThanMaxAge() async throws {
        let directory = try TestDirectory()
        let path = try directory.file("backup", "data")
        let outcome = try await FileProbe(path: path, maxAge: .seconds(60), wallClock: Self.anHourLater).run()
        #expect(outcome.status == .fail)
        #expect(outcome.reason == FileProbe.age)
        #expect(outcome.message.hasSuffix(": older than 1m 0s"))
        let age = try #require(outcome.observations.first?.value)
        #expect(abs(age - 3600) < 60)
    }

    @Test func failsWithSizeWhenSmallerThanMinSize() async throws {
        let directory = try TestDirectory()
        let path = try directory.file("backup", "tiny")
        let outcome = try await FileProbe(path: path, minSize: 1000).run()
        #expect(outcome.status == .fail)
        #expect(outcome.reason == FileProbe.size)
        #expect(outcome.message.hasSuffix(", 4 B: smaller than 1000 B"))
    }

    @Test func failsWithErrorWhenTheFileDoesNotExist() async throws {
        await #expect(throws: CheckFailure(.error, "no such file")) {
            try await FileProbe(path: "/no/such/file").run()
        }
    }
}
