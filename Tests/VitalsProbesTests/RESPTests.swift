import TestPeers
import Testing

@testable import VitalsProbes

/// The RESP codec on replies as Redis 7 writes them and as the RESP3 specification gives them,
/// on every prefix of them, on malformed bytes, and on random bytes.
@Suite struct RESPTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let wire: String
        let value: RESP.Value
        var testDescription: String { wire.debugDescription }
    }

    static let replies: [Case] = [
        Case(wire: "+PONG\r\n", value: .simple("PONG")),
        Case(wire: "+OK\r\n", value: .simple("OK")),
        Case(
            wire: "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
            value: .error("WRONGPASS invalid username-password pair or user is disabled.")
        ),
        Case(wire: ":0\r\n", value: .integer(0)),
        Case(wire: ":-9223372036854775808\r\n", value: .integer(.min)),
        Case(wire: "$6\r\nmaster\r\n", value: .bulk(Array("master".utf8))),
        Case(wire: "$0\r\n\r\n", value: .bulk([])),
        Case(wire: "$4\r\na\r\nb\r\n", value: .bulk(Array("a\r\nb".utf8))),
        Case(wire: "$-1\r\n", value: .null),
        Case(wire: "*-1\r\n", value: .null),
        Case(wire: "*0\r\n", value: .array([])),
        // ROLE on a master with no replicas, and on a replica.
        Case(
            wire: "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n",
            value: .array([.bulk(Array("master".utf8)), .integer(0), .array([])])
        ),
        Case(
            wire: "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$9\r\nconnected\r\n:14\r\n",
            value: .array([
                .bulk(Array("slave".utf8)), .bulk(Array("127.0.0.1".utf8)), .integer(6379),
                .bulk(Array("connected".utf8)), .integer(14),
            ])
        ),
        // RESP3, which a server speaks after HELLO 3 (and a proxy may speak anyway).
        Case(wire: "_\r\n", value: .null),
        Case(wire: "#t\r\n", value: .boolean(true)),
        Case(wire: "#f\r\n", value: .boolean(false)),
        Case(wire: ",3.14\r\n", value: .bulk(Array("3.14".utf8))),
        Case(
            wire: "(3492890328409238509324850943850943825024385\r\n",
            value: .bulk(Array("3492890328409238509324850943850943825024385".utf8))
        ),
        Case(wire: "!21\r\nSYNTAX invalid syntax\r\n", value: .error("SYNTAX invalid syntax")),
        Case(wire: "=15\r\ntxt:Some string\r\n", value: .bulk(Array("txt:Some string".utf8))),
        Case(wire: "%1\r\n+role\r\n+master\r\n", value: .array([.simple("role"), .simple("master")])),
        Case(wire: "~2\r\n:1\r\n:2\r\n", value: .array([.integer(1), .integer(2)])),
        Case(wire: ">2\r\n+message\r\n+x\r\n", value: .array([.simple("message"), .simple("x")])),
    ]

    @Test(arguments: replies) func decodesAReplyAndConsumesExactlyIt(_ reply: Case) throws {
        var bytes = Array((reply.wire + "+NEXT\r\n").utf8)[...]
        #expect(try RESP.decode(&bytes) == reply.value)
        #expect(Array(bytes) == Array("+NEXT\r\n".utf8))
    }

    @Test(arguments: replies) func everyProperPrefixAsksForMoreBytes(_ reply: Case) throws {
        let wire = Array(reply.wire.utf8)
        for length in 0..<wire.count {
            var prefix = wire[0..<length]
            #expect(try RESP.decode(&prefix) == nil, "prefix of \(length) bytes")
            #expect(prefix.count == length, "an incomplete value consumes nothing")
        }
    }

    @Test(arguments: [
        ("?x\r\n", "unknown type byte 0x3f"),
        ("HTTP/1.1 400 Bad Request\r\n", "unknown type byte 0x48"),
        (":12x\r\n", "not an integer: 12x"),
        ("$2\r\nabcd\r\n", "a string not ended by CRLF"),
        ("$-2\r\n", "a negative string length"),
        ("*-5\r\n", "a negative element count"),
        ("+OK\rX", "a CR not followed by LF"),
        ("#x\r\n", "a boolean is t or f"),
        ("_x\r\n", "a null has no payload"),
        (String(repeating: "*1\r\n", count: 9) + ":1\r\n", "nested deeper than 8 levels"),
    ])
    func rejectsMalformedBytes(wire: String, detail: String) {
        var bytes = Array(wire.utf8)[...]
        #expect(throws: RESP.Malformed(detail)) { try RESP.decode(&bytes) }
    }

    @Test func aHugeDeclaredLengthIsNeverAllocated() throws {
        for wire in ["$9223372036854775807\r\nab", "*9223372036854775807\r\n:1\r\n", "%4611686018427387904\r\n"] {
            var bytes = Array(wire.utf8)[...]
            #expect(try RESP.decode(&bytes) == nil, "\(wire.debugDescription) waits for bytes that cannot come")
        }
    }

    @Test func commandsAreArraysOfBulkStrings() throws {
        let bytes = RESP.command(["AUTH", "monitor", "p@ss word\r\n"])
        #expect(
            String(decoding: bytes, as: UTF8.self) == "*3\r\n$4\r\nAUTH\r\n$7\r\nmonitor\r\n$11\r\np@ss word\r\n\r\n"
        )
        // The server reads what the decoder reads: a command decodes to its own arguments.
        var wire = bytes[...]
        #expect(
            try RESP.decode(&wire)
                == .array([.bulk(Array("AUTH".utf8)), .bulk(Array("monitor".utf8)), .bulk(Array("p@ss word\r\n".utf8))])
        )
    }

    /// Random bytes, and valid replies with random bytes changed: the decoder returns a value, asks for
    /// more, or throws; it never traps, and never consumes more than it was given. In the
    /// background: a long loop on the cooperative pool would stall the other tests' tasks.
    @Test(arguments: [1, 2, 3, 4] as [UInt64]) func randomAndMutatedBytesNeverCrashTheDecoder(seed: UInt64) async {
        let stuck = await inBackground { Self.inputsDecodedWithoutProgress(seed: seed, rounds: 20_000) }
        #expect(stuck.isEmpty, "a decoded value consumed no bytes of \(stuck.prefix(3))")
    }

    /// Decodes `rounds` random or mutated inputs value by value and returns those where a decoded
    /// value consumed no bytes.
    private static func inputsDecodedWithoutProgress(seed: UInt64, rounds: Int) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        let alphabet = Array("+-:$*_#,(!=%~>\r\n0123456789-tfabc".utf8)
        let valid = Self.replies.map { Array($0.wire.utf8) }
        var stuck: [[UInt8]] = []
        for round in 0..<rounds {
            var bytes: [UInt8]
            if round.isMultiple(of: 2) {
                let length = Int(random.next() % 48)
                bytes = (0..<length).map { _ in
                    random.next() % 4 == 0
                        ? UInt8(truncatingIfNeeded: random.next())
                        : alphabet[Int(random.next() % UInt64(alphabet.count))]
                }
            } else {
                bytes = valid[Int(random.next() % UInt64(valid.count))]
                for _ in 0..<(1 + random.next() % 3) where !bytes.isEmpty {
                    bytes[Int(random.next() % UInt64(bytes.count))] =
                        alphabet[Int(random.next() % UInt64(alphabet.count))]
                }
            }
            var slice = bytes[...]
            while !slice.isEmpty {
                let before = slice.count
                guard (try? RESP.decode(&slice)) != nil else { break }
                if slice.count >= before {
                    stuck.append(bytes)
                    break
                }
            }
        }
        return stuck
    }
}
