import Foundation
import Testing

/// `--config.file` naming a directory (a `conf.d`), or given several times: the files merge in name
/// order, and a reload sees files added and removed since.
@Suite(.tags(.integration)) struct ConfigDirectoryTests {
    private func checkNames(_ daemon: DaemonProcess) async throws -> [String] {
        let results = try await daemon.health().json["results"] as? [[String: Any]] ?? []
        return results.compactMap { $0["checker"] as? String }.sorted()
    }

    @Test func aDirectoryMergesItsFilesAndAReloadPicksUpAddedAndRemovedOnes() async throws {
        let directory = try TemporaryDirectory()
        let conf = directory.path + "/conf.d"
        try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
        _ = try directory.write(
            "conf.d/10-base.yml",
            "global: {interval: 1s}\nchecks:\n  - {name: base, type: exec, command: [/bin/true]}\n"
        )
        _ = try directory.write("conf.d/20-app.yml", "checks:\n  - {name: app, type: exec, command: [/bin/true]}\n")
        _ = try directory.write("conf.d/notes.txt", "not a configuration file\n")
        let daemon = try await DaemonProcess(config: nil, in: directory, extraArguments: ["--config.file", conf])
        try await waitForFirstResults(daemon)
        #expect(try await checkNames(daemon) == ["app", "base"])

        // A file dropped in and one taken out: the next reload has exactly the files there now.
        _ = try directory.write("conf.d/30-db.yml", "checks:\n  - {name: db, type: exec, command: [/bin/true]}\n")
        try FileManager.default.removeItem(atPath: conf + "/20-app.yml")
        kill(daemon.process.processIdentifier, SIGHUP)
        try await waitUntil("the reload to take the files there now") {
            try await checkNames(daemon) == ["base", "db"]
        }
        #expect(try await daemon.stop() == 0)
    }

    @Test func aNameUsedTwiceOrASectionSetTwiceIsALocatedErrorNamingBothFiles() async throws {
        let directory = try TemporaryDirectory()
        let first = try directory.write(
            "a.yml",
            "web: {failure_status: 503}\nchecks:\n  - {name: api, type: exec, command: [/bin/true]}\n"
        )
        let second = try directory.write(
            "b.yml",
            "web: {failure_status: 500}\nchecks:\n  - {name: db, type: exec, command: [/bin/true]}\n  - {name: api, type: exec, command: [/bin/true]}\n"
        )
        let result = try await runVitals(["check-config", "--config.file", first, "--config.file", second])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(
            lines.contains("\(second):1:6: web: also set in \(first); a section goes in one file"),
            "\(result.stderr)"
        )
        #expect(
            lines.contains(
                "\(second):4:12: checks[1] (api): name: duplicate name \"api\" (first defined at \(first):3)"
            ),
            "\(result.stderr)"
        )
        #expect(lines.count == 2, "\(result.stderr)")

        let fine = try await runVitals(["check-config", "--config.file", directory.path + "/a.yml"])
        #expect(fine.status == 0)
    }
}
