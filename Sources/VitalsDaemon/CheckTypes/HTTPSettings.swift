import Foundation
import NIOSSL
import Vitals
import VitalsProbes
import Yams

/// `http`: sends a request and judges the status and body.
struct HTTPSettings: ConnectingCheckSettings {
    static let typeName = "http"
    static let summary =
        "Sends an HTTP request; passes on an expected status and, optionally, matching headers, body and JSON values."

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
    var body: String?
    /// Read on each run.
    var bodyFile: String?
    var basicAuth: BasicAuth?
    var caFile: String?
    var certFile: String?
    var keyFile: String?
    var serverName: String?
    var followRedirects = true
    /// Header names and regular expression sources, already checked to compile.
    var expectHeaders: [HeaderField] = []
    /// JSON pointers and expected values or `/regex/`s, already checked.
    var expectJSON: [JSONExpectation] = []
    /// A regular expression source, already checked to compile.
    var failIfBody: String?
    /// For https: judge the certificate's expiry when either is set.
    var warnDays: Int?
    var failDays: Int?

    /// `basic_auth`: a user name and the file holding its password.
    struct BasicAuth: Sendable, Hashable {
        var username: String
        var password: SecretFile
    }

    /// One entry of `expect_json`.
    struct JSONExpectation: Sendable, Hashable {
        var pointer: String
        var expected: String
    }

    /// A request header whose value is a secret in a file.
    struct HeaderFile: Sendable, Hashable {
        var name: String
        var secret: SecretFile
    }

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? {
        URLComponents(string: url)?.host.map { $0.hasPrefix("[") ? String($0.dropFirst().dropLast()) : $0 }
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
            .key("body", \.body, .string, "The request body (set `Content-Type` in `headers`)."),
            .key(
                "body_file",
                \.bodyFile,
                .readableFile,
                "A file whose contents (at most 1 MiB) are the request body, read on each run."
            ),
            .key(
                "basic_auth",
                \.basicAuth,
                .basicAuth,
                "HTTP basic authentication: `{username: NAME, password_file: PATH}`."
            ),
            .key(
                "ca_file",
                \.caFile,
                .readableFile,
                "PEM file of the certificate authorities to trust for https (instead of the system's)."
            ),
            .key("cert_file", \.certFile, .readableFile, "PEM client certificate, for a server that asks for one."),
            .key("key_file", \.keyFile, .readableFile, "PEM private key of `cert_file`."),
            .key(
                "server_name",
                \.serverName,
                .string,
                "For https: the name to send (SNI) and verify instead of the URL's host; `Host` stays the URL's."
            ),
            .key(
                "follow_redirects",
                \.followRedirects,
                .bool,
                "Follow up to 5 redirects (without: a redirect is the response)."
            ),
            .key(
                "expect_headers",
                \.expectHeaders,
                ValueReader.headers.checked("mapping of header names to regular expressions (Swift `Regex`)") {
                    fields in
                    for field in fields {
                        do {
                            _ = try Regex(field.value)
                        } catch {
                            return "\(field.name): must be a valid regular expression: \(error)"
                        }
                    }
                    return nil
                },
                "Response headers (name → regular expression) whose values must match."
            ),
            .key(
                "expect_json",
                \.expectJSON,
                .jsonExpectations,
                "JSON pointers (`/checks/db/healthy`) → the value required there, or `/regex/`."
            ),
            .key("fail_if_body", \.failIfBody, .regex, "Fail when this matches the response body."),
            .key(
                "warn_days",
                \.warnDays,
                .count,
                "For https: warn when the server's certificate expires in fewer days (14 when only `fail_days` is set)."
            ),
            .key(
                "fail_days",
                \.failDays,
                .count,
                "For https: fail when the server's certificate expires in fewer days (3 when only `warn_days` is set)."
            ),
        ] + connectingKeys
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
        if basicAuth != nil {
            if passwordFile != nil || bearerTokenFile != nil || named.contains("authorization") {
                rules.report("basic_auth", "an Authorization header is set already")
            } else if let user = URLComponents(string: url)?.user, !user.isEmpty {
                rules.report("basic_auth", "the url has a user name already; keep the credentials in one place")
            }
        }
        if warnDays != nil || failDays != nil {
            let key = warnDays != nil ? "warn_days" : "fail_days"
            if rules.isValid("url"), URLComponents(string: url)?.scheme?.lowercased() != "https" {
                rules.report(key, "needs an https:// url")
            } else if tlsSkipVerify {
                rules.report(key, "needs certificate verification (tls_skip_verify: false)")
            }
            rules.requireOrder("fail_days", failDays ?? 3, notGreaterThan: "warn_days", warnDays ?? 14) { "\($0)" }
        }
        if serverName != nil, rules.isValid("url"), URLComponents(string: url)?.scheme?.lowercased() != "https" {
            rules.report("server_name", "needs an https:// url")
        }
        if body != nil, bodyFile != nil {
            rules.report("body_file", "body is set already")
        }
        if (certFile == nil) != (keyFile == nil) {
            rules.report(certFile == nil ? "key_file" : "cert_file", "cert_file and key_file go together")
        }
        if let certFile, let keyFile, rules.isValid("cert_file"), rules.isValid("key_file") {
            do {
                _ = try NIOSSLCertificate.fromPEMFile(certFile)
                _ = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            } catch {
                rules.report("cert_file", "cannot load the certificate and key as PEM: \(error)")
            }
        }
        if let caFile, rules.isValid("ca_file"), (try? NIOSSLCertificate.fromPEMFile(caFile))?.isEmpty ?? true {
            rules.report("ca_file", "\(caFile) holds no PEM certificate")
        }
    }

    /// What `https` requests trust, present and verify.
    var tls: HTTPProbe.TLS {
        // Loaded here, as PEM whatever the file names end with; `validate` made sure they load.
        HTTPProbe.TLS(
            trustRoots: caFile.map { .certificates((try? NIOSSLCertificate.fromPEMFile($0)) ?? []) } ?? .default,
            clientCertificate: certFile.flatMap { certificate in keyFile.map { (certificate, $0) } },
            verify: !tlsSkipVerify,
            serverName: serverName
        )
    }

    /// `headers`, then the headers whose values come from files.
    var requestHeaders: [(String, String)] {
        var fields = headers.map { ($0.name, $0.value) } + headerFiles.map { ($0.name, $0.secret.value) }
        if let bearerTokenFile { fields.append(("Authorization", "Bearer \(bearerTokenFile.value)")) }
        if let passwordFile, let user = URLComponents(string: url)?.user {
            let credentials = Data("\(user):\(passwordFile.value)".utf8).base64EncodedString()
            fields.append(("Authorization", "Basic \(credentials)"))
        }
        if let basicAuth {
            let credentials = Data("\(basicAuth.username):\(basicAuth.password.value)".utf8).base64EncodedString()
            fields.append(("Authorization", "Basic \(credentials)"))
        }
        return fields
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        HTTPProbe(
            url: url,
            method: method.rawValue,
            headers: Dictionary(requestHeaders, uniquingKeysWith: { _, last in last }),
            body: body.map { .bytes(Array($0.utf8)) } ?? bodyFile.map { .file($0) },
            expectStatus: expectStatus,
            expectBody: expectBody,
            failIfBody: failIfBody,
            expectHeaders: expectHeaders.map { ($0.name, $0.value) },
            expectJSON: expectJSON.map { ($0.pointer, $0.expected) },
            followRedirects: followRedirects ? 5 : 0,
            tls: tls,
            certificateDays: warnDays != nil || failDays != nil ? (warnDays ?? 14, failDays ?? 3) : nil,
            threadPool: context.resolverThreadPool
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

extension ValueReader where Value == HTTPSettings.BasicAuth {
    /// `basic_auth`: `{username: NAME, password_file: PATH}`.
    static var basicAuth: ValueReader {
        ValueReader(
            kind: "mapping: `username` and `password_file` (a file holding the password)",
            read: { validator, node, keyPath in
                let scope = ConfigScope.section(keyPath)
                guard let mapping = validator.mapping(node, scope: scope, described: keyPath, allowNull: false) else {
                    return nil
                }
                validator.rejectUnknownKeys(in: mapping, allowed: ["username", "password_file"])
                let username = validator.read(
                    mapping,
                    "username",
                    .required,
                    ValueReader<String>.string.checked { $0.contains(":") ? "must not contain a colon" : nil }
                )
                let password = validator.read(mapping, "password_file", .required, .secretFile)
                guard let username, let password else { return nil }
                return HTTPSettings.BasicAuth(username: username, password: password)
            },
            show: {
                .object([.init("username", .string($0.username)), .init("password_file", .string($0.password.path))])
            }
        )
    }
}

extension ValueReader where Value == [HTTPSettings.JSONExpectation] {
    /// `expect_json`: JSON pointers to expected values, in file order.
    static var jsonExpectations: ValueReader {
        ValueReader(
            kind:
                "mapping of JSON pointers (`/a/0/b`) to values (text, number, `true`, `false`, `\"null\"`) or `/regex/`",
            read: { validator, node, keyPath in
                let scope = ConfigScope.section(keyPath)
                guard let mapping = validator.mapping(node, scope: scope, described: keyPath, allowNull: true) else {
                    return nil
                }
                var expectations: [HTTPSettings.JSONExpectation] = []
                var valid = true
                for entry in mapping.entries {
                    let entryPath = scope.key(entry.name)
                    guard entry.name.isEmpty || entry.name.hasPrefix("/") else {
                        validator.report("\(entryPath): a JSON pointer starts with /, like /status", at: entry.key.mark)
                        valid = false
                        continue
                    }
                    guard let expected = validator.nonEmptyString(entry.value, at: entryPath) else {
                        valid = false
                        continue
                    }
                    if let source = ExpectedValue.regexSource(expected) {
                        do {
                            _ = try Regex(source)
                        } catch {
                            validator.report(
                                "\(entryPath): must be a valid regular expression: \(error)",
                                at: entry.value.mark
                            )
                            valid = false
                            continue
                        }
                    }
                    expectations.append(HTTPSettings.JSONExpectation(pointer: entry.name, expected: expected))
                }
                return valid ? expectations : nil
            },
            show: { .object($0.map { .init($0.pointer, .string($0.expected)) }) }
        )
    }
}
