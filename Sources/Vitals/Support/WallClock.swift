#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The source of timestamps shown to users (Unix seconds). Deadlines use a `Clock` instead.
public struct WallClock: Sendable {
    /// Returns the current time in Unix seconds.
    public let now: @Sendable () -> Double

    /// Creates a wall clock from a function.
    public init(now: @escaping @Sendable () -> Double) {
        self.now = now
    }

    /// The system's real-time clock.
    public static let system = WallClock { Date().timeIntervalSince1970 }
}
