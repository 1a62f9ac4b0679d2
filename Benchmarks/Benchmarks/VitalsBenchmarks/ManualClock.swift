import Synchronization

/// A clock whose time only moves when the benchmark moves it, so that a scheduler
/// step sees a chosen number of due checks and never waits.
final class ManualClock: Clock, Sendable {
    typealias Duration = Swift.Duration

    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))

    var now: Instant {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    var minimumResolution: Duration { .zero }

    /// Moves time forward and returns the new time.
    @discardableResult
    func advance(by duration: Duration) -> Instant {
        current.withLock { now in
            now = now.advanced(by: duration)
            return now
        }
    }

    /// Never called by the benchmarks: they drive the scheduler step by step.
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        throw CancellationError()
    }
}
