public import Vitals

extension ResultStore {
    /// Records one run of each check whose probe is a ``FixedCheck`` with an outcome, without running anything.
    ///
    /// This gives renderers and endpoints a store in a known state in one line. The outcomes are
    /// recorded as given: nothing is scrubbed or timed. Checks of any other kind, and fixed checks
    /// that throw, stay pending.
    ///
    /// ```swift
    /// let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
    /// store.replace(with: [CheckDefinition(name: "api", type: "http", check: FixedCheck(.pass("HTTP 200")))])
    /// store.recordFixedOutcomes(finished: 1_700_000_001, duration: 0.003)
    /// ```
    /// - Parameters:
    ///   - finished: when each run finished, in Unix seconds.
    ///   - duration: how long each run took, in seconds.
    ///   - expires: when each result is due to be replaced, in Unix seconds.
    public func recordFixedOutcomes(finished: Double, duration: Double, expires: Double? = nil) {
        for slot in slots {
            guard let outcome = (slot.definition.check as? FixedCheck)?.outcome else { continue }
            record(CheckResult(outcome: outcome, finished: finished, duration: duration), for: slot, expires: expires)
        }
    }
}
