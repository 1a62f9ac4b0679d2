import Vitals
import VitalsProbes

/// `postgres`: connects to PostgreSQL and runs `SELECT 1`.
struct PostgresSettings: CheckSettings {
    static let typeName = "postgres"
    static let summary = "Connects to PostgreSQL and runs `SELECT 1`."

    /// May hold a password: never print it as is (the dump and the scrubber mask it).
    var dsn = ""

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
            )
        ]
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        PostgresProbe(dsn: dsn)
    }
}
