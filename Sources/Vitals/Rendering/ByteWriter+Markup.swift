extension ByteWriter {
    /// Text escaped for XML and HTML content and attribute values (`& < > " '`).
    ///
    /// Control characters that XML 1.0 forbids become U+FFFD, so that a stray byte
    /// in a check's message cannot make a feed unparseable.
    mutating func write(markup value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): write("&amp;")
            case UInt8(ascii: "<"): write("&lt;")
            case UInt8(ascii: ">"): write("&gt;")
            case UInt8(ascii: "\""): write("&quot;")
            case UInt8(ascii: "'"): write("&#39;")
            case UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): write([byte])
            case 0..<0x20: write("\u{FFFD}")
            default: write([byte])
            }
        }
    }
}
