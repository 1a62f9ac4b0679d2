import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Serves HTTP on a listening socket systemd passed (`--web.systemd-socket`), with the same router,
/// HTTP/1.0 handling, connection cap and TLS as the listeners Vitals opens itself.
///
/// Hummingbird binds only addresses it opens, so this is the accept loop of its server around a
/// descriptor: each connection is set up and handled by ``HTTP10Channel``, and the loop ends on a
/// graceful shutdown, as Hummingbird's does.
struct SocketActivatedServer<Responder: HTTPResponder>: Service where Responder.Context == BasicRequestContext {
    let socket: Int32
    let responder: Responder
    let channel: HTTP10Channel
    let logger: Logger
    let onListening: @Sendable (SocketAddress?) -> Void

    init(
        socket: Int32,
        responder: Responder,
        configuration: HTTP1Channel.Configuration,
        limit: ConnectionLimit,
        security: WebSecurity?,
        logger: Logger,
        onListening: @escaping @Sendable (SocketAddress?) -> Void
    ) {
        self.socket = socket
        self.responder = responder
        self.logger = logger
        self.onListening = onListening
        let respond: @Sendable (Request, consuming ResponseWriter, any Channel) async throws -> Void = {
            request,
            writer,
            channel in
            let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                logger.debug("Unrecognised error", metadata: ["error": "\(error)"])
                response = Response(status: .internalServerError)
            }
            try await writer.write(response: response.head, body: response.body)
        }
        channel = HTTP10Channel(
            inner: HTTP1Channel(responder: respond, configuration: configuration),
            limit: limit,
            security: security
        )
    }

    func run() async throws {
        let channel = self.channel
        let logger = self.logger
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(NIOBSDSocket.Handle(socket)) { child in channel.setup(channel: child, logger: logger) }
        onListening(server.channel.localAddress)
        // On a graceful shutdown the accept loop ends, and open connections are told to quiesce, as
        // Hummingbird's server does: an idle keep-alive one closes at once, a busy one after its answer.
        let open = OpenConnections()
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections.cancelOnGracefulShutdown() {
                        let id = open.add(connection.channel)
                        group.addTask {
                            await channel.handle(value: connection, logger: logger)
                            open.remove(id)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            for connection in open.all {
                connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
    }
}

/// The connections a ``SocketActivatedServer`` has open, to tell them to quiesce on shutdown.
private final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) -> ObjectIdentifier {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        return id
    }

    func remove(_ id: ObjectIdentifier) {
        _ = channels.withLock { $0.removeValue(forKey: id) }
    }

    var all: [any Channel] { channels.withLock { Array($0.values) } }
}
