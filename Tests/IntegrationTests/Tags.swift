import Testing

extension Tag {
    /// Tests that start the real `vitals` binary and real peers on 127.0.0.1.
    @Tag static var integration: Self
}
