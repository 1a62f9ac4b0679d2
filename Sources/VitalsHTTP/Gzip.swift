import CLibdeflate
import CZlib
import NIOCore

/// gzip for responses whose large parts are cached.
///
/// A body made of cached parts and a small live part is compressed as raw deflate
/// segments: each cached one ends with a sync flush (byte-aligned, not final), the
/// live one is a fresh stream that ends the data. Concatenated behind a gzip header
/// and followed by the combined CRC-32 and length they form one valid gzip member, so
/// a cached part is compressed once, not per request.
enum Gzip {
    /// A deflated segment and what the gzip trailer needs to know of its input.
    struct Segment: Sendable {
        var deflated: ByteBuffer
        var crc: UInt
        var length: Int

        /// No input: the identity of ``Gzip/combine(_:_:)``.
        static let empty = Segment(deflated: ByteBuffer(), crc: 0, length: 0)
    }

    /// zlib's fastest level. Measured on the OpenMetrics document of 10,000 checks (8.0 MB, BENCHMARKS.md):
    /// level 1 deflates it in 20 ms to 531 kB, the default 6 in 81 ms to 466 kB — 4 times the CPU on
    /// every cold scrape for 12 % fewer bytes on loopback or a LAN.
    static let level: Int32 = 1

    static let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]

    /// Compresses `input` as a raw deflate segment; `final` ends the stream.
    static func segment(_ input: [UInt8], final: Bool) -> Segment? {
        guard let deflater = Deflater() else { return nil }
        deflater.write(input, range: input.indices)
        return deflater.finish(final: final)
    }

    /// Compresses `input` whole, with libdeflate at its fastest level, as the segment that ends the
    /// stream: at level 1 it takes 40 % of zlib's time for 14 % fewer bytes (BENCHMARKS.md), but it
    /// cannot leave a stream open, so only the last segment of a body can be made this way.
    static func finalSegment(_ input: [UInt8]) -> Segment? {
        guard let compressor = libdeflate_alloc_compressor(1) else { return nil }
        defer { libdeflate_free_compressor(compressor) }
        return input.withUnsafeBytes { input -> Segment? in
            // `/metrics` deflates to about a tenth: room for a quarter first, the worst case only if
            // that did not do (libdeflate then writes nothing and says so).
            var output = ByteBuffer()
            for room in [input.count / 4 + 1024, libdeflate_deflate_compress_bound(compressor, input.count)] {
                let written = output.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { out in
                    libdeflate_deflate_compress(compressor, input.baseAddress, input.count, out.baseAddress, room)
                }
                if written > 0 { break }
            }
            guard output.readableBytes > 0 else { return nil }
            // Cached documents should not keep the spare room of the bound.
            let deflated =
                output.capacity - output.readableBytes > 4096 ? ByteBuffer(bytes: output.readableBytesView) : output
            let crc = libdeflate_crc32(0, input.baseAddress, input.count)
            return Segment(deflated: deflated, crc: UInt(crc), length: input.count)
        }
    }

    /// What the trailer needs for `first` followed by `second` (the deflated bytes are not joined).
    static func combine(_ first: Segment, _ second: Segment) -> Segment {
        Segment(
            deflated: ByteBuffer(),
            crc: crc32_combine(first.crc, second.crc, Int(second.length)),
            length: first.length + second.length
        )
    }

    /// The gzip trailer for the data whose combined CRC and length are `whole`.
    static func trailer(_ whole: Segment) -> [UInt8] {
        let crc = UInt32(truncatingIfNeeded: whole.crc)
        let length = UInt32(truncatingIfNeeded: whole.length)
        return (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
    }

    /// Deflates one segment from many small writes. Writes are staged into one buffer so that zlib
    /// sees large inputs (a call per 100-byte line would cost more than the compression), and the
    /// uncompressed segment is never held whole.
    final class Deflater {
        private static let stagingCapacity = 64 * 1024
        // zlib keeps a pointer back to its stream, so the stream must not move: it lives on the heap.
        private let stream: UnsafeMutablePointer<z_stream>
        private var staging: [UInt8] = []
        private var output = ByteBuffer()
        private var crc: UInt = 0
        private var length = 0
        private var failed = false

        init?(level: Int32 = Gzip.level) {
            stream = .allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let windowBits: Int32 = -15  // raw deflate: the gzip framing is written by hand
            let status = deflateInit2_(
                stream,
                level,
                Z_DEFLATED,
                windowBits,
                8,
                Z_DEFAULT_STRATEGY,
                ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)
            )
            guard status == Z_OK else {
                stream.deallocate()
                return nil
            }
            staging.reserveCapacity(Self.stagingCapacity)
        }

        deinit {
            deflateEnd(stream)
            stream.deallocate()
        }

        /// Adds `bytes[range]`, copied through a buffer pointer: no slice, no reference counting.
        func write(_ bytes: [UInt8], range: Range<Int>) {
            guard !range.isEmpty else { return }
            if staging.count + range.count > Self.stagingCapacity { flushStaging(Z_NO_FLUSH) }
            bytes.withUnsafeBufferPointer { staging.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
        }

        /// The segment: ends the stream when `final`, else ends with a sync flush; ``Segment/empty`` when
        /// nothing was written and it is not `final`. `nil` if zlib failed. The deflater then starts the
        /// next segment afresh: its stream's buffers are kept (allocating them costs more than
        /// deflating a few kilobytes).
        func finish(final: Bool) -> Segment? {
            defer { reset() }
            if !final, length == 0, staging.isEmpty { return .empty }
            flushStaging(final ? Z_FINISH : Z_SYNC_FLUSH)
            guard !failed else { return nil }
            // Cached segments should not keep the spare room the output grew with.
            let deflated =
                output.capacity - output.readableBytes > 4096 ? ByteBuffer(bytes: output.readableBytesView) : output
            return Segment(deflated: deflated, crc: crc, length: length)
        }

        private func reset() {
            failed = deflateReset(stream) != Z_OK
            staging.removeAll(keepingCapacity: true)
            output = ByteBuffer()
            crc = 0
            length = 0
        }

        private func flushStaging(_ flush: Int32) {
            guard !failed else { return }
            crc = staging.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, UInt32($0.count)) }
            length += staging.count
            staging.withUnsafeMutableBufferPointer { input in
                stream.pointee.next_in = input.baseAddress
                stream.pointee.avail_in = UInt32(input.count)
                // zlib's loop: call again while it filled the output space it was given.
                while true {
                    let free = max(Int(deflateBound(stream, UInt(input.count))) + 64, 16 * 1024)
                    var status = Z_OK
                    output.writeWithUnsafeMutableBytes(minimumWritableBytes: free) { out in
                        stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                        stream.pointee.avail_out = UInt32(out.count)
                        status = deflate(stream, flush)
                        return out.count - Int(stream.pointee.avail_out)
                    }
                    if status == Z_STREAM_END { break }
                    guard status == Z_OK || status == Z_BUF_ERROR else {
                        failed = true
                        break
                    }
                    if stream.pointee.avail_in == 0, stream.pointee.avail_out > 0, flush != Z_FINISH { break }
                }
            }
            staging.removeAll(keepingCapacity: true)
        }
    }
}
