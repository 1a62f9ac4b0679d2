import TestPeers
import Testing

@testable import VitalsProbes

/// The DNS codec on responses captured from Debian's dnsmasq 2.90 (the server the dns check's
/// integration tests run; each query made by a separate Python script, id 0x1234, RD set), on
/// every prefix of them, on malformed messages, and on random bytes.
struct DNSMessageTests {
    /// One captured response: the question, and each answer as `TYPE text`.
    struct Capture: Sendable, CustomTestStringConvertible {
        var hex: String
        var question: String
        var rcode: UInt16 = 0
        var truncated = false
        var answers: [String]
        var testDescription: String { question }

        var bytes: [UInt8] { DNSMessageTests.bytes(hex) }
    }

    static let captures: [Capture] = [
        Capture(
            hex: "12348580000100010000000004686f737406766974616c7304746573740000010001c00c000100010000000000047f000005",
            question: "host.vitals.test A",
            answers: ["A 127.0.0.5"]
        ),
        Capture(
            hex: "12348580000100010000000004686f737406766974616c73047465737400001c0001c00c001c0001000000000010fd000000"
                + "000000000000000000000005",
            question: "host.vitals.test AAAA",
            answers: ["AAAA fd00::5"]
        ),
        // An alias: the CNAME, then the A record of its target (a pointer into the CNAME's data).
        Capture(
            hex: "12348580000100020000000005616c69617306766974616c7304746573740000010001c00c0005000100000000001204686f"
                + "737406766974616c73047465737400c02f000100010000000000047f000005",
            question: "alias.vitals.test A",
            answers: ["CNAME host.vitals.test", "A 127.0.0.5"]
        ),
        Capture(
            hex: "12348580000100020000000006766974616c73047465737400000f0001c00c000f00010000000000160014066261636b7570"
                + "06766974616c73047465737400c00c000f0001000000000014000a046d61696c06766974616c73047465737400",
            question: "vitals.test MX",
            answers: ["MX 20 backup.vitals.test", "MX 10 mail.vitals.test"]
        ),
        Capture(
            hex: "12348580000100010000000006766974616c7304746573740000100001c00c0010000100000000000c0b763d73706631202d"
                + "616c6c",
            question: "vitals.test TXT",
            answers: [#"TXT "v=spf1 -all""#]
        ),
        // SRV, with the target's A and AAAA records in the additional section.
        Capture(
            hex: "123485800001000100000002055f68747470045f74637006766974616c7304746573740000210001c00c0021000100000000"
                + "00180001000a1f9004686f737406766974616c73047465737400c03a000100010000000000047f000005c03a001c00010000"
                + "00000010fd000000000000000000000000000005",
            question: "_http._tcp.vitals.test SRV",
            answers: ["SRV 1 10 8080 host.vitals.test"]
        ),
        Capture(
            hex: "1234858000010001000000000135013001300331323707696e2d61646472046172706100000c0001c00c000c0001000000"
                + "00001204686f737406766974616c73047465737400",
            question: "5.0.0.127.in-addr.arpa PTR",
            answers: ["PTR host.vitals.test"]
        ),
        Capture(
            hex: "12348580000100010000000006766974616c7304746573740001010001c00c01010001000000000016000569737375656c65"
                + "7473656e63727970742e6f7267",
            question: "vitals.test CAA",
            answers: [#"CAA 0 issue "letsencrypt.org""#]
        ),
        Capture(
            hex: "12348580000100010000000006766974616c7304746573740000020001c00c00020001000000000011036e73310676697461"
                + "6c73047465737400",
            question: "vitals.test NS",
            answers: ["NS ns1.vitals.test"]
        ),
        Capture(
            hex: "12348580000100010000000006766974616c7304746573740000060001c00c0006000100000000003d036e733106766974"
                + "616c730474657374000a686f73746d617374657206766974616c7304746573740078c4240900000e100000025800015180"
                + "0000012c",
            question: "vitals.test SOA",
            answers: ["SOA ns1.vitals.test hostmaster.vitals.test 2026120201 3600 600 86400 300"]
        ),
        Capture(
            hex: "123481830001000000000000046e6f706506766974616c7304746573740000010001",
            question: "nope.vitals.test A",
            rcode: 3,
            answers: []
        ),
        Capture(
            hex: "123481850001000000000000056f74686572076578616d706c650000010001",
            question: "other.example A",
            rcode: 5,
            answers: []
        ),
    ]

    @Test(arguments: captures) func decodesWhatDnsmasqAnswers(capture: Capture) throws {
        let message = try DNSMessage(decoding: capture.bytes)
        #expect(message.id == 0x1234)
        #expect(message.isResponse)
        #expect(message.recursionDesired)
        #expect(message.isTruncated == capture.truncated)
        #expect(message.rcode == capture.rcode)
        let question = try #require(message.questions.first)
        let type = try #require(DNSProbe.RecordType(code: question.type))
        #expect("\(question.name) \(type.rawValue)" == capture.question)
        let answers = message.answers.map { record in
            "\(DNSProbe.RecordType(code: record.type)?.rawValue ?? "?") \(record.data.text)"
        }
        #expect(answers == capture.answers)
    }

    /// A truncated UDP answer (TC set) carries the records that fitted in 512 bytes.
    @Test func decodesATruncatedAnswer() throws {
        var hex = "123487800001001d000000000362696706766974616c7304746573740000010001"
        for last in [0x03, 0x15, 0x0b, 0x16, 0x06] {
            hex += "c00c000100010000000000040a0000" + String(last, radix: 16).leftPadded
        }
        // dnsmasq's 29 records, of which the first five are written out; the count says 29, so cut the count.
        var bytes = Self.bytes(hex)
        bytes[7] = 5
        let message = try DNSMessage(decoding: bytes)
        #expect(message.isTruncated)
        #expect(message.answers.map(\.data.text) == ["10.0.0.3", "10.0.0.21", "10.0.0.11", "10.0.0.22", "10.0.0.6"])
    }

    /// The query a separate Python script sends, byte for byte.
    @Test func encodesAQueryAsOtherClientsDo() throws {
        #expect(
            try DNSMessage.query(id: 0x1234, name: "host.vitals.test", type: 1, recursionDesired: true)
                == Self.bytes("12340100000100000000000004686f737406766974616c7304746573740000010001")
        )
        #expect(
            try DNSMessage.query(id: 0xBEEF, name: "vitals.test.", type: 15, recursionDesired: false)
                == Self.bytes("beef0000000100000000000006766974616c73047465737400000f0001")
        )
    }

    @Test(
        arguments: [
            ("a..b", "a..b has an empty label"),
            (String(repeating: "x", count: 64) + ".test", "has a label longer than 63 bytes"),
            (
                Array(repeating: String(repeating: "x", count: 63), count: 4).joined(separator: "."),
                "is longer than 255 bytes"
            ),
        ]
    )
    func refusesNamesThatCannotBeEncoded(name: String, problem: String) {
        #expect {
            _ = try DNSMessage.query(id: 1, name: name, type: 1, recursionDesired: true)
        } throws: { error in
            (error as? DNSMessage.EncodingError)?.description.hasSuffix(problem) == true
        }
    }

    /// Every proper prefix of every capture is an error (the header's counts promise more), never a trap.
    @Test func everyPrefixOfAResponseIsAnError() {
        for capture in Self.captures {
            let bytes = capture.bytes
            for length in 0..<bytes.count {
                #expect(throws: DNSMessage.DecodingError.self, "\(capture.question), \(length) bytes") {
                    try DNSMessage(decoding: Array(bytes[..<length]))
                }
            }
        }
    }

    @Test(
        arguments: [
            // A question whose name points at itself.
            ("123400000001000000000000c00c00010001", "does not point back"),
            // A name pointing forward, past itself.
            ("123400000001000000000000c00e00010001", "does not point back"),
            // Label types 01 and 10 (RFC 6891 reserved them).
            ("1234000000010000000000004161", "unknown label type"),
            ("1234000000010000000000008161", "unknown label type"),
            // An A record of 5 bytes.
            ("123480000000000100000000" + "00" + "00010001" + "00000000" + "0005" + "7f00000101", "has 5 bytes"),
            // Data longer than the message.
            (
                "123480000000000100000000" + "00" + "00010001" + "00000000" + "0010" + "7f000001",
                "ends in a record's data"
            ),
            // An MX record with a byte after the exchange's name.
            ("123480000000000100000000" + "00" + "000f0001" + "00000000" + "0004" + "000a0000", "1 bytes too many"),
        ]
    )
    func refusesMalformedMessages(hex: String, problem: String) {
        #expect {
            _ = try DNSMessage(decoding: Self.bytes(hex))
        } throws: { error in
            (error as? DNSMessage.DecodingError)?.description.contains(problem) == true
        }
    }

    @Test func refusesANameLongerThan255Bytes() {
        // 5 labels of 63 bytes: 320 bytes.
        var hex = "123400000001000000000000"
        for _ in 0..<5 { hex += "3f" + String(repeating: "78", count: 63) }
        hex += "0000010001"
        #expect {
            _ = try DNSMessage(decoding: Self.bytes(hex))
        } throws: { error in
            (error as? DNSMessage.DecodingError)?.description.contains("longer than 255 bytes") == true
        }
    }

    /// Bytes in a label or a string that a zone file would escape.
    @Test func escapesWhatIsNotPrintable() throws {
        let hex = "123480000000000100000000" + "03612e62" + "00" + "00100001" + "00000000" + "0005" + "04" + "22005c7a"
        let record = try #require(try DNSMessage(decoding: Self.bytes(hex)).answers.first)
        #expect(record.name == #"a\.b"#)
        #expect(record.data.text == #""\"\000\\z""#)
    }

    /// Random bytes, and captures with random bytes changed: the decoder returns a message or an
    /// error, and never traps or loops. In the background: a long loop on the cooperative pool
    /// would stall the other tests' tasks.
    @Test(arguments: [1, 2, 3, 4] as [UInt64]) func randomAndMutatedBytesNeverCrashTheDecoder(seed: UInt64) async {
        let decoded = await inBackground { Self.decodedMutations(seed: seed, rounds: 20_000) }
        // Some mutations leave a valid message: the loop did reach the decoder's success path.
        #expect(decoded > 0)
    }

    /// Decodes `rounds` random or mutated messages and returns how many decoded.
    private static func decodedMutations(seed: UInt64, rounds: Int) -> Int {
        var random = SplitMix64(seed: seed)
        let captures = Self.captures.map(\.bytes)
        var decoded = 0
        for round in 0..<rounds {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(random.next() % 96)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                bytes = captures[Int(random.next() % UInt64(captures.count))]
                for _ in 0..<(1 + random.next() % 4) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            if (try? DNSMessage(decoding: bytes)) != nil { decoded += 1 }
        }
        return decoded
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}

extension String {
    /// Two hexadecimal digits.
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
