import Vitals
import VitalsProbes

/// The settings of one check type: its `type` name, its keys, its rules and how it makes its probe.
///
/// A check type is one file in `CheckTypes/`, listed in ``CheckTypes/all``. Its settings are a struct
/// whose property initialisers are the defaults; its table of keys says how each is read:
///
/// ```swift
/// struct MemcachedSettings: CheckSettings {
///     static let typeName = "memcached"
///     static let summary = "Asks a memcached server for its version."
///     var address = HostPort.placeholder
///
///     static var keys: [ConfigKey<Self>] {
///         [.key("address", \.address, .hostPort, required: true, "The server, `HOST:PORT`.")]
///     }
///
///     func makeCheck(_ context: ProbeContext) -> any HealthCheck {
///         MemcachedProbe(host: address.host, port: address.port)
///     }
/// }
/// ```
protocol CheckSettings: ConfigSection {
    /// The value of the `type` key.
    static var typeName: String { get }
    /// One sentence for the documentation: what a check of this type does.
    static var summary: String { get }
    /// The probe these settings describe.
    func makeCheck(_ context: ProbeContext) -> any HealthCheck
}

/// The settings of a check that waits on a peer over the network: it takes `warn_after`, and a
/// passing run that takes longer warns (``LatencyWarning``).
protocol NetworkCheckSettings: CheckSettings {
    var warnAfter: Duration? { get set }
}

extension NetworkCheckSettings {
    /// The `warn_after` key, listed by each network type with its own keys.
    static var warnAfterKey: ConfigKey<Self> {
        .key(
            "warn_after",
            \.warnAfter,
            .positiveDuration,
            "Warn when a passing run takes longer (below `timeout`, which fails)."
        )
    }
}

/// The settings of a check whose probe reaches one host by its addresses: it takes `ip_family` and
/// `all_addresses` (``AddressSelection``).
protocol AddressedCheckSettings: CheckSettings {
    var ipFamily: IPFamily { get set }
    var allAddresses: Bool { get set }
    /// The host the probe reaches; nil when it reaches none (a Unix socket).
    var connectHost: String? { get }
}

/// A network check that reaches one host by its addresses: `warn_after`, `ip_family`, `all_addresses`.
typealias ConnectingCheckSettings = NetworkCheckSettings & AddressedCheckSettings

extension AddressedCheckSettings {
    /// `ip_family` and `all_addresses`, listed by each type after its own keys.
    static var addressKeys: [ConfigKey<Self>] {
        [
            .key(
                "ip_family",
                \.ipFamily,
                .oneOf(),
                "Connect over IPv4 (`ip4`) or IPv6 (`ip6`) only; `any` tries both."
            ),
            .key(
                "all_addresses",
                \.allAddresses,
                .bool,
                "Run against every address the host resolves to (in `ip_family`); any failure fails."
            ),
        ]
    }
}

extension NetworkCheckSettings where Self: AddressedCheckSettings {
    /// `warn_after`, `ip_family` and `all_addresses`, listed by each connecting type after its own keys.
    static var connectingKeys: [ConfigKey<Self>] { [warnAfterKey] + addressKeys }
}

/// Every check type the configuration file knows, in the order the documentation lists them.
enum CheckTypes {
    static let all: [any CheckSettings.Type] = [
        TCPSettings.self, HTTPSettings.self, DNSSettings.self, TLSSettings.self, ExecSettings.self,
        DiskSettings.self, MemorySettings.self, LoadSettings.self, ProcessSettings.self, FileSettings.self,
        HeartbeatSettings.self, PostgresSettings.self, MemcachedSettings.self, RedisSettings.self,
        CertificateSettings.self, ICMPSettings.self, SystemdSettings.self, GRPCSettings.self, SMTPSettings.self,
    ]

    /// The type whose `type` key is `name`.
    static func named(_ name: String) -> (any CheckSettings.Type)? {
        all.first { $0.typeName == name }
    }

    /// The type names, in documentation order.
    static var names: [String] { all.map { $0.typeName } }
}
