/// One finished run of a check.
public struct CheckResult: Sendable, Equatable {
    /// What the run found (message already scrubbed of secrets).
    public var outcome: CheckOutcome
    /// When the run finished, in Unix seconds.
    public var finished: Double
    /// How long the run took, in seconds.
    public var duration: Double

    /// Creates a result.
    public init(outcome: CheckOutcome, finished: Double, duration: Double) {
        self.outcome = outcome
        self.finished = finished
        self.duration = duration
    }
}
