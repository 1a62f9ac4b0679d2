import CZlib
import NIOCore
import TestPeers
import Testing

@testable import VitalsHTTP

struct GzipTests {
    /// The last segment of a body, whatever its input: text that compresses well, and random bytes
    /// that do not (libdeflate needs more room than a quarter of the input then).
    @Test(arguments: [false, true])
    func aFinalSegmentInflatesToItsInputAndCarriesItsChecksum(random: Bool) throws {
        var generator = SplitMix64(seed: 3)
        let input: [UInt8] =
            random
            ? (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            : Array(String(repeating: "healthcheck_runs_total{check=\"a\",type=\"file\"} 12\n", count: 4_000).utf8)
        let segment = try #require(Gzip.finalSegment(input))
        #expect(inflateRaw(Array(segment.deflated.readableBytesView)) == input)
        #expect(segment.length == input.count)
        #expect(segment.crc == input.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
        // Behind a gzip header and trailer, it is a whole member.
        let member = Gzip.header + Array(segment.deflated.readableBytesView) + Gzip.trailer(segment)
        #expect(gunzip(member) == input)
    }
}
