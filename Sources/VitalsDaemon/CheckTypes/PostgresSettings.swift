import Foundation
import Vitals
import VitalsProbes

/// `postgres`: connects to PostgreSQL and runs `SELECT 1`.
struct PostgresSettings: ConnectingCheckSettings {
    static let typeName = "postgres"
    static let summary = "Connects to PostgreSQL and runs `SELECT 1`."

    /// May hold a password: never print it as is (the dump and the scrubber mask it).
    var dsn = ""
    /// The password, from a file rather than the DSN.
    var passwordFile: SecretFile?

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    /// Nil for a Unix socket (no host, or a path in `host=`), which has no addresses to choose.
    var connectHost: String? {
        guard let host = URLComponents(string: dsn)?.host, !host.isEmpty, !host.hasPrefix("%2F") else { return nil }
        return host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    }

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "dsn",
                \.dsn,
                ValueReader.url(
                    schemes: ["postgres", "postgresql"],
                    requiringHost: false,
                    problem: "must be a postgres:// or postgresql:// URL (percent-encode special characters)"
                )
                // The DSN's own rules (sslmode, parameters, encoding) live with the probe; its messages
                // never repeat the password.
                .checked { PostgresProbe.problem(with: $0) },
                required: true,
                "`postgres://user:password@host:port/db`."
            ),
            .key(
                "password_file",
                \.passwordFile,
                .secretFile,
                "File holding the password (the DSN then has none); `%d/NAME` reads a systemd credential."
            ),
        ] + connectingKeys
    }

    mutating func validate(_ rules: inout KeyRules) {
        if passwordFile != nil, rules.isValid("dsn"), URLComponents(string: dsn)?.password != nil {
            rules.report("password_file", "the dsn has a password already; keep it in one place")
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        PostgresProbe(dsn: effectiveDSN)
    }

    /// The DSN with the password of `password_file` in it, percent-encoded.
    var effectiveDSN: String {
        guard let passwordFile, var components = URLComponents(string: dsn) else { return dsn }
        components.password = passwordFile.value
        return components.string ?? dsn
    }
}
