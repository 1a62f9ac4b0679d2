public import ArgumentParser
import Logging
import VitalsDaemon

#if canImport(Glibc)
import Glibc
#endif

struct Vitals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "A health-check exporter: runs checks and serves them to Prometheus, load balancers and systemd.",
        version:
            "vitals \(BuildVersion.version) (revision \(BuildVersion.revision), Swift \(BuildVersion.swiftVersion))",
        subcommands: [Serve.self, Check.self, CheckConfig.self],
        defaultSubcommand: Serve.self
    )
}

/// `--log.level`: the names Prometheus exporters take (`warn`), and `warning` as well.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case debug
    case info
    case warn
    case warning
    case error

    var level: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warn, .warning: .warning
        case .error: .error
        }
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Daemon.CheckFormat: ExpressibleByArgument {}

struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log.level"), help: "Least severe level logged.")
    var level: LogLevel = .info

    @Option(name: .customLong("log.format"), help: "Log line format.")
    var format: LogFormat = .logfmt

    func makeLogger() -> Logger {
        Logger(label: "vitals") { label in VitalsLogHandler(label: label, level: level.level, format: format) }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the checks and serve the results (the default).")

    @Option(
        name: .customLong("config.file"),
        help:
            "A YAML configuration file, or a directory of *.yml files (repeatable; merged in order); without it the default checks run."
    )
    var configFile: [String] = []

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on (repeatable; default 127.0.0.1:9469).")
    var listenAddresses: [String] = []

    @Option(
        name: .customLong("web.config.file"),
        help: "Web configuration in the exporter-toolkit format: TLS, basic auth, response headers."
    )
    var webConfigFile: String?

    @Flag(
        name: .customLong("web.systemd-socket"),
        help: "Serve on the sockets systemd passes (socket activation) instead of --web.listen-address."
    )
    var systemdSocket = false

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable POST /-/reload.")
    var enableLifecycle = false

    @Option(
        name: .customLong("grpc.listen-address"),
        help: "Also serve grpc.health.v1.Health (Check, Watch) here, in plaintext HTTP/2, for gRPC probes."
    )
    var grpcListenAddress: String?

    @Option(
        name: .customLong("storage.path"),
        help: ArgumentHelp(
            "Directory for state kept across restarts (heartbeats' last pings); \"\" keeps none.",
            discussion: "Default: the first directory in $STATE_DIRECTORY (systemd's StateDirectory=), else none."
        )
    )
    var storagePath: String?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let options = DaemonOptions(
            configFiles: configFile,
            listenAddresses: listenAddresses.isEmpty ? ["127.0.0.1:9469"] : listenAddresses,
            webConfigFile: webConfigFile,
            systemdSocket: systemdSocket,
            enableLifecycle: enableLifecycle,
            grpcListenAddress: grpcListenAddress,
            logLevel: logging.level.level,
            logFormat: logging.format,
            storagePath: storagePath
                ?? DaemonOptions.defaultStoragePath(
                    stateDirectory: getenv("STATE_DIRECTORY").map { String(cString: $0) }
                )
        )
        let code = await Daemon.serve(options, logger: logging.makeLogger())
        if code != 0 { throw ExitCode(code) }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every check once and print the results; exit 1 when a critical check fails."
    )

    @Option(
        name: .customLong("config.file"),
        help:
            "A YAML configuration file, or a directory of *.yml files (repeatable; merged in order); without it the default checks run."
    )
    var configFile: [String] = []

    @Option(help: "Output format; nagios prints one plugin line and exits 0/1/2/3.")
    var format: Daemon.CheckFormat = .text

    @Option(name: .customLong("tag"), help: "Only run checks with this tag (repeatable).")
    var tags: [String] = []

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let code = await Daemon.check(
            configFiles: configFile,
            format: format,
            tags: tags,
            logger: logging.makeLogger()
        )
        if code != 0 { throw ExitCode(code) }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; exit 2 with every error if invalid."
    )

    @Option(
        name: .customLong("config.file"),
        help: "A YAML configuration file, or a directory of *.yml files, to validate (repeatable; merged in order)."
    )
    var configFile: [String] = []

    @Option(name: .customLong("web.config.file"), help: "A web configuration file to validate as well.")
    var webConfigFile: String?

    func validate() throws {
        if configFile.isEmpty && webConfigFile == nil {
            throw ValidationError("give --config.file, --web.config.file, or both")
        }
    }

    func run() async throws {
        let code = await Daemon.checkConfig(paths: configFile, webConfigFile: webConfigFile)
        if code != 0 { throw ExitCode(code) }
    }
}

// ArgumentParser exits 64 on a usage error; the contract (like most exporters) says 2.
do {
    var command = try Vitals.parseAsRoot()
    switch command {
    case let serve as Serve: try await serve.run()
    case let check as Check: try await check.run()
    case let checkConfig as CheckConfig: try await checkConfig.run()
    default: try command.run()
    }
} catch {
    let code = Vitals.exitCode(for: error)
    if code == .validationFailure {
        let message = Vitals.fullMessage(for: error)
        StandardError.write(line: message)
        // Called as a Nagios plugin, a usage error is UNKNOWN (3), and the line says so.
        let arguments = CommandLine.arguments
        let nagios =
            zip(arguments, arguments.dropFirst()).contains { $0 == ("--format", "nagios") }
            || arguments.contains("--format=nagios")
        if nagios {
            print("VITALS UNKNOWN - usage error: \(message.split(separator: "\n").first ?? "")")
            exit(Daemon.nagiosUnknown)
        }
        exit(2)
    }
    Vitals.exit(withError: error)
}
