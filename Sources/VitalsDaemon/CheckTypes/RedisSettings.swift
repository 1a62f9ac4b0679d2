import Foundation
import NIOSSL
import Vitals
import VitalsProbes

/// `redis`: `PING` answers `PONG`, after `AUTH`; optionally the replication role.
struct RedisSettings: ConnectingCheckSettings {
    static let typeName = "redis"
    static let summary =
        "Sends `PING` (after `AUTH` when a password is set) and passes on `PONG`; optionally checks the role."

    var address: HostPort?
    /// `redis://` or `rediss://` (TLS), with the user, password and database it may hold.
    var url: String?
    var username: String?
    /// Never shown as is: the dump masks it, and the probe keeps it out of its messages.
    var password: String?
    var passwordFile: SecretFile?
    var database: Int?
    var tls = false
    var caFile: String?
    var serverName: String?
    var expectRole: RedisProbe.Role?

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? {
        address?.host ?? url.flatMap(URLComponents.init(string:))?.host.map(Self.unbracketed)
    }

    static var keys: [ConfigKey<Self>] {
        [
            .key("address", \.address, .hostPort, "The server: `HOST:PORT`, usually port 6379. Or give `url`."),
            .key(
                "url",
                \.url,
                ValueReader.url(
                    schemes: ["redis", "rediss"],
                    requiringHost: true,
                    problem: "must be a redis:// or rediss:// URL with a host (percent-encode special characters)"
                )
                .checked { Self.problem(withURL: $0) },
                "`redis://[user:password@]host[:port][/db]`; `rediss://` speaks TLS. Instead of `address`."
            ),
            .key("username", \.username, .string, "The ACL user to authenticate as (needs a password)."),
            .key("password", \.password, .string, "The password sent with `AUTH`; prefer `password_file`."),
            .key(
                "password_file",
                \.passwordFile,
                .secretFile,
                "File holding the password; `%d/NAME` reads a systemd credential."
            ),
            .key("database", \.database, .count, "A database index to `SELECT`."),
            .key("tls", \.tls, .bool, "Speak TLS (as `rediss://` does)."),
            .key(
                "ca_file",
                \.caFile,
                .readableFile,
                "PEM file of the certificate authorities to trust instead of the system's (with TLS)."
            ),
            .key(
                "server_name",
                \.serverName,
                .string,
                "The name the certificate must be valid for; the host if unset."
            ),
            .key(
                "expect_role",
                \.expectRole,
                .oneOf(),
                "The replication role the server must have; a replica out of sync with its master warns."
            ),
        ] + connectingKeys
    }

    mutating func validate(_ rules: inout KeyRules) {
        switch (rules.contains("address"), rules.contains("url")) {
        case (false, false): rules.reportMapping("needs address or url")
        case (true, true): rules.report("url", "give address or url, not both")
        default: break
        }
        let parts = url.flatMap(URLComponents.init(string:))
        if parts?.scheme?.lowercased() == "rediss" { tls = true }
        let passwords = [parts?.password != nil, password != nil, passwordFile != nil].filter { $0 }.count
        if passwords > 1 {
            rules.report(
                passwordFile != nil ? "password_file" : "password",
                "the password is set more than once (url, password, password_file); keep it in one place"
            )
        }
        if username != nil, parts?.user != nil {
            rules.report("username", "the url has a user name already; keep it in one place")
        }
        if username != nil, passwords == 0 {
            rules.report("username", "needs a password (password, password_file, or in the url)")
        }
        if !tls {
            for key in ["ca_file", "server_name"] where rules.contains(key) {
                rules.report(key, "needs TLS (tls: true or a rediss:// url)")
            }
        }
    }

    /// What the probe connects to and sends, from `address` or `url` and the other keys.
    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        let parts = url.flatMap(URLComponents.init(string:))
        let host = address?.host ?? parts?.host.map(Self.unbracketed) ?? ""
        let port = address?.port ?? parts?.port ?? 6379
        let user = username ?? parts?.user.flatMap { $0.isEmpty ? nil : $0 }
        return RedisProbe(
            host: host,
            port: port,
            username: user,
            password: password ?? passwordFile?.value ?? parts?.password,
            database: database ?? parts.flatMap(Self.database(inPath:)),
            tls: tls
                ? RedisProbe.TLS(trustRoots: caFile.map { .file($0) } ?? .default, serverName: serverName ?? host)
                : nil,
            expectedRole: expectRole
        )
    }

    /// What is wrong with a redis URL beyond its scheme and host, or nil.
    private static func problem(withURL text: String) -> String? {
        guard let parts = URLComponents(string: text) else { return "is not a URL" }
        if parts.path.count > 1, database(inPath: parts) == nil {
            return "the path must be a database index, like /0"
        }
        if parts.query != nil || parts.fragment != nil { return "takes no query or fragment" }
        return nil
    }

    /// The database index of `/N`, or nil.
    private static func database(inPath parts: URLComponents) -> Int? {
        guard parts.path.hasPrefix("/") else { return nil }
        return Int(parts.path.dropFirst()).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// `[::1]` as `::1`: URLComponents keeps an IPv6 host's brackets.
    private static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}
