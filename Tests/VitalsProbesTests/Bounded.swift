import Synchronization
import Testing
import Vitals

/// A wait in a test took longer than its bound.
struct TimedOut: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "timed out after \(limit)" }
}

/// Runs `body`, but returns (by throwing ``TimedOut``) after `limit` even if `body` ignores
/// cancellation, so that a bug never hangs the test run. The default limit is long: the test runner
/// starts every test at once on a pool of one thread per core, and on a 2-core machine a task may
/// wait seconds for its turn; a bound is a guard against hangs, never a measure of speed.
func bounded<T: Sendable>(
    _ limit: Duration = .seconds(30),
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let gate = Gate<T>()
    let work = Task {
        do {
            gate.resume(with: .success(try await body()))
        } catch {
            gate.resume(with: .failure(error))
        }
    }
    let timer = Task {
        try await Task.sleep(for: limit)
        work.cancel()
        gate.resume(with: .failure(TimedOut(limit: limit)))
    }
    defer { timer.cancel() }
    return try await gate.value()
}

/// Waits, polling, until `condition` holds; throws ``TimedOut`` after `limit` (long, as for
/// ``bounded(_:_:)``).
func waitUntil(_ limit: Duration = .seconds(30), _ condition: @escaping @Sendable () -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    while !condition() {
        guard clock.now < deadline else { throw TimedOut(limit: limit) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A result that arrives once, from whichever side is first.
private final class Gate<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<T, any Error>?
    }

    private let state = Mutex(State())

    func resume(with result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { state -> Result<T, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
    }
}

/// Runs `probe` (bounded) and returns why it failed: the ``CheckFailure`` it throws, or the reason
/// and message of the `fail` outcome it returns (a probe that has observations to report on a
/// failure returns it); records an issue when it passes, warns or throws anything else.
func failure(of probe: some HealthCheck) async throws -> CheckFailure {
    let result = try await bounded { await Result { try await probe.run() } }
    switch result {
    case .failure(let failure as CheckFailure):
        return failure
    case .success(let outcome) where outcome.status == .fail:
        return CheckFailure(outcome.reason ?? .unknown, outcome.message)
    default:
        Issue.record("expected a failure, got \(result)")
        return CheckFailure(.unknown, "")
    }
}
