import NIOCore
import NIOPosix
public import NIOSSL
import NIOTLS
import SwiftASN1
public import Vitals
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
    public init(
        host: String,
        port: Int,
        serverName: String,
        warnDays: Int,
        failDays: Int,
        trustRoots: NIOSSLTrustRoots = .default,
        wallClock: WallClock = .system
    ) {
        self.host = host
        self.port = port
        self.serverName = serverName
        self.warnDays = warnDays
        self.failDays = failDays
        self.trustRoots = trustRoots
        self.wallClock = wallClock
    }

    public func run() async throws -> CheckOutcome {
        let client = try TLSClient(trustRoots: trustRoots, serverName: serverName)
        let handshakeFailure = { (error: HandshakeError) in failure(error, client: client) }
        return try await StreamConnection.with(host: host, port: port, tls: client, handshakeFailure: handshakeFailure)
        {
            connection in
            guard let leaf = connection.peerCertificate else {
                throw CheckFailure(.tls, "the server sent no certificate")
            }
            return outcome(notAfter: Double(leaf.notValidAfter))
        }
    }

    /// The outcome for a verified certificate that is valid until `notAfter` (Unix seconds).
    private func outcome(notAfter: Double) -> CheckOutcome {
        let left = notAfter - wallClock.now()
        let observations = [
            Observation("expiry_seconds", left, unit: "s"),
            Observation("expiry_timestamp", notAfter, unit: "s", metric: Self.expiryMetric),
        ]
        if left <= 0 {
            let message = expiredMessage(left: left, notAfter: notAfter)
            return .fail(message, reason: Self.expiry, observations: observations)
        }
        let message = "certificate for \(serverName) expires in \(Self.span(left)) (\(Self.date(notAfter)))"
        let day = 86400.0
        let status = ProbeSupport.status(
            of: left,
            warn: Double(warnDays) * day,
            fail: Double(failDays) * day,
            lowerIsWorse: true
        )
        switch status {
        case .pass:
            return .pass(message, observations: observations)
        case .warn:
            return .warn("\(message), within \(Self.days(warnDays))", observations: observations)
        case .fail:
            return .fail("\(message), within \(Self.days(failDays))", reason: Self.expiry, observations: observations)
        }
    }

    /// The failure for a handshake that did not complete.
    private func failure(_ error: HandshakeError, client: TLSClient) -> CheckFailure {
        // Verification rejects an expired certificate without saying why; the leaf, read before
        // the connection closed, tells whether expiry was the reason.
        if let leaf = error.leaf {
            let notAfter = Double(leaf.notValidAfter)
            let left = notAfter - wallClock.now()
            if left <= 0 {
                return CheckFailure(
                    Self.expiry,
                    expiredMessage(left: left, notAfter: notAfter),
                    observations: [
                        Observation("expiry_seconds", left, unit: "s"),
                        Observation("expiry_timestamp", notAfter, unit: "s", metric: Self.expiryMetric),
                    ]
                )
            }
        }
        return client.failure(error)
    }

    private func expiredMessage(left: Double, notAfter: Double) -> String {
        "certificate for \(serverName) expired \(Self.span(-left)) ago (\(Self.date(notAfter)))"
    }

    /// A time span in whole days, or in hours and minutes below a day: `29 days`, `1 day`, `5h 20m`.
    private static func span(_ seconds: Double) -> String {
        let days = Int((seconds / 86400).rounded(.down))
        return days >= 1 ? Self.days(days) : ProbeSupport.seconds(seconds)
    }

    private static func days(_ count: Int) -> String {
        count == 1 ? "1 day" : "\(count) days"
    }

    /// A UTC date, e.g. `2026-12-20`.
    private static func date(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let pad = { (value: Int32, width: Int) in
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
    }
}
