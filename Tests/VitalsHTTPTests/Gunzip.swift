import CZlib

/// Inflates a complete gzip member with zlib, independently of the code under test; zlib also checks
/// the trailer's CRC-32 and length. `nil` for anything that is not one valid member of at most 4 MiB.
func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
    inflate(bytes, windowBits: 16 + 15)
}

/// Inflates a raw deflate stream that ends (its last block final), as `gunzip` does a member.
func inflateRaw(_ bytes: [UInt8]) -> [UInt8]? {
    inflate(bytes, windowBits: -15)
}

private func inflate(_ bytes: [UInt8], windowBits: Int32) -> [UInt8]? {
    var input = bytes
    var stream = z_stream()
    guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        return nil
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: 1 << 22)
    let status = input.withUnsafeMutableBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            stream.next_out = outputBuffer.baseAddress
            stream.avail_out = UInt32(outputBuffer.count)
            return CZlib.inflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { return nil }
    return Array(output[..<Int(stream.total_out)])
}
