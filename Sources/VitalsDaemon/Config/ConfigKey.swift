import Vitals
import Yams

/// One key of a ``ConfigSection``: its name, how its value is read, and which property it sets.
///
/// A section's table of keys is the one place that says what the file may hold: reading, unknown-key
/// detection, the `/environment` dump and the key tables of the documentation all derive from it.
struct ConfigKey<Settings: ConfigSection>: Sendable {
    /// The YAML key.
    var name: String
    /// Whether the file must give it; otherwise the property's initial value is the default.
    var isRequired: Bool
    /// What the documentation says the key does.
    var summary: String
    /// What the documentation calls its value.
    var kind: String
    /// Reads the value at a node into the settings; false after reporting why.
    var read: @Sendable (inout ConfigValidator, Node, _ keyPath: String, inout Settings) -> Bool
    /// The value as `/environment` shows it.
    var show: @Sendable (Settings) -> EnvironmentValue

    /// A key whose value sets `property`.
    static func key<Value>(
        _ name: String,
        _ property: any WritableKeyPath<Settings, Value> & Sendable,
        _ reader: ValueReader<Value>,
        required: Bool = false,
        _ summary: String
    ) -> ConfigKey {
        key(
            name,
            reader,
            required: required,
            summary,
            get: { $0[keyPath: property] },
            set: { $0[keyPath: property] = $1 }
        )
    }

    /// A key that may be left out, for an optional property (`null` in `/environment` when absent).
    static func key<Value>(
        _ name: String,
        _ property: any WritableKeyPath<Settings, Value?> & Sendable,
        _ reader: ValueReader<Value>,
        _ summary: String
    ) -> ConfigKey {
        key(name, reader, summary, get: { $0[keyPath: property] }, set: { $0[keyPath: property] = $1 })
    }

    /// A key stored some other way than in a property of its own (several keys choosing one value).
    /// `get` returns nil when the settings do not hold the key's value.
    static func key<Value>(
        _ name: String,
        _ reader: ValueReader<Value>,
        required: Bool = false,
        _ summary: String,
        get: @escaping @Sendable (Settings) -> Value?,
        set: @escaping @Sendable (inout Settings, Value) -> Void
    ) -> ConfigKey {
        ConfigKey(
            name: name,
            isRequired: required,
            summary: summary,
            kind: reader.kind,
            read: { validator, node, keyPath, settings in
                guard let value = reader.read(&validator, node, keyPath) else { return false }
                set(&settings, value)
                return true
            },
            show: { get($0).map(reader.show) ?? .null }
        )
    }
}

/// A mapping of the configuration file read through a table of keys: a section such as `global`,
/// or the settings of one check type.
///
/// The initial values of the properties are the defaults: `Self()` is the section as an empty
/// mapping makes it (with placeholders for required keys).
protocol ConfigSection: Sendable, Hashable {
    /// Every setting at its default.
    init()
    /// The keys, in the order the documentation lists them.
    static var keys: [ConfigKey<Self>] { get }
    /// Checks the rules between keys, and derives values from others. Runs after every key was read,
    /// valid or not; ``KeyRules`` knows which were.
    mutating func validate(_ rules: inout KeyRules)
}

extension ConfigSection {
    func validate(_ rules: inout KeyRules) {}

    /// The settings keyed as in the file, for the `/environment` dump.
    var environmentMembers: [EnvironmentValue.Member] {
        Self.keys.map { EnvironmentValue.Member($0.name, $0.show(self)) }
    }
}

extension ConfigSection {
    /// The names of ``keys``, for unknown-key detection.
    static var keyNames: [String] { keys.map(\.name) }
}
