import Testing

@testable import Vitals

/// The exponential buckets of schema 3: bucket `i` holds `(2^((i-1)/8), 2^(i/8)]`, as Prometheus reads them.
@Suite struct NativeHistogramTests {
    @Test(
        arguments: [
            (1.0, 0), (2.0, 8), (0.5, -8), (4.0, 16),  // powers of two close their bucket
            (1.05, 1), (1.0905, 1), (1.0906, 2),  // 2^(1/8) ≈ 1.09051
            (0.999, 0), (0.001, -79),  // 2^(-80/8) ≈ 0.000977 < 0.001 ≤ 2^(-79/8) ≈ 0.001065
        ] as [(Double, Int32)]
    )
    func aValueFallsInTheBucketWhoseBoundsHoldIt(value: Double, index: Int32) {
        #expect(LatencyHistogram.nativeIndex(of: value) == index)
    }

    @Test func zeroAndNonFiniteValuesHaveNoExponentialBucket() {
        #expect(LatencyHistogram.nativeIndex(of: 0) == nil)
        #expect(LatencyHistogram.nativeIndex(of: -1) == nil)
        #expect(LatencyHistogram.nativeIndex(of: .infinity) == nil)
    }

    @Test func everyObservationIsCountedOnceInTheNativeBuckets() {
        var histogram = LatencyHistogram(bounds: [0.01, 0.1])
        for value in [0, 0.002, 0.002, 0.05, 3] { histogram.observe(value) }
        #expect(histogram.nativeZeroCount == 1)
        #expect(histogram.nativeCounts.values.reduce(0, +) == 4)
        #expect(histogram.nativeCounts[LatencyHistogram.nativeIndex(of: 0.002) ?? 0] == 2)
    }
}
