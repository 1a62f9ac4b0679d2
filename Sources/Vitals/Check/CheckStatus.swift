/// The state of a check: passing, passing with a warning, or failing.
public enum CheckStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pass
    case warn
    case fail

    /// True unless the status is ``fail``: a warning is not a failure.
    public var isHealthy: Bool { self != .fail }
}
