import Synchronization

/// Holds the state of every check and hands out snapshots.
///
/// Recording a result locks one check only and bumps ``version``; a snapshot is
/// built at most once per version.
public final class ResultStore: Sendable {
    private struct State {
        var slots: [CheckSlot] = []
        var byName: [String: CheckSlot] = [:]
        var reload: ReloadStatus
        var snapshot: Snapshot?
        var scheduler = SchedulerStatistics()
        /// Moves on every ``replace(with:)``.
        var generation: UInt64 = 1
    }

    private let state: Mutex<State>
    private let changes = Atomic<UInt64>(1)
    /// Where timestamps shown to users come from.
    public let wallClock: WallClock

    /// Creates an empty store.
    public init(wallClock: WallClock = .system) {
        self.wallClock = wallClock
        self.state = Mutex(State(reload: ReloadStatus(successful: true, lastSuccess: wallClock.now())))
    }

    /// Moves on every change of any check, of the set of checks, or of the reload status.
    public var version: UInt64 { changes.load(ordering: .acquiring) }

    /// The checks, sorted by name.
    public var slots: [CheckSlot] { state.withLock { $0.slots } }

    /// The check named `name`, if registered.
    public func slot(named name: String) -> CheckSlot? {
        state.withLock { $0.byName[name] }
    }

    /// Replaces the set of checks. A check whose name and settings did not change
    /// keeps its slot, with its history, counters and state.
    /// - Returns: the new slots, sorted by name.
    @discardableResult
    public func replace(with definitions: [CheckDefinition]) -> [CheckSlot] {
        let now = wallClock.now()
        // Checks kept from the last set keep their logs as they are.
        let historyCapacity = HistoryLog.capacity(checks: definitions.count)
        let slots = state.withLock { state in
            var slots: [CheckSlot] = []
            var byName: [String: CheckSlot] = [:]
            for definition in definitions {
                let slot: CheckSlot
                if let old = state.byName[definition.name], old.definition.isSameCheck(as: definition) {
                    slot = old
                } else {
                    slot = CheckSlot(definition: definition, created: now, historyCapacity: historyCapacity)
                }
                slots.append(slot)
                byName[definition.name] = slot
            }
            slots.sort { $0.name < $1.name }
            state.slots = slots
            state.byName = byName
            state.generation += 1
            return slots
        }
        changes.add(1, ordering: .releasing)
        return slots
    }

    /// Records a finished run.
    public func record(_ result: CheckResult, for slot: CheckSlot, expires: Double?) {
        slot.apply(result, expires: expires)
        changes.add(1, ordering: .releasing)
    }

    /// Counts a run that did not start within the check's timeout.
    public func recordSkipped(_ slot: CheckSlot) {
        slot.skip()
        changes.add(1, ordering: .releasing)
    }

    /// Records runs that started `lateness` after they were due, and how many runs are under way.
    public func recordRunsStarted(lateness: [Duration], inFlight: Int) {
        state.withLock { state in
            for late in lateness { state.scheduler.lateness.observe(late.inSeconds) }
            state.scheduler.runsInFlight = inFlight
        }
        changes.add(1, ordering: .releasing)
    }

    /// Records how many runs are under way, after one finished.
    public func recordRunsInFlight(_ inFlight: Int) {
        state.withLock { $0.scheduler.runsInFlight = inFlight }
        changes.add(1, ordering: .releasing)
    }

    /// Marks the check's last result as expired now, so that on-demand mode runs it again.
    public func expire(_ slot: CheckSlot) {
        slot.expire(at: wallClock.now())
        changes.add(1, ordering: .releasing)
    }

    /// Records the outcome of a configuration reload.
    public func recordReload(successful: Bool) {
        let now = wallClock.now()
        state.withLock { state in
            state.reload.successful = successful
            if successful { state.reload.lastSuccess = now }
        }
        changes.add(1, ordering: .releasing)
    }

    /// The current state of every check. Cheap when nothing changed since the last call.
    public func snapshot() -> Snapshot {
        // Read the version before the data: if a change lands while building, the
        // snapshot is labelled older than its content and is simply rebuilt next time.
        let version = self.version
        let (slots, generation, reload, scheduler, cached) = state.withLock {
            ($0.slots, $0.generation, $0.reload, $0.scheduler, $0.snapshot)
        }
        if let cached, cached.version == version {
            return cached
        }
        let snapshot = Snapshot(
            version: version,
            generation: generation,
            checks: slots.map { $0.snapshot() },
            reload: reload,
            scheduler: scheduler
        )
        state.withLock { state in
            if (state.snapshot?.version ?? 0) < version { state.snapshot = snapshot }
        }
        return snapshot
    }
}
