/// The state of a check: passing, passing with a warning, or failing.
public enum CheckStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// The check passes.
    case pass
    /// The check passes with a warning: shown, but `/health` stays healthy.
    case warn
    /// The check fails; a critical failing check fails `/health`.
    case fail

    /// True unless the status is ``fail``: a warning is not a failure.
    public var isHealthy: Bool { self != .fail }

    /// 0 for ``pass``, 1 for ``warn``, 2 for ``fail``: the larger is the worse.
    public var severity: Int {
        switch self {
        case .pass: 0
        case .warn: 1
        case .fail: 2
        }
    }
}
