import Foundation
import NIOSSL
import Vitals
import Yams

/// The `--web.config.file`: the format of Prometheus' exporter-toolkit, so that one file serves
/// node_exporter, blackbox_exporter and Vitals alike.
///
/// ```yaml
/// tls_server_config:
///   cert_file: vitals.crt            # relative paths are relative to this file
///   key_file: vitals.key
///   client_auth_type: RequireAndVerifyClientCert
///   client_ca_file: clients-ca.crt
/// http_server_config:
///   headers: {Strict-Transport-Security: max-age=31536000}
/// basic_auth_users:
///   prometheus: $2b$12$…             # bcrypt, e.g. from `htpasswd -nBC 12 prometheus`
/// ```
struct WebConfiguration: Sendable, Equatable {
    static let sectionKeys = ["tls_server_config", "http_server_config", "basic_auth_users"]

    /// `nil`: plain HTTP.
    var tls: TLSServerSettings?
    var http = HTTPServerSettings()
    /// User name → bcrypt hash; empty: no authentication.
    var users: [String: String] = [:]

    /// Every file the configuration reads, for noticing a change (a rotated certificate).
    var referencedFiles: [String] {
        guard let tls else { return [] }
        return [tls.certFile, tls.keyFile] + (tls.clientCAFile.map { [$0] } ?? [])
    }
}

/// How the server asks for and judges client certificates, with Go's names (`tls.ClientAuthType`).
enum ClientAuthType: String, CaseIterable, Sendable {
    case noClientCert = "NoClientCert"
    case requestClientCert = "RequestClientCert"
    case requireAnyClientCert = "RequireAnyClientCert"
    case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
    case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

    /// Whether a certificate the client presents is checked against `client_ca_file`.
    var verifies: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
}

/// `min_version` and `max_version`, with exporter-toolkit's names.
enum TLSVersionName: String, CaseIterable, Sendable, Comparable {
    case tls10 = "TLS10"
    case tls11 = "TLS11"
    case tls12 = "TLS12"
    case tls13 = "TLS13"

    var version: TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// `tls_server_config`.
struct TLSServerSettings: ConfigSection {
    /// Go's names of the TLS 1.2 suites it offers (TLS 1.3 suites are not configurable, as in Go).
    static let cipherSuites: [String: NIOTLSCipher] = [
        "TLS_RSA_WITH_AES_128_CBC_SHA": .TLS_RSA_WITH_AES_128_CBC_SHA,
        "TLS_RSA_WITH_AES_256_CBC_SHA": .TLS_RSA_WITH_AES_256_CBC_SHA,
        "TLS_RSA_WITH_AES_128_GCM_SHA256": .TLS_RSA_WITH_AES_128_GCM_SHA256,
        "TLS_RSA_WITH_AES_256_GCM_SHA384": .TLS_RSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": .TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": .TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
    static let curves = ["CurveP256", "CurveP384", "CurveP521", "X25519"]

    var certFile = ""
    var keyFile = ""
    var clientAuthType = ClientAuthType.noClientCert
    var clientCAFile: String?
    var minVersion = TLSVersionName.tls12
    var maxVersion = TLSVersionName.tls13
    var cipherSuites: [String] = []
    /// Accepted for compatibility; like Go since 1.17, the server's order is always used.
    var preferServerCipherSuites = true
    /// Accepted for compatibility; BoringSSL's default groups are used.
    var curvePreferences: [String] = []

    static var keys: [ConfigKey<Self>] {
        [
            .key("cert_file", \.certFile, .readableFile, required: true, "PEM certificate chain, the server's first."),
            .key("key_file", \.keyFile, .readableFile, required: true, "PEM private key of the certificate."),
            .key(
                "client_auth_type",
                \.clientAuthType,
                .oneOf(),
                "Whether client certificates are requested, required and verified (Go's names)."
            ),
            .key(
                "client_ca_file",
                \.clientCAFile,
                .readableFile,
                "PEM certificate authorities that client certificates must chain to."
            ),
            .key("min_version", \.minVersion, .oneOf(), "Oldest TLS version accepted."),
            .key("max_version", \.maxVersion, .oneOf(), "Newest TLS version accepted."),
            .key(
                "cipher_suites",
                \.cipherSuites,
                ValueReader.stringList.checked("list of Go cipher suite names") { names in
                    names.first { Self.cipherSuites[$0] == nil }.map { "unknown cipher suite \"\($0)\"" }
                },
                "TLS 1.2 cipher suites offered (Go's names); empty: BoringSSL's defaults."
            ),
            .key(
                "prefer_server_cipher_suites",
                \.preferServerCipherSuites,
                .bool,
                "Accepted for compatibility; the server's order is always used (as in Go ≥ 1.17)."
            ),
            .key(
                "curve_preferences",
                \.curvePreferences,
                ValueReader.stringList.checked("list of Go curve names") { names in
                    names.first { !Self.curves.contains($0) }.map { "unknown curve \"\($0)\"" }
                },
                "Accepted for compatibility; BoringSSL's default key exchange groups are used."
            ),
        ]
    }

    mutating func validate(_ rules: inout KeyRules) {
        if clientAuthType.verifies, clientCAFile == nil, rules.isValid("client_auth_type") {
            rules.report("client_auth_type", "\(clientAuthType.rawValue) needs client_ca_file")
        }
        if clientCAFile != nil, !clientAuthType.verifies, rules.isValid("client_ca_file") {
            rules.report(
                "client_ca_file",
                "is used only with client_auth_type VerifyClientCertIfGiven or RequireAndVerifyClientCert"
            )
        }
        rules.requireOrder("min_version", minVersion, notGreaterThan: "max_version", maxVersion) { $0.rawValue }
        // Load what the files hold now, so that a bad certificate is an error at its key, not at the first client.
        if rules.isValid("cert_file") {
            do {
                if try NIOSSLCertificate.fromPEMFile(certFile).isEmpty {
                    rules.report("cert_file", "\(certFile) holds no PEM certificate")
                }
            } catch {
                rules.report("cert_file", "cannot load a PEM certificate from \(certFile): \(error)")
            }
        }
        if rules.isValid("key_file") {
            do {
                _ = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            } catch {
                rules.report("key_file", "cannot load a PEM private key from \(keyFile): \(error)")
            }
        }
        if let clientCAFile, rules.isValid("client_ca_file") {
            do {
                if try NIOSSLCertificate.fromPEMFile(clientCAFile).isEmpty {
                    rules.report("client_ca_file", "\(clientCAFile) holds no PEM certificate")
                }
            } catch {
                rules.report("client_ca_file", "cannot load PEM certificates from \(clientCAFile): \(error)")
            }
        }
    }
}

/// `http_server_config`.
struct HTTPServerSettings: ConfigSection {
    /// The headers exporter-toolkit lets a file set; others are rejected there, and so here.
    static let allowedHeaders = [
        "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection",
        "Content-Security-Policy",
    ]

    /// Accepted for compatibility: Vitals serves HTTP/1.1.
    var http2 = true
    var headers: [HeaderField] = []

    static var keys: [ConfigKey<Self>] {
        [
            .key("http2", \.http2, .bool, "Accepted for compatibility; Vitals serves HTTP/1.1."),
            .key(
                "headers",
                \.headers,
                ValueReader.headers.checked(
                    "mapping of headers to values; only \(allowedHeaders.joined(separator: ", "))"
                ) { fields in
                    fields.first { field in
                        !allowedHeaders.contains { $0.caseInsensitiveCompare(field.name) == .orderedSame }
                    }.map {
                        "header \"\($0.name)\" cannot be set; allowed: \(allowedHeaders.joined(separator: ", "))"
                    }
                },
                "Headers added to every response."
            ),
        ]
    }
}

extension ValueReader where Value == String {
    /// A file that can be read now: relative to the file being read, or `%d/NAME` for a systemd
    /// credential, as the `*_file` secrets.
    static var readableFile: ValueReader {
        ValueReader(
            kind: "path of a readable file (relative to this file; `%d/NAME` for a systemd credential)",
            read: { validator, node, keyPath in
                guard let text = validator.nonEmptyString(node, at: keyPath) else { return nil }
                guard let path = validator.resolveFile(text, node: node, at: keyPath) else { return nil }
                guard FileManager.default.isReadableFile(atPath: path) else {
                    validator.report("\(keyPath): cannot read \(path)", at: node.mark)
                    return nil
                }
                return path
            },
            show: { .string($0) }
        )
    }
}

extension ConfigValidator {
    /// Validates a web configuration document; `root` is nil for an empty file (plain HTTP, no users).
    mutating func webConfiguration(from root: Node?) -> WebConfiguration? {
        guard let file = document(root, keys: WebConfiguration.sectionKeys) else { return nil }
        // Every section is read whatever the others hold, so that every mistake is reported at once.
        var configuration = WebConfiguration()
        if let node = file.value("tls_server_config"), !isNull(node) {
            configuration.tls = section(node, named: "tls_server_config")
        }
        let http: HTTPServerSettings? = section(file.value("http_server_config"), named: "http_server_config")
        configuration.http = http ?? HTTPServerSettings()
        configuration.users = file.value("basic_auth_users").flatMap { basicAuthUsers($0) } ?? [:]
        return diagnostics.isEmpty ? configuration : nil
    }

    /// `basic_auth_users`: user names to bcrypt hashes.
    private mutating func basicAuthUsers(_ node: Node) -> [String: String]? {
        let scope = ConfigScope.section("basic_auth_users")
        guard let mapping = mapping(node, scope: scope, described: "basic_auth_users", allowNull: true) else {
            return nil
        }
        var users: [String: String] = [:]
        for entry in mapping.entries {
            let keyPath = scope.key(entry.name)
            guard let hash = nonEmptyString(entry.value, at: keyPath) else { continue }
            guard BasicAuthentication.isBcryptHash(hash) else {
                // Never the value: it may be a password written where its hash belongs.
                report(
                    "\(keyPath): must be a bcrypt hash ($2a$, $2b$ or $2y$), e.g. from `htpasswd -nBC 10 \(entry.name)`",
                    at: entry.value.mark
                )
                continue
            }
            users[entry.name] = hash
        }
        return users
    }
}

extension ConfigLoader {
    /// Reads and validates a `--web.config.file`.
    static func loadWebConfiguration(path: String) throws(ConfigError) -> WebConfiguration {
        try loadDocument(path: path) { validator, root in validator.webConfiguration(from: root) }
    }
}
