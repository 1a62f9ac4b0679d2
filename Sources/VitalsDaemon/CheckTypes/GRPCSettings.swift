import Vitals
import VitalsProbes

/// `grpc`: the standard gRPC health service (`grpc.health.v1.Health/Check`).
struct GRPCSettings: ConnectingCheckSettings {
    static let typeName = "grpc"
    static let summary = "Calls `grpc.health.v1.Health/Check` and passes when the service is `SERVING`."

    var address = HostPort.placeholder
    /// None asks about the server as a whole.
    var service: String?
    var tls = false
    var caFile: String?
    var certFile: String?
    var keyFile: String?
    var authority: String?

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? { address.host }

    static var keys: [ConfigKey<Self>] {
        [
            .key("address", \.address, .hostPort, required: true, "The server: `HOST:PORT`."),
            .key(
                "service",
                \.service,
                .string,
                "The service to ask about (`package.Service`); without it, the server as a whole."
            ),
            .key("tls", \.tls, .bool, "Speak TLS (otherwise plaintext HTTP/2)."),
            .key("ca_file", \.caFile, .readableFile, "PEM file of the certificate authorities to trust (with TLS)."),
            .key("cert_file", \.certFile, .readableFile, "PEM client certificate, for a server that asks for one."),
            .key("key_file", \.keyFile, .readableFile, "PEM private key of `cert_file`."),
            .key(
                "authority",
                \.authority,
                .string,
                "The `:authority` to send and, with TLS, the name to verify; `address` by default."
            ),
        ] + connectingKeys
    }

    func validate(_ rules: inout KeyRules) {
        if !tls {
            for key in ["ca_file", "cert_file", "key_file"] where rules.contains(key) {
                rules.report(key, "needs tls: true")
            }
        }
        if (certFile == nil) != (keyFile == nil) {
            rules.report(certFile == nil ? "key_file" : "cert_file", "cert_file and key_file go together")
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        let client = certFile.flatMap { certificate in keyFile.map { (certificate: certificate, key: $0) } }
        return GRPCProbe(
            host: address.host,
            port: address.port,
            service: service ?? "",
            tls: tls ? GRPCProbe.TLS(caFile: caFile, clientCertificate: client) : nil,
            authority: authority
        )
    }
}
