import Foundation

/// Runs `body` on a thread of its own and waits for it without holding a thread of the pool.
///
/// Tests run in parallel on Swift's cooperative pool, which has one thread per core (two in CI).
/// A test that blocks one of them, on a child process (`openssl`, `promtool`) or on CPU-bound work,
/// stalls every other test; those that wait for scheduled runs then miss their deadline.
package func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// ``onOwnThread(_:)`` for work that cannot throw.
package func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// ``onOwnThread(_:)`` for long CPU-bound work (fuzzing, property tests), on a thread at the lowest
/// scheduling priority (nice 19): on a 2-core machine the work then takes only the CPU time the
/// other tests leave, instead of delaying the tasks and peers that wait on deadlines.
package func inBackground<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await onOwnThread {
        // On Linux the nice value is per thread, and `who` 0 is the calling thread. Failing to
        // lower it only costs the other tests some speed.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        return body()
    }
}
