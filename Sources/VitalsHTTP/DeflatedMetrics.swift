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
        var names: [String] = []
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

    /// The document for `snapshot` in `format`; `nil` if zlib failed. Requests for one format wait
    /// for one build rather than each building the same document.
    func document(_ snapshot: Snapshot, build: BuildInfo, format: MetricsFormat) -> Document? {
        (format == .openMetrics ? openMetrics : prometheusText).state.withLock { state in
            if let document = state.document, document.version >= snapshot.version { return document }
            builds.add(1, ordering: .relaxed)
            return Self.build(&state, snapshot, build: build, format: format)
        }
    }

    private static func build(
        _ state: inout State,
        _ snapshot: Snapshot,
        build: BuildInfo,
        format: MetricsFormat
    ) -> Document? {
        let series = snapshot.checks.map { $0.series(format) }
        let names = snapshot.checks.map { $0.name }
        // The families whose bytes may differ from the cached segments: all of them (`nil`) when the
        // set of checks changed, else those in which a re-rendered check's lines changed.
        var dirty: Set<CheckFamily>? = []
        if names == state.names {
            for (old, new) in zip(state.series, series) where old !== new {
                for family in CheckFamily.fixed + (old.exported + new.exported).map(CheckFamily.exported)
                where old.lines(of: family) != new.lines(of: family) {
                    dirty?.insert(family)
                }
            }
        } else {
            dirty = nil
        }

        // A small document is one segment, so that it compresses as well as one stream would; from a
        // few hundred checks on, each family is larger than zlib's 32 kB window and gets its own.
        let families = MetricsRenderer.families(of: series)
        let groups = series.count < 300 ? [families] : families.map { [$0] }

        var cached: [[CheckFamily]: Gzip.Segment] = [:]
        var segments: [ByteBuffer] = []
        var whole = Gzip.Segment.empty
        for group in groups {
            var segment = state.segments[group]
            if segment == nil || group.contains(where: { dirty?.contains($0) != false }) {
                guard let deflater = Gzip.Deflater() else { return nil }
                for family in group {
                    let header = MetricsRenderer.header(family, format: format)
                    deflater.write(header, range: header.indices)
                    for index in series.indices {
                        deflater.write(series[index].bytes, range: series[index].range(of: family))
                    }
                }
                segment = deflater.finish(final: false)
            }
            guard let segment else { return nil }
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
        state = State(document: document, names: names, series: series, segments: cached)
        return document
    }
}
