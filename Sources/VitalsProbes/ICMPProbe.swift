import NIOCore
import NIOPosix
public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends ICMP echo requests (ping) to a host and judges the replies: loss and round-trip time.
///
/// The probe needs no privilege where the kernel allows unprivileged ICMP sockets for the process's
/// group (`net.ipv4.ping_group_range`, which systemd opens to every group); otherwise it uses a raw
/// socket, which needs `CAP_NET_RAW`. Without either it fails with reason `error` and says which
/// setting to change.
///
/// ```swift
/// let gateway = ICMPProbe(host: "10.0.0.1", count: 3, warnAfter: .milliseconds(20))
/// ```
///
/// Failure reasons: ``loss`` (more replies lost than ``failLossPercent``), `dns`, `error`.
/// Observations: `loss_percent` (%) and, when a reply came, `rtt_seconds` (s, the mean).
public struct ICMPProbe: HealthCheck {
    /// The failure reason when more than ``failLossPercent`` of the requests got no reply.
    public static let loss = FailureReason("loss")

    /// The host name or address to ping.
    public var host: String
    /// How many echo requests a run sends.
    public var count: Int
    /// The time between two requests.
    public var spacing: Duration
    /// How long to wait for the replies after the last request.
    public var replyWait: Duration
    /// Warn when more than this share of the requests (0–100) got no reply.
    public var warnLossPercent: Double
    /// Fail when more than this share of the requests (0–100) got no reply.
    public var failLossPercent: Double
    /// Warn when the mean round-trip time is longer, if set.
    public var warnAfter: Duration?

    /// Creates an ICMP probe.
    /// - Parameters:
    ///   - host: The host name or address to ping (IPv4 or IPv6).
    ///   - count: Echo requests per run, at least 1.
    ///   - spacing: The time between two requests.
    ///   - replyWait: How long to wait for replies after the last request; the check's timeout
    ///     bounds the whole run anyway.
    ///   - warnLossPercent: Warn above this loss (default 0: any loss warns).
    ///   - failLossPercent: Fail above this loss (default 50).
    ///   - warnAfter: Warn when the mean round-trip time is longer.
    public init(
        host: String,
        count: Int = 3,
        spacing: Duration = .milliseconds(100),
        replyWait: Duration = .seconds(1),
        warnLossPercent: Double = 0,
        failLossPercent: Double = 50,
        warnAfter: Duration? = nil
    ) {
        self.host = host
        self.count = max(1, count)
        self.spacing = spacing
        self.replyWait = replyWait
        self.warnLossPercent = warnLossPercent
        self.failLossPercent = failLossPercent
        self.warnAfter = warnAfter
    }

    public func run() async throws -> CheckOutcome {
        let address = try await ConnectionRoute.candidates(for: host, port: 0, threadPool: .singleton)[0]
        let (handle, raw) = try Self.openSocket(family: address.protocol.rawValue)
        let (received, continuation) = AsyncStream.makeStream(of: (ByteBuffer, ContinuousClock.Instant).self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ReplyCollector(continuation))
                    }
                }
                .withBoundSocket(handle)
                .get()
        } catch {
            close(handle)
            throw CheckFailure(.error, "cannot use the ICMP socket: \(error)")
        }
        let clock = ContinuousClock()
        let token = (0..<8).map { _ in UInt8.random(in: 0...255) }
        let isIPv6 = address.protocol == .inet6
        return try await withTaskCancellationHandler {
            defer { channel.close(promise: nil) }
            // Replies are read while requests go out: a reply can come before the next request.
            async let replies = Self.collect(count, token: token, raw: raw, ipv6: isIPv6, from: received)
            var sent: [ContinuousClock.Instant] = []
            for sequence in 0..<count {
                if sequence > 0 { try await Task.sleep(for: spacing) }
                let request = Self.echoRequest(sequence: UInt16(sequence), token: token, ipv6: isIPv6)
                sent.append(clock.now)
                do {
                    try await channel.writeAndFlush(
                        AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: request))
                    )
                    .get()
                } catch {
                    try Task.checkCancellation()
                    throw CheckFailure.network(error)
                }
            }
            // The replies that came within the wait after the last request; the stream ends then.
            let waited = Task {
                try? await Task.sleep(for: replyWait)
                continuation.finish()
            }
            defer { waited.cancel() }
            let arrivals = await replies
            try Task.checkCancellation()
            let times = arrivals.compactMap { sequence, arrival in
                sent.indices.contains(sequence) ? sent[sequence].duration(to: arrival) : nil
            }
            let ip = address.ipAddress ?? host
            return judge(replies: times, to: ip == host ? host : "\(host) (\(ip))")
        } onCancel: {
            continuation.finish()
            channel.close(promise: nil)
        }
    }

    /// The outcome for the round-trip times of the replies that came, of ``count`` requests.
    func judge(replies times: [Duration], to target: String) -> CheckOutcome {
        let lost = Double(count - times.count) / Double(count) * 100
        var observations = [Observation("loss_percent", lost, unit: "%")]
        var message = "\(times.count)/\(count) replies from \(target)"
        if !times.isEmpty {
            let seconds = times.map(\.inSeconds)
            let mean = seconds.reduce(0, +) / Double(seconds.count)
            observations.append(Observation("rtt_seconds", mean, unit: "s"))
            let shown = [seconds.min() ?? 0, mean, seconds.max() ?? 0].map {
                ProbeSupport.decimal($0 * 1000, digits: 3)
            }
            message += ", rtt min/avg/max \(shown.joined(separator: "/")) ms"
            if let warnAfter, mean > warnAfter.inSeconds, lost <= warnLossPercent {
                return .warn("\(message), slower than \(ProbeSupport.duration(warnAfter))", observations: observations)
            }
        }
        switch ProbeSupport.status(of: lost, warn: warnLossPercent, fail: failLossPercent, lowerIsWorse: false) {
        case .pass: return .pass(message, observations: observations)
        case .warn: return .warn("\(message), \(ProbeSupport.percent(lost)) lost", observations: observations)
        case .fail:
            return .fail(
                "\(message), \(ProbeSupport.percent(lost)) lost",
                reason: Self.loss,
                observations: observations
            )
        }
    }

    // MARK: - The wire

    /// An echo request: type, code, checksum, identifier (the kernel's own on a ping socket), sequence,
    /// then the token that marks this run's replies.
    static func echoRequest(sequence: UInt16, token: [UInt8], ipv6: Bool) -> [UInt8] {
        var packet: [UInt8] = [ipv6 ? 128 : 8, 0, 0, 0, 0, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        packet += token
        if !ipv6 {
            // ICMPv6's checksum covers a pseudo-header: the kernel fills it in for every ICMPv6 socket.
            let sum = checksum(packet)
            packet[2] = UInt8(sum >> 8)
            packet[3] = UInt8(sum & 0xFF)
        }
        return packet
    }

    /// The Internet checksum (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// The sequence number of an echo reply carrying `token`, or nil for any other packet. A raw IPv4
    /// socket sees the IP header first, and every ICMP packet of the host, our requests included.
    static func sequence(ofReply packet: ByteBuffer, token: [UInt8], raw: Bool, ipv6: Bool) -> Int? {
        var bytes = Array(packet.readableBytesView)[...]
        if raw, !ipv6 {
            guard let first = bytes.first, first >> 4 == 4 else { return nil }
            bytes = bytes.dropFirst(Int(first & 0x0F) * 4)
        }
        let header = Array(bytes.prefix(8))
        guard header.count == 8, header[0] == (ipv6 ? 129 : 0), header[1] == 0,
            Array(bytes.dropFirst(8).prefix(token.count)) == token
        else { return nil }
        return Int(header[6]) << 8 | Int(header[7])
    }

    /// The arrival time of the first reply to each sequence number, until `count` have come or the
    /// stream ends.
    private static func collect(
        _ count: Int,
        token: [UInt8],
        raw: Bool,
        ipv6: Bool,
        from received: AsyncStream<(ByteBuffer, ContinuousClock.Instant)>
    ) async -> [Int: ContinuousClock.Instant] {
        var arrivals: [Int: ContinuousClock.Instant] = [:]
        for await (packet, arrival) in received {
            guard let sequence = sequence(ofReply: packet, token: token, raw: raw, ipv6: ipv6), sequence < count,
                arrivals[sequence] == nil
            else { continue }
            arrivals[sequence] = arrival
            if arrivals.count == count { break }
        }
        return arrivals
    }

    // MARK: - Sockets

    /// An unprivileged ICMP socket when the kernel allows one for this group, else a raw socket.
    private static func openSocket(family: Int32) throws(CheckFailure) -> (handle: Int32, raw: Bool) {
        let proto = family == AF_INET6 ? Int32(IPPROTO_ICMPV6) : Int32(IPPROTO_ICMP)
        let flags = Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let datagram = socket(family, Int32(SOCK_DGRAM.rawValue) | flags, proto)
        if datagram >= 0 { return (datagram, false) }
        let raw = socket(family, Int32(SOCK_RAW.rawValue) | flags, proto)
        if raw >= 0 { return (raw, true) }
        throw CheckFailure(
            .error,
            "cannot open an ICMP socket: group \(getegid()) is outside net.ipv4.ping_group_range "
                + "(\(pingGroupRange())) and the process lacks CAP_NET_RAW"
        )
    }

    private static func pingGroupRange() -> String {
        let text = (try? ProbeSupport.readSmallFile("/proc/sys/net/ipv4/ping_group_range")) ?? "unknown"
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// Hands every datagram the ICMP socket receives to the probe's task, with its arrival time.
private final class ReplyCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let continuation: AsyncStream<(ByteBuffer, ContinuousClock.Instant)>.Continuation

    init(_ continuation: AsyncStream<(ByteBuffer, ContinuousClock.Instant)>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield((unwrapInboundIn(data).data, ContinuousClock.now))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }
}
