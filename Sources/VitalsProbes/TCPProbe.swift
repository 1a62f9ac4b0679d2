import NIOCore
import NIOPosix
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
    public var host: String
    /// The port to connect to.
    public var port: Int
    /// Bytes sent once connected, if any.
    public var send: String?
    /// A regular expression the reply must match, if any.
    public var expect: String?

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
    }

    public func run() async throws -> CheckOutcome {
        // `Regex` is not Sendable, so the probe keeps the pattern and compiles it per run.
        let regex: Regex<AnyRegexOutput>?
        do {
            regex = try expect.map { try Regex($0) }
        } catch {
            throw CheckFailure(.error, "invalid expect pattern: \(error)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let (replies, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplyForwarder(continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await ProbeSupport.cancellableConnect(
                ProbeSupport.connect(bootstrap, host: host, port: port)
            )
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw CheckFailure.network(error)
        }
        let connected = start.duration(to: clock.now)
        let connectedMessage = "connected in \(ProbeSupport.duration(connected))"
        return try await withTaskCancellationHandler {
            defer { channel.close(promise: nil) }
            do {
                if let send {
                    try await channel.writeAndFlush(ByteBuffer(string: send)).get()
                }
                guard let regex else { return .pass(connectedMessage) }
                var reply: [UInt8] = []
                for try await chunk in replies {
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
            } catch let error as CheckFailure {
                throw error
            } catch {
                try Task.checkCancellation()
                throw CheckFailure.network(error)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// Hands the bytes a connection receives to the probe's task, and ends the stream on close.
private final class ReplyForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
