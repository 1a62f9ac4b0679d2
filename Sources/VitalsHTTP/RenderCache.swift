import NIOCore
import Synchronization
import Vitals

/// Rendered bytes per output kind, valid for one store version.
///
/// A request whose version matches is served the cached buffer with no rendering and no copying;
/// the first request after a change renders. Rendering happens outside the lock, so a slow render of
/// one kind never holds up requests for another; two requests that miss at once may both render,
/// and the newer version is kept.
final class RenderCache: Sendable {
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
            if (entries[kind]?.version ?? 0) <= version { entries[kind] = entry }
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
