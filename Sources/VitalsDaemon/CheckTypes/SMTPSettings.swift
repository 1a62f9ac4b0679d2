import NIOSSL
import Vitals
import VitalsProbes

/// `smtp`: a mail server's greeting and EHLO, optionally STARTTLS (with the certificate's expiry)
/// and AUTH PLAIN.
struct SMTPSettings: ConnectingCheckSettings {
    static let typeName = "smtp"
    static let summary =
        "Talks SMTP: greeting, EHLO, optionally STARTTLS (certificate verified, expiry judged) and AUTH PLAIN."

    var address = HostPort.placeholder
    var ehloName = "vitals.localhost"
    var starttls = false
    /// The host of `address` unless the file names another.
    var serverName: String?
    var caFile: String?
    var warnDays = 14
    var failDays = 3
    var username: String?
    var passwordFile: SecretFile?

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? { address.host }

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "address",
                \.address,
                .hostPort,
                required: true,
                "The server: `HOST:PORT` (25, or 587 for submission)."
            ),
            .key("ehlo_name", \.ehloName, .string, "The name this check gives with `EHLO`."),
            .key(
                "starttls",
                \.starttls,
                .bool,
                "Upgrade to TLS with STARTTLS, verify the certificate and judge its expiry."
            ),
            .key(
                "server_name",
                \.serverName,
                .string,
                "With STARTTLS, the name to send and verify; the host of `address` if unset."
            ),
            .key(
                "ca_file",
                \.caFile,
                .readableFile,
                "With STARTTLS, PEM certificates to trust instead of the system's."
            ),
            .key("warn_days", \.warnDays, .count, "With STARTTLS, warn when the certificate expires in fewer days."),
            .key("fail_days", \.failDays, .count, "With STARTTLS, fail when the certificate expires in fewer days."),
            .key("username", \.username, .string, "Authenticate with AUTH PLAIN as this user (with `password_file`)."),
            .key(
                "password_file",
                \.passwordFile,
                .secretFile,
                "File holding the password of `username`; `%d/NAME` reads a systemd credential."
            ),
        ] + connectingKeys
    }

    mutating func validate(_ rules: inout KeyRules) {
        rules.requireOrder("fail_days", failDays, notGreaterThan: "warn_days", warnDays) { "\($0)" }
        if !starttls {
            for key in ["server_name", "ca_file", "warn_days", "fail_days"] where rules.contains(key) {
                rules.report(key, "needs starttls: true")
            }
        }
        if (username == nil) != (passwordFile == nil) {
            rules.report(username == nil ? "password_file" : "username", "username and password_file go together")
        }
        if serverName == nil { serverName = address.host }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        SMTPProbe(
            host: address.host,
            port: address.port,
            ehloName: ehloName,
            startTLS: starttls
                ? SMTPProbe.StartTLS(
                    serverName: serverName ?? address.host,
                    trustRoots: caFile.map { .file($0) } ?? .default,
                    warnDays: warnDays,
                    failDays: failDays
                ) : nil,
            credentials: username.flatMap { user in passwordFile.map { (user, $0.value) } }
        )
    }
}
