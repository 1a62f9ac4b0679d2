extension Collection where Element == CheckSnapshot {
    /// The status of a set of checks as a whole: `fail` when a critical check fails,
    /// `warn` when any check warns or a non-critical one fails, else `pass`.
    ///
    /// An empty set passes.
    public var overallStatus: CheckStatus {
        var status = CheckStatus.pass
        for check in self {
            switch check.status {
            case .fail where check.critical: return .fail
            case .fail, .warn: status = .warn
            case .pass: break
            }
        }
        return status
    }
}
