import NIOCore
import Synchronization
import Vitals

/// `/metrics` in one format, gzip-ready: the checks' lines deflated in parts that are kept between
/// scrapes, and a final segment for the rest.
///
/// Every real scrape is cold — checks ran since the last one — but only the checks that ran have new
/// lines. Within each family the series are in run order (``MetricsRenderer/runOrder(of:)``), so those
/// checks are neighbours: each family is deflated by zlib in parts of ``chunkSize`` checks that leave
/// the stream open, and a scrape deflates again only the parts in which some check's lines changed,
/// rendering the lines of those parts' checks only. The exporter's own metrics and the process tail
/// are the final segment (libdeflate, which can only end a stream). Neither the uncompressed document
/// nor any check's lines are kept: per check, only what its lines were rendered from (``Rendered``).
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

    /// One family's lines of the checks at ranks `chunk * chunkSize ..< (chunk + 1) * chunkSize` of
    /// the run order.
    struct Part: Hashable, Sendable {
        var family: CheckFamily
        var chunk: Int
    }

    private struct State {
        var document: Document?
        /// The value of ``DeflatedMetrics/buildCount`` when this format was last built.
        var built = 0
        var generation: UInt64 = 0
        /// The run order (indices into the snapshot's checks), and what each check's lines in the
        /// document were rendered from, in it.
        var order: [Int] = []
        var rendered: [Rendered] = []
        var families: [CheckFamily] = []
        /// Each family's header and its lines in parts, deflated.
        var headers: [CheckFamily: (bytes: [UInt8], segment: Gzip.Segment)] = [:]
        var parts: [Part: Gzip.Segment] = [:]
        /// Every header and part in document order, joined, and what the trailer needs of them.
        var body = Gzip.Segment.empty
        /// The parts the last build deflated (tests).
        var deflated: [Part] = []
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

    /// Below this many checks a document is one segment, so that it compresses as one stream would.
    private let segmentedFrom: Int
    /// Checks per part: 128 makes parts of 10–50 kB, which zlib deflates to 5 % more bytes than whole
    /// families; a scrape after 12 % of 10,000 checks ran deflates about 11 of the 79 parts of each
    /// family that changed (the stretch, and a part at each end).
    let chunkSize: Int

    /// - Parameters:
    ///   - segmentedFrom: the number of checks from which the document is deflated in parts; tests
    ///     lower it.
    ///   - chunkSize: checks per part; tests lower it.
    init(segmentedFrom: Int = 300, chunkSize: Int = 128) {
        self.segmentedFrom = segmentedFrom
        self.chunkSize = max(1, chunkSize)
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
                segmentedFrom: segmentedFrom,
                chunkSize: chunkSize
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

    /// The parts the last build of `format` deflated, in document order; tests use it.
    func deflatedParts(_ format: MetricsFormat) -> [Part] {
        cache(format).state.withLock { $0.deflated }
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
        segmentedFrom: Int,
        chunkSize: Int
    ) -> Document? {
        // What the checks' lines were rendered from, in run order, compared check by check: every
        // part in which a check's lines changed is marked. A new set of checks starts afresh.
        let sameChecks =
            snapshot.generation != 0 && snapshot.generation == state.generation
            && state.rendered.count == snapshot.checks.count
        let chunks = (snapshot.checks.count + chunkSize - 1) / chunkSize
        var stale = StaleParts(chunks: chunks)
        var familiesMoved = !sameChecks
        if sameChecks {
            for (rank, index) in state.order.enumerated() {
                let check = snapshot.checks[index]
                let old = state.rendered[rank]
                guard !old.isCurrent(for: check) else { continue }
                let new = Rendered(check)
                state.rendered[rank] = new
                familiesMoved = stale.mark(old, new, chunk: rank / chunkSize) || familiesMoved
            }
        } else {
            let order = MetricsRenderer.runOrder(of: snapshot.checks)
            state = State(
                built: state.built,
                generation: snapshot.generation,
                order: order,
                rendered: order.map { Rendered(snapshot.checks[$0]) }
            )
        }
        if familiesMoved {
            // The document's families follow from the checks' only when some check's set changed;
            // parts of a family that went are dropped (its checks' lines were not compared meanwhile).
            state.families = MetricsRenderer.families(of: state.order.map { snapshot.checks[$0] })
            let families = Set(state.families)
            state.parts = state.parts.filter { families.contains($0.key.family) }
        }
        state.deflated = []
        let document = Self.document(
            &state,
            snapshot,
            build: build,
            format: format,
            process: process,
            rebuildBody: !sameChecks || familiesMoved || stale.any,
            deflating: state.order.count < segmentedFrom ? nil : (stale, chunkSize)
        )
        if document == nil { state = State(built: state.built) }  // the next build starts afresh
        return document
    }

    /// The document of `snapshot`'s checks: one stream when `deflating` is `nil`, else the body of parts
    /// (the stale ones and those not cached deflated again) and a final segment.
    private static func document(
        _ state: inout State,
        _ snapshot: Snapshot,
        build: BuildInfo,
        format: MetricsFormat,
        process: ProcessTail.Tail,
        rebuildBody: Bool,
        deflating: (stale: StaleParts, chunkSize: Int)?
    ) -> Document? {
        let exporter = MetricsRenderer.renderExporter(snapshot, build: build, format: format)
        guard let (stale, chunkSize) = deflating else {
            // Small: one stream, as it compresses best.
            let plain = MetricsRenderer.renderChecks(snapshot, build: build, format: format)
            guard let final = Gzip.finalSegment(plain + process.plain.readableBytesView) else { return nil }
            (state.headers, state.parts, state.body) = ([:], [:], .empty)
            state.document = Document(
                version: snapshot.version,
                processTaken: process.taken,
                segments: [final.deflated],
                whole: final
            )
            return state.document
        }
        if rebuildBody || state.body.length == 0 {
            guard let deflater = Gzip.Deflater() else { return nil }
            var pieces: [Gzip.Segment] = []
            // Which header or part each piece is: all of them are kept as they are in the joined body.
            var placed: [(family: CheckFamily, part: Part?)] = []
            var lines = ByteWriter(capacity: 64 * 1024)
            for family in state.families {
                let header = MetricsRenderer.header(family, format: format)
                if state.headers[family]?.bytes != header {
                    deflater.write(header, range: header.indices)
                    guard let segment = deflater.finish(final: false) else { return nil }
                    state.headers[family] = (header, segment)
                }
                pieces.append(state.headers[family]?.segment ?? .empty)
                placed.append((family, nil))
                for start in stride(from: 0, to: state.order.count, by: chunkSize) {
                    let part = Part(family: family, chunk: start / chunkSize)
                    placed.append((family, part))
                    if !stale.contains(part), let cached = state.parts[part] {
                        pieces.append(cached)
                        continue
                    }
                    // A check's labels are written again for each of its parts deflated: kept across
                    // families, the first build would hold 10,000 of them at once.
                    lines.removeAll()
                    for index in state.order[start..<min(start + chunkSize, state.order.count)] {
                        CheckLines(snapshot.checks[index], format: format).write(family, into: &lines)
                    }
                    deflater.write(lines.bytes, range: lines.bytes.indices)
                    guard let segment = deflater.finish(final: false) else { return nil }
                    state.deflated.append(part)
                    pieces.append(segment)
                }
            }
            // Headers and parts are kept as slices of the body, so the deflated document is held once,
            // not also in a thousand buffers of its own (0.6 MB at 10,000 checks).
            state.body = Self.join(&pieces)
            for (piece, place) in zip(pieces, placed) {
                if let part = place.part {
                    state.parts[part] = piece
                } else {
                    state.headers[place.family]?.segment = piece
                }
            }
        }
        guard let final = Gzip.finalSegment(exporter + process.plain.readableBytesView) else { return nil }
        state.document = Document(
            version: snapshot.version,
            processTaken: process.taken,
            segments: [state.body.deflated, final.deflated],
            whole: Gzip.combine(state.body, final)
        )
        return state.document
    }

    /// `pieces` as one segment: their deflated bytes joined, served in one write. Each piece is left
    /// pointing at its bytes in the joined buffer.
    private static func join(_ pieces: inout [Gzip.Segment]) -> Gzip.Segment {
        var deflated = ByteBuffer()
        deflated.reserveCapacity(pieces.reduce(0) { $0 + $1.deflated.readableBytes })
        var whole = Gzip.Segment.empty
        for piece in pieces where piece.length > 0 {
            deflated.writeImmutableBuffer(piece.deflated)
            whole = Gzip.combine(whole, piece)
        }
        var offset = deflated.readerIndex
        for index in pieces.indices where pieces[index].length > 0 {
            let size = pieces[index].deflated.readableBytes
            if let slice = deflated.getSlice(at: offset, length: size) { pieces[index].deflated = slice }
            offset += size
        }
        whole.deflated = deflated
        return whole
    }
}

extension DeflatedMetrics {
    /// What a check's lines in the document were rendered from: within one set of checks, lines differ
    /// only where one of these does (its name, labels and interval do not change; a run moves `runs` and
    /// with it the last result, the latency histogram and the declared values).
    struct Rendered {
        var runs: UInt64
        var skipped: UInt64
        var failed: UInt64
        var lastSuccess: Double?
        var status: CheckStatus
        /// The declared families the check has a line in.
        var exported: [ExportedMetric]

        init(_ check: CheckSnapshot) {
            runs = check.runs
            skipped = check.skipped
            failed = check.failures.values.reduce(0, +)
            lastSuccess = check.lastSuccess
            status = check.status
            exported = CheckLines.exported(by: check)
        }

        /// Whether `check`'s lines are still the ones rendered from this, read from its counters
        /// alone: its failures and declared values change only with a run.
        func isCurrent(for check: CheckSnapshot) -> Bool {
            runs == check.runs && skipped == check.skipped && status == check.status
                && lastSuccess == check.lastSuccess
        }
    }
}

/// The parts whose lines changed since the last build, marked check by check.
private struct StaleParts {
    private let chunks: Int
    /// By fixed family and chunk; declared families (rare) in a set.
    private var fixed: [Bool]
    private var exported = Set<DeflatedMetrics.Part>()
    private(set) var any = false

    init(chunks: Int) {
        self.chunks = chunks
        fixed = [Bool](repeating: false, count: CheckFamily.fixed.count * chunks)
    }

    /// Marks the parts of `chunk` in which the lines rendered from `old` and `new` differ.
    /// - Returns: whether the check's set of declared families changed.
    mutating func mark(_ old: DeflatedMetrics.Rendered, _ new: DeflatedMetrics.Rendered, chunk: Int) -> Bool {
        if old.runs != new.runs { for family in Self.ranFamilies { markFixed(family, chunk: chunk) } }
        if old.status != new.status { for family in Self.statusFamilies { markFixed(family, chunk: chunk) } }
        if old.lastSuccess != new.lastSuccess { markFixed(.lastSuccess, chunk: chunk) }
        if old.skipped != new.skipped { markFixed(.skipped, chunk: chunk) }
        if old.failed != new.failed { markFixed(.failures, chunk: chunk) }
        if old.runs != new.runs {
            for metric in old.exported + new.exported {
                exported.insert(DeflatedMetrics.Part(family: .exported(metric), chunk: chunk))
                any = true
            }
        }
        return old.exported.map(\.name) != new.exported.map(\.name)
    }

    /// The families whose lines a run moves (besides the declared ones) and those a status moves.
    private static let ranFamilies: [CheckFamily] = [.duration, .lastRun, .runs, .latency]
    private static let statusFamilies: [CheckFamily] = [.success, .status]

    private mutating func markFixed(_ family: CheckFamily, chunk: Int) {
        guard let position = family.fixedIndex else { return }
        fixed[position * chunks + chunk] = true
        any = true
    }

    func contains(_ part: DeflatedMetrics.Part) -> Bool {
        if let position = part.family.fixedIndex { return fixed[position * chunks + part.chunk] }
        return exported.contains(part)
    }
}
