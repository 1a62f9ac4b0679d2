import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A TCP server on 127.0.0.1 and a free port, acting out one behaviour per connection.
final class TCPTestServer: Sendable {
    enum Behaviour: Sendable {
        /// Says nothing and waits.
        case silent
        /// Writes a banner once connected, then optionally closes.
        case banner(String, thenClose: Bool)
        /// Answers `PING\r\n` with `+PONG\r\n`, like Redis.
        case redis
        /// Answers anything with this text and closes.
        case replyAndClose(String)
        /// Resets the connection as soon as it is accepted.
        case reset
    }

    let port: Int
    /// Yields once per accepted connection.
    let accepted: AsyncStream<Void>
    private let channel: any Channel

    private init(channel: any Channel, accepted: AsyncStream<Void>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.accepted = accepted
    }

    static func start(_ behaviour: Behaviour) async throws -> TCPTestServer {
        let (accepted, continuation) = AsyncStream.makeStream(of: Void.self)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedHandler(behaviour: behaviour, accepted: continuation)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TCPTestServer(channel: channel, accepted: accepted)
    }

    func stop() async throws {
        try await channel.close()
    }
}

private final class ScriptedHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let behaviour: TCPTestServer.Behaviour
    let accepted: AsyncStream<Void>.Continuation

    init(behaviour: TCPTestServer.Behaviour, accepted: AsyncStream<Void>.Continuation) {
        self.behaviour = behaviour
        self.accepted = accepted
    }

    func channelActive(context: ChannelHandlerContext) {
        accepted.yield()
        switch behaviour {
        case .banner(let text, let thenClose):
            let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)))
            if thenClose {
                let channel = context.channel
                written.whenComplete { _ in channel.close(promise: nil) }
            }
        case .reset:
            // Linger 0 turns the close into a reset.
            let channel = context.channel
            let lingering = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            (lingering ?? channel.eventLoop.makeSucceededVoidFuture()).whenComplete { _ in
                channel.close(promise: nil)
            }
        case .silent, .redis, .replyAndClose:
            break
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = String(buffer: unwrapInboundIn(data))
        switch behaviour {
        case .redis where request.contains("PING\r\n"):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "+PONG\r\n")), promise: nil)
        case .replyAndClose(let text):
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).whenComplete { _ in
                channel.close(promise: nil)
            }
        default:
            break
        }
    }
}
