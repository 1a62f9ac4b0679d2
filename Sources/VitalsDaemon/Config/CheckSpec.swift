/// One validated entry of `checks`, with the global values already applied.
struct CheckSpec: Sendable, Equatable {
    /// Where a check is defined: its file and the line of its name.
    struct Place {
        var path: String
        var line: Int
    }

    /// Unique among the checks; matches `[A-Za-z0-9_.-]+`.
    var name: String
    /// The `type` key: the ``CheckSettings/typeName`` of `settings`.
    var type: String
    var interval: Duration
    /// Never longer than `interval`.
    var timeout: Duration
    /// At least 1.
    var failureThreshold: Int
    /// At least 1.
    var successThreshold: Int
    var critical: Bool
    /// Each matches `[A-Za-z0-9_.-]+`.
    var tags: [String]
    /// `global.labels` with the check's own `labels` over them.
    var labels: [String: String]
    /// Empty when the check has no latency histogram.
    var latencyBuckets: [Double]
    var settings: any CheckSettings
    /// Where the check's mapping starts in the file; 0 for the embedded defaults.
    var line: Int
    var column: Int

    static func == (lhs: CheckSpec, rhs: CheckSpec) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type && lhs.interval == rhs.interval && lhs.timeout == rhs.timeout
            && lhs.failureThreshold == rhs.failureThreshold && lhs.successThreshold == rhs.successThreshold
            && lhs.critical == rhs.critical && lhs.tags == rhs.tags && lhs.labels == rhs.labels
            && lhs.latencyBuckets == rhs.latencyBuckets && lhs.line == rhs.line
            && lhs.column == rhs.column && AnyHashable(lhs.settings) == AnyHashable(rhs.settings)
    }

    /// The longest check name or tag: it is a label value on every series of the check.
    static let maximumNameLength = 128
    /// Labels are on every series of a check: a bound keeps a typo from multiplying the series' size.
    static let maximumLabelCount = 16
    static let maximumLabelValueLength = 256
    /// Each bound is one series per check.
    static let maximumLatencyBuckets = 32

    /// Whether `text` can be a check name or a tag: `[A-Za-z0-9_.-]+`.
    static func isValidName(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "_" || scalar == "." || scalar == "-"
            }
    }
}
