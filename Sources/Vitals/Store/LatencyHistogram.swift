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
    /// The same observations in exponential buckets (a Prometheus native histogram of schema
    /// ``nativeSchema``): bucket `i` counts values in `(2^((i-1)/8), 2^(i/8)]`; zero durations are
    /// in ``nativeZeroCount``. Sparse: durations cluster, so a check uses a few dozen buckets.
    public private(set) var nativeCounts: [Int32: UInt64] = [:]
    /// Observations of exactly zero.
    public private(set) var nativeZeroCount: UInt64 = 0
    /// The schema of ``nativeCounts``: 8 buckets per doubling, about 9 % wide.
    public static let nativeSchema: Int32 = 3

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
        if let key = Self.nativeIndex(of: seconds) {
            nativeCounts[key, default: 0] += 1
        } else {
            nativeZeroCount += 1
        }
    }

    /// The native bucket of a positive value, computed as Prometheus' client libraries do (exact at
    /// powers of two): `value = fraction × 2^exponent` with `fraction` in `[0.5, 1)`; `nil` for zero
    /// and anything not positive and finite.
    static func nativeIndex(of value: Double) -> Int32? {
        guard value > 0, value.isFinite else { return nil }
        let fraction = value.significand / 2
        let exponent = Int32(value.exponent) + 1
        let perDoubling = Int32(nativeBounds.count)
        let position = Int32(nativeBounds.firstIndex { $0 >= fraction } ?? nativeBounds.count)
        return position + (exponent - 1) * perDoubling
    }

    /// `2^(i/8 - 1)` for `i` in `0..<8`: the upper bounds of one doubling's buckets within `[0.5, 1)`.
    private static let nativeBounds: [Double] = [
        0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048,
        0.7071067811865475, 0.7711054127039704, 0.8408964152537144, 0.9170040432046711,
    ]
}
