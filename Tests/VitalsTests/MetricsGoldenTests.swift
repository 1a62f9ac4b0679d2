import Foundation
import TestPeers
import Testing
import VitalsTesting

@testable import Vitals

/// Compares `/metrics` for a fixed store with the checked-in golden files, byte for byte.
///
/// A change to the renderer must keep both files identical unless the output is meant to
/// change; then regenerate them with `make golden` and review the diff.
@Suite struct MetricsGoldenTests {
    private static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden")
    private static let updating = ProcessInfo.processInfo.environment["VITALS_UPDATE_GOLDEN"] == "1"

    /// A store with one check per feature of the renderer, every number chosen, nothing read from the machine.
    private static func fixtureDocument(_ format: MetricsFormat) -> [UInt8] {
        let start = 1_700_000_000.0
        let time = TestWallClock(startingAt: start)
        let store = ResultStore(wallClock: time.wallClock)
        time.advance(by: 100)
        let slots = store.replace(with: [
            CheckDefinition(
                name: "api",
                type: "http",
                // The one check with a latency histogram (opt-in), with bounds of its own, and labels.
                policy: CheckPolicy(
                    tags: ["ready"],
                    labels: ["team": "payments", "service": "checkout \"v2\""],
                    latencyBuckets: [0.01, 0.1, 1]
                ),
                check: FixedCheck(.pass(""))
            ),
            // A library check's type is free text: the label value needs every escape.
            CheckDefinition(
                name: "backlog",
                type: "queue \"main\" \\ worker\npool",
                policy: CheckPolicy(critical: false),
                check: FixedCheck(.pass(""))
            ),
            // Not a tls check: its expiry observation is no certificate expiry.
            CheckDefinition(name: "cert_file", type: "file", check: FixedCheck(.pass(""))),
            CheckDefinition(name: "db", type: "tcp", check: FixedCheck(.pass(""))),
            CheckDefinition(
                name: "degraded",
                type: "http",
                policy: CheckPolicy(timeout: .seconds(90), failureThreshold: 3),
                check: FixedCheck(.pass(""))
            ),
            CheckDefinition(name: "never-run", type: "heartbeat", check: FixedCheck(.pass(""))),
            CheckDefinition(name: "site.example", type: "tls", check: FixedCheck(.pass(""))),
        ])
        let runs: [(check: String, outcome: CheckOutcome, at: Double, duration: Double)] = [
            ("api", .pass("HTTP 200"), 10, 0.0031),
            ("api", .pass("HTTP 200"), 40, 0.02),
            ("api", .pass("HTTP 200"), 70, 0.7),
            ("backlog", .warn("812 jobs waiting"), 12.25, 0.0004),
            ("cert_file", .pass("fresh", observations: [Observation("expiry_timestamp", 1_800_000_000)]), 15, 0.0001),
            ("db", .pass("connected"), 11, 0.004),
            ("db", .fail("connection refused", reason: .refused), 41, 0.002),
            ("db", .fail("timed out after 10s", reason: .timeout), 51, 10),
            ("db", .fail("connection refused", reason: .refused), 71, 0.001),
            ("db", .fail("no such host", reason: .dns), 81, 0.03),
            ("degraded", .pass("HTTP 200"), 13, 0.05),
            // One failure of three needed: still reported as passing, though the run failed.
            ("degraded", .fail("HTTP 503", reason: .status), 43, 61.5),
            (
                "site.example",
                .pass(
                    "certificate expires in 30 days",
                    observations: [
                        Observation("expiry_seconds", 2_592_000, unit: "s"),
                        // Declares its metric as TLSProbe does; cert_file's observation above declares none.
                        Observation("expiry_timestamp", 1_702_592_100.5, unit: "s", metric: .certificateExpiry),
                    ]
                ),
                17, 0.25
            ),
        ]
        for run in runs {
            let slot = slots.first { $0.definition.name == run.check }!
            store.record(
                CheckResult(outcome: run.outcome, finished: start + 100 + run.at, duration: run.duration),
                for: slot,
                expires: start + 130 + run.at
            )
        }
        // A saturated scheduler skipped one run of db: only db gets a skipped-runs series.
        store.recordSkipped(slots.first { $0.definition.name == "db" }!)
        time.advance(by: 100)
        store.recordReload(successful: true)
        time.advance(by: 100)
        store.recordReload(successful: false)

        let build = BuildInfo(version: "1.2.3", revision: "0123abc", swiftVersion: "6.3.1")
        let process = ProcessMetrics(
            cpuSeconds: 12.34,
            residentMemoryBytes: 52_428_800,
            virtualMemoryBytes: 1_234_567_168,
            openFileDescriptors: 17,
            maxFileDescriptors: 1_048_576,
            startTimeSeconds: 1_699_999_000.5
        )
        return MetricsRenderer.renderChecks(store.snapshot(), build: build, format: format)
            + MetricsRenderer.renderProcess(process, format: format)
    }

    @Test(arguments: [
        (MetricsFormat.openMetrics, "metrics.openmetrics.txt"),
        (MetricsFormat.prometheusText, "metrics.prometheus.txt"),
    ])
    func metricsMatchTheGoldenFile(format: MetricsFormat, file: String) throws {
        let url = Self.goldenDirectory.appendingPathComponent(file)
        let actual = Self.fixtureDocument(format)
        if Self.updating {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            try Data(actual).write(to: url)
            print("MetricsGoldenTests: wrote \(url.path)")
            return
        }
        let expected = try [UInt8](Data(contentsOf: url))
        if let difference = Self.firstDifference(expected: expected, actual: actual) {
            Issue.record(
                "\(file) differs from the renderer's output; run `make golden` if that is intended.\n\(difference)"
            )
        }
    }

    @Test func prometheusTextPassesPromtool() async throws {
        let document = Data(Self.fixtureDocument(.prometheusText))
        // On a thread of its own: waiting for promtool on the cooperative pool would stall other tests.
        let (status, text) = try await onOwnThread { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["promtool", "check", "metrics"]
            let stdin = Pipe()
            let output = Pipe()
            process.standardInput = stdin
            process.standardOutput = output
            process.standardError = output
            try process.run()
            stdin.fileHandleForWriting.write(document)
            try stdin.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(status != 127, "promtool is missing: `scripts/install-deps.sh --test` installs it")
        #expect(status == 0)
        #expect(text.isEmpty, "promtool: \(text)")
    }

    @Test func firstDifferenceNamesTheFirstDifferingLine() {
        let expected = Array("a 1\nb 2\nc 3\n".utf8)
        #expect(Self.firstDifference(expected: expected, actual: expected) == nil)
        #expect(
            Self.firstDifference(expected: expected, actual: Array("a 1\nb 20\nc 3\n".utf8))
                == "line 2:\n  expected: b 2\n  actual:   b 20"
        )
        #expect(
            Self.firstDifference(expected: expected, actual: Array("a 1\nb 2\n".utf8))
                == "line 3:\n  expected: c 3\n  actual:   (end of output)"
        )
        #expect(
            Self.firstDifference(expected: expected, actual: Array("a 1\nb 2\nc 3".utf8))
                == "line 3: only the expected line ends with a newline"
        )
    }

    /// The first line where `actual` differs from `expected`, numbered from 1, or `nil` when they are equal.
    private static func firstDifference(expected: [UInt8], actual: [UInt8]) -> String? {
        guard expected != actual else { return nil }
        let newline = UInt8(ascii: "\n")
        func lines(_ bytes: [UInt8]) -> [String] {
            var lines = bytes.split(separator: newline, omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            if bytes.last == newline { lines.removeLast() }
            return lines
        }
        let expectedLines = lines(expected)
        let actualLines = lines(actual)
        for index in 0..<max(expectedLines.count, actualLines.count) {
            let left = index < expectedLines.count ? expectedLines[index] : "(end of output)"
            let right = index < actualLines.count ? actualLines[index] : "(end of output)"
            if left != right {
                return "line \(index + 1):\n  expected: \(left)\n  actual:   \(right)"
            }
        }
        if (expected.last == newline) != (actual.last == newline) {
            let side = expected.last == newline ? "expected" : "actual"
            return "line \(expectedLines.count): only the \(side) line ends with a newline"
        }
        return "the outputs differ in bytes that are not valid UTF-8"
    }
}
