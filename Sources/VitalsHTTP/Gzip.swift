import CZlib

/// gzip for responses whose large part is cached.
///
/// A body made of a cached part and a small live part is compressed as two raw
/// deflate segments: the cached one ends with a sync flush (byte-aligned, not
/// final), the live one is a fresh stream that ends the data. Concatenated behind
/// a gzip header and followed by the combined CRC-32 and length they form one
/// valid gzip member, so the cached part is compressed once per version, not per request.
enum Gzip {
    /// A deflated segment and what the gzip trailer needs to know of its input.
    struct Segment: Sendable {
        var deflated: [UInt8]
        var crc: UInt
        var length: Int
    }

    static let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]

    /// Compresses `input` as a raw deflate segment; `final` ends the stream.
    static func segment(_ input: [UInt8], final: Bool) -> Segment? {
        var stream = z_stream()
        let windowBits: Int32 = -15  // raw deflate: the gzip framing is written by hand
        guard
            deflateInit2_(
                &stream,
                1,
                Z_DEFLATED,
                windowBits,
                8,
                Z_DEFAULT_STRATEGY,
                ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)
            ) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 16)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                return deflate(&stream, final ? Z_FINISH : Z_SYNC_FLUSH)
            }
        }
        guard status == (final ? Z_STREAM_END : Z_OK), stream.avail_in == 0 else { return nil }
        output.removeLast(Int(stream.avail_out))
        let crc = input.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        return Segment(deflated: output, crc: crc, length: input.count)
    }

    /// The gzip trailer for segments `first` then `second`.
    static func trailer(_ first: Segment, _ second: Segment) -> [UInt8] {
        let crc = UInt32(truncatingIfNeeded: crc32_combine(first.crc, second.crc, Int(second.length)))
        let length = UInt32(truncatingIfNeeded: first.length + second.length)
        return (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
    }
}
