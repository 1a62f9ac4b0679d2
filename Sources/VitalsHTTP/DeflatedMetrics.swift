import NIOCore
import Synchronization
import Vitals

/// `/metrics` in one format, gzip-ready: one deflated segment per metric family that did not change,
/// kept between scrapes, and a last segment for the rest.
///
/// Every real scrape is cold — checks ran since the last one — but most families do not change
/// when a check runs again with the same result (its identity, interval, status, failures…). Those
/// come first in the document (``MetricsRenderer/families(of:)``) and stay deflated by zlib in
/// segments that leave the stream open. From the first family in which some check's lines changed
/// to the end — in the steady state the durations, timestamps and run counts — the document, with
/// the exporter's own metrics and the process tail, is gathered and compressed at once by libdeflate,
/// which is faster than zlib but can only end a stream. The whole uncompressed document is never held.
final class DeflatedMetrics: Sendable {
    /// The document of one store version: segments in order, the last one final, and what the gzip
    /// trailer needs.
    struct Document: Sendable {
        var version: UInt64
        /// When the process tail in it was rendered.
        var processTaken: ContinuousClock.Instant
        var segments: [ByteBuffer]
        var whole: Gzip.Segment
    }

    private struct State {
        var document: Document?
        /// The value of ``DeflatedMetrics/buildCount`` when this format was last built.
        var built = 0
        var generation: UInt64 = 0
        /// The checks' snapshots, series and families the document was built from.
        var checks: [CheckSnapshot] = []
        var series: [CheckSeries] = []
        var families: [CheckFamily] = []
        /// The zlib segments of the families before the last document's final segment.
        var segments: [CheckFamily: Gzip.Segment] = [:]
        /// The first family in the last document's final segment; `nil` when it held none.
        var finalFrom: CheckFamily?
        /// How many bytes each family's lines take, over all checks.
        var sizes = FamilySizes()
    }

    private final class Cache: Sendable {
        let state = Mutex(State())
    }

    private let openMetrics = Cache()
    private let prometheusText = Cache()
    private let builds = Atomic<Int>(0)

    /// How many documents were built for a new version of the store; tests use it to prove cache hits.
    var buildCount: Int { builds.load(ordering: .relaxed) }

    /// Builds of one format after which the other format's cache is dropped if it was not built
    /// meanwhile: a scraper that asked once (`curl`, say) does not keep 10,000 checks' series of a
    /// format nobody scrapes (about 8 MB) for the life of the daemon.
    static let unusedFormatBuilds = 8

    /// Below this many checks a document is one segment, so that it compresses as one stream would;
    /// from about 300 on, each family is larger than zlib's 32 kB window and gets its own.
    private let segmentedFrom: Int

    /// - Parameter segmentedFrom: the number of checks from which families get segments of their
    ///   own; tests lower it.
    init(segmentedFrom: Int = 300) {
        self.segmentedFrom = segmentedFrom
    }

    /// The document for `snapshot` in `format`, ending with `process`; `nil` if compression failed.
    /// Requests for one format wait for one build rather than each building the same document.
    func document(
        _ snapshot: Snapshot,
        build: BuildInfo,
        format: MetricsFormat,
        process: ProcessTail.Tail
    ) -> Document? {
        var built: Int?
        let document = cache(format).state.withLock { state -> Document? in
            if let document = state.document, document.version >= snapshot.version {
                // Only the process tail is newer (at most once a second): the checks' series are
                // reused and only the final segment is made again; not counted as a build. A document
                // of a later store version than this request's is served as it is.
                if document.processTaken >= process.taken || document.version > snapshot.version { return document }
            } else {
                state.built = builds.add(1, ordering: .relaxed).newValue
                built = state.built
            }
            return Self.build(
                &state,
                snapshot,
                build: build,
                format: format,
                process: process,
                segmentedFrom: segmentedFrom
            )
        }
        if let built {
            cache(format == .openMetrics ? .prometheusText : .openMetrics).state.withLock { state in
                if state.document != nil, built - state.built > Self.unusedFormatBuilds { state = State() }
            }
        }
        return document
    }

    /// Whether `format`'s document and series are cached; tests use it.
    func isCached(_ format: MetricsFormat) -> Bool {
        cache(format).state.withLock { $0.document != nil }
    }

    private func cache(_ format: MetricsFormat) -> Cache {
        format == .openMetrics ? openMetrics : prometheusText
    }

    private static func build(
        _ state: inout State,
        _ snapshot: Snapshot,
        build: BuildInfo,
        format: MetricsFormat,
        process: ProcessTail.Tail,
        segmentedFrom: Int
    ) -> Document? {
        // One pass over the checks' snapshots: their series, and the families whose bytes may differ
        // from the last document — all of them (`nil`) when the set of checks changed, else those in
        // which a re-rendered check's lines changed. A check with the snapshot of the last build is
        // not even read (10,000 objects do not fit in the cache; each one touched costs misses).
        let sameChecks =
            snapshot.generation != 0 && snapshot.generation == state.generation
            && state.checks.count == snapshot.checks.count && state.series.count == snapshot.checks.count
        var dirty: Set<CheckFamily>? = sameChecks ? [] : nil
        var familiesMoved = !sameChecks
        var sizes = sameChecks ? state.sizes : FamilySizes()
        var series: [CheckSeries] = []
        series.reserveCapacity(snapshot.checks.count)
        for (index, check) in snapshot.checks.enumerated() {
            if sameChecks, check.isUnchanged(since: state.checks[index]) {
                series.append(state.series[index])
                continue
            }
            let new = check.series(format)
            series.append(new)
            guard sameChecks else { continue }
            let old = state.series[index]
            guard old !== new else { continue }
            for family in CheckFamily.fixed + Set((old.exported + new.exported).map(CheckFamily.exported)) {
                let (before, after) = (old.range(of: family), new.range(of: family))
                guard old.bytes[before] != new.bytes[after] else { continue }
                dirty?.insert(family)
                sizes[family] += after.count - before.count
            }
            if old.exported.map(\.name) != new.exported.map(\.name)
                || old.range(of: .latency).isEmpty != new.range(of: .latency).isEmpty
            {
                familiesMoved = true
            }
        }
        // The document's families follow from the checks' only when some check's set changed.
        let families = familiesMoved ? MetricsRenderer.families(of: series) : state.families
        if !sameChecks {
            for check in series {
                for family in families { sizes[family] += check.range(of: family).count }
            }
        }

        // The final segment starts at the first family that changed; with none changed (only the
        // process tail is newer) where the last one started.
        let finalStart: Int
        if series.count < segmentedFrom || dirty == nil {
            finalStart = 0
        } else if let dirty, !dirty.isEmpty {
            finalStart = families.firstIndex(where: dirty.contains) ?? families.count
        } else {
            finalStart = state.finalFrom.flatMap { families.firstIndex(of: $0) } ?? families.count
        }

        // The families before it: cached segments, or deflated side by side in one more pass.
        let open = families[..<finalStart]
        var deflaters: [(family: CheckFamily, deflater: Gzip.Deflater)] = []
        for family in open where state.segments[family] == nil {
            guard let deflater = Gzip.Deflater() else { return nil }
            let header = MetricsRenderer.header(family, format: format)
            deflater.write(header, range: header.indices)
            deflaters.append((family, deflater))
        }
        if !deflaters.isEmpty {
            for check in series {
                for (family, deflater) in deflaters { deflater.write(check.bytes, range: check.range(of: family)) }
            }
        }
        var cached: [CheckFamily: Gzip.Segment] = [:]
        for (family, deflater) in deflaters {
            guard let segment = deflater.finish(final: false) else { return nil }
            cached[family] = segment
        }
        var segments: [ByteBuffer] = []
        var whole = Gzip.Segment.empty
        for family in open {
            guard let segment = cached[family] ?? state.segments[family] else { return nil }
            cached[family] = segment
            segments.append(segment.deflated)
            whole = Gzip.combine(whole, segment)
        }

        // The rest, in one buffer of its exact size: each family's lines gathered in one pass over
        // the checks (a pass per family would cost a cache miss per check and family).
        let finalFamilies = Array(families[finalStart...])
        let headers = finalFamilies.map { MetricsRenderer.header($0, format: format) }
        let exporter = MetricsRenderer.renderExporter(snapshot, build: build, format: format)
        var starts: [Int] = []
        var size = 0
        for (header, family) in zip(headers, finalFamilies) {
            size += header.count
            starts.append(size)
            size += sizes[family]
        }
        let linesEnd = size
        size += exporter.count + process.plain.readableBytes
        var gathered = true
        let rest = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var cursors = starts
            let ends = starts.indices.map { $0 + 1 < starts.count ? starts[$0 + 1] - headers[$0 + 1].count : linesEnd }
            for (index, header) in headers.enumerated() {
                _ = UnsafeMutableBufferPointer(rebasing: buffer[(starts[index] - header.count)...]).initialize(
                    from: header
                )
            }
            gather: for check in series {
                check.bytes.withUnsafeBufferPointer { bytes in
                    for (index, family) in finalFamilies.enumerated() {
                        let range = check.range(of: family)
                        guard cursors[index] + range.count <= ends[index] else {
                            gathered = false
                            return
                        }
                        _ = UnsafeMutableBufferPointer(rebasing: buffer[cursors[index]...])
                            .initialize(from: UnsafeBufferPointer(rebasing: bytes[range]))
                        cursors[index] += range.count
                    }
                }
                if !gathered { break gather }
            }
            gathered = gathered && cursors == ends
            _ = UnsafeMutableBufferPointer(rebasing: buffer[linesEnd...]).initialize(from: exporter)
            _ = UnsafeMutableBufferPointer(rebasing: buffer[(linesEnd + exporter.count)...])
                .initialize(from: process.plain.readableBytesView)
            count = gathered ? size : 0
        }
        // The sizes are kept in step with every change, so they always fit; were they ever wrong, the
        // request would be answered uncompressed rather than from a buffer that does not match.
        assert(gathered, "family sizes out of step with the checks' lines")
        guard gathered else {
            state = State()  // the next build starts afresh
            return nil
        }
        guard let last = Gzip.finalSegment(rest) else { return nil }
        segments.append(last.deflated)
        whole = Gzip.combine(whole, last)

        let document = Document(
            version: snapshot.version,
            processTaken: process.taken,
            segments: segments,
            whole: whole
        )
        state = State(
            document: document,
            built: state.built,
            generation: snapshot.generation,
            checks: snapshot.checks,
            series: series,
            families: families,
            segments: cached,
            finalFrom: finalStart < families.count ? families[finalStart] : nil,
            sizes: sizes
        )
        return document
    }
}

/// How many bytes each family's lines take over all checks: kept in step with every changed check,
/// so the last segment's buffer is allocated once, at its exact size.
private struct FamilySizes {
    private var fixed = [Int](repeating: 0, count: CheckFamily.fixed.count)
    private var exported: [String: Int] = [:]

    subscript(family: CheckFamily) -> Int {
        get {
            if let index = family.fixedIndex { return fixed[index] }
            if case .exported(let metric) = family { return exported[metric.name] ?? 0 }
            return 0
        }
        set {
            if let index = family.fixedIndex {
                fixed[index] = newValue
            } else if case .exported(let metric) = family {
                exported[metric.name] = newValue
            }
        }
    }
}
