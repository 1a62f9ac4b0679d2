import Vitals

/// A protocol that starts in plaintext and upgrades the same connection to TLS (STARTTLS), so a
/// `tls` check can reach the certificate of a mail or database server.
public enum StartTLSProtocol: String, Sendable, Hashable, CaseIterable {
    /// SMTP (RFC 3207): greeting `220`, `EHLO`, `STARTTLS`, `220`.
    case smtp
    /// IMAP (RFC 3501): greeting `* OK`, `a1 STARTTLS`, `a1 OK`.
    case imap
    /// POP3 (RFC 2595): greeting `+OK`, `STLS`, `+OK`.
    case pop3
    /// PostgreSQL: an `SSLRequest` message answered with `S`.
    case postgres

    /// Says what the protocol needs until the server is ready for the TLS handshake.
    ///
    /// Fails with reason `tls` when the server does not offer TLS, `body` when it does not speak
    /// the protocol, and `refused` when it closes the connection.
    func negotiate(_ connection: StreamConnection) async throws {
        switch self {
        case .smtp:
            var replies = SMTPReplies(connection.received)
            _ = try await SMTPProbe.greeting(&replies)
            let capabilities = try await SMTPProbe.ehlo("vitals.localhost", connection, &replies)
            try await SMTPProbe.requestTLS(connection, &replies, capabilities: capabilities)
        case .imap:
            var reader = StreamReader(connection.received)
            try await expect(&reader, prefix: "* OK", what: "IMAP greeting")
            try await connection.send(Array("a1 STARTTLS\r\n".utf8))
            // Untagged lines may come first; the tagged one answers.
            while true {
                let line = try await Self.line(&reader)
                if line.hasPrefix("a1 ") {
                    guard line.hasPrefix("a1 OK") else {
                        throw CheckFailure(.tls, "STARTTLS answered \(Self.quoted(line))")
                    }
                    break
                }
            }
        case .pop3:
            var reader = StreamReader(connection.received)
            try await expect(&reader, prefix: "+OK", what: "POP3 greeting")
            try await connection.send(Array("STLS\r\n".utf8))
            let line = try await Self.line(&reader)
            guard line.hasPrefix("+OK") else { throw CheckFailure(.tls, "STLS answered \(Self.quoted(line))") }
        case .postgres:
            // Length 8, then the SSLRequest code 80877103 (1234 << 16 | 5679), both big-endian.
            try await connection.send([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F])
            var reader = StreamReader(connection.received)
            guard let answer = try await reader.bytes(1) else {
                throw CheckFailure(.refused, "the server closed the connection before answering the SSLRequest")
            }
            switch answer[0] {
            case UInt8(ascii: "S"): break
            case UInt8(ascii: "N"): throw CheckFailure(.tls, "the server does not offer TLS (ssl = off)")
            default:
                throw CheckFailure(
                    .body,
                    "the server does not speak PostgreSQL (its SSLRequest answer began with \(answer[0]))"
                )
            }
        }
    }

    /// Reads a line and fails unless it starts with `prefix`.
    private func expect(_ reader: inout StreamReader, prefix: String, what: String) async throws {
        let line = try await Self.line(&reader)
        guard line.hasPrefix(prefix) else {
            throw CheckFailure(
                .body,
                "the server does not speak \(rawValue.uppercased()) (\(what): \(Self.quoted(line)))"
            )
        }
    }

    private static func line(_ reader: inout StreamReader) async throws -> String {
        guard let line = try await reader.line() else {
            throw CheckFailure(.refused, "the server closed the connection before STARTTLS")
        }
        return String(decoding: line, as: UTF8.self)
    }

    private static func quoted(_ line: String) -> String {
        "\"\(ProbeSupport.printable(line.utf8))\""
    }
}
