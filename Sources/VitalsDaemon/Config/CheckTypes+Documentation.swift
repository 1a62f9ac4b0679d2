import Vitals

extension CheckTypes {
    /// The key table of every check type, as `docs/checks.md` shows it between
    /// `<!-- keys:TYPE -->` and `<!-- /keys -->`. A test keeps the file in step with the registry.
    static var documentedKeyTables: [(type: String, table: String)] {
        all.map { ($0.typeName, $0.keyTable) }
    }
}

extension ConfigSection {
    /// The keys as a Markdown table: key, default, value, meaning.
    static var keyTable: String {
        let defaults = Self()
        var lines = ["| key | default | value | meaning |", "| --- | --- | --- | --- |"]
        for key in keys {
            let fallback = key.isRequired ? "required" : documentationText(key.show(defaults))
            lines.append("| `\(key.name)` | \(fallback) | \(key.kind) | \(key.summary) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func documentationText(_ value: EnvironmentValue) -> String {
        value == .null ? "none" : "`\(plainText(value))`"
    }

    private static func plainText(_ value: EnvironmentValue) -> String {
        switch value {
        case .null: "null"
        case .string(let text): text
        case .number(let number): number.configText
        case .bool(let flag): "\(flag)"
        case .array(let items): "[" + items.map(plainText).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.map { "\($0.key): \(plainText($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
