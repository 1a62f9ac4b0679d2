/// A cumulative-ready histogram of run durations with fixed buckets.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, excluding `+Inf`.
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    /// Observations per bucket (not cumulative); the last element counts those above every bound.
    public private(set) var counts: [UInt64] = Array(repeating: 0, count: LatencyHistogram.bounds.count + 1)
    /// Sum of all observations in seconds.
    public private(set) var sum: Double = 0
    /// Number of observations.
    public private(set) var count: UInt64 = 0

    /// Creates an empty histogram.
    public init() {}

    mutating func observe(_ seconds: Double) {
        var index = Self.bounds.count
        for (i, bound) in Self.bounds.enumerated() where seconds <= bound {
            index = i
            break
        }
        counts[index] += 1
        sum += seconds
        count += 1
    }
}
