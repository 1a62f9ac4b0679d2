import Synchronization

/// The answer of work running outside the task that waits for it (on a thread pool, a thread of its
/// own), which the task may stop waiting for: delivered once, by the work or by cancellation,
/// whichever comes first; a later delivery is dropped.
package final class PendingAnswer<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiter: CheckedContinuation<Value, any Error>?
    }

    private let state = Mutex(State())

    package init() {}

    /// Waits for the answer with `continuation`.
    /// - Returns: false when the answer is already there and `continuation` was resumed with it (the
    ///   work need not start).
    package func wait(with continuation: CheckedContinuation<Value, any Error>) -> Bool {
        let result = state.withLock { state -> Result<Value, any Error>? in
            if state.result == nil { state.waiter = continuation }
            return state.result
        }
        guard let result else { return true }
        continuation.resume(with: result)
        return false
    }

    /// Hands over `result` unless an answer came first, in which case it is dropped.
    package func deliver(_ result: Result<Value, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }
}
