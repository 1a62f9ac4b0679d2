import Synchronization
public import Vitals

/// A check whose runs wait at a gate that the test opens, and that counts its runs.
///
/// A run starts, waits while the gate is closed, and then returns ``outcome``. The gate ignores
/// cancellation, like a badly written check: a run cut off by its timeout stays under way until
/// the test calls ``open()``, which shows how the engine copes with such a check. Open the gate
/// before the test ends, or a task that waits for the check's run never finishes.
///
/// With `open: true` the gate never holds a run, and the check simply counts.
///
/// ```swift
/// let check = GatedCheck(.pass("ok"))
/// // … start a scheduler or an on-demand request that runs the check …
/// #expect(await eventually { check.started == 1 })
/// #expect(check.finished == 0)
/// check.open()
/// #expect(await eventually { check.finished == 1 })
/// ```
public final class GatedCheck: HealthCheck {
    private struct State {
        var started = 0
        var finished = 0
        var isOpen: Bool
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>
    /// What every run returns once through the gate.
    public let outcome: CheckOutcome

    /// Creates a check with the gate closed, or open when `open` is true.
    /// - Parameters:
    ///   - outcome: what every run returns once through the gate.
    ///   - open: whether runs pass the gate at once.
    public init(_ outcome: CheckOutcome = .pass("ok"), open: Bool = false) {
        self.outcome = outcome
        self.state = Mutex(State(isOpen: open))
    }

    /// How many runs have started, including those waiting at the gate.
    public var started: Int { state.withLock { $0.started } }

    /// How many runs have passed the gate and returned.
    public var finished: Int { state.withLock { $0.finished } }

    /// Opens the gate: the runs waiting at it go on, and later runs pass at once.
    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Closes the gate: later runs wait at it until ``open()``.
    public func close() {
        state.withLock { $0.isOpen = false }
    }

    /// Counts the run, waits while the gate is closed, then returns ``outcome``.
    public func run() async throws -> CheckOutcome {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                state.started += 1
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
        state.withLock { $0.finished += 1 }
        return outcome
    }
}
