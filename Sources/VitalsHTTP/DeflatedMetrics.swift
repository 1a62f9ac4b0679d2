import NIOCore
import Synchronization
import Vitals

/// The checks' part of `/metrics`, gzip-ready: one deflated segment per metric family (small
/// families share one), kept between scrapes.
///
/// Every real scrape is cold — checks ran since the last one — but most families do not change
/// when a check runs again with the same result (its identity, interval, status, failures…). A
/// scrape re-deflates only the segments in which some check's lines changed, copying the other
/// checks' lines from their cached series; the uncompressed document is never held whole.
final class DeflatedMetrics: Sendable {
    /// The document of one store version: segments in order and what the gzip trailer needs.
    struct Document: Sendable {
        var version: UInt64
        var segments: [ByteBuffer]
        var whole: Gzip.Segment
    }

    private struct State {
        var document: Document?
        /// The value of ``DeflatedMetrics/buildCount`` when this format was last built.
        var built = 0
        var generation: UInt64 = 0
        var series: [CheckSeries] = []
        var segments: [[CheckFamily]: Gzip.Segment] = [:]
    }

    private final class Cache: Sendable {
        let state = Mutex(State())
    }

    private let openMetrics = Cache()
    private let prometheusText = Cache()
    private let builds = Atomic<Int>(0)

    /// How many documents were built; tests use it to prove cache hits.
    var buildCount: Int { builds.load(ordering: .relaxed) }

    /// Builds of one format after which the other format's cache is dropped if it was not built
    /// meanwhile: a scraper that asked once (`curl`, say) does not keep 10,000 checks' series of a
    /// format nobody scrapes (about 8 MB) for the life of the daemon.
    static let unusedFormatBuilds = 8

    /// The document for `snapshot` in `format`; `nil` if zlib failed. Requests for one format wait
    /// for one build rather than each building the same document.
    func document(_ snapshot: Snapshot, build: BuildInfo, format: MetricsFormat) -> Document? {
        var built: Int?
        let document = cache(format).state.withLock { state -> Document? in
            if let document = state.document, document.version >= snapshot.version { return document }
            state.built = builds.add(1, ordering: .relaxed).newValue
            built = state.built
            return Self.build(&state, snapshot, build: build, format: format)
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
        format: MetricsFormat
    ) -> Document? {
        // One pass over the checks (10,000 objects do not fit in the cache; each pass costs misses):
        // their series, the families of the document, and the families whose bytes may differ from the
        // cached segments — all of them (`nil`) when the set of checks changed, else those in which a
        // re-rendered check's lines changed.
        let sameChecks =
            snapshot.generation != 0 && snapshot.generation == state.generation
            && state.series.count == snapshot.checks.count
        var dirty: Set<CheckFamily>? = sameChecks ? [] : nil
        var familySet = MetricsRenderer.FamilySet()
        var series: [CheckSeries] = []
        series.reserveCapacity(snapshot.checks.count)
        for (index, check) in snapshot.checks.enumerated() {
            let new = check.series(format)
            series.append(new)
            familySet.add(new)
            guard sameChecks else { continue }
            let old = state.series[index]
            guard old !== new else { continue }
            for family in CheckFamily.fixed + (old.exported + new.exported).map(CheckFamily.exported)
            where old.lines(of: family) != new.lines(of: family) {
                dirty?.insert(family)
            }
        }

        // A small document is one segment, so that it compresses as well as one stream would; from a
        // few hundred checks on, each family is larger than zlib's 32 kB window and gets its own.
        let families = familySet.families
        let groups = series.count < 300 ? [families] : families.map { [$0] }

        // The stale segments are deflated side by side in a second pass over the checks.
        var deflaters: [(group: Int, deflater: Gzip.Deflater)] = []
        for (index, group) in groups.enumerated()
        where state.segments[group] == nil || group.contains(where: { dirty?.contains($0) != false }) {
            guard let deflater = Gzip.Deflater() else { return nil }
            deflaters.append((index, deflater))
        }
        for (group, deflater) in deflaters where groups[group].count > 1 {
            // A shared segment holds whole families, one after the other.
            for family in groups[group] {
                let header = MetricsRenderer.header(family, format: format)
                deflater.write(header, range: header.indices)
                for check in series { deflater.write(check.bytes, range: check.range(of: family)) }
            }
        }
        let single = deflaters.filter { groups[$0.group].count == 1 }
        for (group, deflater) in single {
            let header = MetricsRenderer.header(groups[group][0], format: format)
            deflater.write(header, range: header.indices)
        }
        if !single.isEmpty {
            for check in series {
                for (group, deflater) in single {
                    deflater.write(check.bytes, range: check.range(of: groups[group][0]))
                }
            }
        }
        var fresh: [Int: Gzip.Segment] = [:]
        for (group, deflater) in deflaters {
            guard let segment = deflater.finish(final: false) else { return nil }
            fresh[group] = segment
        }

        var cached: [[CheckFamily]: Gzip.Segment] = [:]
        var segments: [ByteBuffer] = []
        var whole = Gzip.Segment.empty
        for (index, group) in groups.enumerated() {
            guard let segment = fresh[index] ?? state.segments[group] else { return nil }
            cached[group] = segment
            segments.append(segment.deflated)
            whole = Gzip.combine(whole, segment)
        }
        // The exporter's own metrics change with every scheduler tick: small, deflated each time.
        guard
            let exporter = Gzip.segment(
                MetricsRenderer.renderExporter(snapshot, build: build, format: format),
                final: false
            )
        else { return nil }
        segments.append(exporter.deflated)
        whole = Gzip.combine(whole, exporter)

        let document = Document(version: snapshot.version, segments: segments, whole: whole)
        state = State(
            document: document,
            built: state.built,
            generation: snapshot.generation,
            series: series,
            segments: cached
        )
        return document
    }
}
