public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
public import Vitals

/// Connects to PostgreSQL, authenticates and runs `SELECT 1`.
///
/// Each run opens one connection and closes it afterwards; there is no pool. The DSN is
/// `postgres://user:password@host:port/database?sslmode=MODE` (or `postgresql://`), with
/// the user name, password and database percent-encoded. The port defaults to 5432, the
/// database to the user name. Without a host (`postgres://user@/db`) the probe connects to
/// the Unix socket in `/var/run/postgresql`, or in the directory given as `?host=/path`.
///
/// `sslmode` works as in libpq:
/// - `disable`: no TLS.
/// - `prefer` (the default): TLS when the server offers it, else plain; the certificate is not verified.
/// - `require`: TLS or fail with `tls`; the certificate is not verified.
/// - `verify-ca`: TLS with a certificate signed by a system-trusted authority, any host name.
/// - `verify-full`: as `verify-ca`, and the certificate must name the host.
///
/// `application_name` is passed on to the server; no other parameter is accepted.
///
/// ```swift
/// let database = PostgresProbe(dsn: "postgres://vitals:s3cret@127.0.0.1:5432/app?sslmode=disable")
/// ```
///
/// A passing run says `SELECT 1 in 0.4 ms (PostgreSQL 15.18)`: the time of the query alone;
/// the same query reads the server's version. Failure reasons: ``authFailure`` (`auth`:
/// the server rejected the credentials), `refused`, `dns`, `tls`, `timeout`, and `error`
/// (with the server's message, e.g. for a database that does not exist, or for an invalid DSN).
/// No message contains the password or the DSN.
public struct PostgresProbe: HealthCheck, CustomStringConvertible, CustomReflectable {
    /// The reason for a failure to authenticate: a wrong password, an unknown user, or a
    /// `pg_hba.conf` that rejects the connection.
    public static let authFailure = FailureReason("auth")

    private let dsn: String
    private let target: Result<Target, CheckFailure>
    private let logger: Logger

    /// Creates a PostgreSQL probe.
    ///
    /// An invalid DSN does not stop the probe from being created: each run fails with reason
    /// `error` and says what is wrong. Check it first with ``problem(with:)``.
    /// - Parameters:
    ///   - dsn: A `postgres://` or `postgresql://` URL; see ``PostgresProbe``.
    ///   - logger: Where PostgresNIO logs the connection's events (at debug and trace level).
    public init(dsn: String, logger: Logger = Logger(label: "vitals.postgres")) {
        self.dsn = dsn
        self.target = Result { () throws(CheckFailure) in try Target(dsn: dsn) }
        self.logger = logger
    }

    /// What is wrong with a DSN, or `nil` when the probe can use it. The text never contains
    /// the password.
    public static func problem(with dsn: String) -> String? {
        do {
            _ = try Target(dsn: dsn)
            return nil
        } catch {
            return error.detail
        }
    }

    /// The probe with the DSN's password masked.
    public var description: String { "PostgresProbe(\(maskedDSN))" }

    /// Keeps the password out of `dump` and debugger output.
    public var customMirror: Mirror { Mirror(self, children: ["dsn": maskedDSN]) }

    private var maskedDSN: String {
        guard case .success(let target) = target else { return Scrubber.scrub(dsn) }
        return target.hidingPassword(in: dsn)
    }

    public func run() async throws -> CheckOutcome {
        let target = try target.get()
        do {
            return try await run(target)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // A cancelled connection fails with whatever closing it caused; report the cancellation.
            try Task.checkCancellation()
            var failure = Self.failure(error)
            failure.detail = target.hidingPassword(in: failure.detail)
            throw failure
        }
    }

    private func run(_ target: Target) async throws -> CheckOutcome {
        // The probe opens the socket itself, so that cancellation stops a connect still waiting
        // for the server at once; PostgresNIO only waits for that when its own deadline passes.
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        let channel: any Channel
        switch target.endpoint {
        case .tcp(let host, let port):
            channel = try await ProbeSupport.connect(bootstrap, host: host, port: port)
        case .socket(let path):
            channel = try await ProbeSupport.cancellableConnect(bootstrap.connect(unixDomainSocketPath: path))
        }
        let connection: PostgresConnection
        do {
            let configuration = try target.configuration(on: channel)
            // PostgresNIO closes the channel when the task is cancelled during the handshake.
            connection = try await PostgresConnection.connect(
                on: channel.eventLoop,
                configuration: configuration,
                id: 1,
                logger: logger
            )
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return try await withTaskCancellationHandler {
            do {
                let outcome = try await query(connection)
                try? await connection.close()
                return outcome
            } catch {
                try? await connection.close()
                throw error
            }
        } onCancel: {
            // Closing fails the query in flight, which ends the run.
            let _: EventLoopFuture<Void> = connection.close()
        }
    }

    private func query(_ connection: PostgresConnection) async throws -> CheckOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var version: String?
        let rows = try await connection.query("SELECT 1, current_setting('server_version')", logger: logger)
        for try await (_, serverVersion) in rows.decode((Int, String).self) {
            version = serverVersion
        }
        let elapsed = ProbeSupport.duration(start.duration(to: clock.now))
        // `server_version` may carry the packager's suffix: `15.18 (Debian 15.18-0+deb12u1)`.
        guard let number = version?.split(separator: " ").first else {
            return .pass("SELECT 1 in \(elapsed)")
        }
        return .pass("SELECT 1 in \(elapsed) (PostgreSQL \(number))")
    }

    /// The failure for an error of the connection or of the query. PostgresNIO's own
    /// descriptions are deliberately vague, so the message is built from the error's parts.
    private static func failure(_ error: any Error) -> CheckFailure {
        guard let error = error as? PSQLError else { return CheckFailure.network(error) }
        switch error.code {
        case .server:
            return serverFailure(error)
        case .sslUnsupported:
            return CheckFailure(.tls, "the server does not accept TLS connections (sslmode requires TLS)")
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return CheckFailure(.tls, "TLS could not be set up")
        case .unsupportedAuthMechanism:
            return CheckFailure(authFailure, "the server asks for an authentication method the probe does not support")
        case .authMechanismRequiresPassword:
            return CheckFailure(authFailure, "the server asks for a password and the DSN has none")
        case .saslError:
            return CheckFailure(authFailure, "SCRAM authentication failed")
        case .serverClosedConnection:
            if let underlying = error.underlying { return CheckFailure.network(underlying) }
            return CheckFailure(.refused, "connection closed by the server")
        case .connectionError:
            if let underlying = error.underlying { return CheckFailure.network(underlying) }
            return CheckFailure(.error, "connection error")
        default:
            return CheckFailure(.error, "PostgreSQL client error (\(error.code))")
        }
    }

    private static func serverFailure(_ error: PSQLError) -> CheckFailure {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "server error"
        let detail = state.isEmpty ? message : "\(message) (SQLSTATE \(state))"
        // Class 28: invalid authorization specification (28000) and invalid password (28P01).
        return CheckFailure(state.hasPrefix("28") ? authFailure : .error, detail)
    }
}

extension PostgresProbe {
    /// A parsed DSN.
    private struct Target: Sendable {
        enum Endpoint: Sendable {
            case tcp(host: String, port: Int)
            case socket(path: String)
        }

        enum SSLMode: String, Sendable, CaseIterable {
            case disable
            case prefer
            case require
            case verifyCA = "verify-ca"
            case verifyFull = "verify-full"
        }

        static let defaultPort = 5432
        static let defaultSocketDirectory = "/var/run/postgresql"

        var endpoint: Endpoint
        var user: String
        var password: String?
        /// The password as it appears in the DSN, percent-encoded.
        var encodedPassword: String?
        var database: String?
        var sslMode: SSLMode
        var applicationName: String?

        // Every message here names the part at fault, never its value: it may be the password.
        init(dsn: String) throws(CheckFailure) {
            guard let schemeEnd = dsn.firstRange(of: "://"),
                ["postgres", "postgresql"].contains(dsn[..<schemeEnd.lowerBound].lowercased())
            else {
                throw CheckFailure(.error, "invalid DSN: must start with postgres:// or postgresql://")
            }
            var rest = dsn[schemeEnd.upperBound...]
            var query: Substring = ""
            if let mark = rest.firstIndex(of: "?") {
                query = rest[rest.index(after: mark)...]
                rest = rest[..<mark]
            }
            var path: Substring = ""
            if let slash = rest.firstIndex(of: "/") {
                path = rest[rest.index(after: slash)...]
                rest = rest[..<slash]
            }
            var user: Substring = ""
            if let at = rest.lastIndex(of: "@") {
                let userInfo = rest[..<at]
                rest = rest[rest.index(after: at)...]
                if let colon = userInfo.firstIndex(of: ":") {
                    user = userInfo[..<colon]
                    encodedPassword = String(userInfo[userInfo.index(after: colon)...])
                } else {
                    user = userInfo
                }
            }
            self.user = try Self.decode(user, "user name")
            guard !self.user.isEmpty else { throw CheckFailure(.error, "invalid DSN: no user name") }
            if let encodedPassword {
                password = try Self.decode(encodedPassword[...], "password")
            }
            let database = try Self.decode(path, "database name")
            self.database = database.isEmpty ? nil : database
            sslMode = .prefer
            let (host, port) = try Self.hostAndPort(rest)
            var socketDirectory = host.isEmpty ? Self.defaultSocketDirectory : nil
            var tcpHost = host
            for parameter in query.split(separator: "&") where !parameter.isEmpty {
                let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = try Self.decode(pair[0], "parameter name")
                let value = try Self.decode(pair.count > 1 ? pair[1] : "", "value of \(name)")
                switch name {
                case "sslmode":
                    guard let mode = SSLMode(rawValue: value) else {
                        let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                        throw CheckFailure(.error, "invalid DSN: sslmode must be one of \(modes)")
                    }
                    sslMode = mode
                case "host" where value.hasPrefix("/"):
                    socketDirectory = value
                case "host":
                    tcpHost = value
                    socketDirectory = nil
                case "application_name":
                    applicationName = value
                default:
                    throw CheckFailure(
                        .error,
                        "invalid DSN: unsupported parameter \"\(name)\" (use sslmode, host or application_name)"
                    )
                }
            }
            if let socketDirectory {
                endpoint = .socket(path: "\(socketDirectory)/.s.PGSQL.\(port)")
            } else {
                endpoint = .tcp(host: tcpHost, port: port)
            }
        }

        /// The connection settings for a connected channel.
        func configuration(on channel: any Channel) throws -> PostgresConnection.Configuration {
            var configuration = PostgresConnection.Configuration(
                establishedChannel: channel,
                tls: try tls(),
                username: user,
                password: password,
                database: database
            )
            if case .tcp(let host, _) = endpoint {
                configuration.options.tlsServerName = host
            }
            if let applicationName {
                configuration.options.additionalStartupParameters = [("application_name", applicationName)]
            }
            // The collector cancels a run at the check's timeout; this is only a backstop.
            configuration.options.connectTimeout = .hours(1)
            return configuration
        }

        /// `text` scrubbed, and with the password masked wherever it still appears, decoded or not.
        func hidingPassword(in text: String) -> String {
            var text = Scrubber.scrub(text)
            for secret in [password, encodedPassword] {
                guard let secret, !secret.isEmpty else { continue }
                text = text.replacing(secret, with: Scrubber.mask)
            }
            return text
        }

        private func tls() throws -> PostgresConnection.Configuration.TLS {
            // TLS does not apply to Unix sockets, as in libpq.
            guard case .tcp = endpoint, sslMode != .disable else { return .disable }
            var tls = TLSConfiguration.makeClientConfiguration()
            switch sslMode {
            case .disable, .prefer, .require: tls.certificateVerification = .none
            case .verifyCA: tls.certificateVerification = .noHostnameVerification
            case .verifyFull: tls.certificateVerification = .fullVerification
            }
            let context = try NIOSSLContext(configuration: tls)
            return sslMode == .prefer ? .prefer(context) : .require(context)
        }

        private static func hostAndPort(_ authority: Substring) throws(CheckFailure) -> (String, Int) {
            var host = authority
            var portText: Substring?
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else {
                    throw CheckFailure(.error, "invalid DSN: unclosed [ in the host")
                }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { throw CheckFailure(.error, "invalid DSN: bad host") }
                    portText = after.dropFirst()
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            }
            guard let portText else { return (String(host), defaultPort) }
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw CheckFailure(.error, "invalid DSN: the port must be a number from 1 to 65535")
            }
            return (String(host), port)
        }

        /// `text` with `%XX` escapes decoded.
        private static func decode(_ text: Substring, _ part: String) throws(CheckFailure) -> String {
            guard text.contains("%") else { return String(text) }
            var bytes: [UInt8] = []
            var iterator = text.utf8.makeIterator()
            while let byte = iterator.next() {
                guard byte == UInt8(ascii: "%") else {
                    bytes.append(byte)
                    continue
                }
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw CheckFailure(.error, "invalid DSN: bad percent-encoding in the \(part)")
                }
                bytes.append(high << 4 | low)
            }
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                throw CheckFailure(.error, "invalid DSN: the \(part) is not UTF-8")
            }
            return decoded
        }

        private static func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }
}
