public import Logging

/// What the command line tells the daemon.
public struct DaemonOptions: Sendable {
    /// The YAML files and directories of `*.yml` files (`--config.file`, repeatable), merged; empty runs
    /// the embedded default checks.
    public var configFiles: [String]
    /// `HOST:PORT`s to listen on, one listener each (`--web.listen-address`, repeatable).
    public var listenAddresses: [String]
    /// The exporter-toolkit web configuration (`--web.config.file`): TLS, basic auth, headers.
    public var webConfigFile: String?
    /// Serve on the sockets systemd passes (`--web.systemd-socket`) instead of ``listenAddresses``.
    public var systemdSocket: Bool
    /// Whether `POST /-/reload` is enabled.
    public var enableLifecycle: Bool
    /// `HOST:PORT` to serve `grpc.health.v1.Health` on (`--grpc.listen-address`); nil serves none.
    public var grpcListenAddress: String?
    /// The least severe level that is logged.
    public var logLevel: Logger.Level
    /// How log lines look.
    public var logFormat: LogFormat
    /// The directory where state that outlives a restart (the heartbeats' last pings) is kept;
    /// `nil` or empty keeps nothing. See ``defaultStoragePath(stateDirectory:)``.
    public var storagePath: String?

    public init(
        configFiles: [String] = [],
        listenAddresses: [String] = ["127.0.0.1:9469"],
        webConfigFile: String? = nil,
        systemdSocket: Bool = false,
        enableLifecycle: Bool = false,
        grpcListenAddress: String? = nil,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .logfmt,
        storagePath: String? = nil
    ) {
        self.configFiles = configFiles
        self.listenAddresses = listenAddresses
        self.webConfigFile = webConfigFile
        self.systemdSocket = systemdSocket
        self.enableLifecycle = enableLifecycle
        self.grpcListenAddress = grpcListenAddress
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.storagePath = storagePath
    }

    /// The storage directory when `--storage.path` is not given: the first of the directories systemd
    /// names in `STATE_DIRECTORY` (set by `StateDirectory=`, colon-separated when it names several), or
    /// `nil` outside such a unit.
    /// - Parameter stateDirectory: The value of `STATE_DIRECTORY`, if set.
    public static func defaultStoragePath(stateDirectory: String?) -> String? {
        stateDirectory?.split(separator: ":").first.map(String.init)
    }

    /// ``storagePath``, with an empty path (`--storage.path ""`) meaning none.
    var storageDirectory: String? {
        storagePath.flatMap { $0.isEmpty ? nil : $0 }
    }
}
