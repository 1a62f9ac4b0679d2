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
