/// A check written as a closure.
struct ClosureCheck: HealthCheck {
    let body: @Sendable () async throws -> CheckOutcome

    func run() async throws -> CheckOutcome {
        try await body()
    }
}
