import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftASN1
import Vitals
import X509

/// A client connection for the probes that speak over TCP (`tcp`, `tls`, `redis`): what it receives
/// arrives as a stream of buffers in the probe's task.
struct StreamConnection: Sendable {
    /// What the server sends, in order; it ends when the server closes the connection.
    let received: AsyncThrowingStream<ByteBuffer, any Error>
    /// How long the TCP connection took to open.
    let connectTime: Duration
    /// How long the TLS handshake took after that; zero without TLS.
    let handshakeTime: Duration
    /// The server's leaf certificate, verified, when the connection speaks TLS.
    let peerCertificate: NIOSSLCertificate?

    private let channel: any Channel

    /// Connects, with TLS when `tls` is given, runs `body`, and closes the connection.
    ///
    /// With TLS, `body` runs once the handshake has verified the server's chain and name.
    /// Cancelling the task closes the connection at once, so a `body` waiting for a reply returns.
    /// Network and TLS errors become ``CheckFailure``s with their reasons (`refused`, `dns`, `tls`…).
    /// - Parameter handshakeFailure: the failure for a handshake that did not complete; by default
    ///   ``TLSClient/failure(_:)``.
    static func with<Result>(
        host: String,
        port: Int,
        tls: TLSClient? = nil,
        handshakeFailure: ((HandshakeError) -> CheckFailure)? = nil,
        _ body: (StreamConnection) async throws -> Result
    ) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let (received, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = tls.map { _ in eventLoop.makePromise(of: NIOSSLCertificate?.self) }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls, let handshake {
                        let handler = try tls.makeHandler()
                        let observer = HandshakeObserver(tls: handler, handshake: handshake)
                        try channel.pipeline.syncOperations.addHandlers(handler, observer)
                    }
                    try channel.pipeline.syncOperations.addHandler(ReplyForwarder(continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await ProbeSupport.connect(bootstrap, host: host, port: port)
        } catch {
            handshake?.fail(error)
            if error is CancellationError { throw error }
            throw CheckFailure.network(error)
        }
        let connected = clock.now
        let connectTime = start.duration(to: connected)
        return try await withTaskCancellationHandler {
            defer { channel.close(promise: nil) }
            let leaf: NIOSSLCertificate?
            do {
                leaf = try await handshake?.futureResult.get() ?? nil
            } catch let error as HandshakeError {
                try Task.checkCancellation()
                throw handshakeFailure?(error) ?? tls?.failure(error) ?? CheckFailure.network(error.underlying)
            } catch {
                try Task.checkCancellation()
                throw CheckFailure.network(error)
            }
            if let tls, let leaf { try tls.verifyName(leaf) }
            let connection = StreamConnection(
                received: received,
                connectTime: connectTime,
                handshakeTime: tls == nil ? .zero : connected.duration(to: clock.now),
                peerCertificate: leaf,
                channel: channel
            )
            return try await ProbeSupport.conversing { try await body(connection) }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// The chain a ``ChainVerifier`` built, leaf first, root last; empty without one.
    func validatedChain() async -> [NIOSSLCertificate] {
        (try? await channel.nioSSL_peerValidatedCertificateChain().get()).map { Array($0) } ?? []
    }

    /// The TLS version the handshake agreed on; nil without TLS.
    func tlsVersion() async -> TLSVersion? {
        (try? await channel.nioSSL_tlsVersion().get()) ?? nil
    }

    /// Writes `bytes` and waits until they are sent.
    func send(_ bytes: some Sequence<UInt8>) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Turns the plaintext connection into TLS (STARTTLS) and returns the server's verified leaf
    /// certificate; from then on `received` carries the decrypted bytes.
    ///
    /// Call it only once the server has agreed and before it can send anything more.
    /// - Parameter handshakeFailure: as in ``with(host:port:tls:handshakeFailure:_:)``.
    func startTLS(
        _ tls: TLSClient,
        handshakeFailure: ((HandshakeError) -> CheckFailure)? = nil
    ) async throws -> NIOSSLCertificate {
        let handshake = channel.eventLoop.makePromise(of: NIOSSLCertificate?.self)
        let channel = channel
        do {
            try await channel.eventLoop.submit {
                let handler = try tls.makeHandler()
                let observer = HandshakeObserver(tls: handler, handshake: handshake)
                try channel.pipeline.syncOperations.addHandlers([handler, observer], position: .first)
            }.get()
        } catch {
            handshake.fail(error)  // a promise must not be dropped unfulfilled
            throw CheckFailure.network(error)
        }
        let leaf: NIOSSLCertificate?
        do {
            leaf = try await handshake.futureResult.get()
        } catch let error as HandshakeError {
            try Task.checkCancellation()
            throw handshakeFailure?(error) ?? tls.failure(error)
        }
        guard let leaf else { throw CheckFailure(.tls, "the server sent no certificate") }
        try tls.verifyName(leaf)
        return leaf
    }
}

/// Reads what a server sends, across a whole conversation: line by line or a counted number of
/// bytes. Lines longer than `limit` fail as `body`: the peer is not speaking the protocol.
struct StreamReader {
    private enum Source {
        case stream(AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator)
        case polled(PolledConnection)
    }

    private var source: Source
    private var buffer: [UInt8] = []
    private let limit: Int

    init(_ received: AsyncThrowingStream<ByteBuffer, any Error>, limit: Int = 16 * 1024) {
        source = .stream(received.makeAsyncIterator())
        self.limit = limit
    }

    init(_ connection: PolledConnection, limit: Int = 16 * 1024) {
        source = .polled(connection)
        self.limit = limit
    }

    /// What arrived and was not read yet: after `nil`, what the server sent before it closed.
    var pending: [UInt8] { buffer }

    /// The next line without its line break (LF or CR LF); nil when the server closes first.
    mutating func line() async throws -> [UInt8]? {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
            guard buffer.count < limit else {
                throw CheckFailure(
                    .body,
                    "a line is longer than \(limit / 1024) KiB; is the server speaking the protocol?"
                )
            }
            guard try await more() else { return nil }
        }
    }

    /// The next `count` bytes; nil when the server closes first.
    mutating func bytes(_ count: Int) async throws -> [UInt8]? {
        while buffer.count < count {
            guard try await more() else { return nil }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer.prefix(count))
    }

    private mutating func more() async throws -> Bool {
        switch source {
        case .stream(var iterator):
            let chunk = try await iterator.next()
            source = .stream(iterator)
            guard let chunk else {
                try Task.checkCancellation()
                return false
            }
            buffer += chunk.readableBytesView
            return true
        case .polled(let connection):
            return try await connection.receive(into: &buffer)
        }
    }
}

/// The TLS side of a client connection: what to trust and which name to verify.
struct TLSClient: Sendable {
    let context: NIOSSLContext
    /// The name the certificate must be valid for.
    let serverName: String
    /// The name sent as SNI; nil for an IP address, which NIOSSL refuses as SNI and matches
    /// against the address connected to instead.
    let sniName: String?
    /// False when any certificate is accepted.
    let verifying: Bool
    /// Verifies the chain in place of BoringSSL, to keep it for ``StreamConnection/validatedChain()``.
    var chainVerifier: ChainVerifier?

    /// - Parameter clientCertificate: PEM files of a certificate and its key to present to a server
    ///   that asks for one.
    /// - Throws: a ``CheckFailure`` with reason `error` when the trust roots or the client
    ///   certificate cannot be loaded.
    /// - Parameter verifying: false accepts any certificate for any name (`tls_skip_verify`).
    init(
        trustRoots: NIOSSLTrustRoots,
        serverName: String,
        clientCertificate: (certificate: String, key: String)? = nil,
        verifying: Bool = true
    ) throws(CheckFailure) {
        self.init(
            context: try Self.makeContext(
                trustRoots: trustRoots,
                clientCertificate: clientCertificate,
                verifying: verifying
            ),
            serverName: serverName,
            verifying: verifying
        )
    }

    /// The handler that speaks TLS for this client on one connection.
    func makeHandler() throws -> NIOSSLClientHandler {
        guard verifying, let chainVerifier else {
            return try NIOSSLClientHandler(context: context, serverHostname: sniName)
        }
        return try NIOSSLClientHandler(
            context: context,
            serverHostname: sniName,
            customVerificationCallbackWithMetadata: chainVerifier.callback
        )
    }

    /// A client that shares `context`, made by another client.
    init(context: NIOSSLContext, serverName: String, verifying: Bool = true) {
        self.context = context
        self.serverName = serverName
        self.verifying = verifying
        sniName = Self.isIPAddress(serverName) ? nil : serverName
    }

    static func isIPAddress(_ name: String) -> Bool {
        (try? SocketAddress(ipAddress: name, port: 0)) != nil
    }

    /// A client context that verifies the server against `trustRoots`.
    private static func makeContext(
        trustRoots: NIOSSLTrustRoots,
        clientCertificate: (certificate: String, key: String)?,
        verifying: Bool
    ) throws(CheckFailure) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = trustRoots
        if !verifying { configuration.certificateVerification = .none }
        if let clientCertificate {
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate.certificate)
                    .map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientCertificate.key, format: .pem))
            } catch {
                throw CheckFailure(
                    .error,
                    "cannot load the client certificate \(clientCertificate.certificate): \(error)"
                )
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            if case .file(let path) = trustRoots {
                throw CheckFailure(.error, "cannot load trust roots from \(path): \(error)")
            }
            throw CheckFailure(.error, "cannot load trust roots: \(error)")
        }
    }

    /// Fails unless `leaf` is valid for the server name.
    func verifyName(_ leaf: NIOSSLCertificate) throws(CheckFailure) {
        guard verifying else { return }
        try Self.verifyName(serverName, leaf)
    }

    /// Fails unless `leaf` is valid for `name`: one of its DNS names matches it (an IP address is left
    /// to NIOSSL, which matches it against the address connected to).
    ///
    /// NIOSSL accepts a certificate whose IP address SAN matches the address connected to, whatever
    /// the server name: a server's default certificate for its own address would pass for any name.
    static func verifyName(_ name: String, _ leaf: NIOSSLCertificate) throws(CheckFailure) {
        guard isIPAddress(name) || hasDNSName(name, leaf) else {
            throw CheckFailure(.tls, "certificate is not valid for \(name)")
        }
    }

    /// The failure for a handshake that did not complete.
    func failure(_ error: HandshakeError) -> CheckFailure {
        switch error.underlying {
        case let underlying as NIOSSLExtraError where underlying == .failedToValidateHostname:
            CheckFailure(.tls, "certificate is not valid for \(serverName)")
        case NIOSSLError.handshakeFailed:
            CheckFailure.tlsFailure(error.underlying)
        default:
            CheckFailure.network(error.underlying)
        }
    }

    /// Whether `leaf` names `name` among its DNS subject alternative names, or has no subject
    /// alternative names at all (NIOSSL has then matched its common name).
    private static func hasDNSName(_ name: String, _ leaf: NIOSSLCertificate) -> Bool {
        let names: SubjectAlternativeNames?
        do {
            names = try Certificate(derEncoded: leaf.toDERBytes()).extensions.subjectAlternativeNames
        } catch {
            return false
        }
        guard let names else { return true }
        let wanted = normalised(name)
        return names.contains { general in
            guard case .dnsName(let dnsName) = general else { return false }
            let pattern = normalised(dnsName)
            if pattern == wanted { return true }
            // A wildcard stands for exactly one whole left-most label.
            guard pattern.hasPrefix("*."), let dot = wanted.firstIndex(of: "."), dot != wanted.startIndex else {
                return false
            }
            return wanted[dot...] == pattern.dropFirst()
        }
    }

    /// `name` in lower case without a trailing dot, for comparison.
    private static func normalised(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }
}

/// A handshake that failed, with the peer's leaf certificate if it sent one.
struct HandshakeError: Error {
    var underlying: any Error
    var leaf: NIOSSLCertificate?
}

/// Completes a promise when the TLS handshake completes or fails, with the peer's leaf certificate.
private final class HandshakeObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let tls: NIOSSLClientHandler
    private let handshake: EventLoopPromise<NIOSSLCertificate?>

    init(tls: NIOSSLClientHandler, handshake: EventLoopPromise<NIOSSLCertificate?>) {
        self.tls = tls
        self.handshake = handshake
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshake.succeed(tls.peerCertificate)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The TLS handler still holds the connection here, so the leaf is readable even when
        // verification rejected it. Only the first error counts: a promise completes once.
        handshake.fail(HandshakeError(underlying: error, leaf: tls.peerCertificate))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        handshake.fail(ChannelError.eof)
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
