import Foundation
public import Hummingbird
public import Logging
public import Vitals
import VitalsHTTP

/// Settings of the example app.
public struct AppConfiguration: Sendable {
    /// The address the server binds to.
    public var host: String
    /// The port the server listens on.
    public var port: Int
    /// The job-backlog check fails at this many waiting jobs.
    public var queueLimit: Int
    /// The job-backlog check fails when the oldest job has waited this long.
    public var maxJobWait: Duration
    /// A directory the app writes files to; the `scratch-dir` check makes sure it stays writable.
    public var scratchDirectory: String
    /// Where jobs would be sent; shown, with its password masked, in `/internal/environment`.
    public var brokerURL: String
    /// How long check results are reused between requests (27 s after a success, 9 s after a failure).
    public var checkCache: OnDemandOptions

    /// Creates a configuration; the defaults suit a laptop. The scratch directory defaults to the
    /// system's temporary directory.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        queueLimit: Int = 100,
        maxJobWait: Duration = .seconds(60),
        scratchDirectory: String? = nil,
        brokerURL: String = "redis://worker:s3cret@localhost:6379/0",
        checkCache: OnDemandOptions = OnDemandOptions()
    ) {
        self.host = host
        self.port = port
        self.queueLimit = queueLimit
        self.maxJobWait = maxJobWait
        self.scratchDirectory = scratchDirectory ?? FileManager.default.temporaryDirectory.path
        self.brokerURL = brokerURL
        self.checkCache = checkCache
    }
}

/// Builds the app: its own routes, a ``JobQueue``, and the Vitals endpoints under `/internal`.
///
/// Routes:
/// - `GET /hello`: the app's own work.
/// - `POST /jobs?name=…` adds a job, `DELETE /jobs` takes the oldest (what a worker would do).
/// - `/internal/health`, `/internal/metrics`, `/internal/environment`, `/internal`: Vitals.
///
/// The monitor is one of the application's services, so it starts and stops with the server.
///
/// ```swift
/// let app = buildApplication(AppConfiguration(port: 8080))
/// try await app.runService()
/// ```
/// - Parameters:
///   - configuration: ports, limits and the check cache.
///   - jobs: the queue the routes and the backlog check share; tests pass their own.
///   - logger: the server's and the monitor's logger.
public func buildApplication(
    _ configuration: AppConfiguration = AppConfiguration(),
    jobs: JobQueue = JobQueue(),
    logger: Logger = Logger(label: "HummingbirdApp")
) -> some ApplicationProtocol {
    let monitor = makeMonitor(configuration, jobs: jobs, logger: logger)

    let router = Router()
    router.get("hello") { _, _ in "Hello from HummingbirdApp!\n" }
    router.post("jobs") { request, _ in
        let name = request.uri.queryParameters.get("name") ?? "job"
        let depth = jobs.enqueue(name)
        return EditedResponse(status: .accepted, response: "queued \(name); \(depth) waiting\n")
    }
    router.delete("jobs") { _, _ in
        guard let name = jobs.take() else { return EditedResponse(status: .noContent, response: "") }
        return EditedResponse(status: .ok, response: "done \(name)\n")
    }

    let endpoints = HealthEndpoints(
        monitor: monitor,
        options: HealthEndpointsOptions(
            build: BuildInfo(version: "1.0.0", revision: "example", swiftVersion: "6"),
            hostname: ProcessInfo.processInfo.hostName
        ),
        // `config` is the daemon's effective configuration; an app shows its settings in its own sections.
        environment: EnvironmentDump.Options(includeConfig: false)
    )
    // Internal routes stay off the public path; a reverse proxy can refuse `/internal` from outside.
    endpoints.addRoutes(to: router.group("internal"))

    return Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "HummingbirdApp"
        ),
        services: [monitor],
        logger: logger
    )
}

/// The monitor with the app's two checks and its `jobs` environment section.
func makeMonitor(_ configuration: AppConfiguration, jobs: JobQueue, logger: Logger) -> Monitor {
    // On-demand rather than scheduled: both checks are cheap and in-process, and the only reader
    // is the load balancer polling `/internal/health`. Running them when asked means no background
    // work while nobody looks; the cache (27 s / 9 s) keeps a poll every second from running them
    // on every request, and concurrent requests share one run. Choose `.scheduled` instead when
    // checks are slow or `/internal/metrics` is scraped for history, so that results are always fresh.
    let monitor = Monitor(mode: .onDemand(configuration.checkCache), logger: logger)

    monitor.register(
        JobBacklogCheck(queue: jobs, limit: configuration.queueLimit, maxWait: configuration.maxJobWait),
        name: "job-backlog",
        type: "queue"
    )

    // The shape of the Python healthcheck libraries: a function returning (passed, message).
    let scratch = configuration.scratchDirectory
    monitor.register("scratch-dir", policy: CheckPolicy(timeout: .seconds(2))) { () async -> (Bool, String) in
        scratchDirectoryIsWritable(scratch)
    }

    // Built on every request to `/internal/environment`, so the depth is current; Vitals masks
    // the password in `broker_url` before it is shown.
    monitor.addSection("jobs") {
        [
            "broker_url": .string(configuration.brokerURL),
            "queue_limit": .number(Double(configuration.queueLimit)),
            "depth": .number(Double(jobs.backlog().depth)),
            "scratch_directory": .string(configuration.scratchDirectory),
        ]
    }
    return monitor
}

/// Writes and removes a small file in `directory`: uploads land there, so a full or read-only
/// disk should fail the health check before it fails a user.
func scratchDirectoryIsWritable(_ directory: String) -> (Bool, String) {
    let probe = directory + "/.vitals-probe-\(UUID().uuidString)"
    guard FileManager.default.createFile(atPath: probe, contents: Data("probe".utf8)) else {
        return (false, "cannot write to \(directory)")
    }
    try? FileManager.default.removeItem(atPath: probe)
    return (true, "\(directory) is writable")
}
