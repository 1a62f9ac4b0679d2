import Foundation
import NIOSSL
import Vitals
import VitalsProbes

/// `tls`: a TLS handshake, and the days left on the certificate.
struct TLSSettings: ConnectingCheckSettings {
    static let typeName = "tls"
    static let summary =
        "Completes a TLS handshake, verifies the chain and name, and warns before the certificate expires."

    var address = HostPort.placeholder
    /// The host of `address` unless the file names another.
    var serverName: String?
    var warnDays = 14
    var failDays = 3
    /// PEM certificates to trust instead of the system's, for a private CA.
    var caFile: String?
    var starttls: StartTLSProtocol?
    var minVersion: Version?
    var certFile: String?
    var keyFile: String?

    /// The versions `min_version` takes.
    enum Version: String, Sendable, Hashable, CaseIterable {
        case tls10 = "TLSv1.0"
        case tls11 = "TLSv1.1"
        case tls12 = "TLSv1.2"
        case tls13 = "TLSv1.3"

        var tlsVersion: TLSVersion {
            switch self {
            case .tls10: .tlsv1
            case .tls11: .tlsv11
            case .tls12: .tlsv12
            case .tls13: .tlsv13
            }
        }
    }

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? { address.host }

    static var keys: [ConfigKey<Self>] {
        [
            .key("address", \.address, .hostPort, required: true, "Where to connect: `HOST:PORT`."),
            .key("server_name", \.serverName, .string, "The name to send and verify; the host of `address` if unset."),
            .key("warn_days", \.warnDays, .count, "Warn when the certificate expires in fewer days."),
            .key("fail_days", \.failDays, .count, "Fail when the certificate expires in fewer days."),
            .key(
                "ca_file",
                \.caFile,
                .readableFile,
                "PEM file of the certificate authorities to trust instead of the system's (a private CA)."
            ),
            .key(
                "starttls",
                \.starttls,
                .oneOf(),
                "Start in plaintext and upgrade with this protocol's STARTTLS (a mail or database server)."
            ),
            .key("min_version", \.minVersion, .oneOf(), "Fail when the server agrees on an older TLS version."),
            .key("cert_file", \.certFile, .readableFile, "PEM client certificate, for a server that asks for one."),
            .key("key_file", \.keyFile, .readableFile, "PEM private key of `cert_file`."),
        ] + connectingKeys
    }

    mutating func validate(_ rules: inout KeyRules) {
        rules.requireOrder("fail_days", failDays, notGreaterThan: "warn_days", warnDays) { "\($0)" }
        if (certFile == nil) != (keyFile == nil) {
            rules.report(certFile == nil ? "key_file" : "cert_file", "cert_file and key_file go together")
        }
        if serverName == nil { serverName = address.host }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        TLSProbe(
            host: address.host,
            port: address.port,
            serverName: serverName ?? address.host,
            warnDays: warnDays,
            failDays: failDays,
            trustRoots: caFile.map { .file($0) } ?? .default,
            startTLS: starttls,
            minimumVersion: minVersion?.tlsVersion,
            clientCertificate: certFile.flatMap { certificate in keyFile.map { (certificate, $0) } }
        )
    }
}
