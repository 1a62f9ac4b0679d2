import Synchronization

/// One registered check and its recorded state. The scheduler and the store
/// share it, so that recording a result touches this check only.
public final class CheckSlot: Sendable {
    /// The check as registered.
    public let definition: CheckDefinition
    let record: Mutex<CheckRecord>

    init(definition: CheckDefinition, created: Double) {
        self.definition = definition
        self.record = Mutex(CheckRecord(policy: definition.policy, created: created))
    }

    var name: String { definition.name }

    func snapshot() -> CheckSnapshot {
        let record = record.withLock { $0 }
        return CheckSnapshot(definition: definition, record: record)
    }
}
