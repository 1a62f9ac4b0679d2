import NIOCore
public import Vitals

/// Connects to a TCP port and, optionally, sends a request and matches the reply.
///
/// Without `expect`, a completed connection passes. With it, the probe reads until the
/// bytes received so far match the regular expression, or the peer closes the connection.
///
/// ```swift
/// let redis = TCPProbe(host: "127.0.0.1", port: 6379, send: "PING\r\n", expect: #"\+PONG"#)
/// ```
///
/// Failure reasons: `refused` (refused or reset), `dns` (the host did not resolve),
/// `body` (the reply did not match before the connection closed), `error` otherwise.
public struct TCPProbe: HealthCheck {
    /// The most reply bytes kept for matching.
    static let replyLimit = 64 * 1024

    /// The host name or address to connect to.
    public var host: String {
        didSet { literal = Self.literal(host, port) }
    }
    /// The port to connect to.
    public var port: Int {
        didSet { literal = Self.literal(host, port) }
    }
    /// Bytes sent once connected, if any.
    public var send: String?
    /// A regular expression the reply must match, if any.
    public var expect: String?
    /// `host` and `port` as an address, when `host` is an IP address: parsed once, not on every run.
    private var literal: SocketAddress?

    /// Creates a TCP probe.
    /// - Parameters:
    ///   - host: The host name or address to connect to.
    ///   - port: The port to connect to.
    ///   - send: Sent as-is (UTF-8) once connected.
    ///   - expect: A regular expression (Swift `Regex` syntax) matched against the reply
    ///     received so far, decoded as UTF-8. It must be valid: it is compiled on each run.
    public init(host: String, port: Int, send: String? = nil, expect: String? = nil) {
        self.host = host
        self.port = port
        self.send = send
        self.expect = expect
        literal = Self.literal(host, port)
    }

    private static func literal(_ host: String, _ port: Int) -> SocketAddress? {
        try? SocketAddress(ipAddress: host, port: port)
    }

    public func run() async throws -> CheckOutcome {
        if send == nil, expect == nil, let poller = SocketPoller.shared,
            let address = try await ConnectionRoute.target(host: host, port: port, literal: literal)
        {
            return try await connect(to: address, with: poller)
        }
        return try await converse()
    }

    /// Connects and closes, without a channel: a probe with nothing to send or to expect.
    private func connect(to address: SocketAddress, with poller: SocketPoller) async throws -> CheckOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        try await ProbeSupport.connecting { try await poller.connect(to: address) }
        return .pass("connected in \(ProbeSupport.duration(start.duration(to: clock.now)))")
    }

    /// Connects through NIO, sends, and matches the reply. Not inlined into ``run()``: its locals
    /// would enlarge the async frame of every plain connect.
    @inline(never)
    private func converse() async throws -> CheckOutcome {
        // `Regex` is not Sendable, so the probe keeps the pattern and compiles it per run.
        let regex: Regex<AnyRegexOutput>?
        do {
            regex = try expect.map { try Regex($0) }
        } catch {
            throw CheckFailure(.error, "invalid expect pattern: \(error)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        return try await StreamConnection.with(host: host, port: port) { connection in
            let connectedMessage = "connected in \(ProbeSupport.duration(connection.connectTime))"
            if let send {
                try await connection.send(send.utf8)
            }
            guard let regex else { return .pass(connectedMessage) }
            var reply: [UInt8] = []
            for try await chunk in connection.received {
                reply.append(contentsOf: chunk.readableBytesView.prefix(Self.replyLimit - reply.count))
                if String(decoding: reply, as: UTF8.self).contains(regex) {
                    let matched = ProbeSupport.duration(start.duration(to: clock.now))
                    return .pass("\(connectedMessage), reply matched in \(matched)")
                }
                if reply.count >= Self.replyLimit {
                    throw CheckFailure(.body, "the first 64 KiB of the reply did not match")
                }
            }
            try Task.checkCancellation()
            let got = reply.isEmpty ? "no reply" : "got \"\(ProbeSupport.printable(reply))\""
            throw CheckFailure(.body, "connection closed before the reply matched (\(got))")
        }
    }
}
