/// One validated entry of `checks`, with the global values already applied.
struct CheckSpec: Sendable, Equatable {
    /// Unique among the checks; matches `[A-Za-z0-9_.-]+`.
    var name: String
    /// The `type` key: one of ``CheckSettings/typeNames``.
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
    var settings: CheckSettings
    /// Where the check's mapping starts in the file; 0 for the embedded defaults.
    var line: Int
    var column: Int

    /// Whether two specs describe the same check, wherever they stand in the file.
    ///
    /// A reload keeps a check's state when this is true for its old and new spec.
    func hasSameDefinition(as other: CheckSpec) -> Bool {
        var moved = other
        moved.line = line
        moved.column = column
        return self == moved
    }

    /// Whether `text` can be a check name or a tag: `[A-Za-z0-9_.-]+`.
    static func isValidName(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "_" || scalar == "." || scalar == "-"
            }
    }
}
