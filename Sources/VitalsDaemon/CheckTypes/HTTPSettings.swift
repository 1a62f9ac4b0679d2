import Foundation
import Vitals
import VitalsProbes
import Yams

/// `http`: sends a request and judges the status and body.
struct HTTPSettings: CheckSettings {
    static let typeName = "http"
    static let summary = "Sends an HTTP request; passes on an expected status and, optionally, a matching body."

    /// The methods a check may send.
    enum Method: String, Sendable, Hashable, CaseIterable {
        case get = "GET"
        case head = "HEAD"
        case post = "POST"
        case put = "PUT"
        case delete = "DELETE"
        case options = "OPTIONS"
        case patch = "PATCH"
    }

    /// http or https, with a host.
    var url = ""
    var method = Method.get
    var headers: [HeaderField] = []
    /// A single code is the range `n...n`.
    var expectStatus = [200...299]
    /// A regular expression source, already checked to compile.
    var expectBody: String?
    var tlsSkipVerify = false
    /// Sent as `Authorization: Bearer …`.
    var bearerTokenFile: SecretFile?
    /// With the URL's user name, sent as `Authorization: Basic …`.
    var passwordFile: SecretFile?
    /// Header values read from files, in file order.
    var headerFiles: [HeaderFile] = []

    /// A request header whose value is a secret in a file.
    struct HeaderFile: Sendable, Hashable {
        var name: String
        var secret: SecretFile
    }

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "url",
                \.url,
                .url(
                    schemes: ["http", "https"],
                    requiringHost: true,
                    problem: "must be an http:// or https:// URL with a host"
                ),
                required: true,
                "The URL to request."
            ),
            .key("method", \.method, .oneOf(), "The request method."),
            .key("headers", \.headers, .headers, "Request headers."),
            .key(
                "expect_status",
                \.expectStatus,
                .statusRanges,
                "Statuses that pass: codes and ranges like `200-299`."
            ),
            .key("expect_body", \.expectBody, .regex, "Must match the response body."),
            .key("tls_skip_verify", \.tlsSkipVerify, .bool, "Accept any certificate."),
            .key(
                "bearer_token_file",
                \.bearerTokenFile,
                .secretFile,
                "File holding a token sent as `Authorization: Bearer …`; `%d/NAME` reads a systemd credential."
            ),
            .key(
                "password_file",
                \.passwordFile,
                .secretFile,
                "File holding the password for the user name in `url`, sent as HTTP basic authentication."
            ),
            .key(
                "header_files",
                \.headerFiles,
                .headerFiles,
                "Request headers whose values are read from files (header name → path), e.g. `X-Api-Key`."
            ),
        ]
    }

    mutating func validate(_ rules: inout KeyRules) {
        let named = Set(headers.map { $0.name.lowercased() } + headerFiles.map { $0.name.lowercased() })
        if bearerTokenFile != nil, named.contains("authorization") {
            rules.report("bearer_token_file", "an Authorization header is set already")
        }
        if passwordFile != nil, rules.isValid("url") {
            let components = URLComponents(string: url)
            if components?.user?.isEmpty ?? true {
                rules.report("password_file", "url needs the user name, like http://monitor@host/")
            } else if components?.password != nil {
                rules.report("password_file", "the url has a password already; keep it in one place")
            } else if bearerTokenFile != nil || named.contains("authorization") {
                rules.report("password_file", "an Authorization header is set already")
            }
        }
        for header in headerFiles where headers.contains(where: { $0.name.lowercased() == header.name.lowercased() }) {
            rules.report("header_files", "\(header.name) is in headers too")
        }
    }

    /// `headers`, then the headers whose values come from files.
    var requestHeaders: [(String, String)] {
        var fields = headers.map { ($0.name, $0.value) } + headerFiles.map { ($0.name, $0.secret.value) }
        if let bearerTokenFile { fields.append(("Authorization", "Bearer \(bearerTokenFile.value)")) }
        if let passwordFile, let user = URLComponents(string: url)?.user {
            let credentials = Data("\(user):\(passwordFile.value)".utf8).base64EncodedString()
            fields.append(("Authorization", "Basic \(credentials)"))
        }
        return fields
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        HTTPProbe(
            url: url,
            method: method.rawValue,
            headers: Dictionary(requestHeaders, uniquingKeysWith: { _, last in last }),
            expectStatus: expectStatus,
            expectBody: expectBody,
            client: tlsSkipVerify ? context.insecureHTTPClient : context.httpClient
        )
    }
}

extension ValueReader where Value == [HTTPSettings.HeaderFile] {
    /// `header_files`: header names to files holding their values.
    static var headerFiles: ValueReader {
        ValueReader(
            kind: "mapping of header names to files (relative to this file; `%d/NAME` for a systemd credential)",
            read: { validator, node, keyPath in
                let scope = ConfigScope.section(keyPath)
                guard let mapping = validator.mapping(node, scope: scope, described: keyPath, allowNull: true) else {
                    return nil
                }
                var files: [HTTPSettings.HeaderFile] = []
                var valid = true
                for entry in mapping.entries {
                    let entryPath = scope.key(entry.name)
                    guard HeaderField.isValidName(entry.name) else {
                        validator.report("\(entryPath): is not a valid header name", at: entry.key.mark)
                        valid = false
                        continue
                    }
                    guard let secret = ValueReader<SecretFile>.secretFile.read(&validator, entry.value, entryPath)
                    else {
                        valid = false
                        continue
                    }
                    guard HeaderField.isValidValue(secret.value) else {
                        validator.report("\(entryPath): \(secret.path) holds control characters", at: entry.value.mark)
                        valid = false
                        continue
                    }
                    files.append(HTTPSettings.HeaderFile(name: entry.name, secret: secret))
                }
                return valid ? files : nil
            },
            show: { .object($0.map { .init($0.name, .string($0.secret.path)) }) }
        )
    }
}
