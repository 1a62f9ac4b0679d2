import NIOCore
import Synchronization
import Vitals

/// Rendered bytes per output kind, valid for one store version.
///
/// A request whose version matches is served the cached buffer with no rendering
/// and no copying; only the first request after a change renders, and concurrent
/// requests for the same kind wait for that one render rather than repeating it.
final class RenderCache: Sendable {
    enum Kind: Hashable, Sendable {
        case metrics(MetricsFormat)
        case metricsDeflated(MetricsFormat)
        case healthResults(tag: String?)
        case health(HealthFormat, tag: String?)
    }

    struct Entry: Sendable {
        var version: UInt64
        var buffer: ByteBuffer
        var segment: Gzip.Segment?
    }

    private let entries = Mutex<[Kind: Entry]>([:])
    private let renders = Atomic<Int>(0)

    /// How many times anything was rendered; tests use it to prove cache hits.
    var renderCount: Int { renders.load(ordering: .relaxed) }

    /// The cached entry for `kind` at `version`, rendering it with `render` when missing or stale.
    func entry(_ kind: Kind, version: UInt64, render: () -> Entry) -> Entry {
        entries.withLock { entries in
            if let entry = entries[kind], entry.version == version {
                return entry
            }
            let entry = render()
            renders.add(1, ordering: .relaxed)
            entries[kind] = entry
            return entry
        }
    }
}
