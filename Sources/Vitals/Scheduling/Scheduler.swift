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
///
/// A run that cannot start when due (every slot taken, or the check's previous run still
/// stopping) waits, oldest first. One that has not started within its timeout is skipped:
/// counted in the check's `skipped` runs, not recorded as a failure of the dependency. A
/// check's first run is never skipped.
public final class Scheduler<C: Clock>: Service, Sendable where C.Duration == Duration {
    /// The scheduler's time: nanoseconds since ``origin``. Due times, their heaps and their arithmetic
    /// use it, not `C.Instant`: an instant is opaque outside its module (`ContinuousClock.Instant` is a
    /// resilient type), so each copy and comparison of one is a call into the runtime.
    private typealias Ticks = Int64

    private struct Job: Sendable {
        let slot: CheckSlot
        /// The phase point from which later runs are counted.
        let anchor: Ticks
        /// False for an extra run requested by ``runSoon(_:)``.
        let repeats: Bool
        /// The check's interval.
        let interval: Ticks
        /// How early a run may start to share the loop's wake-up with runs due just before it: a
        /// fortieth of the interval (25 ms at 1 s), at most ``Scheduler/coalescing``.
        let earliness: Ticks

        init(slot: CheckSlot, anchor: Ticks, repeats: Bool) {
            self.slot = slot
            self.anchor = anchor
            self.repeats = repeats
            interval = max(1, Scheduler.nanoseconds(slot.definition.policy.interval))
            earliness = min(Scheduler.nanoseconds(Scheduler.coalescing), interval / 40)
        }
    }

    private struct State {
        var heap = DueHeap<Ticks, Job>()
        /// Runs that were due but could not start yet, oldest first.
        var waiting: [(job: Job, due: Ticks)] = []
        var running: Set<ObjectIdentifier> = []
        var awaitingFirstRun: Set<ObjectIdentifier> = []
        var firstRoundWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID: UInt64 = 0
        var nextDue: [ObjectIdentifier: Ticks] = [:]
        /// The timeouts of the runs under way (and of some that have ended, dropped when reached).
        var deadlines = DueHeap<Ticks, RunDeadline>()

        /// The earliest deadline of a run still under way; forgets those of ended runs before it.
        @_specialize(where C == ContinuousClock)
        mutating func earliestDeadline() -> Ticks? {
            while let (due, deadline) = deadlines.first {
                if deadline.isPending { return due }
                _ = deadlines.popDue(notAfter: due)
            }
            return nil
        }
    }

    /// The store the results go to.
    public let store: ResultStore
    /// Each check's first run happens within this window after it is added.
    public let startupWindow: Duration
    /// The most runs under way at once.
    public let maxConcurrentRuns: Int
    /// The earliest a run may start before it is due, to share a wake-up of the loop with runs due
    /// just before it; a check with an interval under 2 s may start only a fortieth of it early. Its
    /// phase does not move: the next run is counted from the due time.
    static var coalescing: Duration { .milliseconds(50) }

    /// The longest the loop sleeps; it also bounds how late a reload or a ping is picked up.
    public let tick: Duration

    private let clock: C
    /// What run deadlines and due times count from.
    private let origin: C.Instant
    /// What the runs' tasks share; nothing generic.
    private let context: CheckRunner.ScheduledContext
    private let logger: Logger
    private let state = Mutex(State())
    private let progress = Atomic<UInt64>(0)

    /// Creates a scheduler for the checks in `store`.
    public init(
        store: ResultStore,
        clock: C,
        logger: Logger,
        startupWindow: Duration = .seconds(1),
        maxConcurrentRuns: Int = 1024,
        tick: Duration = .seconds(1)
    ) {
        self.store = store
        self.clock = clock
        let origin = clock.now
        self.origin = origin
        context = CheckRunner.ScheduledContext(store: store, logger: logger) { origin.duration(to: clock.now) }
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
        let now = ticks(clock.now)
        state.withLock { $0.heap.insert(Job(slot: slot, anchor: now, repeats: false), due: now) }
    }

    /// Returns once every check has finished its first run (at once when there are none), or
    /// when the task is cancelled.
    public func waitForFirstRound() async {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    if state.awaitingFirstRun.isEmpty || Task.isCancelled { return true }
                    state.firstRoundWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.firstRoundWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Runs the loop until cancelled or the service group shuts down gracefully.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let (runs, wake) = self.turn(now: self.clock.now)
                    for run in runs {
                        group.addTask {
                            await CheckRunner.run(run, context: self.context)
                            self.finish(run.slot)
                        }
                    }
                    self.progress.add(1, ordering: .relaxed)
                    do {
                        try await self.clock.sleep(until: wake, tolerance: nil)
                    } catch {
                        break
                    }
                }
            }
        }
    }

    /// One turn of the loop: takes the runs due, expires the deadlines passed, and tells when to
    /// look again. Specialised for the daemon's clock, as the loop itself cannot be.
    @_specialize(where C == ContinuousClock)
    private func turn(now instant: C.Instant) -> (runs: [RunDeadline], wake: C.Instant) {
        let now = ticks(instant)
        let (runs, lateness, inFlight) = takeDueJobs(now: now)
        expireDeadlines(notAfter: now)
        if !runs.isEmpty {
            store.recordRunsStarted(lateness: lateness, inFlight: inFlight)
        }
        let (wake, saturated) = nextWake()
        // While runs wait for a slot, look again soon: a finishing run frees one.
        let limit = now + Self.nanoseconds(saturated ? .milliseconds(10) : tick)
        return (runs, self.instant(min(wake ?? limit, limit)))
    }

    /// One turn of the loop without running anything: takes the checks due at `now`,
    /// reschedules them and marks them finished. Measures the scheduler's own cost.
    /// - Returns: how many checks were due.
    @_spi(Benchmarks)
    public func takeDueChecksWithoutRunning(now: C.Instant) -> Int {
        let (runs, _, _) = takeDueJobs(now: ticks(now))
        state.withLock { state in
            for run in runs {
                state.running.remove(ObjectIdentifier(run.slot))
                _ = run.finish()
            }
            _ = state.earliestDeadline()
        }
        return runs.count
    }

    // MARK: - Scheduling

    private func ticks(_ instant: C.Instant) -> Ticks {
        Self.nanoseconds(origin.duration(to: instant))
    }

    private func instant(_ ticks: Ticks) -> C.Instant {
        origin.advanced(by: .nanoseconds(ticks))
    }

    /// `duration` in whole nanoseconds, held within ±2^62 (146 years).
    private static func nanoseconds(_ duration: Duration) -> Ticks {
        let (seconds, attoseconds) = duration.components
        guard abs(seconds) < 4_000_000_000 else { return seconds < 0 ? -(1 << 62) : 1 << 62 }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    private func schedule(_ slots: [CheckSlot], keeping kept: Set<ObjectIdentifier>) {
        let now = ticks(clock.now)
        state.withLock { state in
            state.heap.removeAll { !kept.contains(ObjectIdentifier($0.slot)) }
            state.waiting.removeAll { !kept.contains(ObjectIdentifier($0.job.slot)) }
            state.awaitingFirstRun.formIntersection(kept)
            for slot in slots where !kept.contains(ObjectIdentifier(slot)) {
                let fraction = RunPhase.fraction(of: slot.name)
                let interval = Self.nanoseconds(slot.definition.policy.interval)
                let anchor = now + Ticks(Double(interval) * fraction)
                let first = now + Ticks(Double(min(interval, Self.nanoseconds(startupWindow))) * fraction)
                state.heap.insert(Job(slot: slot, anchor: anchor, repeats: true), due: first)
                state.awaitingFirstRun.insert(ObjectIdentifier(slot))
            }
            if state.awaitingFirstRun.isEmpty {
                for waiter in state.firstRoundWaiters.values { waiter.resume() }
                state.firstRoundWaiters = [:]
            }
        }
    }

    /// - Returns: the runs to start, how late each starts, and how many runs are under way with them.
    // Specialised for the daemon's clock: unspecialised, every operation on a `Job` or `State` goes
    // through type metadata looked up at run time.
    @_specialize(where C == ContinuousClock)
    private func takeDueJobs(now: Ticks) -> (runs: [RunDeadline], lateness: [Duration], inFlight: Int) {
        var skipped: [CheckSlot] = []
        let (runs, lateness, inFlight) = state.withLock { state in
            var runs: [RunDeadline] = []
            var lateness: [Duration] = []
            runs.reserveCapacity(state.waiting.count + 16)
            lateness.reserveCapacity(state.waiting.count + 16)
            func canStart(_ id: ObjectIdentifier) -> Bool {
                !state.running.contains(id) && state.running.count < maxConcurrentRuns
            }
            func start(_ job: Job, due: Ticks) {
                let id = ObjectIdentifier(job.slot)
                state.running.insert(id)
                let next = job.repeats ? reschedule(job, after: due, now: now, in: &state) : state.nextDue[id] ?? now
                let deadline = RunDeadline(slot: job.slot, nextDue: .nanoseconds(next))
                // The run's own start sets its deadline; this is the earliest it can be.
                state.deadlines.insert(deadline, due: now + Self.nanoseconds(deadline.timeout))
                runs.append(deadline)
                lateness.append(.nanoseconds(max(0, now - due)))
            }
            // Those that waited first, oldest first; then those due now.
            let waited = state.waiting
            state.waiting = []
            for (job, due) in waited {
                let id = ObjectIdentifier(job.slot)
                if canStart(id) {
                    start(job, due: due)
                } else if now - due > Self.nanoseconds(job.slot.definition.policy.timeout),
                    !state.awaitingFirstRun.contains(id)
                {
                    skipped.append(job.slot)
                    if job.repeats { reschedule(job, after: due, now: now, in: &state) }
                } else {
                    state.waiting.append((job, due))
                }
            }
            // Runs due within the next few milliseconds start with these: a thousand checks spread
            // over a second then cost about forty wake-ups, not a thousand. Each wake-up is a Dispatch
            // timer and two thread switches (a sixth of the CPU per `tcp` run at ten milliseconds).
            var early: [(due: Ticks, job: Job)] = []
            while let (due, job) = state.heap.popDue(notAfter: now + Self.nanoseconds(Self.coalescing)) {
                if due - now > job.earliness {
                    early.append((due, job))
                } else if canStart(ObjectIdentifier(job.slot)) {
                    start(job, due: due)
                } else if !job.repeats, state.waiting.contains(where: { $0.job.slot === job.slot }) {
                    continue  // An extra run (a ping) already waits for this check.
                } else {
                    state.waiting.append((job, due))
                }
            }
            for (due, job) in early { state.heap.insert(job, due: due) }
            return (runs, lateness, state.running.count)
        }
        for slot in skipped {
            store.recordSkipped(slot)
            logger.debug("Skipped a run: it could not start within its timeout", metadata: ["check": "\(slot.name)"])
        }
        return (runs, lateness, inFlight)
    }

    /// Puts the job back at its next phase point after both `due` and `now`, skipping
    /// missed slots rather than running them in a burst.
    @discardableResult
    @_specialize(where C == ContinuousClock)
    private func reschedule(_ job: Job, after due: Ticks, now: Ticks, in state: inout State) -> Ticks {
        let reference = max(due, now)
        var next = job.anchor
        if next <= reference {
            next = job.anchor + job.interval * ((reference - job.anchor) / job.interval + 1)
        }
        state.heap.insert(job, due: next)
        state.nextDue[ObjectIdentifier(job.slot)] = next
        return next
    }

    // MARK: - Running

    /// When the loop must look again (the next due check or run deadline), and whether runs wait
    /// for a slot.
    @_specialize(where C == ContinuousClock)
    private func nextWake() -> (wake: Ticks?, saturated: Bool) {
        state.withLock { state in
            let due = state.heap.minimumDue
            let deadline = state.earliestDeadline()
            return (due.map { min($0, deadline ?? $0) } ?? deadline, !state.waiting.isEmpty)
        }
    }

    /// Expires the deadlines that have passed: their runs' timeouts are recorded and the runs
    /// cancelled. A run that started later than it was handed over is looked at again at its own
    /// deadline.
    @_specialize(where C == ContinuousClock)
    private func expireDeadlines(notAfter now: Ticks) {
        let reached = state.withLock { state in
            var reached: [RunDeadline] = []
            while let (_, deadline) = state.deadlines.popDue(notAfter: now) {
                if deadline.isPending { reached.append(deadline) }
            }
            return reached
        }
        guard !reached.isEmpty else { return }
        let elapsed = Duration.nanoseconds(now)
        let later = reached.compactMap { deadline in
            deadline.expire(at: elapsed) { CheckRunner.recordTimeout($0, now: elapsed, context: context) }
                .map { (deadline, Self.nanoseconds($0)) }
        }
        guard !later.isEmpty else { return }
        state.withLock { state in
            for (deadline, due) in later { state.deadlines.insert(deadline, due: due) }
        }
    }

    // Not inlined into the runs' tasks: the generic code would enlarge every run's async frame.
    @inline(never)
    @_specialize(where C == ContinuousClock)
    private func finish(_ slot: CheckSlot) {
        let id = ObjectIdentifier(slot)
        let (waiters, inFlight) = state.withLock { state -> ([CheckedContinuation<Void, Never>], Int) in
            state.running.remove(id)
            guard state.awaitingFirstRun.remove(id) != nil, state.awaitingFirstRun.isEmpty else {
                return ([], state.running.count)
            }
            defer { state.firstRoundWaiters = [:] }
            return (Array(state.firstRoundWaiters.values), state.running.count)
        }
        store.recordRunsInFlight(inFlight)
        for waiter in waiters { waiter.resume() }
    }
}
