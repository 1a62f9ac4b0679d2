import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Vitals

/// One HTTP/1.1 request and its response over a connection of its own (`Connection: close`), timed
/// phase by phase as blackbox_exporter does: each run measures the whole path to the server.
///
/// The response is read as far as the body limit: `Content-Length`, chunked, or until the server
/// closes. Interim (1xx) responses are skipped.
enum HTTPExchange {
    /// A request, with its URL taken apart.
    struct Request {
        var method: String
        /// The URL; its parts below are read from it once, when it is set.
        var url: URLComponents {
            didSet { (endpoint, target) = Self.parts(of: url) }
        }
        var headers: [(name: String, value: String)]
        var body: [UInt8]?
        /// The scheme, host and port: nil for a URL that is not absolute `http` or `https`.
        private(set) var endpoint: (tls: Bool, host: String, port: Int)?
        /// The path and query, as sent on the request line.
        private(set) var target: String

        init(method: String, url: URLComponents, headers: [(name: String, value: String)], body: [UInt8]?) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            (endpoint, target) = Self.parts(of: url)
        }

        private static func parts(of url: URLComponents) -> ((tls: Bool, host: String, port: Int)?, String) {
            let target =
                (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath)
                + (url.percentEncodedQuery.map { "?\($0)" } ?? "")
            guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                // The ASCII form, as DNS and the Host header want it (an IDN in punycode).
                let host = url.encodedHost ?? url.host, !host.isEmpty
            else { return (nil, target) }
            let tls = scheme == "https"
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            return ((tls, bare, url.port ?? (tls ? 443 : 80)), target)
        }

        /// The request line, headers and body as sent.
        func encoded(host: String, port: Int, tls: Bool) -> [UInt8] {
            let authority = (host.contains(":") ? "[\(host)]" : host) + (port == (tls ? 443 : 80) ? "" : ":\(port)")
            var head = "\(method) \(target) HTTP/1.1\r\nHost: \(authority)\r\n"
            var named = Set<String>()
            for (name, value) in headers {
                head += "\(name): \(value)\r\n"
                named.insert(name.lowercased())
            }
            if !named.contains("user-agent") { head += "User-Agent: Vitals\r\n" }
            if !named.contains("accept") { head += "Accept: */*\r\n" }
            if let user = url.user, !named.contains("authorization") {
                // A URL's own credentials, as browsers and curl send them.
                let credentials =
                    "\(user.removingPercentEncoding ?? user):\(url.password?.removingPercentEncoding ?? "")"
                head += "Authorization: Basic \(Data(credentials.utf8).base64EncodedString())\r\n"
            }
            if let body { head += "Content-Length: \(body.count)\r\n" }
            head += "Connection: close\r\n\r\n"
            return Array(head.utf8) + (body ?? [])
        }
    }

    /// What came back, and how long each phase took.
    struct Response {
        var status: Int
        /// Header names in lower case, values in order of arrival.
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var timings: Timings
        var tlsVersion: TLSVersion?
        var peerCertificate: NIOSSLCertificate?

        /// The values of header `name` (any case), joined with `, `; nil when absent.
        func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            let values = headers.filter { $0.name == wanted }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }
    }

    /// The phases of an exchange; across redirects, each phase's sum.
    struct Timings {
        var resolve: Duration = .zero
        var connect: Duration = .zero
        var tls: Duration = .zero
        /// From the request sent to the first byte of the response.
        var firstByte: Duration = .zero
        /// From the first byte to the end of the body.
        var transfer: Duration = .zero

        static func + (left: Timings, right: Timings) -> Timings {
            Timings(
                resolve: left.resolve + right.resolve,
                connect: left.connect + right.connect,
                tls: left.tls + right.tls,
                firstByte: left.firstByte + right.firstByte,
                transfer: left.transfer + right.transfer
            )
        }

        var observations: [Observation] {
            [
                Observation("dns_seconds", resolve.inSeconds),
                Observation("connect_seconds", connect.inSeconds),
                Observation("tls_seconds", tls.inSeconds),
                Observation("first_byte_seconds", firstByte.inSeconds),
                Observation("transfer_seconds", transfer.inSeconds),
            ]
        }
    }

    /// Sends `request` and reads the response.
    /// - Parameters:
    ///   - tls: for an `https` URL, what to trust and which name to verify and send.
    ///   - handshakeFailure: the failure for a handshake that did not complete.
    ///   - bodyLimit: the most body bytes read; the connection is dropped after that.
    ///   - threadPool: the threads `getaddrinfo` blocks.
    static func send(
        _ request: Request,
        tls: TLSClient?,
        handshakeFailure: ((HandshakeError) -> CheckFailure)? = nil,
        bodyLimit: Int,
        threadPool: NIOThreadPool
    ) async throws -> Response {
        guard let (secure, host, port) = request.endpoint else {
            throw CheckFailure(.error, "\(request.url.scheme ?? "the URL"): only http and https URLs can be requested")
        }
        let clock = ContinuousClock()
        var timings = Timings()
        let resolving = clock.now
        let address = try await ConnectionRoute.candidates(for: host, port: port, threadPool: threadPool)[0]
        timings.resolve = resolving.duration(to: clock.now)
        let target = address.ipAddress ?? host
        if !secure, address.ipAddress != nil, let poller = SocketPoller.shared {
            let connecting = clock.now
            let connection = try await ProbeSupport.connecting {
                try await PolledConnection(to: address, poller: poller)
            }
            timings.connect = connecting.duration(to: clock.now)
            var reader = StreamReader(connection)
            return try await ProbeSupport.conversing {
                try await converse(
                    request,
                    host: host,
                    port: port,
                    secure: false,
                    bodyLimit: bodyLimit,
                    timings: timings,
                    reader: &reader,
                    send: connection.send
                )
            }
        }
        return try await StreamConnection.with(
            host: target,
            port: port,
            tls: secure ? tls : nil,
            handshakeFailure: handshakeFailure
        ) { connection in
            timings.connect = connection.connectTime
            timings.tls = connection.handshakeTime
            // Asked now: once the server has closed the connection, the TLS handler is gone.
            let version = secure ? await connection.tlsVersion() : nil
            var reader = StreamReader(connection.received)
            return try await converse(
                request,
                host: host,
                port: port,
                secure: secure,
                bodyLimit: bodyLimit,
                timings: timings,
                tlsVersion: version,
                peerCertificate: connection.peerCertificate,
                reader: &reader,
                send: { try await connection.send($0) }
            )
        }
    }

    /// Sends `request` over a connection made and reads the response from `reader`.
    private static func converse(
        _ request: Request,
        host: String,
        port: Int,
        secure: Bool,
        bodyLimit: Int,
        timings: Timings,
        tlsVersion: TLSVersion? = nil,
        peerCertificate: NIOSSLCertificate? = nil,
        reader: inout StreamReader,
        send: ([UInt8]) async throws -> Void
    ) async throws -> Response {
        let clock = ContinuousClock()
        var timings = timings
        let sent = clock.now
        try await send(request.encoded(host: host, port: port, tls: secure))
        var (status, headers) = try await readHead(&reader)
        let firstByte = clock.now
        timings.firstByte = sent.duration(to: firstByte)
        while (100..<200).contains(status) {
            (status, headers) = try await readHead(&reader)
        }
        let body = try await readBody(
            &reader,
            status: status,
            headers: headers,
            method: request.method,
            limit: bodyLimit
        )
        timings.transfer = firstByte.duration(to: clock.now)
        return Response(
            status: status,
            headers: headers,
            body: body,
            timings: timings,
            tlsVersion: tlsVersion,
            peerCertificate: peerCertificate
        )
    }

    /// The status line and headers of the next response.
    private static func readHead(_ reader: inout StreamReader) async throws -> (Int, [(name: String, value: String)]) {
        guard let line = try await reader.line() else {
            let got = reader.pending.isEmpty ? "no response" : "got \"\(ProbeSupport.printable(reader.pending))\""
            throw CheckFailure(.refused, "connection closed before the response (\(got))")
        }
        // HTTP/1.1 200 OK
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/".utf8)), parts[1].count == 3,
            let status = Int(String(decoding: parts[1], as: UTF8.self))
        else {
            throw CheckFailure(.body, "not an HTTP response: \"\(ProbeSupport.printable(line))\"")
        }
        var headers: [(name: String, value: String)] = []
        while let field = try await reader.line(), !field.isEmpty {
            guard headers.count < 256 else { throw CheckFailure(.body, "more than 256 response headers") }
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: field[..<colon], as: UTF8.self).lowercased()
            // Optional whitespace around the value is spaces and tabs (RFC 9110 §5.5).
            let blank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var value = field[(colon + 1)...].drop(while: blank)
            while let last = value.last, blank(last) { value = value.dropLast() }
            headers.append((name, String(decoding: value, as: UTF8.self)))
        }
        return (status, headers)
    }

    /// The body, at most `limit` bytes of it.
    private static func readBody(
        _ reader: inout StreamReader,
        status: Int,
        headers: [(name: String, value: String)],
        method: String,
        limit: Int
    ) async throws -> [UInt8] {
        if method == "HEAD" || status == 204 || status == 304 { return [] }
        let header = { (name: String) in headers.last { $0.name == name }?.value }
        // chunked is the last coding when it is there at all (RFC 9112 §6.1).
        if header("transfer-encoding")?.lowercased().hasSuffix("chunked") == true {
            var body: [UInt8] = []
            while body.count < limit {
                guard let sizeLine = try await reader.line() else { break }
                let digits = sizeLine.prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: " ") }
                guard let size = Int(String(decoding: digits, as: UTF8.self), radix: 16), size >= 0 else {
                    throw CheckFailure(.body, "a malformed chunk in the response body")
                }
                if size == 0 { break }
                guard let chunk = try await reader.bytes(min(size, limit - body.count)) else { break }
                body += chunk
                if chunk.count < size { break }
                _ = try await reader.line()  // the CRLF after the chunk
            }
            return body
        }
        // As long as the server says, or until it closes; as far as the limit either way.
        let length = header("content-length").flatMap { Int($0) }.map { max(0, $0) } ?? limit
        return try await reader.bytes(min(length, limit)) ?? reader.pending
    }
}
