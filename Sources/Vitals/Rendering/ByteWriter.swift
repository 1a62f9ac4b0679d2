/// An append-only UTF-8 buffer for the renderers.
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer and keeps its capacity, for the next piece.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func write(_ other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    mutating func write(_ other: ArraySlice<UInt8>) {
        bytes.append(contentsOf: other)
    }

    var count: Int { bytes.count }

    mutating func write(number value: Double) {
        if value.isNaN {
            write("NaN")
        } else if value.isInfinite {
            write(value > 0 ? "+Inf" : "-Inf")
        } else if value == value.rounded(.towardZero), abs(value) < 1e15 {
            let integer = Int64(value)
            if integer < 0 { bytes.append(UInt8(ascii: "-")) }
            write(number: integer.magnitude)
        } else {
            write(value.description)
        }
    }

    /// Decimal digits, written in place: no `String` in between.
    mutating func write(number value: UInt64) {
        var remaining = value
        var divisor: UInt64 = 1
        while remaining / divisor >= 10 { divisor *= 10 }
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        } while divisor > 0
    }

    /// A label value or JSON-less quoted string as the Prometheus formats escape it.
    mutating func write(labelValue value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): write("\\\\")
            case UInt8(ascii: "\""): write("\\\"")
            case UInt8(ascii: "\n"): write("\\n")
            default: bytes.append(byte)
            }
        }
    }

    /// A JSON string literal, quotes included.
    mutating func write(jsonString value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): write("\\\\")
            case UInt8(ascii: "\""): write("\\\"")
            case UInt8(ascii: "\n"): write("\\n")
            case UInt8(ascii: "\r"): write("\\r")
            case UInt8(ascii: "\t"): write("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                write("\\u00")
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xf)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON number, or `null` for a value JSON cannot represent.
    mutating func write(jsonNumber value: Double?) {
        guard let value, value.isFinite else {
            write("null")
            return
        }
        write(number: value)
    }
}
