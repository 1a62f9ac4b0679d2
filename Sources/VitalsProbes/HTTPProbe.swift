import Foundation
import NIOCore
public import NIOPosix
public import NIOSSL
import Synchronization
public import Vitals

/// Sends one HTTP/1.1 request over a connection of its own and checks the response's status,
/// headers and body.
///
/// Each run resolves the host, connects, speaks TLS for `https`, and closes the connection at the
/// end (`Connection: close`), so it measures the whole path as a client meets it; redirects are
/// followed up to `followRedirects` times (`Authorization` is dropped when one leads to another
/// host). A URL's user name and password are sent as basic authentication.
///
/// ```swift
/// let api = HTTPProbe(url: "http://127.0.0.1:8080/ping")
/// ```
///
/// Judged in this order: the status (`expectStatus`), the headers (`expectHeaders`), the body
/// (`expectBody` must match, `failIfBody` must not), the JSON values (`expectJSON`), and for an
/// `https` URL with `certificateDays`, the expiry of the server's certificate. Failure reasons:
/// `status`, `body` (also for headers and JSON), `refused`, `dns`, `tls`, `expiry`, `timeout`,
/// `error`. Request header values never appear in messages: they may hold credentials.
/// Observations: `status` (the final status code), `redirects` (how many were followed), the
/// phases `dns_seconds`, `connect_seconds`, `tls_seconds`, `first_byte_seconds` and
/// `transfer_seconds` (each summed over the redirects), and for TLS `tls_version` (1.2, 1.3).
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
    /// The most redirects followed; 0 judges a redirect as the response.
    public var followRedirects: Int
    /// For `https`: what to trust, what to present and which name to verify.
    public let tls: TLS
    /// For an `https` URL: the days before the certificate's expiry from which the check warns and
    /// fails, as the `tls` check judges them; nil not to judge it.
    public var certificateDays: (warn: Int, fail: Int)?
    /// The clock that certificate expiry is judged against.
    public var wallClock: WallClock
    /// The threads that `getaddrinfo` blocks, one per lookup in progress.
    public var threadPool: NIOThreadPool
    /// The TLS context, made on first use and kept: loading trust roots costs more than a request.
    private let contexts = ContextCache()

    /// A request body.
    public enum Body: Sendable, Hashable {
        /// These bytes.
        case bytes([UInt8])
        /// The contents of a file (at most 1 MiB), read on each run.
        case file(String)
    }

    /// The TLS side of `https` requests.
    public struct TLS: Sendable {
        /// The certificates trusted to sign the server's.
        public var trustRoots: NIOSSLTrustRoots
        /// PEM files of a certificate and its key, presented when the server asks for one.
        public var clientCertificate: (certificate: String, key: String)?
        /// False accepts any certificate for any name.
        public var verify: Bool
        /// The name sent as SNI and verified; the URL's host if nil.
        public var serverName: String?

        /// - Parameters:
        ///   - trustRoots: The certificates trusted to sign the server's; the system's by default.
        ///   - clientCertificate: PEM files of a certificate and its key, for a server that asks.
        ///   - verify: False accepts any certificate for any name.
        ///   - serverName: The name sent as SNI and verified instead of the URL's host.
        public init(
            trustRoots: NIOSSLTrustRoots = .default,
            clientCertificate: (certificate: String, key: String)? = nil,
            verify: Bool = true,
            serverName: String? = nil
        ) {
            self.trustRoots = trustRoots
            self.clientCertificate = clientCertificate
            self.verify = verify
            self.serverName = serverName
        }
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
    ///   - followRedirects: The most redirects followed; 0 judges a redirect as the response.
    ///   - tls: For `https`: what to trust, what to present and which name to verify.
    ///   - certificateDays: For `https`: judge the certificate's expiry with these thresholds.
    ///   - wallClock: The clock that certificate expiry is judged against.
    ///   - threadPool: The threads that `getaddrinfo` blocks, one per lookup in progress.
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
        followRedirects: Int = 5,
        tls: TLS = TLS(),
        certificateDays: (warn: Int, fail: Int)? = nil,
        wallClock: WallClock = .system,
        threadPool: NIOThreadPool = .singleton
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.expectStatus = expectStatus
        self.expectBody = expectBody
        self.failIfBody = failIfBody
        self.expectHeaders = expectHeaders
        self.expectJSON = expectJSON
        self.followRedirects = followRedirects
        self.tls = tls
        self.certificateDays = certificateDays
        self.wallClock = wallClock
        self.threadPool = threadPool
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
        guard let components = URLComponents(string: url) else { throw CheckFailure(.error, "invalid URL") }
        var request = HTTPExchange.Request(
            method: method,
            url: components,
            headers: headers.map { ($0.key, $0.value) },
            body: try body.map { body in
                switch body {
                case .bytes(let bytes): bytes
                case .file(let path): Array(try ProbeSupport.readSmallFile(path).utf8)
                }
            }
        )
        let clock = ContinuousClock()
        let start = clock.now
        var response = try await exchange(request)
        // The certificate judged is that of the URL's own server, not of where it redirects.
        let certificate = response.peerCertificate
        let host = request.endpoint?.host ?? ""
        var timings = response.timings
        var redirects = 0
        while followRedirects > 0, let next = Self.redirect(from: request, after: response) {
            guard redirects < followRedirects else {
                throw CheckFailure(
                    .status,
                    "HTTP \(response.status): more than \(Self.count(followRedirects, "redirect"))"
                )
            }
            request = next
            redirects += 1
            response = try await exchange(request)
            timings = timings + response.timings
        }
        let elapsed = ProbeSupport.duration(start.duration(to: clock.now))
        let code = response.status
        var observations = [Observation("status", Double(code)), Observation("redirects", Double(redirects))]
        observations += timings.observations
        if let version = response.tlsVersion {
            observations.append(Observation("tls_version", TLSProbe.number(of: version)))
        }
        let head = "HTTP \(code) in \(elapsed)" + (redirects > 0 ? " after \(Self.count(redirects, "redirect"))" : "")
        guard expectStatus.contains(where: { $0.contains(code) }) else {
            return .fail(
                "\(head), expected \(Self.describe(expectStatus))",
                reason: .status,
                observations: observations
            )
        }
        for (name, source, regex) in headerRegexes {
            guard let value = response.header(name) else {
                return .fail("\(head), but header \(name) is missing", reason: .body, observations: observations)
            }
            if !value.contains(regex) {
                return .fail(
                    "\(head), but header \(name) is \"\(ProbeSupport.printable(Array(value.utf8)))\", expected /\(source)/",
                    reason: .body,
                    observations: observations
                )
            }
        }
        let body = response.body
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
        guard let certificateDays, let certificate else {
            return .pass(head, observations: observations)
        }
        let expiry = CertificateExpiry(
            warnDays: certificateDays.warn,
            failDays: certificateDays.fail,
            now: wallClock.now()
        )
        let judged = expiry.outcome(
            "certificate for \(tls.serverName ?? host)",
            notAfter: Double(certificate.notValidAfter)
        )
        return CheckOutcome(
            status: judged.status,
            message: "\(head); \(judged.message)",
            reason: judged.reason,
            observations: observations + judged.observations
        )
    }

    /// Sends `request` once; a redirect's response comes back as it is.
    private func exchange(_ request: HTTPExchange.Request) async throws -> HTTPExchange.Response {
        let client: TLSClient?
        if let endpoint = request.endpoint, endpoint.tls {
            client = try contexts.client(tls, host: endpoint.host)
        } else {
            client = nil
        }
        let serverName = client?.serverName ?? ""
        let expiry = CertificateExpiry(
            warnDays: certificateDays?.warn ?? 0,
            failDays: certificateDays?.fail ?? 0,
            now: wallClock.now()
        )
        return try await HTTPExchange.send(
            request,
            tls: client,
            handshakeFailure: { error in
                // Verification rejects an expired certificate without saying why; the leaf tells.
                if let leaf = error.leaf,
                    let expired = expiry.expired("certificate for \(serverName)", notAfter: Double(leaf.notValidAfter))
                {
                    return expired
                }
                return client?.failure(error) ?? CheckFailure.network(error.underlying)
            },
            bodyLimit: Self.bodyLimit,
            threadPool: threadPool
        )
    }

    /// The request a redirect asks for, or nil when `response` is not one.
    ///
    /// 303, and 301 and 302 after a POST, become a GET without a body, as browsers do; 307 and 308
    /// repeat the request. `Authorization` goes only to the same host.
    static func redirect(
        from request: HTTPExchange.Request,
        after response: HTTPExchange.Response
    ) -> HTTPExchange.Request? {
        guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("location"),
            let current = request.url.url, let target = URL(string: location, relativeTo: current)?.absoluteURL,
            var next = URLComponents(url: target, resolvingAgainstBaseURL: true)
        else { return nil }
        var redirected = request
        if response.status == 303 && request.method != "HEAD"
            || (response.status == 301 || response.status == 302) && request.method == "POST"
        {
            redirected.method = "GET"
            redirected.body = nil
            redirected.headers.removeAll { ["content-type", "content-length"].contains($0.name.lowercased()) }
        }
        if next.host?.lowercased() != request.url.host?.lowercased() || next.port != request.url.port {
            redirected.headers.removeAll { $0.name.lowercased() == "authorization" }
        }
        next.user = nil
        next.password = nil
        redirected.url = next
        return redirected
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

/// The probe's TLS contexts, one per trust settings, made on first use.
private final class ContextCache: Sendable {
    private let context = Mutex<NIOSSLContext?>(nil)

    /// A client for `host` with the probe's settings; its context is made once.
    func client(_ tls: HTTPProbe.TLS, host: String) throws(CheckFailure) -> TLSClient {
        let name = tls.serverName ?? host
        if let made = context.withLock({ $0 }) {
            return TLSClient(context: made, serverName: name, verifying: tls.verify)
        }
        let client = try TLSClient(
            trustRoots: tls.trustRoots,
            serverName: name,
            clientCertificate: tls.clientCertificate,
            verifying: tls.verify
        )
        context.withLock { $0 = client.context }
        return client
    }
}
