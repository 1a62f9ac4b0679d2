import NIOCore
public import NIOSSL
public import Vitals

/// Asks a Redis server (or Valkey, KeyDB…) `PING`, after `AUTH` when it needs a password, and
/// optionally checks its replication role.
///
/// The commands go out together and the replies are read in order, so a run is one round trip.
/// A `PONG` passes. With ``expectedRole``, the answer to `ROLE` must match; a replica whose link
/// to its master is not `connected` warns.
///
/// ```swift
/// let cache = RedisProbe(host: "127.0.0.1", port: 6379, password: "s3cret", expectedRole: .master)
/// ```
///
/// Failure reasons: ``authFailure`` (a wrong password or user, or a server that wants one), ``role``
/// (another role than expected), `body` (an error reply or a reply that is not Redis'), `tls`,
/// `refused`, `dns`, `timeout`, `error`. No message repeats the password.
public struct RedisProbe: HealthCheck {
    /// A server's replication role.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case master
        /// `slave` in `ROLE`'s answer.
        case replica
    }

    /// The failure reason when authentication fails or the server requires it.
    public static let authFailure = FailureReason("auth")
    /// The failure reason when the server's role is not the expected one.
    public static let role = FailureReason("role")

    /// The most reply bytes read; `PING` and `ROLE` answer in well under a kilobyte.
    static let replyLimit = 64 * 1024

    /// The host name or address to connect to.
    public var host: String
    /// The port to connect to.
    public var port: Int
    /// The ACL user to authenticate as, with ``password``; nil for the default user.
    public var username: String?
    /// The password sent with `AUTH`; nil sends no `AUTH`.
    public var password: String?
    /// The database index to `SELECT`, if any.
    public var database: Int?
    /// TLS to speak, if any: what to trust and the name to verify.
    public var tls: TLS?
    /// The role the server must have, if any.
    public var expectedRole: Role?

    /// TLS settings of a Redis connection.
    public struct TLS: Sendable {
        /// The certificate authorities trusted to issue the server's certificate.
        public var trustRoots: NIOSSLTrustRoots
        /// The name the certificate must be valid for (sent as SNI unless it is an IP address).
        public var serverName: String

        /// - Parameters:
        ///   - trustRoots: the system's by default, or a PEM file for a private CA.
        ///   - serverName: the name the certificate must be valid for.
        public init(trustRoots: NIOSSLTrustRoots = .default, serverName: String) {
            self.trustRoots = trustRoots
            self.serverName = serverName
        }
    }

    /// Creates a Redis probe.
    /// - Parameters:
    ///   - host: The host name or address to connect to.
    ///   - port: The port to connect to.
    ///   - username: The ACL user; it needs `password`.
    ///   - password: Sent with `AUTH`.
    ///   - database: A database index to `SELECT`.
    ///   - tls: TLS settings; nil for plain TCP.
    ///   - expectedRole: The replication role the server must have.
    public init(
        host: String,
        port: Int,
        username: String? = nil,
        password: String? = nil,
        database: Int? = nil,
        tls: TLS? = nil,
        expectedRole: Role? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.expectedRole = expectedRole
    }

    public func run() async throws -> CheckOutcome {
        let tlsClient = try tls.map { try TLSClient(trustRoots: $0.trustRoots, serverName: $0.serverName) }
        var commands: [Command] = []
        if let password { commands.append(.auth(username.map { [$0, password] } ?? [password])) }
        if let database { commands.append(.select(database)) }
        commands.append(.ping)
        if expectedRole != nil { commands.append(.role) }
        let clock = ContinuousClock()
        let start = clock.now
        return try await StreamConnection.with(host: host, port: port, tls: tlsClient) { connection in
            try await connection.send(commands.flatMap(\.bytes))
            let replies = try await Self.read(commands.count, from: connection.received)
            var role: RoleReply?
            for (command, reply) in zip(commands, replies) {
                if let found = try Self.judge(reply, to: command, password: password) { role = found }
            }
            var message = "PONG in \(ProbeSupport.duration(start.duration(to: clock.now)))"
            guard let expectedRole, let role else { return .pass(message) }
            message += "; \(role)"
            guard role.role == expectedRole else {
                throw CheckFailure(Self.role, "expected \(expectedRole.rawValue), but the server is \(role)")
            }
            if let link = role.link, link != "connected" {
                return .warn(message + " (the replica is not in sync with its master)")
            }
            return .pass(message)
        }
    }

    /// A command the probe sends.
    private enum Command {
        case auth([String])
        case select(Int)
        case ping
        case role

        var name: String {
            switch self {
            case .auth: "AUTH"
            case .select: "SELECT"
            case .ping: "PING"
            case .role: "ROLE"
            }
        }

        var bytes: [UInt8] {
            switch self {
            case .auth(let arguments): RESP.command([name] + arguments)
            case .select(let index): RESP.command([name, "\(index)"])
            case .ping, .role: RESP.command([name])
            }
        }
    }

    /// The server's answer to `ROLE`, as the message shows it.
    private struct RoleReply: CustomStringConvertible {
        var role: Role?
        var name: String
        var master: String?
        var link: String?

        var description: String {
            guard let master else { return name }
            return "\(name) of \(master)" + (link.map { ", link \($0)" } ?? "")
        }
    }

    /// Reads `count` replies, or fails when the server closes first or sends what is not RESP.
    private static func read(
        _ count: Int,
        from received: AsyncThrowingStream<ByteBuffer, any Error>
    ) async throws
        -> [RESP.Value]
    {
        var buffer: [UInt8] = []
        var unread = buffer[...]
        var replies: [RESP.Value] = []
        for try await chunk in received {
            buffer = Array(unread) + chunk.readableBytesView
            guard buffer.count <= replyLimit else {
                throw CheckFailure(.body, "the reply is longer than 64 KiB; is this a Redis server?")
            }
            unread = buffer[...]
            do {
                while replies.count < count, let reply = try RESP.decode(&unread) { replies.append(reply) }
            } catch {
                throw CheckFailure(.body, "not a Redis reply (\(error.detail)): \"\(ProbeSupport.printable(buffer))\"")
            }
            if replies.count == count { return replies }
        }
        try Task.checkCancellation()
        let got = buffer.isEmpty ? "no reply" : "got \"\(ProbeSupport.printable(buffer))\""
        throw CheckFailure(.body, "connection closed before Redis answered (\(got))")
    }

    /// Fails unless `reply` is the answer a healthy server gives to `command`.
    /// - Returns: the role, for the answer to `ROLE`.
    private static func judge(_ reply: RESP.Value, to command: Command, password: String?) throws -> RoleReply? {
        if case .error(let text) = reply {
            // A server's error may quote a command's arguments; never show the password.
            let shown = Scrubber.scrub(password.map { text.replacing($0, with: Scrubber.mask) } ?? text)
            switch command {
            case .auth: throw CheckFailure(authFailure, "authentication failed: \(shown)")
            case _ where text.hasPrefix("NOAUTH"):
                throw CheckFailure(authFailure, "the server wants a password: \(shown)")
            case .select(let index): throw CheckFailure(.body, "SELECT \(index) failed: \(shown)")
            case .ping: throw CheckFailure(.body, "PING failed: \(shown)")
            case .role: throw CheckFailure(.body, "ROLE failed: \(shown)")
            }
        }
        switch command {
        case .auth, .select:
            guard reply.text == "OK" else { throw unexpected(reply, to: command) }
            return nil
        case .ping:
            guard reply.text == "PONG" else { throw unexpected(reply, to: command) }
            return nil
        case .role:
            guard case .array(let fields) = reply, let name = fields.first?.text else {
                throw unexpected(reply, to: command)
            }
            switch name {
            case "master":
                return RoleReply(role: .master, name: name)
            case "slave", "replica":
                let host = fields.count > 1 ? fields[1].text : nil
                let port: String? =
                    if fields.count > 2, case .integer(let port) = fields[2] { "\(port)" } else { nil }
                let master = host.map { host in port.map { "\(host):\($0)" } ?? host }
                return RoleReply(
                    role: .replica,
                    name: "replica",
                    master: master,
                    link: fields.count > 3 ? fields[3].text : nil
                )
            default:
                return RoleReply(role: nil, name: name)
            }
        }
    }

    private static func unexpected(_ reply: RESP.Value, to command: Command) -> CheckFailure {
        CheckFailure(.body, "\(command.name) answered \(describe(reply)), not what Redis answers")
    }

    private static func describe(_ reply: RESP.Value) -> String {
        switch reply {
        case .simple(let text), .error(let text): "\"\(ProbeSupport.printable(text.utf8))\""
        case .bulk(let bytes): "\"\(ProbeSupport.printable(bytes))\""
        case .integer(let value): "\(value)"
        case .array(let values): "an array of \(values.count)"
        case .null: "null"
        case .boolean(let value): "\(value)"
        }
    }
}
