/// Where a key sits, for messages: `global.interval`, `checks[2] (api): timeout`, or a top-level key.
struct ConfigScope: Sendable, Equatable {
    /// `global`, `checks[2] (api)`, `checks[2]` (no valid name), or empty for the top level.
    var label: String
    /// Between the label and a key: `.` in sections, `: ` in checks.
    var separator: String

    static let root = ConfigScope(label: "", separator: "")

    static func section(_ name: String) -> ConfigScope {
        ConfigScope(label: name, separator: ".")
    }

    static func check(index: Int, name: String?) -> ConfigScope {
        ConfigScope(label: name.map { "checks[\(index)] (\($0))" } ?? "checks[\(index)]", separator: ": ")
    }

    /// The path of `key` in this scope: `global.interval`, `checks[2] (api): timeout`.
    func key(_ key: String) -> String {
        label.isEmpty ? key : label + separator + key
    }

    /// A message about the scope itself: `checks[2] (api): unknown key "foo"`.
    func message(_ text: String) -> String {
        label.isEmpty ? text : "\(label): \(text)"
    }
}
