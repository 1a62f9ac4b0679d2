/// A DNS message (RFC 1035 §4) as far as a health check needs one: a query to encode, and a response
/// to decode into its header and records.
///
/// Decoding never trusts the bytes: every length and compression pointer is checked against the
/// message, a pointer must point before itself (so it cannot loop), and a name may not exceed 255
/// bytes. A malformed message is a ``DecodingError`` naming what is wrong and where; it never traps.
package struct DNSMessage: Sendable, Equatable {
    /// Matches a response to its query.
    package var id: UInt16
    /// Set in responses.
    package var isResponse: Bool
    /// The server is an authority for the name (AA).
    package var isAuthoritative: Bool
    /// The response did not fit and was cut short (TC): ask again over TCP.
    package var isTruncated: Bool
    /// The query asked the server to recurse (RD).
    package var recursionDesired: Bool
    /// The server offers recursion (RA).
    package var recursionAvailable: Bool
    /// The response code (RCODE): 0 is NOERROR, 3 NXDOMAIN.
    package var rcode: UInt16
    /// The questions, normally one.
    package var questions: [Question]
    /// The answer section.
    package var answers: [DNSRecord]
    /// The authority section.
    package var authorities: [DNSRecord]
    /// The additional section.
    package var additionals: [DNSRecord]

    /// A question: a name and a record type (class IN).
    package struct Question: Sendable, Equatable {
        /// The name asked about, without the final dot.
        package var name: String
        /// The record type's code.
        package var type: UInt16
        /// The class; 1 is IN.
        package var recordClass: UInt16
    }

    /// Why bytes are not a DNS message.
    package struct DecodingError: Error, Equatable, CustomStringConvertible {
        /// What is wrong, with its byte offset.
        package var description: String
    }

    /// Why a name cannot be put into a query.
    package struct EncodingError: Error, Equatable, CustomStringConvertible {
        /// What is wrong with the name.
        package var description: String
    }

    /// The size of the header.
    static let headerSize = 12

    /// A query for `name` and `type` of class IN, without EDNS: a server keeps a UDP answer to 512
    /// bytes and sets TC when more would not fit.
    package static func query(
        id: UInt16,
        name: String,
        type: UInt16,
        recursionDesired: Bool
    ) throws(EncodingError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + name.utf8.count + 6)
        bytes.appendBigEndian(id)
        bytes.appendBigEndian(recursionDesired ? 0x0100 : 0)  // a standard query (opcode 0)
        for count: UInt16 in [1, 0, 0, 0] { bytes.appendBigEndian(count) }
        try appendName(name, to: &bytes)
        bytes.appendBigEndian(type)
        bytes.appendBigEndian(1)  // IN
        return bytes
    }

    /// Appends `name` in the wire format: each label (1–63 bytes) after its length, then a zero.
    static func appendName(_ name: String, to bytes: inout [UInt8]) throws(EncodingError) {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty else {
            bytes.append(0)  // the root
            return
        }
        var length = 1
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            let utf8 = Array(label.utf8)
            guard !utf8.isEmpty else { throw EncodingError(description: "\(name) has an empty label") }
            guard utf8.count <= 63 else {
                throw EncodingError(description: "\(name) has a label longer than 63 bytes")
            }
            length += utf8.count + 1
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        guard length <= 255 else { throw EncodingError(description: "\(name) is longer than 255 bytes") }
        bytes.append(0)
    }

    /// Decodes a whole message (a UDP datagram, or a TCP message without its length prefix).
    package init(decoding bytes: [UInt8]) throws(DecodingError) {
        var reader = DNSReader(bytes)
        id = try reader.uint16("the header")
        let flags = try reader.uint16("the header")
        isResponse = flags & 0x8000 != 0
        isAuthoritative = flags & 0x0400 != 0
        isTruncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        rcode = flags & 0x000F
        let questionCount = try reader.uint16("the header")
        let answerCount = try reader.uint16("the header")
        let authorityCount = try reader.uint16("the header")
        let additionalCount = try reader.uint16("the header")
        questions = []
        for _ in 0..<questionCount {
            let name = try reader.name()
            let type = try reader.uint16("a question")
            let recordClass = try reader.uint16("a question")
            questions.append(Question(name: name, type: type, recordClass: recordClass))
        }
        answers = try reader.records(answerCount)
        authorities = try reader.records(authorityCount)
        additionals = try reader.records(additionalCount)
    }
}

/// A resource record of a response.
package struct DNSRecord: Sendable, Equatable {
    /// The owner name, without the final dot.
    package var name: String
    /// The type's code (1 is A).
    package var type: UInt16
    /// The class; 1 is IN.
    package var recordClass: UInt16
    /// Seconds it may be cached.
    package var ttl: UInt32
    /// The data, decoded for the types a check can ask for.
    package var data: DNSRecordData
}

/// A record's data.
package enum DNSRecordData: Sendable, Equatable {
    /// A (4 bytes) or AAAA (16 bytes), in network byte order.
    case address([UInt8])
    /// NS, CNAME or PTR: a name.
    case name(String)
    /// MX.
    case mx(preference: UInt16, exchange: String)
    /// TXT: its character strings.
    case txt([[UInt8]])
    /// SRV.
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: String)
    /// SOA.
    case soa(
        primary: String,
        mailbox: String,
        serial: UInt32,
        refresh: UInt32,
        retry: UInt32,
        expire: UInt32,
        minimum: UInt32
    )
    /// CAA (RFC 8659).
    case caa(flags: UInt8, tag: String, value: [UInt8])
    /// Any other type, or one of the above whose data has an unexpected length: the raw bytes.
    case other([UInt8])
}

// MARK: - Reading

/// Reads a message front to back; every read checks the bounds and throws past them.
struct DNSReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func uint8(_ part: String) throws(DNSMessage.DecodingError) -> UInt8 {
        guard offset < bytes.count else { throw ended(part) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16(_ part: String) throws(DNSMessage.DecodingError) -> UInt16 {
        guard offset + 2 <= bytes.count else { throw ended(part) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func uint32(_ part: String) throws(DNSMessage.DecodingError) -> UInt32 {
        let high = try uint16(part)
        return UInt32(high) << 16 | UInt32(try uint16(part))
    }

    mutating func bytes(_ count: Int, _ part: String) throws(DNSMessage.DecodingError) -> [UInt8] {
        guard count <= bytes.count - offset else { throw ended(part) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A name at the current offset, following compression pointers.
    mutating func name() throws(DNSMessage.DecodingError) -> String {
        let (name, end) = try Self.name(in: bytes, at: offset)
        offset = end
        return name
    }

    /// The name at `start` and the offset after it in place (after its first pointer, if any).
    ///
    /// Each pointer must point before the label it replaces, so a chain of pointers ends.
    static func name(in bytes: [UInt8], at start: Int) throws(DNSMessage.DecodingError) -> (String, Int) {
        var labels: [String] = []
        var position = start
        var end: Int?
        var wireLength = 1
        var lowestPointerTarget = start
        while true {
            guard position < bytes.count else {
                throw DNSMessage.DecodingError(description: "a name at byte \(start) runs past the end")
            }
            let length = Int(bytes[position])
            switch length & 0xC0 {
            case 0:
                if length == 0 {
                    return (labels.isEmpty ? "." : labels.joined(separator: "."), end ?? position + 1)
                }
                guard position + 1 + length <= bytes.count else {
                    throw DNSMessage.DecodingError(description: "a name at byte \(start) runs past the end")
                }
                wireLength += length + 1
                guard wireLength <= 255 else {
                    throw DNSMessage.DecodingError(description: "a name at byte \(start) is longer than 255 bytes")
                }
                labels.append(presentation(bytes[position + 1...position + length]))
                position += 1 + length
            case 0xC0:
                guard position + 1 < bytes.count else {
                    throw DNSMessage.DecodingError(description: "a name at byte \(start) runs past the end")
                }
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < lowestPointerTarget else {
                    throw DNSMessage.DecodingError(
                        description: "a name at byte \(start) has a compression pointer that does not point back"
                    )
                }
                if end == nil { end = position + 2 }
                lowestPointerTarget = target
                position = target
            default:
                throw DNSMessage.DecodingError(description: "a name at byte \(start) has an unknown label type")
            }
        }
    }

    /// A label as text: letters, digits and most punctuation as they are; `.`, `\`, spaces and
    /// bytes outside printable ASCII escaped as in zone files (`\.`, `\032`).
    private static func presentation(_ label: ArraySlice<UInt8>) -> String {
        var text = ""
        text.reserveCapacity(label.count)
        for byte in label {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "\\"):
                text.append("\\")
                text.append(Character(Unicode.Scalar(byte)))
            case 0x21...0x7E:
                text.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }

    mutating func records(_ count: UInt16) throws(DNSMessage.DecodingError) -> [DNSRecord] {
        var records: [DNSRecord] = []
        for _ in 0..<count {
            let name = try name()
            let type = try uint16("a record")
            let recordClass = try uint16("a record")
            let ttl = try uint32("a record")
            let length = Int(try uint16("a record"))
            let start = offset
            guard length <= bytes.count - start else { throw ended("a record's data") }
            let data = try Self.data(of: type, in: bytes, from: start, length: length)
            offset = start + length
            records.append(DNSRecord(name: name, type: type, recordClass: recordClass, ttl: ttl, data: data))
        }
        return records
    }

    /// Decodes the data of a record of `type`; names in it may point anywhere before them.
    private static func data(
        of type: UInt16,
        in bytes: [UInt8],
        from start: Int,
        length: Int
    ) throws(DNSMessage.DecodingError) -> DNSRecordData {
        let end = start + length
        let raw = Array(bytes[start..<end])
        var reader = DNSReader(Array(bytes[..<end]))
        reader.offset = start
        func finish(_ data: DNSRecordData) throws(DNSMessage.DecodingError) -> DNSRecordData {
            guard reader.offset == end else {
                throw DNSMessage.DecodingError(
                    description: "a record's data at byte \(start) has \(end - reader.offset) bytes too many"
                )
            }
            return data
        }
        switch DNSProbe.RecordType(code: type) {
        case .a? where length == 4, .aaaa? where length == 16:
            return .address(raw)
        case .a?, .aaaa?:
            throw DNSMessage.DecodingError(description: "an address record at byte \(start) has \(length) bytes")
        case .ns?, .cname?, .ptr?:
            return try finish(.name(reader.name()))
        case .mx?:
            let preference = try reader.uint16("an MX record")
            return try finish(.mx(preference: preference, exchange: reader.name()))
        case .txt?:
            var strings: [[UInt8]] = []
            while reader.offset < end {
                let count = Int(try reader.uint8("a TXT record"))
                strings.append(try reader.bytes(count, "a TXT record"))
            }
            return .txt(strings)
        case .srv?:
            let priority = try reader.uint16("an SRV record")
            let weight = try reader.uint16("an SRV record")
            let port = try reader.uint16("an SRV record")
            return try finish(.srv(priority: priority, weight: weight, port: port, target: reader.name()))
        case .soa?:
            let primary = try reader.name()
            let mailbox = try reader.name()
            let serial = try reader.uint32("an SOA record")
            let refresh = try reader.uint32("an SOA record")
            let retry = try reader.uint32("an SOA record")
            let expire = try reader.uint32("an SOA record")
            let minimum = try reader.uint32("an SOA record")
            return try finish(
                .soa(
                    primary: primary,
                    mailbox: mailbox,
                    serial: serial,
                    refresh: refresh,
                    retry: retry,
                    expire: expire,
                    minimum: minimum
                )
            )
        case .caa?:
            let flags = try reader.uint8("a CAA record")
            let tagLength = Int(try reader.uint8("a CAA record"))
            let tag = try reader.bytes(tagLength, "a CAA record")
            let value = try reader.bytes(end - reader.offset, "a CAA record")
            return .caa(flags: flags, tag: String(decoding: tag, as: UTF8.self), value: value)
        case nil:
            return .other(raw)
        }
    }

    private func ended(_ part: String) -> DNSMessage.DecodingError {
        DNSMessage.DecodingError(description: "the message ends in \(part) (byte \(offset) of \(bytes.count))")
    }
}

// MARK: - Presentation

extension DNSRecordData {
    /// The data as a zone file writes it, without the type: `10 mail.example.com` for MX,
    /// `0 issue "letsencrypt.org"` for CAA. Names have no final dot. `expect` compares with this.
    package var text: String {
        switch self {
        case .address(let bytes):
            DNSProbe.RecordType(addressLength: bytes.count).map { $0.text(of: bytes) } ?? Self.hex(bytes)
        case .name(let name):
            name
        case .mx(let preference, let exchange):
            "\(preference) \(exchange)"
        case .txt(let strings):
            strings.map { Self.quoted($0) }.joined(separator: " ")
        case .srv(let priority, let weight, let port, let target):
            "\(priority) \(weight) \(port) \(target)"
        case .soa(let primary, let mailbox, let serial, let refresh, let retry, let expire, let minimum):
            "\(primary) \(mailbox) \(serial) \(refresh) \(retry) \(expire) \(minimum)"
        case .caa(let flags, let tag, let value):
            "\(flags) \(tag) \(Self.quoted(value))"
        case .other(let bytes):
            // RFC 3597's form for data of an unknown type.
            "\\# \(bytes.count) \(Self.hex(bytes))"
        }
    }

    /// The value `expect` compares exactly: ``text`` with TXT as its text (the strings joined)
    /// and CAA's value unquoted, so `v=spf1 -all` matches the TXT record `"v=spf1 -all"`.
    package var matchText: String {
        switch self {
        case .txt(let strings): String(decoding: strings.joined(), as: UTF8.self)
        case .caa(let flags, let tag, let value): "\(flags) \(tag) \(String(decoding: value, as: UTF8.self))"
        default: text
        }
    }

    /// Whether `expected` is this value: TXT and CAA values exactly, names in any case.
    func matches(_ expected: String) -> Bool {
        let expected = expected.hasSuffix(".") && expected.count > 1 ? String(expected.dropLast()) : expected
        switch self {
        case .txt, .caa: return matchText == expected || text == expected
        default: return text.lowercased() == expected.lowercased()
        }
    }

    /// A character string in double quotes; `"` and `\` escaped, other bytes outside printable ASCII as `\DDD`.
    static func quoted(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                text += "\\" + String(Character(Unicode.Scalar(byte)))
            case 0x20...0x7E:
                text.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text + "\""
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }
}
