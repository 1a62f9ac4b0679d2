import NIOCore
import Synchronization
import Vitals

/// The live `process_*` tail of `/metrics` (and its closing `# EOF`) per format, rendered at most once
/// a second: reading `/proc` and rendering on every scrape would cost more than serving the cached
/// checks.
final class ProcessTail: Sendable {
    struct Tail: Sendable {
        var plain: ByteBuffer
        /// When it was rendered: a cached document with an older tail is out of date.
        var taken: ContinuousClock.Instant
    }

    private let tails = Mutex<(taken: ContinuousClock.Instant, tails: [MetricsFormat: Tail])?>(nil)

    /// The tail for `format`, at most a second old.
    func tail(_ format: MetricsFormat) -> Tail {
        let now = ContinuousClock.now
        return tails.withLock { cache in
            let fresh = cache.flatMap { $0.taken.duration(to: now) < .seconds(1) ? $0 : nil }
            var current = fresh ?? (taken: now, tails: [:])
            if let tail = current.tails[format] { return tail }
            let bytes = MetricsRenderer.renderProcess(ProcessMetrics.current(), format: format)
            let tail = Tail(plain: ByteBuffer(bytes: bytes), taken: current.taken)
            current.tails[format] = tail
            cache = current
            return tail
        }
    }
}
