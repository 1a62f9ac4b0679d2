import Foundation
import InMemoryLogging
import Logging
import Testing
import Vitals
import VitalsProbes
import VitalsTesting

@testable import VitalsDaemon

/// The heartbeats' last pings, kept across restarts: a real directory, a manual wall clock.
@Suite struct HeartbeatStoreTests {
    /// A temporary directory removed when the test ends.
    final class Directory: Sendable {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.path + "/vitals-state-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        var files: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }

        func write(_ name: String, _ contents: String) throws {
            try contents.write(toFile: path + "/" + name, atomically: false, encoding: .utf8)
        }

        func read(_ name: String) -> String? {
            try? String(contentsOfFile: path + "/" + name, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    let time = TestWallClock(startingAt: 1_700_000_000)
    let logs = InMemoryLogHandler()

    func makeStore(_ directory: String?) -> HeartbeatStore {
        let logs = logs
        return HeartbeatStore(
            directory: directory,
            wallClock: time.wallClock,
            logger: Logger(label: "test") { _ in logs }
        )
    }

    func heartbeat(_ name: String, ttl: Duration = .seconds(60)) -> CheckDefinition {
        CheckDefinition(name: name, type: "heartbeat", check: HeartbeatProbe(ttl: ttl))
    }

    var warnings: [String] { logs.entries.filter { $0.level == .warning }.map { "\($0.message)" } }

    @Test func pingsSurviveARestart() async throws {
        let directory = try Directory()
        let before = makeStore(directory.path)
        before.load()
        before.record("backup", success: true)
        time.advance(by: 5)
        before.record("nightly", success: false)
        await before.save()

        let after = makeStore(directory.path)
        after.load()
        #expect(
            after.heartbeats == [
                "backup": .init(lastPing: 1_700_000_000, success: true),
                "nightly": .init(lastPing: 1_700_000_005, success: false),
            ]
        )
        #expect(warnings.isEmpty)
    }

    @Test func theFileHoldsNamesTimesAndResultsOnly() async throws {
        let directory = try Directory()
        let store = makeStore(directory.path)
        store.load()
        store.record("backup", success: true)
        await store.save()
        let expected = """
            {
              "heartbeats" : {
                "backup" : {
                  "last_ping" : 1700000000,
                  "success" : true
                }
              },
              "version" : 1
            }
            """
        #expect(directory.read("heartbeats.json") == expected)
    }

    @Test func adoptRestoresProbesAndDropsChecksThatAreGone() async throws {
        let directory = try Directory()
        let before = makeStore(directory.path)
        before.load()
        before.record("backup", success: true)
        before.record("renamed_from", success: true)
        before.record("now_http", success: true)
        await before.save()

        time.advance(by: 20)
        let after = makeStore(directory.path)
        after.load()
        let backup = heartbeat("backup")
        let fresh = heartbeat("renamed_to")
        let http = CheckDefinition(name: "now_http", type: "http", check: FixedCheck(.pass("ok")))
        after.adopt([backup, fresh, http])

        // The probe runs on the real continuous clock: a little more than 20 s has passed by now.
        let restored = try await backup.check.run()
        #expect(restored.status == .pass)
        let age = try #require(restored.observations.first?.value)
        #expect(age >= 20 && age < 21)
        #expect(try await fresh.check.run().message == "no ping received yet")
        #expect(after.heartbeats.keys.sorted() == ["backup"])
        await after.save()
        #expect(makeStore(directory.path).loadedNames == ["backup"])
    }

    @Test(arguments: [
        ("{not json", "not valid JSON"), ("", "not valid JSON"), ("[]", "unexpected value at "),
        ("{\"version\": 1}", "no \"heartbeats\""),
        (
            "{\"version\": 1, \"heartbeats\": {\"a\": {\"last_ping\": \"x\", \"success\": true}}}",
            "unexpected value at heartbeats.a.last_ping"
        ),
        ("{\"version\": 7, \"heartbeats\": {}}", "has version 7; this Vitals reads 1"),
    ])
    func aCorruptFileStartsEmptyWithAWarning(_ contents: String, _ problem: String) async throws {
        let directory = try Directory()
        try directory.write("heartbeats.json", contents)
        let store = makeStore(directory.path)
        store.load()
        #expect(store.heartbeats.isEmpty)
        #expect(warnings == ["Cannot read the heartbeat state; heartbeats start without their last ping"])
        let error = logs.entries.first { $0.level == .warning }?.metadata["error"]
        #expect("\(error ?? "")".contains(problem))

        store.record("backup", success: true)
        await store.save()
        #expect(makeStore(directory.path).loadedNames == ["backup"], "the next write replaces the corrupt file")
    }

    @Test func aMissingFileStartsEmptyWithoutAWarningAndIsCreated() async throws {
        let directory = try Directory()
        let store = makeStore(directory.path + "/new/state")
        store.load()
        #expect(store.heartbeats.isEmpty)
        await store.save()
        #expect(warnings.isEmpty)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/new/state/heartbeats.json"))
    }

    @Test func aWriteLeavesNoTemporaryFileBehind() async throws {
        let directory = try Directory()
        let store = makeStore(directory.path)
        store.load()
        for second in 0..<3 {
            store.record("backup", success: second != 1)
            time.advance(by: 1)
            await store.save()
        }
        #expect(directory.files == ["heartbeats.json"])
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path + "/heartbeats.json")
        #expect(attributes[.posixPermissions] as? Int == 0o600)
    }

    @Test func aDirectoryThatCannotBeWrittenIsAWarningOnce() async throws {
        let directory = try Directory()
        try directory.write("a-file", "")
        // A path below a regular file cannot be created or written, even by root.
        let store = makeStore(directory.path + "/a-file/state")
        store.load()
        store.record("backup", success: true)
        await store.save()
        store.record("backup", success: true)
        await store.save()
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("Cannot create the heartbeat state directory") == true)
        #expect(store.heartbeats.keys.sorted() == ["backup"], "pings still count in memory")
    }

    @Test func aFailedWriteIsAWarningAndLeavesNoTemporaryFile() async throws {
        let directory = try Directory()
        let store = makeStore(directory.path)
        store.load()
        // The file's name taken by a non-empty directory: the rename fails.
        try FileManager.default.createDirectory(
            atPath: directory.path + "/heartbeats.json/x",
            withIntermediateDirectories: true
        )
        store.record("backup", success: true)
        await store.save()
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("Cannot write the heartbeat state") == true)
        #expect(directory.files == ["heartbeats.json"])
    }

    @Test func withoutADirectoryNothingIsReadOrWritten() async throws {
        let store = makeStore(nil)
        store.load()
        store.record("backup", success: true)
        await store.save()
        #expect(store.path == nil)
        #expect(warnings.isEmpty)
        let probe = heartbeat("backup")
        store.adopt([probe])
        #expect(try await probe.check.run().status == .pass, "a reloaded heartbeat keeps its last ping")
    }
}

extension HeartbeatStore {
    /// The names a fresh load finds.
    fileprivate var loadedNames: [String] {
        load()
        return heartbeats.keys.sorted()
    }
}
