/// A cumulative-ready histogram of durations with fixed bucket bounds.
public struct LatencyHistogram: Sendable, Equatable {
    /// The bounds a check gets when its latency histogram is switched on without bounds of its own,
    /// in seconds: 5 ms to 60 s.
    public static let standardBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    /// Upper bounds in seconds, increasing, excluding `+Inf`.
    public let bounds: [Double]
    /// Observations per bucket (not cumulative); the last element counts those above every bound.
    public private(set) var counts: [UInt64]
    /// Sum of all observations in seconds.
    public private(set) var sum: Double = 0
    /// Number of observations.
    public private(set) var count: UInt64 = 0

    /// Creates an empty histogram; `bounds` must be increasing.
    public init(bounds: [Double] = LatencyHistogram.standardBounds) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count + 1)
    }

    mutating func observe(_ seconds: Double) {
        let index = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        counts[index] += 1
        sum += seconds
        count += 1
    }
}
