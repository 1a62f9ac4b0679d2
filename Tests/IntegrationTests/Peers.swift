import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on 127.0.0.1 that writes a banner to every connection, then echoes.
final class TCPPeer: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(banner: String = "+OK vitals-test\r\n") async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Banner(banner: banner))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async { try? await channel.close() }

    private final class Banner: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let banner: String
        init(banner: String) { self.banner = banner }
        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: banner)), promise: nil)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }
}

/// A real HTTP server on 127.0.0.1 whose `/status` answers with a status the test sets, and
/// `/body/NAME` with 200 and a body the test sets.
final class HTTPPeer: Sendable {
    private let statusCode = Locked(200)
    private let bodies = Locked<[String: String]>([:])
    private let portBox = Locked<Int?>(nil)
    private let task: Task<Void, any Error>

    init() async throws {
        let statusCode = self.statusCode
        let bodies = self.bodies
        let portBox = self.portBox
        let router = Router()
        router.get("body/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            let body = bodies.withLock { $0[name] } ?? ""
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
        router.get("status") { _, _ in
            let code = statusCode.withLock { $0 }
            return Response(
                status: .init(code: code),
                headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "status \(code)\n"))
            )
        }
        router.get("hello") { _, _ in "hello vitals\n" }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portBox.withLock { $0 = channel.localAddress?.port } },
            logger: {
                var logger = Logger(label: "http-peer")
                logger.logLevel = .critical  // cancelling the peer at the end of a test is not news
                return logger
            }()
        )
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        // A setup wait, not a timing claim: on a loaded 2-core machine a server start can take long.
        try await waitUntil("the HTTP peer to listen", limit: .seconds(45)) { portBox.withLock { $0 } != nil }
    }

    var port: Int { portBox.withLock { $0 ?? 0 } }

    func setStatus(_ code: Int) { statusCode.withLock { $0 = code } }

    func setBody(_ body: String, at name: String) { bodies.withLock { $0[name] = body } }

    /// Stop every client first (a daemon: `daemon.stop()`): NIO traps on a connection accepted
    /// while the server shuts down ("Deinited NIOAsyncWriter without calling finish()").
    func stop() { task.cancel() }
}
