import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization
public import Vitals

/// Asks a gRPC server's standard health service (`grpc.health.v1.Health/Check`) how a service is.
///
/// `SERVING` passes. `NOT_SERVING`, `UNKNOWN` and `SERVICE_UNKNOWN` fail with reason `status`,
/// as does an RPC error (a server without the health service answers `UNIMPLEMENTED`, an unknown
/// service often `NOT_FOUND`); the message names the status. A connection that cannot be made
/// fails with the transport's reason (`refused`, `dns`, `tls`). The RPC does not wait for the server
/// to become ready: a run is one attempt, bounded by the check's timeout.
///
/// ```swift
/// let api = GRPCProbe(host: "127.0.0.1", port: 50051, service: "orders.v1.Orders")
/// ```
///
/// Failure reasons: `status`, `refused`, `dns`, `tls`, `timeout`, `error`.
public struct GRPCProbe: HealthCheck {
    /// `grpc.health.v1.HealthCheckResponse.ServingStatus`.
    public enum ServingStatus: Int, Sendable {
        case unknown = 0
        case serving = 1
        case notServing = 2
        case serviceUnknown = 3

        /// The name the proto gives the status.
        public var name: String {
            switch self {
            case .unknown: "UNKNOWN"
            case .serving: "SERVING"
            case .notServing: "NOT_SERVING"
            case .serviceUnknown: "SERVICE_UNKNOWN"
            }
        }
    }

    /// TLS settings of a gRPC connection.
    public struct TLS: Sendable {
        /// A PEM file of the certificate authorities to trust; nil for the system's.
        public var caFile: String?
        /// A client certificate chain and its key (PEM files), for servers that ask for one.
        public var clientCertificate: (certificate: String, key: String)?

        /// - Parameters:
        ///   - caFile: A PEM file of the authorities to trust; nil for the system's.
        ///   - clientCertificate: A client certificate and its key, as PEM files.
        public init(caFile: String? = nil, clientCertificate: (certificate: String, key: String)? = nil) {
            self.caFile = caFile
            self.clientCertificate = clientCertificate
        }
    }

    /// The host name or address to connect to.
    public var host: String
    /// The port to connect to.
    public var port: Int
    /// The service to ask about; empty asks about the server as a whole.
    public var service: String
    /// TLS to speak, if any.
    public var tls: TLS?
    /// The `:authority` (and, with TLS, the name verified and sent as SNI); `host:port` by default.
    public var authority: String?

    /// Creates a gRPC health probe.
    /// - Parameters:
    ///   - host: The host name or address to connect to.
    ///   - port: The port to connect to.
    ///   - service: The service to ask about; empty for the server overall.
    ///   - tls: TLS settings; nil for plaintext (h2c).
    ///   - authority: The `:authority` to send, and with TLS the name to verify.
    public init(host: String, port: Int, service: String = "", tls: TLS? = nil, authority: String? = nil) {
        self.host = host
        self.port = port
        self.service = service
        self.tls = tls
        self.authority = authority
    }

    static let check = MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check")

    public func run() async throws -> CheckOutcome {
        let nameFailure = RecordedFailure()
        let (target, authority) = try await routedTarget()
        let transport: HTTP2ClientTransport.Posix
        do {
            var config = HTTP2ClientTransport.Posix.Config.defaults
            config.http2.authority = authority
            // The name the certificate must carry: the authority's host, else the one connected to.
            let name = authority.map(Self.hostOfAuthority) ?? host
            if tls != nil, !TLSClient.isIPAddress(name) {
                config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
                        try channel.pipeline.syncOperations.addHandler(
                            NameCheck(name: name, failure: nameFailure, tls: tls),
                            position: .after(tls)
                        )
                    }
                }
            }
            transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: security, config: config)
        } catch {
            throw CheckFailure(.error, "cannot set up the gRPC client: \(error)")
        }
        var options = CallOptions.defaults
        // One attempt: fail at once when the connection cannot be made, instead of waiting for it.
        options.waitForReady = false
        let what = service.isEmpty ? "the server" : service
        let clock = ContinuousClock()
        let start = clock.now
        let status: ServingStatus
        do {
            let client = GRPCClient(transport: transport)
            // Not awaited after the call: closing a TLS connection waits up to 5 s for the server's
            // close_notify, which the run need not wait for. Cancelling ends the connection at once.
            let connections = Task { try await client.runConnections() }
            defer { connections.cancel() }
            status = try await client.unary(
                request: ClientRequest(message: service),
                descriptor: Self.check,
                serializer: HealthRequestCoder(),
                deserializer: HealthResponseCoder(),
                options: options
            ) { response in try response.message }
        } catch let error as RPCError {
            try Task.checkCancellation()
            if let failure = nameFailure.failure { throw failure }
            throw Self.failure(error, asking: what)
        } catch {
            try Task.checkCancellation()
            throw CheckFailure.network(error)
        }
        let took = ProbeSupport.duration(start.duration(to: clock.now))
        guard status == .serving else {
            throw CheckFailure(.status, "\(what) is \(status.name) (in \(took))")
        }
        return .pass("\(what) is SERVING in \(took)")
    }

    /// `example.com` of `example.com:443`; an IPv6 address loses its brackets.
    static func hostOfAuthority(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        if authority.filter({ $0 == ":" }).count == 1, let colon = authority.firstIndex(of: ":") {
            return String(authority[..<colon])
        }
        return authority
    }

    /// An address is connected to as it is: its authority is then the address, and with TLS the
    /// certificate must name it (NIOSSL matches it against the address connected to).
    private static func target(_ host: String, _ port: Int) -> any ResolvableTarget {
        switch try? SocketAddress(ipAddress: host, port: port) {
        case .v4?: .ipv4(address: host, port: port)
        case .v6?: .ipv6(address: host, port: port)
        default: .dns(host: host, port: port)
        }
    }

    /// The target and authority for this run: inside an ``AddressSelection``, the address it chose,
    /// with the host name kept as the authority (and so as SNI and the name verified).
    private func routedTarget() async throws -> (any ResolvableTarget, String?) {
        guard ConnectionRoute.current != nil else { return (Self.target(host, port), authority) }
        let address = try await ConnectionRoute.candidates(for: host, port: port, threadPool: .singleton)[0]
        let chosen = Self.target(address.ipAddress ?? host, port)
        if TLSClient.isIPAddress(host) { return (chosen, authority) }
        return (chosen, authority ?? "\(host):\(port)")
    }

    private var security: HTTP2ClientTransport.Posix.TransportSecurity {
        guard let tls else { return .plaintext }
        return .tls { config in
            if let caFile = tls.caFile {
                config.trustRoots = .certificates([.file(path: caFile, format: .pem)])
            }
            if let client = tls.clientCertificate {
                config.certificateChain = [.file(path: client.certificate, format: .pem)]
                config.privateKey = .file(path: client.key, format: .pem)
            }
        }
    }

    /// The failure for an RPC that did not return a status: a transport error keeps its reason.
    static func failure(_ error: RPCError, asking what: String) -> CheckFailure {
        if error.code == .unavailable, let cause = error.cause {
            let underlying = (cause as? RPCError)?.cause ?? cause
            let failure = CheckFailure.network(underlying)
            if failure.reason != .error { return failure }
        }
        switch error.code {
        case .unimplemented:
            return CheckFailure(.status, "the server does not implement grpc.health.v1.Health (UNIMPLEMENTED)")
        case .notFound:
            return CheckFailure(.status, "\(what) is unknown to the server (NOT_FOUND)")
        case .unavailable:
            return CheckFailure(.refused, "the server is unavailable: \(error.message)")
        case .deadlineExceeded:
            return CheckFailure(.timeout, "the server did not answer in time (DEADLINE_EXCEEDED)")
        default:
            return CheckFailure(.status, "Check failed with \(error.code): \(error.message)")
        }
    }
}

// MARK: - The two messages, in protobuf

/// `HealthCheckRequest { string service = 1; }`.
struct HealthRequestCoder: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ service: String) throws -> Bytes {
        let utf8 = Array(service.utf8)
        // proto3 leaves a default (empty) string out.
        return Bytes(utf8.isEmpty ? [] : Protobuf.bytesField(1, utf8))
    }
}

/// `HealthCheckResponse { ServingStatus status = 1; }`; fields it does not know are skipped.
struct HealthResponseCoder: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> GRPCProbe.ServingStatus {
        let value = try bytes.withUnsafeBytes { try Protobuf.field(1, in: Array($0)) } ?? 0
        return GRPCProbe.ServingStatus(rawValue: Int(clamping: value)) ?? .unknown
    }
}

/// The little of the protobuf wire format the health messages need (client and server).
package enum Protobuf {
    /// Bytes that are not a protobuf message.
    package struct Malformed: Error {}

    package static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    /// A varint field: its key and value.
    package static func varintField(_ number: UInt64, _ value: UInt64) -> [UInt8] {
        varint(number << 3) + varint(value)
    }

    /// A length-delimited field (a string, bytes, a message): its key, length and bytes.
    package static func bytesField(_ number: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }

    /// The last value of varint field `number`, skipping every other field; nil when it is absent.
    package static func field(_ number: UInt64, in bytes: [UInt8]) throws -> UInt64? {
        var found: UInt64?
        try forEachField(in: bytes) { key, value, _ in
            if key == number << 3 { found = value }
        }
        return found
    }

    /// The last value of length-delimited field `number`; nil when it is absent.
    package static func bytesField(_ number: UInt64, in bytes: [UInt8]) throws -> [UInt8]? {
        var found: [UInt8]?
        try forEachField(in: bytes) { key, _, payload in
            if key == number << 3 | 2 { found = Array(payload) }
        }
        return found
    }

    /// Calls `body` with each field's key and, for a varint, its value, or for a length-delimited
    /// field, its bytes.
    private static func forEachField(
        in bytes: [UInt8],
        _ body: (_ key: UInt64, _ value: UInt64, _ payload: ArraySlice<UInt8>) -> Void
    ) throws {
        var index = 0
        func readVarint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < bytes.count, shift < 64 else { throw Malformed() }
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        while index < bytes.count {
            let key = try readVarint()
            switch key & 7 {
            case 0:
                body(key, try readVarint(), [])
            case 1: index += 8
            case 2:
                let length = try readVarint()
                guard length <= UInt64(bytes.count - index) else { throw Malformed() }
                body(key, 0, bytes[index..<index + Int(length)])
                index += Int(length)
            case 5: index += 4
            default: throw Malformed()
            }
            guard index <= bytes.count else { throw Malformed() }
        }
    }
}

// MARK: - The name the certificate must be valid for

/// The failure a connection's name check found, if any.
private final class RecordedFailure: Sendable {
    private let found = Mutex<CheckFailure?>(nil)
    var failure: CheckFailure? { found.withLock { $0 } }
    func record(_ failure: CheckFailure) { found.withLock { $0 = failure } }
}

/// Closes a connection whose certificate does not name `name`, with ``TLSClient/verifyName(_:_:)``'s
/// rule (the `tls` and `redis` checks have it too).
private final class NameCheck: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let name: String
    private let failure: RecordedFailure
    private let tls: NIOSSLClientHandler

    init(name: String, failure: RecordedFailure, tls: NIOSSLClientHandler) {
        self.name = name
        self.failure = failure
        self.tls = tls
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, let leaf = tls.peerCertificate {
            do {
                try TLSClient.verifyName(name, leaf)
            } catch {
                failure.record(error)
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }
}
