public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import NIOSSL
public import Vitals

/// Sends one HTTP request and checks the response's status, headers and body.
///
/// The ``HTTPClient`` is passed in: its owner decides its lifecycle, its TLS settings (one that
/// verifies certificates, another for `tls_skip_verify`) and whether it follows redirects. Give it
/// `connectionPool.retryConnectionEstablishment = false`, or a refused connection is retried until
/// the check times out instead of failing as `refused`. `tlsConfiguration`, when set, replaces the
/// client's for this probe's requests (a private CA, a client certificate).
///
/// ```swift
/// let api = HTTPProbe(url: "http://127.0.0.1:8080/ping", client: client)
/// ```
///
/// Judged in this order: the status (`expectStatus`), the headers (`expectHeaders`), the body
/// (`expectBody` must match, `failIfBody` must not), the JSON values (`expectJSON`). Failure
/// reasons: `status`, `body` (also for headers and JSON), `refused`, `dns`, `tls`, `timeout`,
/// `error`. Request header values never appear in messages: they may hold credentials.
/// Observations: `status` (the final status code) and `redirects` (how many were followed).
public struct HTTPProbe: HealthCheck {
    /// The most body bytes read; the connection is dropped after that.
    static let bodyLimit = 1 << 20

    /// The URL requested.
    public var url: String
    /// The request method, e.g. `GET`.
    public var method: String
    /// Request headers.
    public var headers: [String: String]
    /// The request body, if any.
    public var body: Body?
    /// The accepted status codes.
    public var expectStatus: [ClosedRange<Int>]
    /// A regular expression the body must match, if any.
    public var expectBody: String?
    /// A regular expression the body must not match, if any.
    public var failIfBody: String?
    /// Response headers (by name, any case) and regular expressions their values must match.
    public var expectHeaders: [(name: String, pattern: String)]
    /// JSON pointers and the values the body, as JSON, must hold there (`/regex/` or a value).
    public var expectJSON: [(pointer: String, expected: String)]
    /// TLS settings for this probe's requests instead of the client's.
    public var tlsConfiguration: TLSConfiguration?
    /// For an `https` URL: after a passing response, a TLS handshake with the server judges its
    /// certificate's expiry as the `tls` check does; nil not to.
    public var certificateExpiry: TLSProbe?
    /// The client that sends the request.
    public var client: HTTPClient

    /// A request body.
    public enum Body: Sendable, Hashable {
        /// These bytes.
        case bytes([UInt8])
        /// The contents of a file (at most 1 MiB), read on each run.
        case file(String)
    }

    /// Creates an HTTP probe.
    /// - Parameters:
    ///   - url: An absolute `http` or `https` URL.
    ///   - method: The request method.
    ///   - headers: Request headers.
    ///   - body: The request body; sent with `Content-Length`.
    ///   - expectStatus: The accepted status codes; any range may match.
    ///   - expectBody: A regular expression (Swift `Regex` syntax) matched against the first
    ///     MiB of the body, decoded as UTF-8. It must be valid: it is compiled on each run.
    ///   - failIfBody: A regular expression the body must not match.
    ///   - expectHeaders: Response header names and regular expressions their values must match.
    ///   - expectJSON: JSON pointers (`/checks/db/healthy`) and the values required there: a
    ///     string, number, `true`, `false` or `null` as text, or `/regex/`.
    ///   - tlsConfiguration: TLS settings for these requests instead of the client's.
    ///   - certificateExpiry: A `tls` probe of the URL's server, run after a passing response:
    ///     its status joins the result (the worse wins), its message and observations are added.
    ///   - client: The client that sends the request; the caller shuts it down.
    public init(
        url: String,
        method: String = "GET",
        headers: [String: String] = [:],
        body: Body? = nil,
        expectStatus: [ClosedRange<Int>] = [200...299],
        expectBody: String? = nil,
        failIfBody: String? = nil,
        expectHeaders: [(name: String, pattern: String)] = [],
        expectJSON: [(pointer: String, expected: String)] = [],
        tlsConfiguration: TLSConfiguration? = nil,
        certificateExpiry: TLSProbe? = nil,
        client: HTTPClient
    ) {
        self.certificateExpiry = certificateExpiry
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.expectStatus = expectStatus
        self.expectBody = expectBody
        self.failIfBody = failIfBody
        self.expectHeaders = expectHeaders
        self.expectJSON = expectJSON
        self.tlsConfiguration = tlsConfiguration
        self.client = client
    }

    public func run() async throws -> CheckOutcome {
        // `Regex` is not Sendable, so the probe keeps the patterns and compiles them per run.
        let regex: Regex<AnyRegexOutput>?
        let failRegex: Regex<AnyRegexOutput>?
        let headerRegexes: [(name: String, source: String, regex: Regex<AnyRegexOutput>)]
        do {
            regex = try expectBody.map { try Regex($0) }
            failRegex = try failIfBody.map { try Regex($0) }
            headerRegexes = try expectHeaders.map { ($0.name, $0.pattern, try Regex($0.pattern)) }
        } catch {
            throw CheckFailure(.error, "invalid pattern: \(error)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        switch body {
        case .bytes(let bytes)?: request.body = .bytes(ByteBuffer(bytes: bytes))
        case .file(let path)?: request.body = .bytes(ByteBuffer(string: try ProbeSupport.readSmallFile(path)))
        case nil: break
        }
        request.tlsConfiguration = tlsConfiguration
        let clock = ContinuousClock()
        let start = clock.now
        do {
            // The scheduler enforces the check's timeout by cancelling; this is only a backstop.
            let response = try await client.execute(request, timeout: .hours(1))
            var body: [UInt8] = []
            for try await chunk in response.body {
                body.append(contentsOf: chunk.readableBytesView.prefix(Self.bodyLimit - body.count))
                // A streaming or huge body must not hold the check until its timeout.
                if body.count >= Self.bodyLimit { break }
            }
            let elapsed = ProbeSupport.duration(start.duration(to: clock.now))
            let code = Int(response.status.code)
            let redirects = max(0, response.history.count - 1)
            let observations = [Observation("status", Double(code)), Observation("redirects", Double(redirects))]
            let head =
                "HTTP \(code) in \(elapsed)" + (redirects > 0 ? " after \(Self.count(redirects, "redirect"))" : "")
            guard expectStatus.contains(where: { $0.contains(code) }) else {
                return .fail(
                    "\(head), expected \(Self.describe(expectStatus))",
                    reason: .status,
                    observations: observations
                )
            }
            for (name, source, regex) in headerRegexes {
                let values = response.headers[name]
                guard !values.isEmpty else {
                    return .fail("\(head), but header \(name) is missing", reason: .body, observations: observations)
                }
                let value = values.joined(separator: ", ")
                if !value.contains(regex) {
                    return .fail(
                        "\(head), but header \(name) is \"\(ProbeSupport.printable(Array(value.utf8)))\", expected /\(source)/",
                        reason: .body,
                        observations: observations
                    )
                }
            }
            // Decoded only for the patterns that read it: most checks have none.
            let text = regex == nil && failRegex == nil ? "" : String(decoding: body, as: UTF8.self)
            if let regex, !text.contains(regex) {
                let got = body.isEmpty ? "empty body" : "got \"\(ProbeSupport.printable(body))\""
                return .fail("\(head), but the body did not match (\(got))", reason: .body, observations: observations)
            }
            if let failRegex, let match = text.firstMatch(of: failRegex) {
                return .fail(
                    "\(head), but the body matched fail_if_body (\"\(ProbeSupport.printable(Array(text[match.range].utf8)))\")",
                    reason: .body,
                    observations: observations
                )
            }
            if let problem = try jsonProblem(in: body) {
                return .fail("\(head), but \(problem)", reason: .body, observations: observations)
            }
            guard let certificateExpiry else { return .pass(head, observations: observations) }
            // The HTTP client does not show the server's certificate: a handshake of its own does.
            let certificate = try await certificateExpiry.run()
            return CheckOutcome(
                status: certificate.status,
                message: "\(head); \(certificate.message)",
                reason: certificate.reason,
                observations: observations + certificate.observations
            )
        } catch let failure as CheckFailure {
            throw failure
        } catch {
            try Task.checkCancellation()
            throw CheckFailure.network(error)
        }
    }

    /// What in the body contradicts `expectJSON`, or nil.
    private func jsonProblem(in body: [UInt8]) throws -> String? {
        guard !expectJSON.isEmpty else { return nil }
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            return "the body is not JSON"
        }
        for (pointer, expected) in expectJSON {
            guard let value = document.value(at: pointer) else { return "\(pointer) is missing from the JSON" }
            if try !value.matches(expected) {
                let shown = ExpectedValue.regexSource(expected) != nil ? expected : "\"\(expected)\""
                return "\(pointer) is \"\(ProbeSupport.printable(Array(value.text.utf8)))\", expected \(shown)"
            }
        }
        return nil
    }

    /// `1 redirect`, `2 redirects`.
    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    /// Status ranges as people write them: `200-299`, `200, 301`.
    static func describe(_ ranges: [ClosedRange<Int>]) -> String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ", ")
    }
}
