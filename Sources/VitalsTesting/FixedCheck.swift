public import Vitals

/// A check whose every run returns the same outcome, or throws the same error.
///
/// Use it to give a store, a scheduler or a renderer checks with known results, without
/// probing anything.
///
/// ```swift
/// let store = ResultStore()
/// store.replace(with: [
///     CheckDefinition(name: "api", type: "http", check: FixedCheck(.pass("HTTP 200"))),
///     CheckDefinition(name: "db", type: "tcp", check: FixedCheck(throwing: CheckFailure(.refused, "refused"))),
/// ])
/// ```
public struct FixedCheck: HealthCheck {
    /// What every run returns or throws.
    public let result: Result<CheckOutcome, any Error>

    /// Creates a check that returns `outcome` on every run.
    public init(_ outcome: CheckOutcome) {
        self.result = .success(outcome)
    }

    /// Creates a check that throws `error` on every run.
    public init(throwing error: any Error) {
        self.result = .failure(error)
    }

    /// The outcome every run returns; `nil` for a check that throws.
    public var outcome: CheckOutcome? { try? result.get() }

    /// Returns the fixed outcome or throws the fixed error.
    /// - Throws: the error given to ``init(throwing:)``.
    public func run() async throws -> CheckOutcome {
        try result.get()
    }
}
