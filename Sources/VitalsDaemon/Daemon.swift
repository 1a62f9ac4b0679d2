import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals
import Vitals
import VitalsHTTP
import VitalsSystemd

#if canImport(Glibc)
import Glibc
#endif
#if canImport(CProcessControl)
import CProcessControl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `vitals` commands: `serve`, `check` and `check-config`.
public enum Daemon {
    /// Exit codes of the commands.
    public enum ExitCode {
        public static let success: Int32 = 0
        public static let checkFailed: Int32 = 1
        public static let usage: Int32 = 2
    }

    /// Runs the daemon until SIGTERM or SIGINT.
    /// - Returns: the process exit code.
    public static func serve(_ options: DaemonOptions, logger: Logger) async -> Int32 {
        #if canImport(CProcessControl)
        // The daemon's large blocks come and go: a scrape's text document (9 MB at 10,000 checks), a
        // `/health` body (3 MB). Each gets a mapping of its own, returned when freed, rather than heap
        // pages that stay resident after it (about 1 MiB less RSS at 10,000 checks, BENCHMARKS.md).
        vitals_fix_mmap_threshold(256 * 1024)
        #endif
        var parsed: [HostPort] = []
        for text in options.listenAddresses {
            guard let address = HostPort(text, listening: true) else {
                printError("vitals: --web.listen-address: expected HOST:PORT, got \"\(text)\"")
                return ExitCode.usage
            }
            parsed.append(address)
        }
        let addresses = parsed
        var grpcAddress: HostPort?
        if let text = options.grpcListenAddress {
            guard let address = HostPort(text, listening: true) else {
                printError("vitals: --grpc.listen-address: expected HOST:PORT, got \"\(text)\"")
                return ExitCode.usage
            }
            grpcAddress = address
        }
        let activatedSockets = options.systemdSocket ? SocketActivation.listeningStreamSockets() : []
        if options.systemdSocket && activatedSockets.isEmpty {
            printError(
                "vitals: --web.systemd-socket: systemd passed no listening socket (LISTEN_FDS); "
                    + "start Vitals from a .socket unit, or drop the flag"
            )
            return ExitCode.usage
        }
        let security: WebSecurity?
        do {
            security = try options.webConfigFile.map { path throws(ConfigError) in
                try WebSecurity(path: path, logger: logger)
            }
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            return ExitCode.usage
        }
        let source = ConfigSource(paths: options.configFiles)
        let context = ProbeContext(ownsProcess: true)
        let factory = CheckFactory(context: context)
        var configuration: Configuration
        var definitions: [CheckDefinition]
        do {
            configuration = try source.load()
            definitions = factory.definitions(for: configuration)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            await context.shutdown()
            return ExitCode.usage
        }

        let notifier = Notifier()
        let watchdogInterval = notifier.watchdogPingInterval()
        // The loop must turn at least twice per watchdog ping interval for the pings to show progress.
        let tick = min(.seconds(1), (watchdogInterval ?? .seconds(2)) / 2)
        let heartbeats = HeartbeatStore(directory: options.storageDirectory, logger: logger)
        heartbeats.load()
        heartbeats.adopt(definitions)
        let monitor = Monitor(mode: .scheduled, clock: ContinuousClock(), tick: tick, logger: logger)
        monitor.replace(with: definitions)
        // The store's slots hold the definitions from here on; 10,000 are 2.4 MB, not kept twice.
        let checkCount = definitions.count
        definitions = []
        let daemon = DaemonSource(
            monitor: monitor,
            configuration: configuration,
            reloader: Reloader(
                source: source,
                factory: factory,
                monitor: monitor,
                heartbeats: heartbeats,
                logger: logger
            ),
            heartbeats: heartbeats,
            notifier: notifier,
            canReload: options.enableLifecycle
        )
        // The checks live on as definitions (and in `/environment`, when enabled): their specs, 1.7 MB
        // at 10,000 checks, are not kept for the life of the daemon.
        configuration.checks = []
        let store = monitor.store
        let listening = Latch()

        let router = Router()
        if let security { router.add(middleware: WebAuthMiddleware(security: security, source: daemon)) }
        HealthEndpoints(source: daemon).addRoutes(to: router)
        let responder = router.buildResponder()
        let (seconds, attoseconds) = configuration.web.idleTimeout.components
        let idleTimeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        // One connection cap across every listener.
        let limit = ConnectionLimit(maximum: configuration.web.maxConnections)
        let server = HTTPServerBuilder.http1WithHTTP10(
            configuration: .init(idleTimeout: idleTimeout),
            limit: limit,
            security: security
        )
        let listenerCount = options.systemdSocket ? activatedSockets.count : addresses.count
        let bound = Atomic(0)
        let announce: @Sendable (String) -> Void = { address in
            logger.info(
                "Listening",
                metadata: [
                    "address": "\(address)", "checks": "\(checkCount)", "config": "\(source.displayPath)",
                    "tls": "\(security?.usesTLS ?? false)",
                    "login": security?.requiresAuthentication == true ? "required" : "none",
                ]
            )
            if bound.wrappingAdd(1, ordering: .relaxed).newValue == listenerCount { listening.open() }
        }
        let listeners: [any Service]
        if options.systemdSocket {
            listeners = activatedSockets.map { socket in
                SocketActivatedServer(
                    socket: socket,
                    responder: responder,
                    configuration: .init(idleTimeout: idleTimeout),
                    limit: limit,
                    security: security,
                    logger: logger
                ) { address in
                    announce(address.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "fd \(socket)")
                }
            }
        } else {
            listeners = addresses.map { address in
                Application(
                    responder: responder,
                    server: server,
                    configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
                    onServerRunning: { channel in
                        announce("\(address.host):\(channel.localAddress?.port ?? address.port)")
                    },
                    logger: logger
                )
            }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // First, so that it stops last: the pings the server took until it stopped get written.
            .init(service: heartbeats)
        ]
        services += listeners.map { .init(service: $0) }
        if let grpcAddress {
            // Beside the HTTP listeners: it stops after the drain, having said NOT_SERVING.
            let grpc = GRPCHealthServer(
                host: grpcAddress.host,
                port: grpcAddress.port,
                tls: security?.initialTLS,
                source: daemon,
                logger: logger
            )
            services.append(.init(service: grpc))
        }
        services.append(.init(service: monitor))
        if let watchdogInterval {
            let watchdog = WatchdogService(
                interval: watchdogInterval,
                clock: ContinuousClock(),
                progress: { monitor.progressCount },
                isHealthy: { store.snapshot().isHealthy },
                requireHealthy: { daemon.requireHealthy },
                ping: { notifier.notify("WATCHDOG=1") }
            )
            services.append(.init(service: watchdog))
            logger.info("systemd watchdog enabled", metadata: ["ping_interval": "\(watchdogInterval)"])
        }
        services += [
            .init(service: ReloadSignalService(daemon: daemon)),
            // Stopped after STOPPING=1 and before the listeners: /readyz fails while they still answer.
            .init(service: DrainService(source: daemon, delay: configuration.web.shutdownDelay, logger: logger)),
            // Last, so that a graceful shutdown reaches it first and STOPPING=1 goes out at once.
            .init(
                service: ReadinessService(notifier: notifier, store: store) {
                    await listening.wait()
                    await monitor.waitForFirstRound()
                }
            ),
        ]
        // After everything: a graceful shutdown reaches it first, and the deadline starts at once.
        services.append(
            .init(
                service: StopDeadline(
                    supervisor: context.supervisor,
                    logger: logger,
                    drain: configuration.web.shutdownDelay
                )
            )
        )
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            logger.error("Stopped with an error", metadata: ["error": "\(error)"])
            await context.shutdown()
            return ExitCode.checkFailed
        }
        await context.shutdown()
        logger.info("Stopped")
        return ExitCode.success
    }

    static func endpointOptions(_ configuration: Configuration) -> HealthEndpointsOptions {
        let settings = configuration.environment
        let environment =
            settings.enabled
            ? EnvironmentDump(
                build: BuildVersion.buildInfo,
                config: configuration.environmentValue,
                options: .init(
                    includeOS: settings.includeOS,
                    includeRuntime: settings.includeRuntime,
                    includeProcess: settings.includeProcess,
                    includeConfig: settings.includeConfig
                )
            )
            : nil
        return HealthEndpointsOptions(
            failureStatus: configuration.web.failureStatus,
            headers: configuration.web.headers.map { ($0.name, $0.value) },
            build: BuildVersion.buildInfo,
            hostname: hostname(),
            environment: environment
        )
    }

    static func hostname() -> String {
        SystemFacts.hostname() ?? "localhost"
    }

    static func printError(_ line: String) {
        StandardError.write(line: line)
    }
}

/// Reloads the configuration on SIGHUP.
private struct ReloadSignalService: Service {
    let daemon: DaemonSource

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            _ = daemon.reloadNow()
        }
    }
}
