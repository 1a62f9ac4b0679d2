import Vitals
import VitalsProbes

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
        ]
    }

    mutating func validate(_ rules: inout KeyRules) {
        if bearerTokenFile != nil, headers.contains(where: { $0.name.lowercased() == "authorization" }) {
            rules.report("bearer_token_file", "headers has an Authorization header already")
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        HTTPProbe(
            url: url,
            method: method.rawValue,
            headers: Dictionary(
                (headers.map { ($0.name, $0.value) })
                    + (bearerTokenFile.map { [("Authorization", "Bearer \($0.value)")] } ?? []),
                uniquingKeysWith: { _, last in last }
            ),
            expectStatus: expectStatus,
            expectBody: expectBody,
            client: tlsSkipVerify ? context.insecureHTTPClient : context.httpClient
        )
    }
}
