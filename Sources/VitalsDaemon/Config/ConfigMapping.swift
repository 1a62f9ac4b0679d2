import Yams

/// A YAML mapping of the configuration with string keys, and the scope its keys are named in.
struct ConfigMapping {
    var scope: ConfigScope
    /// Where the mapping starts.
    var mark: Mark?
    var entries: [(name: String, key: Node, value: Node)]

    func value(_ key: String) -> Node? {
        entries.first { $0.name == key }?.value
    }

    func contains(_ key: String) -> Bool {
        value(key) != nil
    }
}

/// Whether a key must be given, has a default, or may be left out.
enum Presence<Value> {
    case required
    case defaulted(Value)
    case optional
}
