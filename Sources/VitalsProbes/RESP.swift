/// Redis' serialization protocol (RESP2, and the RESP3 types a server may send): the commands a
/// probe writes and a decoder for the replies it reads.
///
/// The decoder never trusts a length from the wire: a value larger than the bytes it may keep, or
/// nested deeper than ``maximumDepth``, is malformed rather than allocated.
enum RESP {
    /// A reply from the server.
    enum Value: Equatable, Sendable {
        /// `+OK`
        case simple(String)
        /// `-ERR …` or, in RESP3, a bulk error.
        case error(String)
        /// `:42`
        case integer(Int64)
        /// `$5\r\nhello`; also RESP3's verbatim strings, big numbers and doubles, as their text.
        case bulk([UInt8])
        /// `*2\r\n…`; also RESP3's sets and pushes, and maps as their keys and values in turn.
        case array([Value])
        /// `$-1`, `*-1`, or RESP3's `_`.
        case null
        /// RESP3's `#t` and `#f`.
        case boolean(Bool)

        /// The value as text, when it is a string of either kind.
        var text: String? {
            switch self {
            case .simple(let text): text
            case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
            default: nil
            }
        }
    }

    /// Why bytes are not a RESP value.
    struct Malformed: Error, Equatable {
        let detail: String
        init(_ detail: String) { self.detail = detail }
    }

    /// How deeply arrays may nest in a reply the probe accepts; `ROLE` nests two levels.
    static let maximumDepth = 8

    /// The bytes of a command: an array of bulk strings, as clients send them.
    static func command(_ arguments: [String]) -> [UInt8] {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            let utf8 = Array(argument.utf8)
            bytes += Array("$\(utf8.count)\r\n".utf8)
            bytes += utf8
            bytes += [cr, lf]
        }
        return bytes
    }

    /// Decodes the value at the start of `bytes` and removes its bytes.
    /// - Returns: the value, or `nil` when `bytes` holds only the beginning of one (read more).
    /// - Throws: ``Malformed`` when the bytes cannot be the start of a RESP value.
    static func decode(_ bytes: inout ArraySlice<UInt8>) throws(Malformed) -> Value? {
        var cursor = bytes.startIndex
        guard let value = try decode(bytes, at: &cursor, depth: 0) else { return nil }
        bytes = bytes[cursor...]
        return value
    }

    private static let cr: UInt8 = 13
    private static let lf: UInt8 = 10

    private static func decode(_ bytes: ArraySlice<UInt8>, at cursor: inout Int, depth: Int) throws(Malformed) -> Value?
    {
        guard depth <= maximumDepth else { throw Malformed("nested deeper than \(maximumDepth) levels") }
        guard cursor < bytes.endIndex else { return nil }
        let marker = bytes[cursor]
        var position = cursor + 1
        guard let line = try self.line(bytes, at: &position) else { return nil }
        let value: Value
        switch marker {
        case UInt8(ascii: "+"):
            value = .simple(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "-"):
            value = .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"):
            value = .integer(try integer(line))
        case UInt8(ascii: "_"):
            guard line.isEmpty else { throw Malformed("a null has no payload") }
            value = .null
        case UInt8(ascii: "#"):
            switch line.first {
            case UInt8(ascii: "t") where line.count == 1: value = .boolean(true)
            case UInt8(ascii: "f") where line.count == 1: value = .boolean(false)
            default: throw Malformed("a boolean is t or f")
            }
        case UInt8(ascii: ","), UInt8(ascii: "("):
            value = .bulk(Array(line))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = try integer(line)
            if length == -1, marker == UInt8(ascii: "$") {
                value = .null
                break
            }
            guard length >= 0 else { throw Malformed("a negative string length") }
            // What is not there yet is read first: a huge length is only ever compared, never allocated.
            guard length <= Int64(bytes.endIndex - position) - 2 else { return nil }
            let end = position + Int(length)
            guard bytes[end] == cr, bytes[end + 1] == lf else { throw Malformed("a string not ended by CRLF") }
            let payload = Array(bytes[position..<end])
            position = end + 2
            value = marker == UInt8(ascii: "!") ? .error(String(decoding: payload, as: UTF8.self)) : .bulk(payload)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"):
            let count = try integer(line)
            if count == -1, marker == UInt8(ascii: "*") {
                value = .null
                break
            }
            guard count >= 0 else { throw Malformed("a negative element count") }
            // A map's entries are a key and a value each. Each element takes at least three bytes:
            // more elements than the buffer could hold are not there yet.
            let remaining = Int64(bytes.endIndex - position)
            guard count <= remaining else { return nil }
            let elements = marker == UInt8(ascii: "%") ? count * 2 : count
            guard elements <= remaining else { return nil }
            var values: [Value] = []
            values.reserveCapacity(Int(elements))
            for _ in 0..<elements {
                guard let element = try decode(bytes, at: &position, depth: depth + 1) else { return nil }
                values.append(element)
            }
            value = .array(values)
        default:
            throw Malformed("unknown type byte 0x\(String(marker, radix: 16))")
        }
        cursor = position
        return value
    }

    /// The bytes up to the next CRLF, moving `position` past it; `nil` when no CRLF has come yet.
    private static func line(_ bytes: ArraySlice<UInt8>, at position: inout Int) throws(Malformed) -> ArraySlice<UInt8>?
    {
        guard let end = bytes[position...].firstIndex(of: cr) else { return nil }
        guard end + 1 < bytes.endIndex else { return nil }
        guard bytes[end + 1] == lf else { throw Malformed("a CR not followed by LF") }
        let line = bytes[position..<end]
        position = end + 2
        return line
    }

    private static func integer(_ text: ArraySlice<UInt8>) throws(Malformed) -> Int64 {
        guard let value = Int64(String(decoding: text, as: UTF8.self)) else {
            throw Malformed("not an integer: \(ProbeSupport.printable(text))")
        }
        return value
    }
}
