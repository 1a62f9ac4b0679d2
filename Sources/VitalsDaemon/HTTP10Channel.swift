import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Hummingbird's HTTP/1 channel, plus HTTP/1.0 semantics: a 1.0 request is answered as 1.0, and
/// without `Connection: keep-alive` the connection is closed once the response is written.
///
/// Hummingbird converts requests to HTTP types, which carry no version, so the handler sits before
/// that conversion, right after the request decoder.
///
/// It also caps the connections open at once: one over ``ConnectionLimit/maximum`` is closed as
/// soon as it is accepted, before anything is read or allocated for it; and, with a web
/// configuration that has `tls_server_config`, it puts TLS in front, with the certificate in effect
/// when the connection is accepted (so a rotated one is served without a restart).
struct HTTP10Channel: ServerChildChannel {
    let inner: HTTP1Channel
    let limit: ConnectionLimit
    let security: WebSecurity?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        guard limit.acquire() else {
            logger.debug("Connection refused: too many open", metadata: ["max_connections": "\(limit.maximum)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionLimit.Exceeded())
        }
        channel.closeFuture.whenComplete { _ in limit.release() }
        if let tls = security?.tlsForNewConnection() {
            let handler =
                tls.acceptsAnyClientCertificate
                ? NIOSSLServerHandler(context: tls.context) { _, promise in promise.succeed(.certificateVerified) }
                : NIOSSLServerHandler(context: tls.context)
            do {
                try channel.pipeline.syncOperations.addHandler(handler)
            } catch {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(
                type: ByteToMessageHandler<HTTPRequestDecoder>.self
            )
            try channel.pipeline.syncOperations.addHandler(HTTP10Handler(), position: .after(decoder))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with ``HTTP10Channel``'s handling of HTTP/1.0 requests.
    static func http1WithHTTP10(
        configuration: HTTP1Channel.Configuration,
        limit: ConnectionLimit,
        security: WebSecurity? = nil
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            HTTP10Channel(
                inner: HTTP1Channel(responder: responder, configuration: configuration),
                limit: limit,
                security: security
            )
        }
    }
}

/// Counts open connections against a maximum.
final class ConnectionLimit: Sendable {
    struct Exceeded: Error {}

    let maximum: Int
    private let open = Atomic(0)

    init(maximum: Int) { self.maximum = maximum }

    /// Takes a place; false (taking none) when all are taken.
    func acquire() -> Bool {
        if open.wrappingAdd(1, ordering: .relaxed).newValue <= maximum { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// Remembers the version and keep-alive wish of each request in order, and answers HTTP/1.0 ones in
/// kind. Runs on the channel's event loop only.
final class HTTP10Handler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var requests: [(version: HTTPVersion, keepAlive: Bool)] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            requests.append((head.version, head.isKeepAlive))
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let request = requests.first, request.version == .http1_0 else {
            if case .end = unwrapOutboundIn(data), !requests.isEmpty { requests.removeFirst() }
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            head.version = .http1_0
            head.headers.replaceOrAdd(name: "connection", value: request.keepAlive ? "keep-alive" : "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            requests.removeFirst()
            guard !request.keepAlive else {
                context.write(data, promise: promise)
                return
            }
            let channel = context.channel
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { result in
                promise?.completeWith(result)
                channel.close(promise: nil)
            }
            context.writeAndFlush(data, promise: written)
        }
    }
}
