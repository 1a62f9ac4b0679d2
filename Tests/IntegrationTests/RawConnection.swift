import NIOCore
import NIOPosix

/// A TCP connection to 127.0.0.1 that sends what the test says and notices when the server closes it.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let closed = Locked(false)

    init(port: Int) async throws {
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port)
            .get()
        let closed = self.closed
        channel.closeFuture.whenComplete { _ in closed.withLock { $0 = true } }
    }

    /// Whether the connection has been closed (by the server: the test never closes it).
    var isClosed: Bool { closed.withLock { $0 } }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    deinit {
        channel.close(promise: nil)
    }
}
