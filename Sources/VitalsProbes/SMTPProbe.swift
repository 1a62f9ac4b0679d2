import Foundation
import NIOCore
public import NIOSSL
public import Vitals

/// Talks SMTP to a mail server (RFC 5321): waits for its `220` greeting, says `EHLO`, optionally
/// upgrades with `STARTTLS` (verifying the certificate and judging its expiry as the `tls` check
/// does) and authenticates with `AUTH PLAIN`, then says `QUIT`.
///
/// ```swift
/// let relay = SMTPProbe(host: "127.0.0.1", port: 25, startTLS: .init(serverName: "mail.example.com"))
/// ```
///
/// Failure reasons: `status` (a reply code other than the one the step needs, such as a `554`
/// greeting), `body` (the peer does not speak SMTP), `tls` (no STARTTLS on offer, or the
/// handshake or verification failed), `expiry`, `auth`, `refused`, `dns`, `timeout`. With
/// STARTTLS, the observations of the `tls` check: `expiry_seconds` and `expiry_timestamp`.
/// The password never appears in a message: the server's replies are shown, never the request.
public struct SMTPProbe: HealthCheck {
    /// STARTTLS settings.
    public struct StartTLS: Sendable {
        /// The name the certificate must be valid for, sent as SNI.
        public var serverName: String
        /// The certificate authorities trusted to issue the server's certificate.
        public var trustRoots: NIOSSLTrustRoots
        /// Days before expiry from which the check warns.
        public var warnDays: Int
        /// Days before expiry from which the check fails.
        public var failDays: Int

        /// - Parameters:
        ///   - serverName: The name the certificate must be valid for.
        ///   - trustRoots: The system's authorities by default, or a private CA.
        ///   - warnDays: Warn when the certificate expires in fewer days than this.
        ///   - failDays: Fail when the certificate expires in fewer days than this.
        public init(serverName: String, trustRoots: NIOSSLTrustRoots = .default, warnDays: Int = 14, failDays: Int = 3)
        {
            self.serverName = serverName
            self.trustRoots = trustRoots
            self.warnDays = warnDays
            self.failDays = failDays
        }
    }

    /// The host name or address to connect to.
    public var host: String
    /// The port to connect to.
    public var port: Int
    /// The name sent with `EHLO`.
    public var ehloName: String
    /// Upgrade with STARTTLS first, when set.
    public var startTLS: StartTLS?
    /// Authenticate with `AUTH PLAIN` as this user and password, when set.
    public var credentials: (username: String, password: String)?
    /// The current time, against which the certificate's expiry is measured.
    public var wallClock: WallClock

    /// The failure reason when the server rejects the credentials or offers no way to send them.
    public static let authFailure = FailureReason("auth")

    /// Creates an SMTP probe.
    /// - Parameters:
    ///   - host: The host name or address to connect to.
    ///   - port: The port (25, or 587 for submission).
    ///   - ehloName: The name sent with `EHLO`.
    ///   - startTLS: Upgrade with STARTTLS and verify the certificate; nil to stay in plaintext.
    ///   - credentials: Authenticate with `AUTH PLAIN`; the server must offer it.
    ///   - wallClock: The current time, for the certificate's expiry.
    public init(
        host: String,
        port: Int,
        ehloName: String = "vitals.localhost",
        startTLS: StartTLS? = nil,
        credentials: (username: String, password: String)? = nil,
        wallClock: WallClock = .system
    ) {
        self.host = host
        self.port = port
        self.ehloName = ehloName
        self.startTLS = startTLS
        self.credentials = credentials
        self.wallClock = wallClock
    }

    public func run() async throws -> CheckOutcome {
        let tls = try startTLS.map { try TLSClient(trustRoots: $0.trustRoots, serverName: $0.serverName) }
        let clock = ContinuousClock()
        let start = clock.now
        return try await StreamConnection.with(host: host, port: port) { connection in
            var replies = SMTPReplies(connection.received)
            let greeting = try await Self.greeting(&replies)
            var capabilities = try await Self.ehlo(ehloName, connection, &replies)
            var steps = ["EHLO"]
            var expiryOutcome: CheckOutcome?
            if let tls, let settings = startTLS {
                try await Self.requestTLS(connection, &replies, capabilities: capabilities)
                let expiry = CertificateExpiry(
                    warnDays: settings.warnDays,
                    failDays: settings.failDays,
                    now: wallClock.now()
                )
                let leaf = try await connection.startTLS(tls) { error in
                    // Verification rejects an expired certificate without saying why.
                    if let leaf = error.leaf,
                        let expired = expiry.expired(
                            "certificate for \(settings.serverName)",
                            notAfter: Double(leaf.notValidAfter)
                        )
                    {
                        return expired
                    }
                    return tls.failure(error)
                }
                expiryOutcome = expiry.outcome(
                    "certificate for \(settings.serverName)",
                    notAfter: Double(leaf.notValidAfter)
                )
                capabilities = try await Self.ehlo(ehloName, connection, &replies)
                steps.append("STARTTLS")
            }
            if let credentials {
                let mechanisms = capabilities.first { $0.hasPrefix("AUTH ") }?.split(separator: " ").dropFirst() ?? []
                guard mechanisms.contains("PLAIN") else {
                    throw CheckFailure(Self.authFailure, "the server does not offer AUTH PLAIN")
                }
                let token = Data("\0\(credentials.username)\0\(credentials.password)".utf8).base64EncodedString()
                try await connection.send(Array("AUTH PLAIN \(token)\r\n".utf8))
                let answer = try await replies.next()
                guard answer.code == 235 else {
                    throw CheckFailure(
                        Self.authFailure,
                        "AUTH PLAIN as \(credentials.username) answered \(answer.shown)"
                    )
                }
                steps.append("AUTH as \(credentials.username)")
            }
            // A polite end; the answer does not matter.
            try? await connection.send(Array("QUIT\r\n".utf8))
            let took = ProbeSupport.duration(start.duration(to: clock.now))
            let summary = "\(greeting.shown), \(steps.joined(separator: ", ")) in \(took)"
            guard let expiryOutcome else { return .pass(summary) }
            return CheckOutcome(
                status: expiryOutcome.status,
                message: "\(summary); \(expiryOutcome.message)",
                reason: expiryOutcome.reason,
                observations: expiryOutcome.observations
            )
        }
    }

    /// Waits for the server's `220` greeting.
    static func greeting(_ replies: inout SMTPReplies) async throws -> SMTPReply {
        let greeting = try await replies.next()
        guard greeting.code == 220 else { throw CheckFailure(.status, "the server greeted with \(greeting.shown)") }
        return greeting
    }

    /// Says `EHLO name` and returns the capabilities (the reply's lines after the first), upper-cased.
    static func ehlo(
        _ name: String,
        _ connection: StreamConnection,
        _ replies: inout SMTPReplies
    ) async throws -> [String] {
        try await connection.send(Array("EHLO \(name)\r\n".utf8))
        let reply = try await replies.next()
        guard reply.code == 250 else { throw CheckFailure(.status, "EHLO answered \(reply.shown)") }
        return reply.lines.dropFirst().map { $0.uppercased() }
    }

    /// Says `STARTTLS` when `capabilities` offer it and waits for the server's `220`: the
    /// connection is then ready for the handshake.
    static func requestTLS(
        _ connection: StreamConnection,
        _ replies: inout SMTPReplies,
        capabilities: [String]
    ) async throws {
        guard capabilities.contains("STARTTLS") else { throw CheckFailure(.tls, "the server does not offer STARTTLS") }
        try await connection.send(Array("STARTTLS\r\n".utf8))
        let ready = try await replies.next()
        guard ready.code == 220 else { throw CheckFailure(.tls, "STARTTLS answered \(ready.shown)") }
    }
}

/// An SMTP reply: a code and its lines of text (RFC 5321 §4.2).
struct SMTPReply {
    var code: Int
    var lines: [String]

    /// `220 mail.example.com ESMTP`, the first line as the server wrote it, cut short.
    var shown: String {
        "\(code) \(ProbeSupport.printable((lines.first ?? "").utf8))"
    }
}

/// Reads SMTP replies from a connection, one at a time, across the whole conversation.
struct SMTPReplies {
    private var reader: StreamReader

    init(_ received: AsyncThrowingStream<ByteBuffer, any Error>) {
        reader = StreamReader(received)
    }

    /// The next whole reply: lines `250-…` continue it, `250 …` (or `250` alone) ends it.
    mutating func next() async throws -> SMTPReply {
        var lines: [String] = []
        var code: Int?
        while true {
            guard let line = try await reader.line() else {
                let pending = reader.pending
                let got = pending.isEmpty ? "nothing more" : "\"\(ProbeSupport.printable(pending))\""
                throw CheckFailure(.refused, "the server closed the connection (got \(got))")
            }
            let separator = line.count > 3 ? line[3] : UInt8(ascii: " ")
            guard line.count >= 3, let lineCode = Int(String(decoding: line.prefix(3), as: UTF8.self)),
                (200...599).contains(lineCode), separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-"),
                code == nil || code == lineCode
            else {
                throw CheckFailure(.body, "the server does not speak SMTP (got \"\(ProbeSupport.printable(line))\")")
            }
            code = lineCode
            lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
            if separator == UInt8(ascii: " ") { return SMTPReply(code: lineCode, lines: lines) }
        }
    }
}
