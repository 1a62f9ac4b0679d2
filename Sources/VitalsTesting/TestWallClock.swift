import Synchronization
public import Vitals

/// A source of user-facing timestamps that moves only when a test moves it.
///
/// Give its ``wallClock`` to a `ResultStore` or a `Monitor` to control the timestamps they
/// record (`created`, `finished`, `expires`, the last reload) and the expiry of cached
/// on-demand results. Deadlines and timeouts use a `Clock` instead: see ``TestClock``.
///
/// ```swift
/// let time = TestWallClock(startingAt: 1_700_000_000)
/// let monitor = Monitor(mode: .onDemand(), wallClock: time.wallClock)
/// // … the first request runs the checks …
/// time.advance(by: 30)
/// // … the next request finds the cached results expired …
/// ```
public final class TestWallClock: Sendable {
    private let seconds: Mutex<Double>

    /// Creates a clock showing `seconds`, in Unix seconds.
    public init(startingAt seconds: Double) {
        self.seconds = Mutex(seconds)
    }

    /// The time it shows, in Unix seconds.
    public var now: Double { seconds.withLock { $0 } }

    /// A `WallClock` that reads this clock.
    public var wallClock: WallClock { WallClock { self.now } }

    /// Moves the time forward by `seconds`.
    public func advance(by seconds: Double) {
        self.seconds.withLock { $0 += seconds }
    }
}
