import NIOCore
import NIOPosix

/// A TCP connection to 127.0.0.1 that sends what the test says and notices when the server closes it.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let closed = Locked(false)
    private let received = Locked("")

    init(port: Int) async throws {
        let received = self.received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        let closed = self.closed
        channel.closeFuture.whenComplete { _ in closed.withLock { $0 = true } }
    }

    /// Everything the server sent so far.
    var text: String { received.withLock { $0 } }

    /// Whether the connection has been closed (by the server: the test never closes it).
    var isClosed: Bool { closed.withLock { $0 } }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Closes the connection from the client's side.
    func close() async {
        try? await channel.close()
    }

    deinit {
        channel.close(promise: nil)
    }
}

/// Appends what a connection receives to a shared string.
private final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let received: Locked<String>
    init(_ received: Locked<String>) { self.received = received }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received.withLock { $0 += String(buffer: buffer) }
    }
}
