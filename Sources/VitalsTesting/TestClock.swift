import Synchronization

/// A clock that moves only when a test advances it.
///
/// Inject it wherever Vitals takes a `Clock` (the `Scheduler`, `CheckRunner`, a probe that
/// measures an age) and move time with ``advance(by:)``: every task sleeping on the clock whose
/// deadline has come wakes up, and nothing ever waits for real time. Time starts at zero.
///
/// ```swift
/// @Test func runsTheCheckOnceInTheStartupWindow() async throws {
///     let clock = TestClock()
///     let check = GatedCheck(open: true)
///     let store = ResultStore()
///     store.replace(with: [CheckDefinition(name: "db", type: "test", check: check)])
///     let scheduler = Scheduler(store: store, clock: clock, logger: Logger(label: "test"))
///     let task = Task { try await scheduler.run() }
///     clock.advance(by: .seconds(1))
///     #expect(await eventually { check.finished == 1 })
///     task.cancel()
///     try await task.value
/// }
/// ```
public final class TestClock: Clock, Sendable {
    public typealias Duration = Swift.Duration

    /// A point in the test clock's time: how far it is from the clock's start.
    public struct Instant: InstantProtocol {
        var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates a clock at time zero, with nobody sleeping on it.
    public init() {}

    /// The current time; it changes only through ``advance(by:)``.
    public var now: Instant { state.withLock { $0.now } }

    /// Zero: the clock wakes sleepers at exactly their deadline.
    public var minimumResolution: Duration { .zero }

    /// How many tasks are sleeping on this clock.
    ///
    /// Wait for the count you expect (with ``eventually(_:)``) before advancing, so that the
    /// code under test has reached its sleep and the advance wakes it.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until the clock reaches `deadline`, or throws `CancellationError` when the task is cancelled.
    ///
    /// A deadline that has already come returns at once.
    /// - Parameters:
    ///   - deadline: the time to wake up at.
    ///   - tolerance: ignored.
    /// - Throws: `CancellationError` when the task is or gets cancelled before the deadline.
    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume()
                    }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    ///
    /// The woken tasks resume asynchronously: wait for their effects with ``eventually(_:)``.
    /// - Parameter duration: how far to move; zero wakes nobody new.
    /// - Returns: the new time.
    @discardableResult
    public func advance(by duration: Duration) -> Instant {
        let (now, due) = state.withLock { state -> (Instant, [Sleeper]) in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            // Without a due sleeper nothing is allocated: benchmarks step this clock in their measured loop.
            guard state.sleepers.contains(where: { $0.deadline <= now }) else { return (now, []) }
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return (now, due)
        }
        for sleeper in due { sleeper.continuation.resume() }
        return now
    }
}
