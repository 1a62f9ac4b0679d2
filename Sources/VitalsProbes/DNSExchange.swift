import NIOCore
import NIOPosix
import Vitals

/// One query to a DNS server and its response: over UDP, and again over TCP when the UDP answer
/// comes back truncated; or over TCP alone.
///
/// UDP uses a connected socket, so only the server's datagrams arrive and an ICMP "port
/// unreachable" fails the run at once as `refused`. A datagram that is not the response to this
/// query (another id or question) is ignored. Cancelling the task (the check's timeout) closes the
/// socket, so a silent server ends in `timeout`.
enum DNSExchange {
    /// The response, and whether it came over TCP.
    struct Response {
        var message: DNSMessage
        var overTCP: Bool
    }

    /// Asks `server` for the records of `type` at `name` (class IN), with a random id.
    static func ask(
        name: String,
        type: UInt16,
        recursionDesired: Bool,
        server: DNSProbe.Server,
        transport: DNSProbe.Transport
    ) async throws -> Response {
        let query: [UInt8]
        do {
            query = try DNSMessage.query(
                id: .random(in: 0...UInt16.max),
                name: name,
                type: type,
                recursionDesired: recursionDesired
            )
        } catch {
            throw CheckFailure(.error, "cannot ask for \(name): \(error)")
        }
        let question = DNSMessage.Question(
            name: name.hasSuffix(".") ? String(name.dropLast()) : name,
            type: type,
            recordClass: 1
        )
        if transport == .udp {
            let message = try await overUDP(query, question: question, server: server)
            guard message.isTruncated else { return Response(message: message, overTCP: false) }
        }
        return Response(message: try await overTCP(query, question: question, server: server), overTCP: true)
    }

    private static func overUDP(
        _ query: [UInt8],
        question: DNSMessage.Question,
        server: DNSProbe.Server
    ) async throws -> DNSMessage {
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: server.host, port: server.port)
        } catch {
            throw CheckFailure(.error, "the server \(server) is not an IP address")
        }
        let (datagrams, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        let bootstrap = DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton.next())
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramForwarder(continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            throw CheckFailure.network(error)
        }
        return try await withTaskCancellationHandler {
            defer { channel.close(promise: nil) }
            do {
                try await channel.writeAndFlush(ByteBuffer(bytes: query)).get()
                for try await datagram in datagrams {
                    if let message = try response(to: query, question: question, in: Array(buffer: datagram)) {
                        return message
                    }
                }
            } catch let failure as CheckFailure {
                throw failure
            } catch {
                try Task.checkCancellation()
                throw CheckFailure.network(error)
            }
            try Task.checkCancellation()
            throw CheckFailure(.dns, "\(server) closed the exchange without an answer")
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    private static func overTCP(
        _ query: [UInt8],
        question: DNSMessage.Question,
        server: DNSProbe.Server
    ) async throws -> DNSMessage {
        try await StreamConnection.with(host: server.host, port: server.port) { connection in
            try await connection.send([UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query)
            var received: [UInt8] = []
            for try await buffer in connection.received {
                received += Array(buffer: buffer)
                guard received.count >= 2 else { continue }
                let length = Int(received[0]) << 8 | Int(received[1])
                guard received.count >= 2 + length else { continue }
                if let message = try response(to: query, question: question, in: Array(received[2..<2 + length])) {
                    return message
                }
                throw CheckFailure(.dns, "\(server) answered another query over TCP")
            }
            throw CheckFailure(.refused, "\(server) closed the TCP connection before answering")
        }
    }

    /// The response in `bytes` when it answers `query` (same id and question), nil when it is some
    /// other message; a malformed response to this query fails.
    private static func response(
        to query: [UInt8],
        question asked: DNSMessage.Question,
        in bytes: [UInt8]
    ) throws(CheckFailure) -> DNSMessage? {
        // The id is the first two bytes of both; a message that is not even that long is noise.
        guard bytes.count >= 2, bytes[0] == query[0], bytes[1] == query[1] else { return nil }
        let message: DNSMessage
        do {
            message = try DNSMessage(decoding: bytes)
        } catch {
            throw CheckFailure(.dns, "malformed response: \(error)")
        }
        guard message.isResponse else { return nil }
        // A FORMERR may come without the question; any other response must repeat it.
        if let question = message.questions.first {
            guard question.type == asked.type, question.name.lowercased() == asked.name.lowercased() else {
                return nil
            }
        }
        return message
    }
}

/// Hands each datagram's bytes to the probe's task.
private final class DatagramForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data).data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
