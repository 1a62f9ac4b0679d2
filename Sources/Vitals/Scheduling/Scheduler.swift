public import Logging
public import ServiceLifecycle
import Synchronization

/// Runs every check of a ``ResultStore`` on its schedule and records the results.
///
/// One loop keeps a min-heap of due times. Each check runs once within the
/// first ``startupWindow`` (spread by its name, so that a thousand checks do not
/// fire at once) and after that at a fixed phase spread across its interval. Runs
/// are concurrent, bounded by ``maxConcurrentRuns``, but a check never runs twice
/// at the same time. A run that overruns its timeout is recorded as a `timeout`
/// failure at once and cancelled.
public final class Scheduler<C: Clock>: Service, Sendable where C.Duration == Duration {
    private struct Job: Sendable {
        let slot: CheckSlot
        /// The phase point from which later runs are counted.
        let anchor: C.Instant
        /// False for an extra run requested by ``runSoon(_:)``.
        let repeats: Bool
    }

    private struct State {
        var heap = DueHeap<C.Instant, Job>()
        var running: Set<ObjectIdentifier> = []
        var awaitingFirstRun: Set<ObjectIdentifier> = []
        var firstRoundWaiters: [CheckedContinuation<Void, Never>] = []
        var nextDue: [ObjectIdentifier: C.Instant] = [:]
    }

    /// The store the results go to.
    public let store: ResultStore
    /// Each check's first run happens within this window after it is added.
    public let startupWindow: Duration
    /// The most runs under way at once.
    public let maxConcurrentRuns: Int
    /// The longest the loop sleeps; it also bounds how late a reload or a ping is picked up.
    public let tick: Duration

    private let clock: C
    private let logger: Logger
    private let state = Mutex(State())
    private let progress = Atomic<UInt64>(0)

    /// Creates a scheduler for the checks in `store`.
    public init(
        store: ResultStore,
        clock: C,
        logger: Logger,
        startupWindow: Duration = .seconds(1),
        maxConcurrentRuns: Int = 64,
        tick: Duration = .seconds(1)
    ) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.startupWindow = startupWindow
        self.maxConcurrentRuns = max(1, maxConcurrentRuns)
        self.tick = tick
        schedule(store.slots, keeping: [])
    }

    /// How many runs are under way.
    var runningCount: Int { state.withLock { $0.running.count } }

    /// Counts turns of the scheduling loop; a watchdog reads it to see progress.
    public var progressCount: UInt64 { progress.load(ordering: .relaxed) }

    /// Replaces the checks (a reload). Unchanged checks keep their state and phase.
    public func replace(with definitions: [CheckDefinition]) {
        let before = Set(store.slots.map(ObjectIdentifier.init))
        let slots = store.replace(with: definitions)
        // Slots the store kept (same name and settings) keep their place in the heap; the rest are new.
        let kept = Set(slots.map(ObjectIdentifier.init)).intersection(before)
        schedule(slots, keeping: kept)
    }

    /// Runs the check as soon as possible, once, in addition to its schedule.
    public func runSoon(_ slot: CheckSlot) {
        let now = clock.now
        state.withLock { $0.heap.insert(Job(slot: slot, anchor: now, repeats: false), due: now) }
    }

    /// Returns once every check has finished its first run (at once when there are none).
    public func waitForFirstRound() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.awaitingFirstRun.isEmpty { return true }
                state.firstRoundWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Runs the loop until cancelled or the service group shuts down gracefully.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let now = self.clock.now
                    for (job, nextDue) in self.takeDueJobs(now: now) {
                        group.addTask { await self.execute(job, nextDue: nextDue) }
                    }
                    self.progress.add(1, ordering: .relaxed)
                    let wake = self.state.withLock { $0.heap.minimumDue }
                    let limit = now.advanced(by: self.tick)
                    do {
                        try await self.clock.sleep(until: min(wake ?? limit, limit), tolerance: nil)
                    } catch {
                        break
                    }
                }
            }
        }
    }

    /// One turn of the loop without running anything: takes the checks due at `now`,
    /// reschedules them and marks them finished. Measures the scheduler's own cost.
    /// - Returns: how many checks were due.
    @_spi(Benchmarks)
    public func takeDueChecksWithoutRunning(now: C.Instant) -> Int {
        let jobs = takeDueJobs(now: now)
        state.withLock { state in
            for (job, _) in jobs { state.running.remove(ObjectIdentifier(job.slot)) }
        }
        return jobs.count
    }

    // MARK: - Scheduling

    private func schedule(_ slots: [CheckSlot], keeping kept: Set<ObjectIdentifier>) {
        let now = clock.now
        state.withLock { state in
            state.heap.removeAll { !kept.contains(ObjectIdentifier($0.slot)) }
            state.awaitingFirstRun.formIntersection(kept)
            for slot in slots where !kept.contains(ObjectIdentifier(slot)) {
                let fraction = Self.phaseFraction(of: slot.name)
                let interval = slot.definition.policy.interval
                let anchor = now.advanced(by: interval * fraction)
                let first = now.advanced(by: min(interval, startupWindow) * fraction)
                state.heap.insert(Job(slot: slot, anchor: anchor, repeats: true), due: first)
                state.awaitingFirstRun.insert(ObjectIdentifier(slot))
            }
            if state.awaitingFirstRun.isEmpty {
                for waiter in state.firstRoundWaiters { waiter.resume() }
                state.firstRoundWaiters = []
            }
        }
    }

    private func takeDueJobs(now: C.Instant) -> [(Job, C.Instant)] {
        state.withLock { state in
            var jobs: [(Job, C.Instant)] = []
            var heldBack: [(Job, C.Instant)] = []
            while let (due, job) = state.heap.popDue(notAfter: now) {
                let id = ObjectIdentifier(job.slot)
                if state.running.contains(id) {
                    logger.debug(
                        "Skipping a run: the previous one has not finished",
                        metadata: ["check": "\(job.slot.name)"]
                    )
                    if job.repeats { reschedule(job, after: due, now: now, in: &state) }
                    continue
                }
                if state.running.count >= maxConcurrentRuns {
                    heldBack.append((job, due))
                    continue
                }
                state.running.insert(id)
                let next = job.repeats ? reschedule(job, after: due, now: now, in: &state) : state.nextDue[id] ?? now
                jobs.append((job, next))
            }
            // Over the concurrency bound: try again shortly, without busy looping.
            for (job, _) in heldBack {
                state.heap.insert(job, due: now.advanced(by: .milliseconds(50)))
            }
            return jobs
        }
    }

    /// Puts the job back at its next phase point after both `due` and `now`, skipping
    /// missed slots rather than running them in a burst.
    @discardableResult
    private func reschedule(_ job: Job, after due: C.Instant, now: C.Instant, in state: inout State) -> C.Instant {
        let interval = job.slot.definition.policy.interval
        let reference = max(due, now)
        var next = job.anchor
        if next <= reference {
            let periods = (job.anchor.duration(to: reference) / interval).rounded(.down) + 1
            next = job.anchor.advanced(by: interval * periods)
            if next <= reference { next = next.advanced(by: interval) }
        }
        state.heap.insert(job, due: next)
        state.nextDue[ObjectIdentifier(job.slot)] = next
        return next
    }

    private static func phaseFraction(of name: String) -> Double {
        // FNV-1a: stable across runs and platforms, unlike `hashValue`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0100_0000_01b3
        }
        return Double(hash >> 11) / Double(1 << 53)
    }

    // MARK: - Running

    private func execute(_ job: Job, nextDue: C.Instant) async {
        let slot = job.slot
        let result = await CheckRunner.run(slot, store: store, clock: clock, logger: logger) { result in
            result.finished + max(.zero, clock.now.duration(to: nextDue)).inSeconds
        }
        logger.debug(
            "Check ran",
            metadata: [
                "check": "\(slot.name)", "status": "\(result.outcome.status.rawValue)",
                "duration": "\(result.duration)", "output": "\(result.outcome.message)",
            ]
        )
        finish(slot)
    }

    private func finish(_ slot: CheckSlot) {
        let id = ObjectIdentifier(slot)
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running.remove(id)
            guard state.awaitingFirstRun.remove(id) != nil, state.awaitingFirstRun.isEmpty else { return [] }
            defer { state.firstRoundWaiters = [] }
            return state.firstRoundWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
