/// A check together with its name, type and policy, ready to be scheduled.
public struct CheckDefinition: Sendable {
    /// The unique name, used as the `check` label.
    public var name: String
    /// The type, used as the `type` label, e.g. `http`.
    public var type: String
    /// How the check is run and judged.
    public var policy: CheckPolicy
    /// The probe itself.
    public var check: any HealthCheck
    /// The check's settings as a hashable value, such as the config struct the probe was made from.
    /// On a reload, a check whose name, type, policy and settings are unchanged keeps its state and
    /// counters; `nil` settings are equal to each other.
    public var settings: (any Hashable & Sendable)?

    /// Creates a definition.
    public init(
        name: String,
        type: String,
        policy: CheckPolicy = CheckPolicy(),
        settings: (any Hashable & Sendable)? = nil,
        check: any HealthCheck
    ) {
        self.name = name
        self.type = type
        self.policy = policy
        self.check = check
        self.settings = settings
    }

    /// Whether `other` is the same check with the same settings.
    func isSameCheck(as other: CheckDefinition) -> Bool {
        name == other.name && type == other.type && policy == other.policy
            && settings.map { AnyHashable($0) } == other.settings.map { AnyHashable($0) }
    }
}
