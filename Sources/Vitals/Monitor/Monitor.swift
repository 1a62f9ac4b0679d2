public import Logging
public import ServiceLifecycle
import Synchronization

/// The Vitals engine for a Swift server: register checks written in Swift, run it as
/// a service, and serve the results (with `VitalsHTTP`, on a Hummingbird router).
///
/// ```swift
/// let monitor = Monitor(mode: .onDemand())
/// monitor.register("database") { () async throws -> (Bool, String) in
///     try await database.ping()
///     return (true, "reachable")
/// }
/// monitor.register(QueueDepthCheck(queue: queue), name: "queue", policy: CheckPolicy(critical: false))
///
/// // VitalsHTTP mounts the endpoints on a Hummingbird router; the monitor runs next to the server.
/// HealthEndpoints(monitor: monitor, options: .init(build: build, hostname: "api-1"))
///     .addRoutes(to: router.group("internal"))
/// let app = Application(router: router, services: [monitor])
/// ```
///
/// In ``MonitorMode/scheduled`` mode every check runs on its own interval while
/// the monitor runs as a service. In ``MonitorMode/onDemand(_:)`` mode a request
/// runs the checks whose cached result has expired (``refresh(tag:)``); concurrent
/// requests share one run.
public final class Monitor: Service, Sendable {
    /// The results of every check.
    public let store: ResultStore
    /// When the checks run.
    public let mode: MonitorMode

    private let logger: Logger
    private let scheduler: any CheckScheduling
    let onDemand: OnDemandRunner?
    private let refreshRequests: AsyncStream<CheckSlot>
    /// Serialises changes of the set of checks. The set itself is the store's slots: 10,000
    /// definitions are not kept twice.
    private let changing = Mutex(())
    private let sections = Mutex<[(name: String, content: @Sendable () -> EnvironmentValue)]>([])

    /// Creates a monitor with no checks, timed by the continuous clock.
    /// - Parameters:
    ///   - mode: scheduled (the default) or on-demand.
    ///   - logger: receives timeouts and unexpected errors.
    ///   - wallClock: the source of timestamps (and of TTL expiry); tests may replace it.
    public convenience init(
        mode: MonitorMode = .scheduled,
        logger: Logger = Logger(label: "vitals"),
        wallClock: WallClock = .system
    ) {
        self.init(mode: mode, clock: ContinuousClock(), logger: logger, wallClock: wallClock)
    }

    /// Creates a monitor with no checks, timed by `clock`.
    ///
    /// Tests pass a manual clock (`TestClock` from `VitalsTesting`) to step through intervals and
    /// timeouts without waiting.
    /// - Parameters:
    ///   - mode: scheduled (the default) or on-demand.
    ///   - clock: measures intervals, timeouts and durations.
    ///   - tick: the longest the scheduling loop sleeps; it bounds how late a new check or a ping is
    ///     picked up, and how often ``progressCount`` moves while nothing is due.
    ///   - logger: receives timeouts and unexpected errors.
    ///   - wallClock: the source of timestamps (and of TTL expiry).
    public init<C: Clock>(
        mode: MonitorMode = .scheduled,
        clock: C,
        tick: Duration = .seconds(1),
        logger: Logger = Logger(label: "vitals"),
        wallClock: WallClock = .system
    ) where C.Duration == Duration {
        self.mode = mode
        self.logger = logger
        let store = ResultStore(wallClock: wallClock)
        self.store = store
        self.scheduler = Scheduler(store: store, clock: clock, logger: logger, tick: tick)
        let (stream, continuation) = AsyncStream.makeStream(of: CheckSlot.self)
        self.refreshRequests = stream
        if case .onDemand(let options) = mode.kind {
            onDemand = OnDemandRunner(
                options: options,
                store: store,
                clock: clock,
                logger: logger,
                refreshes: continuation
            )
        } else {
            onDemand = nil
        }
    }

    // MARK: - Registering checks

    /// Registers a check. A check registered under a name already in use replaces it.
    /// - Parameters:
    ///   - check: the probe.
    ///   - name: the unique name, used as the `check` label.
    ///   - type: the `type` label (default `custom`).
    ///   - policy: interval, timeout, thresholds, criticality, tags and TTLs.
    public func register(
        _ check: some HealthCheck,
        name: String,
        type: String = "custom",
        policy: CheckPolicy = CheckPolicy()
    ) {
        let definition = CheckDefinition(name: name, type: type, policy: policy, check: check)
        changing.withLock { _ in
            var all = store.slots.map(\.definition)
            all.removeAll { $0.name == name }
            all.append(definition)
            scheduler.replace(with: all)
        }
    }

    /// Registers a check written as an `async throws` closure returning an outcome.
    /// A thrown error fails the check with the error's description.
    ///
    /// ```swift
    /// monitor.register("cache") { () async throws -> CheckOutcome in
    ///     let hitRate = try await cache.hitRate()
    ///     return hitRate > 0.5 ? .pass("hit rate \(hitRate)") : .warn("hit rate \(hitRate)")
    /// }
    /// ```
    /// - Parameters:
    ///   - name: the unique name, used as the `check` label.
    ///   - type: the `type` label (default `custom`).
    ///   - policy: interval, timeout, thresholds, criticality, tags and TTLs.
    ///   - body: the probe.
    public func register(
        _ name: String,
        type: String = "custom",
        policy: CheckPolicy = CheckPolicy(),
        _ body: @escaping @Sendable () async throws -> CheckOutcome
    ) {
        register(ClosureCheck(body: body), name: name, type: type, policy: policy)
    }

    /// Registers a check in the shape of the Python healthcheck libraries: a closure
    /// returning whether it passed and a message.
    ///
    /// `true` becomes ``CheckOutcome/pass(_:observations:)``, `false` becomes
    /// ``CheckOutcome/fail(_:reason:observations:)`` with the reason `error`, and a thrown
    /// error fails the check with the error's description.
    ///
    /// ```swift
    /// monitor.register("redis") { (try await redis.ping() == "PONG", "redis ok") }
    /// ```
    /// - Parameters:
    ///   - name: the unique name, used as the `check` label and the `checker` field.
    ///   - type: the `type` label (default `custom`).
    ///   - policy: interval, timeout, thresholds, criticality, tags and TTLs.
    ///   - body: the probe.
    public func register(
        _ name: String,
        type: String = "custom",
        policy: CheckPolicy = CheckPolicy(),
        _ body: @escaping @Sendable () async throws -> (Bool, String)
    ) {
        register(name, type: type, policy: policy) {
            let (passed, message) = try await body()
            return passed ? .pass(message) : .fail(message)
        }
    }

    /// Removes the check named `name`, if any.
    public func unregister(_ name: String) {
        changing.withLock { _ in
            scheduler.replace(with: store.slots.map(\.definition).filter { $0.name != name })
        }
    }

    /// Replaces every check at once, as a configuration reload does. A check whose name, type, policy
    /// and ``CheckDefinition/settings`` did not change keeps its state, counters and schedule.
    public func replace(with definitions: [CheckDefinition]) {
        changing.withLock { _ in scheduler.replace(with: definitions) }
    }

    // MARK: - Environment

    /// Adds (or replaces) a section of the environment dump; its values are scrubbed when shown.
    public func addSection(_ name: String, _ content: @escaping @Sendable () -> EnvironmentValue) {
        sections.withLock { sections in
            sections.removeAll { $0.name == name }
            sections.append((name, content))
        }
    }

    /// The environment dump with this monitor's custom sections.
    public func environmentDump(build: BuildInfo, options: EnvironmentDump.Options = .init()) -> EnvironmentDump {
        var dump = EnvironmentDump(build: build, options: options)
        for section in sections.withLock({ $0 }) { dump.addSection(section.name, section.content) }
        return dump
    }

    // MARK: - Running

    /// In on-demand mode, runs the checks (those with `tag`, or all) whose cached
    /// result has expired, and returns when they have results. In scheduled mode it
    /// returns at once.
    public func refresh(tag: String? = nil) async {
        guard let onDemand else { return }
        let slots = store.slots.filter { tag == nil || $0.definition.policy.tags.contains(tag ?? "") }
        await withTaskGroup(of: Void.self) { group in
            for slot in slots {
                group.addTask { await onDemand.ensureFresh(slot) }
            }
        }
    }

    /// Runs the check as soon as possible (a heartbeat just arrived, say); in
    /// on-demand mode its cached result expires, so the next request runs it.
    public func runSoon(_ slot: CheckSlot) {
        if onDemand != nil {
            store.expire(slot)
        } else {
            scheduler.runSoon(slot)
        }
    }

    /// Passes a ping to the check named `name` when it receives pings (a ``PingReceiver`` such as a
    /// heartbeat), and runs it soon.
    /// - Returns: false when no such check exists.
    @discardableResult
    public func ping(_ name: String, success: Bool) -> Bool {
        guard let slot = store.slot(named: name), let receiver = slot.definition.check as? any PingReceiver else {
            return false
        }
        receiver.receivePing(success: success)
        runSoon(slot)
        return true
    }

    /// Scheduled mode: returns once every check has finished its first run (at once when there are none).
    /// On-demand mode: returns at once.
    public func waitForFirstRound() async {
        guard onDemand == nil else { return }
        await scheduler.waitForFirstRound()
    }

    /// Counts turns of the scheduling loop; a watchdog reads it to see that the monitor makes progress.
    public var progressCount: UInt64 { scheduler.progressCount }

    /// Scheduled mode: runs the checks until shutdown. On-demand mode: serves the
    /// background refreshes of `serveStale` until shutdown.
    public func run() async throws {
        switch mode.kind {
        case .scheduled:
            try await scheduler.run()
        case .onDemand:
            guard let onDemand else { return }
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    for await slot in self.refreshRequests {
                        group.addTask { await onDemand.runShared(slot) }
                    }
                }
            }
        }
    }
}
