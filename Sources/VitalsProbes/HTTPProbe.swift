public import AsyncHTTPClient
import NIOCore
import NIOHTTP1
public import Vitals

/// Sends one HTTP request and checks the response's status and, optionally, its body.
///
/// The ``HTTPClient`` is passed in: its owner decides its lifecycle and TLS settings
/// (one that verifies certificates, another for `tls_skip_verify`). Give it
/// `connectionPool.retryConnectionEstablishment = false`, or a refused connection is
/// retried until the check times out instead of failing as `refused`.
///
/// ```swift
/// let api = HTTPProbe(url: "http://127.0.0.1:8080/ping", client: client)
/// ```
///
/// Failure reasons: `status`, `body`, `refused`, `dns`, `tls`, `timeout`, `error`.
/// Header values never appear in messages: they may hold credentials.
public struct HTTPProbe: HealthCheck {
    /// The most body bytes read; the connection is dropped after that.
    static let bodyLimit = 1 << 20

    /// The URL requested.
    public var url: String
    /// The request method, e.g. `GET`.
    public var method: String
    /// Request headers.
    public var headers: [String: String]
    /// The accepted status codes.
    public var expectStatus: [ClosedRange<Int>]
    /// A regular expression the body must match, if any.
    public var expectBody: String?
    /// The client that sends the request.
    public var client: HTTPClient

    /// Creates an HTTP probe.
    /// - Parameters:
    ///   - url: An absolute `http` or `https` URL.
    ///   - method: The request method.
    ///   - headers: Request headers.
    ///   - expectStatus: The accepted status codes; any range may match.
    ///   - expectBody: A regular expression (Swift `Regex` syntax) matched against the first
    ///     MiB of the body, decoded as UTF-8. It must be valid: it is compiled on each run.
    ///   - client: The client that sends the request; the caller shuts it down.
    public init(
        url: String,
        method: String = "GET",
        headers: [String: String] = [:],
        expectStatus: [ClosedRange<Int>] = [200...299],
        expectBody: String? = nil,
        client: HTTPClient
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.expectStatus = expectStatus
        self.expectBody = expectBody
        self.client = client
    }

    public func run() async throws -> CheckOutcome {
        // `Regex` is not Sendable, so the probe keeps the pattern and compiles it per run.
        let regex: Regex<AnyRegexOutput>?
        do {
            regex = try expectBody.map { try Regex($0) }
        } catch {
            throw CheckFailure(.error, "invalid expect_body pattern: \(error)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
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
            guard expectStatus.contains(where: { $0.contains(code) }) else {
                throw CheckFailure(.status, "HTTP \(code) in \(elapsed), expected \(Self.describe(expectStatus))")
            }
            if let regex, !String(decoding: body, as: UTF8.self).contains(regex) {
                let got = body.isEmpty ? "empty body" : "got \"\(ProbeSupport.printable(body))\""
                throw CheckFailure(.body, "HTTP \(code) in \(elapsed), but the body did not match (\(got))")
            }
            return .pass("HTTP \(code) in \(elapsed)")
        } catch let failure as CheckFailure {
            throw failure
        } catch {
            try Task.checkCancellation()
            throw CheckFailure.network(error)
        }
    }

    /// Status ranges as people write them: `200-299`, `200, 301`.
    static func describe(_ ranges: [ClosedRange<Int>]) -> String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ", ")
    }
}
