import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on 127.0.0.1 and a free port.
///
/// Routes: `/ok` (200, `status: ok`), `/status/{code}`, `/auth` (200 with header
/// `X-Token: s3cret`, else 401), `/post` (200 for POST, else 405), `/big` (2 MiB of `x`),
/// `/hang` (never answers). Anything else is 404.
final class HTTPTestServer: Sendable {
    let port: Int
    /// Yields the path of each request as it arrives.
    let requests: AsyncStream<String>
    private let channel: any Channel

    private init(channel: any Channel, requests: AsyncStream<String>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.requests = requests
    }

    static func start() async throws -> HTTPTestServer {
        let (requests, continuation) = AsyncStream.makeStream(of: String.self)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RouteHandler(requests: continuation))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return HTTPTestServer(channel: channel, requests: requests)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() async throws {
        try await channel.close()
    }
}

private final class RouteHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let requests: AsyncStream<String>.Continuation

    init(requests: AsyncStream<String>.Continuation) {
        self.requests = requests
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        requests.yield(head.uri)
        let path = head.uri
        switch path {
        case "/ok":
            respond(context, .ok, "status: ok")
        case "/auth":
            let authorised = head.headers["X-Token"].first == "s3cret"
            respond(context, authorised ? .ok : .unauthorized, authorised ? "welcome" : "who are you?")
        case "/post":
            respond(context, head.method == .POST ? .ok : .methodNotAllowed, "")
        case "/big":
            respond(context, .ok, String(repeating: "x", count: 2 << 20))
        case "/hang":
            break
        case _ where path.hasPrefix("/status/"):
            let code = Int(path.dropFirst("/status/".count)) ?? 500
            respond(context, HTTPResponseStatus(statusCode: code), "status \(code)")
        default:
            respond(context, .notFound, "not found")
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
