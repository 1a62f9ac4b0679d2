public import Logging

/// What the command line tells the daemon.
public struct DaemonOptions: Sendable {
    /// The YAML file; `nil` runs the embedded default checks.
    public var configFile: String?
    /// `HOST:PORT` to listen on.
    public var listenAddress: String
    /// Whether `POST /-/reload` is enabled.
    public var enableLifecycle: Bool
    /// The least severe level that is logged.
    public var logLevel: Logger.Level
    /// How log lines look.
    public var logFormat: LogFormat

    public init(
        configFile: String? = nil,
        listenAddress: String = "127.0.0.1:9469",
        enableLifecycle: Bool = false,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .logfmt
    ) {
        self.configFile = configFile
        self.listenAddress = listenAddress
        self.enableLifecycle = enableLifecycle
        self.logLevel = logLevel
        self.logFormat = logFormat
    }
}
