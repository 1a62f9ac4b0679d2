/// The settings of one check type, validated.
enum CheckSettings: Sendable, Equatable {
    /// `expect` is a regular expression source, already checked to compile with `Regex(_:)`.
    case tcp(address: HostPort, send: String?, expect: String?)
    /// `url` is http or https with a host; `expectStatus` holds ranges, a single code being `n...n`;
    /// `expectBody` is a regular expression source, already checked to compile.
    case http(
        url: String,
        method: String,
        headers: [HeaderField],
        expectStatus: [ClosedRange<Int>],
        expectBody: String?,
        tlsSkipVerify: Bool
    )
    /// `recordType` is "A" or "AAAA"; `expect` holds addresses of that family (empty: any answer passes).
    case dns(query: String, recordType: String, expect: [String])
    /// `failDays <= warnDays`, both `>= 0`.
    case tls(address: HostPort, serverName: String, warnDays: Int, failDays: Int)
    /// argv; never run through a shell.
    case exec(command: [String])
    /// Percentages in 0...100, `failFreePercent <= warnFreePercent`.
    case disk(path: String, warnFreePercent: Double, failFreePercent: Double)
    case memory(warnAvailablePercent: Double, failAvailablePercent: Double)
    /// Both `> 0`, `failPerCPU >= warnPerCPU`.
    case load(warnPerCPU: Double, failPerCPU: Double)
    /// Exactly one of the two is set. `name` comes from the YAML key `process_name`.
    case process(pidfile: String?, name: String?)
    case file(path: String, maxAge: Duration?, minSize: Int?)
    case heartbeat(ttl: Duration, grace: Duration)
    /// A `postgres://` or `postgresql://` URL; it may hold a password, so never print it as is.
    case postgres(dsn: String)

    /// The values of the `type` key, in the order the documentation lists them.
    static let typeNames = [
        "tcp", "http", "dns", "tls", "exec", "disk", "memory", "load", "process", "file", "heartbeat", "postgres",
    ]

    /// The `type` key that produces these settings.
    var typeName: String {
        switch self {
        case .tcp: "tcp"
        case .http: "http"
        case .dns: "dns"
        case .tls: "tls"
        case .exec: "exec"
        case .disk: "disk"
        case .memory: "memory"
        case .load: "load"
        case .process: "process"
        case .file: "file"
        case .heartbeat: "heartbeat"
        case .postgres: "postgres"
        }
    }
}
