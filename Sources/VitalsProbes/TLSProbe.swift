public import NIOSSL
public import Vitals

/// Completes a TLS handshake, verifying the server's certificate, and reports how long the
/// certificate stays valid.
///
/// The handshake verifies the whole chain against ``trustRoots`` and the leaf certificate
/// against ``serverName``, which is also sent as SNI. A DNS name must match one of the
/// certificate's DNS names (or, when it has none at all, its common name); an IP address is
/// matched, as NIOSSL does, against the address connected to. A certificate that expires within
/// ``warnDays`` warns; one that expires within ``failDays``, or has already expired, fails with
/// reason ``expiry``.
///
/// ```swift
/// let site = TLSProbe(host: "example.com", port: 443, serverName: "example.com", warnDays: 14, failDays: 3)
/// ```
///
/// Failure reasons: `expiry`, `tls` (the handshake or the verification failed for another
/// reason than expiry), `refused`, `dns`, `timeout`, `error`. Observations: `expiry_seconds`
/// (s, the time left, negative once expired) and `expiry_timestamp` (s, the end of validity
/// as Unix seconds).
public struct TLSProbe: HealthCheck {
    /// The gauge that exports `expiry_timestamp` on `/metrics`: the shared certificate family.
    public static let expiryMetric = ExportedMetric.certificateExpiry

    /// The failure reason when the certificate has expired or expires within ``failDays``.
    public static let expiry = FailureReason("expiry")

    /// The host name or address to connect to.
    public var host: String
    /// The port to connect to.
    public var port: Int
    /// The name the certificate must be valid for, sent as SNI.
    public var serverName: String
    /// Days before expiry from which the check warns.
    public var warnDays: Int
    /// Days before expiry from which the check fails.
    public var failDays: Int
    /// The certificate authorities trusted to issue the server's certificate.
    public var trustRoots: NIOSSLTrustRoots
    /// The current time, against which the expiry is measured.
    public var wallClock: WallClock
    /// The plaintext protocol to upgrade from (STARTTLS), or nil for TLS from the first byte.
    public var startTLS: StartTLSProtocol?
    /// The oldest TLS version that passes; nil for any the handshake agrees on.
    public var minimumVersion: TLSVersion?
    /// PEM files of a client certificate and its key, for a server that asks for one.
    public var clientCertificate: (certificate: String, key: String)?

    /// Creates a TLS probe.
    /// - Parameters:
    ///   - host: The host name or address to connect to.
    ///   - port: The port to connect to.
    ///   - serverName: The name the certificate must be valid for: a DNS name, sent as SNI, or
    ///     an IP address.
    ///   - warnDays: Warn when the certificate expires in fewer days than this.
    ///   - failDays: Fail when the certificate expires in fewer days than this.
    ///   - trustRoots: The trusted certificate authorities: the system's by default, or a PEM
    ///     file (``NIOSSLTrustRoots/file(_:)``, read on each run) or certificates for a private CA.
    ///   - wallClock: The current time, against which the expiry is measured.
    ///   - startTLS: Speak this protocol in plaintext until the server agrees to TLS (SMTP, IMAP,
    ///     POP3, PostgreSQL); nil for TLS from the first byte.
    ///   - minimumVersion: Fail with `tls` when the handshake agrees on an older TLS version.
    ///   - clientCertificate: PEM files of a certificate and key to present when asked.
    public init(
        host: String,
        port: Int,
        serverName: String,
        warnDays: Int,
        failDays: Int,
        trustRoots: NIOSSLTrustRoots = .default,
        wallClock: WallClock = .system,
        startTLS: StartTLSProtocol? = nil,
        minimumVersion: TLSVersion? = nil,
        clientCertificate: (certificate: String, key: String)? = nil
    ) {
        self.startTLS = startTLS
        self.minimumVersion = minimumVersion
        self.clientCertificate = clientCertificate
        self.host = host
        self.port = port
        self.serverName = serverName
        self.warnDays = warnDays
        self.failDays = failDays
        self.trustRoots = trustRoots
        self.wallClock = wallClock
    }

    public func run() async throws -> CheckOutcome {
        var client = try TLSClient(
            trustRoots: trustRoots,
            serverName: serverName,
            clientCertificate: clientCertificate
        )
        client.chainVerifier = try ChainVerifier(trustRoots: trustRoots)
        let handshakeFailure = { (error: HandshakeError) in failure(error, client: client) }
        if let startTLS {
            return try await StreamConnection.with(host: host, port: port) { connection in
                try await startTLS.negotiate(connection)
                let leaf = try await connection.startTLS(client, handshakeFailure: handshakeFailure)
                return try outcome(
                    notAfter: Double(leaf.notValidAfter),
                    chain: await connection.validatedChain(),
                    version: await connection.tlsVersion()
                )
            }
        }
        return try await StreamConnection.with(host: host, port: port, tls: client, handshakeFailure: handshakeFailure)
        {
            connection in
            guard let leaf = connection.peerCertificate else {
                throw CheckFailure(.tls, "the server sent no certificate")
            }
            return try outcome(
                notAfter: Double(leaf.notValidAfter),
                chain: await connection.validatedChain(),
                version: await connection.tlsVersion()
            )
        }
    }

    private var expiry: CertificateExpiry {
        CertificateExpiry(warnDays: warnDays, failDays: failDays, now: wallClock.now())
    }

    /// The outcome for a verified certificate that is valid until `notAfter` (Unix seconds), in a
    /// verified `chain`, over a connection that agreed on `version`; with `minimumVersion`, an older
    /// version fails.
    ///
    /// A certificate of the chain (an intermediate, the root) that expires before the leaf is judged
    /// too, and the worse judgement wins: renewing the leaf does not help then.
    private func outcome(
        notAfter: Double,
        chain: [NIOSSLCertificate],
        version: TLSVersion?
    ) throws(CheckFailure) -> CheckOutcome {
        var outcome = expiry.outcome("certificate for \(serverName)", notAfter: notAfter)
        if let earliest = chain.min(by: { $0.notValidAfter < $1.notValidAfter }) {
            let chainEnd = Double(earliest.notValidAfter)
            outcome.observations.append(Observation("chain_expiry_timestamp", chainEnd, unit: "s"))
            if chainEnd < notAfter {
                let judged = expiry.outcome(ChainVerifier.subject(of: earliest) + " in the chain", notAfter: chainEnd)
                if judged.status.severity > outcome.status.severity {
                    outcome.status = judged.status
                    outcome.reason = judged.reason
                }
                outcome.message += "; " + judged.message
            }
        }
        guard let version else { return outcome }
        outcome.observations.append(Observation("tls_version", Self.number(of: version)))
        if let minimumVersion, Self.number(of: version) < Self.number(of: minimumVersion) {
            throw CheckFailure(
                .tls,
                "the server agreed on \(Self.name(of: version)), older than \(Self.name(of: minimumVersion))",
                observations: outcome.observations
            )
        }
        return outcome
    }

    /// 1.2 for TLS 1.2: the `tls_version` observation.
    static func number(of version: TLSVersion) -> Double {
        switch version {
        case .tlsv1: 1.0
        case .tlsv11: 1.1
        case .tlsv12: 1.2
        case .tlsv13: 1.3
        }
    }

    /// `TLSv1.2`, as `min_version` takes it.
    public static func name(of version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1.0"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }

    /// The failure for a handshake that did not complete.
    private func failure(_ error: HandshakeError, client: TLSClient) -> CheckFailure {
        // Verification rejects an expired certificate without saying why; the leaf, read before
        // the connection closed, tells whether expiry was the reason.
        if let leaf = error.leaf,
            let expired = expiry.expired("certificate for \(serverName)", notAfter: Double(leaf.notValidAfter))
        {
            return expired
        }
        return client.failure(error)
    }
}
