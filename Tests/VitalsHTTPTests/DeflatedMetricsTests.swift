import CZlib
import Foundation
import NIOCore
import TestPeers
import Testing
import Vitals
import VitalsTesting

@testable import VitalsHTTP

/// The gzip body `/metrics` sends for `document`.
private func gzipBody(_ document: DeflatedMetrics.Document) -> [UInt8] {
    var body = Gzip.header
    for segment in document.segments { body += Array(segment.readableBytesView) }
    return body + Gzip.trailer(document.whole)
}

/// A process tail of `text`, rendered at `taken`.
private func processTail(_ text: String, taken: ContinuousClock.Instant) -> ProcessTail.Tail {
    ProcessTail.Tail(plain: ByteBuffer(string: text), taken: taken)
}

/// Where a buffer's bytes live: equal for a segment served from the cache, different for a new one.
private func address(_ buffer: ByteBuffer) -> UInt? {
    buffer.withUnsafeReadableBytes { $0.baseAddress.map { UInt(bitPattern: $0) } }
}

@Suite(.serialized) struct DeflatedMetricsTests {
    private let build = BuildInfo(version: "test", revision: "r", swiftVersion: "6")
    private let reasons: [FailureReason] = [.timeout, .refused, .status, .error]

    private func definitions(_ names: some Sequence<Int>, using random: inout SplitMix64) -> [CheckDefinition] {
        names.map { index in
            var labels: [String: String] = [:]
            if Bool.random(using: &random) { labels["team"] = ["db", "web", "a\"b\\c"].randomElement(using: &random) }
            let policy = CheckPolicy(
                interval: .seconds(Int.random(in: 1...60, using: &random)),
                critical: Bool.random(using: &random),
                labels: labels,
                latencyBuckets: Int.random(in: 0..<5, using: &random) == 0 ? [0.01, 0.1, 1] : []
            )
            return CheckDefinition(name: "check_\(index)", type: "test", policy: policy, check: FixedCheck(.pass("")))
        }
    }

    private func randomResult(finished: Double, using random: inout SplitMix64) -> CheckResult {
        var observations: [Observation] = []
        if Int.random(in: 0..<4, using: &random) == 0 {
            observations.append(
                Observation("expiry", Double(Int.random(in: 1...3, using: &random)), metric: .certificateExpiry)
            )
        }
        let outcome: CheckOutcome
        switch Int.random(in: 0..<3, using: &random) {
        case 0: outcome = .pass("ok", observations: observations)
        case 1: outcome = .warn("slow", observations: observations)
        default:
            outcome = CheckOutcome(
                status: .fail,
                message: "down",
                reason: reasons.randomElement(using: &random),
                observations: observations
            )
        }
        // Durations repeat, so that a run often leaves its check's lines unchanged.
        let duration = [0.001, 0.25, 2.5].randomElement(using: &random) ?? 0.001
        return CheckResult(outcome: outcome, finished: finished, duration: duration)
    }

    /// After any sequence of changes the cached document, inflated, equals a full render in which
    /// every check is rendered afresh, followed by the process tail — in both formats, with one
    /// segment for the whole document and in parts of three checks per family.
    @Test(arguments: [1, 2, 3, 4] as [UInt64], [1, 300])
    func theCachedDocumentEqualsAFullRenderAfterAnyChanges(seed: UInt64, segmentedFrom: Int) async throws {
        let mismatches = await inBackground { self.mismatches(seed: seed, steps: 40, segmentedFrom: segmentedFrom) }
        #expect(mismatches.isEmpty, "seed \(seed): \(mismatches.prefix(3))")
    }

    /// Applies `steps` random changes and returns a description of every step whose documents differ.
    private func mismatches(seed: UInt64, steps: Int, segmentedFrom: Int) -> [String] {
        var random = SplitMix64(seed: seed)
        let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
        var names = Array(0..<Int.random(in: 1...40, using: &random))
        store.replace(with: definitions(names, using: &random))
        let deflated = DeflatedMetrics(segmentedFrom: segmentedFrom, chunkSize: 3)
        var time = 1_700_000_000.0
        let start = ContinuousClock.now
        var process = processTail("process_tail 0\n# EOF\n", taken: start)
        var found: [String] = []
        for step in 0..<steps {
            let slots = store.slots
            switch Int.random(in: 0..<20, using: &random) {
            case 0:
                // Checks come and go; others keep their state.
                names = names.filter { _ in Int.random(in: 0..<4, using: &random) > 0 }
                names += (0..<Int.random(in: 0...3, using: &random)).map { _ in Int.random(in: 0..<60, using: &random) }
                store.replace(with: definitions(Set(names).sorted(), using: &random))
            case 1:
                if let slot = slots.randomElement(using: &random) { store.recordSkipped(slot) }
            case 2:
                store.recordReload(successful: Bool.random(using: &random))
            case 3:
                // A newer process tail, the checks as they were.
                process = processTail("process_tail \(step)\n# EOF\n", taken: start.advanced(by: .seconds(step)))
            default:
                for _ in 0..<Int.random(in: 0...5, using: &random) {
                    guard let slot = slots.randomElement(using: &random) else { break }
                    time += [0, 1, 0.5].randomElement(using: &random) ?? 0
                    store.record(randomResult(finished: time, using: &random), for: slot, expires: nil)
                }
            }
            let snapshot = store.snapshot()
            for format in [MetricsFormat.openMetrics, .prometheusText] {
                let checks = MetricsRenderer.renderChecks(snapshot, build: build, format: format)
                let expected = checks + Array(process.plain.readableBytesView)
                guard let document = deflated.document(snapshot, build: build, format: format, process: process),
                    let inflated = gunzip(gzipBody(document))
                else {
                    found.append("step \(step) \(format): no valid gzip document")
                    continue
                }
                if inflated != expected {
                    found.append("step \(step) \(format): \(String(decoding: inflated, as: UTF8.self))")
                }
            }
        }
        return found
    }

    @Test func anUnchangedSnapshotReusesTheDocumentAndARunRedeflatesOnlyThePartsHoldingTheCheck() async throws {
        // Enough checks (300 or more) that families are deflated in parts.
        var random = SplitMix64(seed: 42)
        let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
        store.replace(
            with: definitions(0..<400, using: &random).map {
                CheckDefinition(name: $0.name, type: $0.type, policy: CheckPolicy(), check: $0.check)
            }
        )
        for slot in store.slots {
            store.record(CheckResult(outcome: .pass("ok"), finished: 1, duration: 0.5), for: slot, expires: nil)
        }
        let deflated = DeflatedMetrics()
        let process = processTail("# EOF\n", taken: .now)
        let document = {
            deflated.document(store.snapshot(), build: self.build, format: .openMetrics, process: process)
        }
        let first = try #require(document())
        let families = MetricsRenderer.FamilySet().families
        let chunks = (400 + deflated.chunkSize - 1) / deflated.chunkSize
        #expect(deflated.deflatedParts(.openMetrics).count == families.count * chunks)
        let again = try #require(document())
        #expect(deflated.buildCount == 1)
        #expect(again.segments.map(address) == first.segments.map(address))

        // A passing run moves the check's duration, timestamps and run count only: of those families,
        // the part that holds the check (by its place in the run order) is deflated again, nothing else.
        let snapshot = store.snapshot()
        let index = try #require(snapshot.checks.indices.randomElement(using: &random))
        let rank = try #require(MetricsRenderer.runOrder(of: snapshot.checks).firstIndex(of: index))
        let slot = try #require(store.slot(named: snapshot.checks[index].name))
        for time in [2.0, 3.0] {
            store.record(CheckResult(outcome: .pass("ok"), finished: time, duration: time / 8), for: slot, expires: nil)
            let next = try #require(document())
            #expect(
                deflated.deflatedParts(.openMetrics)
                    == [.duration, .lastRun, .lastSuccess, .runs].map {
                        DeflatedMetrics.Part(family: $0, chunk: rank / deflated.chunkSize)
                    }
            )
            let expected = MetricsRenderer.renderChecks(
                store.snapshot(),
                build: build,
                format: .openMetrics
            )
            #expect(gunzip(gzipBody(next)) == expected + Array("# EOF\n".utf8))
        }
        #expect(deflated.buildCount == 3)
    }

    @Test func aNewerProcessTailAloneRebuildsOnlyTheFinalSegment() throws {
        var random = SplitMix64(seed: 7)
        let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
        store.replace(with: definitions(0..<20, using: &random))
        for slot in store.slots {
            store.record(CheckResult(outcome: .pass("ok"), finished: 1, duration: 0.5), for: slot, expires: nil)
        }
        let deflated = DeflatedMetrics(segmentedFrom: 1)
        let start = ContinuousClock.now
        let snapshot = { store.snapshot() }
        _ = try #require(
            deflated.document(snapshot(), build: build, format: .openMetrics, process: processTail("a\n", taken: start))
        )
        let slot = try #require(store.slots.first)
        store.record(CheckResult(outcome: .pass("ok"), finished: 2, duration: 0.25), for: slot, expires: nil)
        let before = try #require(
            deflated.document(snapshot(), build: build, format: .openMetrics, process: processTail("a\n", taken: start))
        )
        let newer = processTail("b\n", taken: start.advanced(by: .seconds(1)))
        let after = try #require(deflated.document(snapshot(), build: build, format: .openMetrics, process: newer))
        #expect(deflated.buildCount == 2)  // the checks were not rendered again
        #expect(deflated.deflatedParts(.openMetrics).isEmpty)
        #expect(after.segments.dropLast().map(address) == before.segments.dropLast().map(address))
        let expected = MetricsRenderer.renderChecks(snapshot(), build: build, format: .openMetrics)
        #expect(gunzip(gzipBody(after)) == expected + Array("b\n".utf8))
    }

    @Test func aFormatScrapedOnceIsDroppedWhileTheOtherIsScrapedAndBuiltAfreshWhenAskedAgain() throws {
        let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
        let slot = try #require(
            store.replace(with: [CheckDefinition(name: "c", type: "t", check: FixedCheck(.pass("")))]).first
        )
        let deflated = DeflatedMetrics()
        let process = processTail("# EOF\n", taken: .now)
        func scrape(_ format: MetricsFormat, at time: Double) throws {
            store.record(CheckResult(outcome: .pass("ok"), finished: time, duration: 0.1), for: slot, expires: nil)
            let snapshot = store.snapshot()
            let document = try #require(deflated.document(snapshot, build: build, format: format, process: process))
            let expected = MetricsRenderer.renderChecks(snapshot, build: build, format: format)
            #expect(gunzip(gzipBody(document)) == expected + Array("# EOF\n".utf8))
        }
        try scrape(.prometheusText, at: 1)
        // Scraped in turn, both stay.
        for time in 2...20 { try scrape(time % 2 == 0 ? .openMetrics : .prometheusText, at: Double(time)) }
        #expect(deflated.isCached(.openMetrics) && deflated.isCached(.prometheusText))
        // Only one scraped: the other goes after a few builds of it, not at once.
        try scrape(.openMetrics, at: 21)
        #expect(deflated.isCached(.prometheusText))
        for time in 22...(22 + DeflatedMetrics.unusedFormatBuilds) { try scrape(.openMetrics, at: Double(time)) }
        #expect(!deflated.isCached(.prometheusText))
        #expect(deflated.isCached(.openMetrics))
        try scrape(.prometheusText, at: 100)
        #expect(deflated.isCached(.prometheusText))
    }
}
