import Testing

extension Tag {
    /// Tests that talk to real peers on 127.0.0.1 or run real processes.
    @Tag static var integration: Self
}

extension Result where Failure == any Error {
    /// Captures the result of an async throwing call.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
