import NIOCore
import Synchronization
import Vitals

/// Rendered bytes per output kind, valid for one store version.
///
/// A request whose version matches is served the cached buffer with no rendering and no copying;
/// the first request after a change renders. Rendering happens outside the lock, so a slow render of
/// one kind never holds up requests for another; two requests that miss at once may both render,
/// and the newer version is kept. A body larger than ``maximumKeptBytes`` is served and not kept.
final class RenderCache: Sendable {
    /// The largest body kept. A larger one comes from thousands of checks (10,000 are 3.4 MB of JSON),
    /// whose results change many times a second: kept, it would almost never be served again and
    /// would hold megabytes from one request to the next.
    static let maximumKeptBytes = 256 * 1024

    enum Kind: Hashable, Sendable {
        case healthResults(tag: String?)
        case health(HealthFormat, tag: String?)
    }

    struct Entry: Sendable {
        var version: UInt64
        var buffer: ByteBuffer
    }

    private let entries = Mutex<[Kind: Entry]>([:])
    private let renders = Atomic<Int>(0)

    /// How many times anything was rendered; tests use it to prove cache hits.
    var renderCount: Int { renders.load(ordering: .relaxed) }

    /// The cached entry for `kind` at `version`, rendering it with `render` when missing or stale.
    func entry(_ kind: Kind, version: UInt64, render: () -> Entry) -> Entry {
        if let entry = entries.withLock({ $0[kind] }), entry.version == version {
            return entry
        }
        let entry = render()
        renders.add(1, ordering: .relaxed)
        entries.withLock { entries in
            guard (entries[kind]?.version ?? 0) <= version else { return }
            entries[kind] = entry.buffer.readableBytes <= Self.maximumKeptBytes ? entry : nil
        }
        return entry
    }

    /// The cached buffer for `kind` at `version`, rendering plain bytes when missing or stale.
    func buffer(_ kind: Kind, version: UInt64, render: () -> [UInt8]) -> ByteBuffer {
        entry(kind, version: version) {
            Entry(version: version, buffer: ByteBuffer(bytes: render()))
        }.buffer
    }
}
