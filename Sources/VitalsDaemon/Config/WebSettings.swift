/// The `web` section: how `/health` answers.
struct WebSettings: ConfigSection {
    /// HTTP status of `/health` when a critical check fails; 400...599.
    var failureStatus = 500
    /// Extra response headers on `/health`, in file order.
    var headers: [HeaderField] = []
    /// A connection with no complete request for this long is closed: idle keep-alive connections, and
    /// clients that send their headers byte by byte (slowloris). Read at start-up.
    var idleTimeout = Duration.seconds(30)
    /// Connections open at once; one more is closed as soon as it is accepted. Read at start-up.
    var maxConnections = 1024
    /// With `basic_auth_users` in the web configuration file: what a request without credentials sees.
    var anonymousHealth = AnonymousHealth.none
    /// On SIGTERM, `/readyz` fails for this long before the listener closes. Read at start-up.
    var shutdownDelay = Duration.zero

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "failure_status",
                \.failureStatus,
                ValueReader.integer.checked("integer 400–599") {
                    (400...599).contains($0) ? nil : "must be between 400 and 599"
                },
                "HTTP status of `/health` when a critical check fails."
            ),
            .key("headers", \.headers, .headers, "Extra response headers on `/health`."),
            .key(
                "idle_timeout",
                \.idleTimeout,
                .atLeast(.milliseconds(100)),
                "Close a connection without a complete request for this long (idle keep-alive, slowloris); read at start-up."
            ),
            .key(
                "max_connections",
                \.maxConnections,
                ValueReader.integer.checked("integer 1–1000000") {
                    (1...1_000_000).contains($0) ? nil : "must be between 1 and 1000000"
                },
                "Connections open at once; more are closed when accepted; read at start-up."
            ),
            .key(
                "shutdown_delay",
                \.shutdownDelay,
                ValueReader.duration.checked("duration 0–5m") {
                    $0 <= .seconds(300) ? nil : "must not be longer than 5m"
                },
                "On SIGTERM, `/readyz` fails (503) for this long before the listener closes, so that load balancers and Kubernetes endpoints drain; read at start-up."
            ),
            .key(
                "anonymous_health",
                \.anonymousHealth,
                .oneOf(),
                "With `basic_auth_users` (`--web.config.file`): `status_only` lets requests without credentials get `/health` and `/health/{tag}` as a status code and an overall status, without check names or messages; `none` answers 401."
            ),
        ]
    }
}
