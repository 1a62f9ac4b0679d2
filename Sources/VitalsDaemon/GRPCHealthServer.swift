import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import Vitals
import VitalsHTTP
import VitalsProbes

/// `grpc.health.v1.Health` on `--grpc.listen-address`, for kubelet's gRPC probes, Envoy and Consul;
/// with TLS when `--web.config.file` has `tls_server_config`.
///
/// The empty service name is the daemon as a whole (its critical checks); a tag is a service name (the
/// checks with that tag). `SERVING` while none of them fails and each has run, `NOT_SERVING`
/// otherwise and while the daemon drains before a stop. `Check` of an unknown name is `NOT_FOUND`;
/// `Watch` sends the status at once and again on each change (`SERVICE_UNKNOWN` for an unknown name).
struct GRPCHealthServer: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let transport: HTTP2ServerTransport.Posix
    let logger: Logger

    /// - Parameter tls: the web configuration's TLS settings, read once: the certificate and key, and
    ///   the client CA when `client_auth_type` verifies (a client must then present a certificate).
    init(host: String, port: Int, tls: TLSServerSettings?, source: DaemonSource, logger: Logger) {
        transport = HTTP2ServerTransport.Posix(
            address: host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port),
            transportSecurity: Self.security(tls)
        )
        server = GRPCServer(transport: transport, services: [HealthService(source: source)])
        self.logger = logger
    }

    private static func security(_ tls: TLSServerSettings?) -> HTTP2ServerTransport.Posix.TransportSecurity {
        guard let tls else { return .plaintext }
        return .tls(
            certificateChain: [.file(path: tls.certFile, format: .pem)],
            privateKey: .file(path: tls.keyFile, format: .pem)
        ) { config in
            if let clientCA = tls.clientCAFile, tls.clientAuthType.verifies {
                config.trustRoots = .certificates([.file(path: clientCA, format: .pem)])
                config.clientCertificateVerification = .noHostnameVerification
            }
        }
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                if let address = try? await transport.listeningAddress {
                    let shown =
                        address.ipv4.map { "\($0.host):\($0.port)" } ?? address.ipv6.map { "[\($0.host)]:\($0.port)" }
                    logger.info("gRPC health service listening", metadata: ["address": "\(shown ?? "\(address)")"])
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

/// The `Check` and `Watch` methods, registered without generated code: the two messages are a string
/// and an enum (`Protos/health.proto`).
private struct HealthService: RegistrableRPCService {
    let source: DaemonSource

    /// How often `Watch` looks at the results for a change.
    static let watchInterval = Duration.milliseconds(200)

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check"),
            deserializer: ServiceNameCoder(),
            serializer: StatusCoder(),
            handler: { request, _ in
                let service = try await ServerRequest(stream: request).message
                guard let status = status(of: service, in: source.store.snapshot(), draining: source.isDraining) else {
                    return StreamingServerResponse(
                        error: RPCError(code: .notFound, message: "unknown service \"\(service)\"")
                    )
                }
                return StreamingServerResponse(single: ServerResponse(message: status))
            }
        )
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Watch"),
            deserializer: ServiceNameCoder(),
            serializer: StatusCoder(),
            handler: { request, _ in
                let service = try await ServerRequest(stream: request).message
                return StreamingServerResponse { writer in
                    var sent: GRPCProbe.ServingStatus?
                    var judged: (version: UInt64, draining: Bool)?
                    while !Task.isCancelled {
                        // Judged again only when a result or the drain moved.
                        let snapshot = source.store.snapshot()
                        let draining = source.isDraining
                        if judged?.version != snapshot.version || judged?.draining != draining {
                            judged = (snapshot.version, draining)
                            let now = status(of: service, in: snapshot, draining: draining) ?? .serviceUnknown
                            if now != sent {
                                try await writer.write(now)
                                sent = now
                            }
                        }
                        // A stop ends the stream once it has said NOT_SERVING, so the server can close.
                        if draining { break }
                        try await Task.sleep(for: Self.watchInterval)
                    }
                    return [:]
                }
            }
        )
    }

    /// The status of `service` (empty: the critical checks; else a tag's checks) as `/readyz` judges it,
    /// or nil for a tag no check has.
    private func status(
        of service: String,
        in snapshot: Snapshot,
        draining: Bool
    ) -> GRPCProbe.ServingStatus? {
        let tag = service.isEmpty ? nil : service
        guard let lines = ProbeEndpoints.readinessLines(snapshot, tag: tag, draining: draining) else { return nil }
        return lines.allSatisfy { $0.problem == nil } ? .serving : .notServing
    }
}

/// `HealthCheckRequest { string service = 1; }`, read by the server.
private struct ServiceNameCoder: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> String {
        let name = try bytes.withUnsafeBytes { try Protobuf.bytesField(1, in: Array($0)) } ?? []
        return String(decoding: name, as: UTF8.self)
    }
}

/// `HealthCheckResponse { ServingStatus status = 1; }`, written by the server.
private struct StatusCoder: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ status: GRPCProbe.ServingStatus) throws -> Bytes {
        // proto3 leaves the default (UNKNOWN, 0) out.
        Bytes(status == .unknown ? [] : Protobuf.varintField(1, UInt64(status.rawValue)))
    }
}
