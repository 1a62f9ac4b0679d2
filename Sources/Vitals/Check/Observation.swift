/// A value a check measured, such as free disk space or a plugin's perfdata.
public struct Observation: Sendable, Equatable {
    /// What was measured, e.g. `free_percent`.
    public var name: String
    /// The measured value.
    public var value: Double
    /// The unit, e.g. `%`, `s`, `B`; `nil` for a plain number.
    public var unit: String?

    /// Creates an observation.
    public init(_ name: String, _ value: Double, unit: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
    }
}
