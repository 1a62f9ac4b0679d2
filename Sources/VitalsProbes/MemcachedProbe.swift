import NIOCore
public import Vitals

/// Asks a memcached server for its `version` and, optionally, stores a value and reads it back.
///
/// The round trip writes a fresh random value under ``roundTripKey`` (with a 60-second expiry), reads
/// it with `get` and deletes it: a server that answers `version` but cannot store (out of memory,
/// evicting everything, a proxy without backends) fails. All commands go out together: one round
/// trip on the network.
///
/// ```swift
/// let cache = MemcachedProbe(host: "127.0.0.1", port: 11211, roundTripKey: "vitals:health")
/// ```
///
/// Failure reasons: `body` (a reply that is not the expected one, quoted), `refused`, `dns`,
/// `timeout`, `error`.
public struct MemcachedProbe: HealthCheck {
    /// The most reply bytes read.
    static let replyLimit = 16 * 1024

    /// The host name or address to connect to.
    public var host: String
    /// The port to connect to.
    public var port: Int
    /// The key the round trip writes, reads and deletes; nil for `version` alone.
    public var roundTripKey: String?

    /// Creates a memcached probe.
    /// - Parameters:
    ///   - host: The host name or address to connect to.
    ///   - port: The port to connect to.
    ///   - roundTripKey: A key to write, read back and delete (at most 250 bytes, no spaces or
    ///     control characters); nil to ask `version` only.
    public init(host: String, port: Int, roundTripKey: String? = nil) {
        self.host = host
        self.port = port
        self.roundTripKey = roundTripKey
    }

    /// Whether `key` is a key memcached's text protocol accepts.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 250 && key.utf8.allSatisfy { $0 > 32 && $0 != 127 }
    }

    public func run() async throws -> CheckOutcome {
        let value = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var request = "version\r\n"
        var expected: [String] = []
        if let key = roundTripKey {
            request += "set \(key) 0 60 \(value.utf8.count)\r\n\(value)\r\nget \(key)\r\ndelete \(key)\r\n"
            expected = ["STORED", "VALUE \(key) 0 \(value.utf8.count)", value, "END", "DELETED"]
        }
        let clock = ContinuousClock()
        let start = clock.now
        return try await StreamConnection.with(host: host, port: port) { connection in
            try await connection.send(request.utf8)
            let lines = try await Self.readLines(1 + expected.count, from: connection.received)
            guard lines[0].hasPrefix("VERSION ") else {
                throw CheckFailure(.body, "version answered \(Self.quoted(lines[0])), not what memcached answers")
            }
            for (line, wanted) in zip(lines.dropFirst(), expected) where line != wanted {
                throw CheckFailure(
                    .body,
                    "the set/get round trip got \(Self.quoted(line)), expected \(Self.quoted(wanted))"
                )
            }
            let took = ProbeSupport.duration(start.duration(to: clock.now))
            let version = lines[0].dropFirst("VERSION ".count)
            return .pass(
                roundTripKey == nil ? "version \(version) in \(took)" : "version \(version), set/get/delete in \(took)"
            )
        }
    }

    /// Reads `count` CRLF-terminated lines, or fails when the server closes first.
    private static func readLines(
        _ count: Int,
        from received: AsyncThrowingStream<ByteBuffer, any Error>
    )
        async throws -> [String]
    {
        var bytes: [UInt8] = []
        for try await chunk in received {
            bytes += chunk.readableBytesView
            let lines = String(decoding: bytes, as: UTF8.self).split(
                separator: "\r\n",
                omittingEmptySubsequences: false
            )
            // An error stops the server's answers to the rest: it will send no more lines.
            if let error = lines.dropLast().first(where: { $0.hasPrefix("ERROR") || $0.contains("_ERROR") }) {
                throw CheckFailure(.body, "memcached answered \(quoted(String(error)))")
            }
            if lines.count > count { return lines.prefix(count).map(String.init) }
            guard bytes.count < replyLimit else {
                throw CheckFailure(.body, "the reply is longer than 16 KiB; is this memcached?")
            }
        }
        try Task.checkCancellation()
        let got = bytes.isEmpty ? "no reply" : "got \"\(ProbeSupport.printable(bytes))\""
        throw CheckFailure(.body, "connection closed before memcached answered (\(got))")
    }

    private static func quoted(_ line: String) -> String {
        "\"\(ProbeSupport.printable(line.utf8))\""
    }
}
