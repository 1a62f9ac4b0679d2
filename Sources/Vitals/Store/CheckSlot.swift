import Synchronization

/// One registered check and its recorded state. The scheduler and the store
/// share it, so that recording a result touches this check only.
public final class CheckSlot: Sendable {
    private struct State {
        var record: CheckRecord
        /// The snapshot of `record`, kept until the next result: a store snapshot
        /// after one change then rebuilds one check, not all of them.
        var snapshot: CheckSnapshot?
    }

    /// The check as registered.
    public let definition: CheckDefinition
    private let state: Mutex<State>

    init(definition: CheckDefinition, created: Double, historyCapacity: Int) {
        self.definition = definition
        let record = CheckRecord(policy: definition.policy, created: created, historyCapacity: historyCapacity)
        self.state = Mutex(State(record: record))
    }

    var name: String { definition.name }

    func apply(_ result: CheckResult, expires: Double?) {
        state.withLock { state in
            state.record.apply(result, expires: expires)
            state.snapshot = nil
        }
    }

    func skip() {
        state.withLock { state in
            state.record.skip()
            state.snapshot = nil
        }
    }

    func expire(at time: Double) {
        state.withLock { state in
            state.record.expire(at: time)
            state.snapshot = nil
        }
    }

    func snapshot() -> CheckSnapshot {
        state.withLock { state in
            if let snapshot = state.snapshot { return snapshot }
            let snapshot = CheckSnapshot(slot: self, record: state.record)
            state.snapshot = snapshot
            return snapshot
        }
    }
}
