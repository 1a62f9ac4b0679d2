/// A value a check measured, such as free disk space or a plugin's perfdata.
public struct Observation: Sendable, Equatable {
    /// What was measured, e.g. `free_percent`.
    public var name: String
    /// The measured value.
    public var value: Double
    /// The unit, e.g. `%`, `s`, `B`; `nil` for a plain number.
    public var unit: String?
    /// The gauge that exports the value on `/metrics`, labelled with the check's name; `nil` keeps it
    /// in `/health` only.
    public var metric: ExportedMetric?

    /// Creates an observation.
    /// - Parameters:
    ///   - name: what was measured.
    ///   - value: the measured value.
    ///   - unit: the unit, for people.
    ///   - metric: the gauge that exports the value on `/metrics`, if any.
    public init(_ name: String, _ value: Double, unit: String? = nil, metric: ExportedMetric? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.metric = metric
    }
}

/// A gauge on `/metrics` fed by an ``Observation``: one series per check that observes it.
///
/// ```swift
/// let expiry = ExportedMetric(
///     name: "healthcheck_tls_cert_expiry_timestamp_seconds",
///     help: "When the certificate a tls check saw last expires.",
///     unit: "seconds"
/// )
/// Observation("expiry_timestamp", notAfter, unit: "s", metric: expiry)
/// ```
public struct ExportedMetric: Sendable, Hashable {
    /// The metric name; it must be a valid Prometheus name, and a unit suffix should match `unit`.
    public var name: String
    /// The `# HELP` text.
    public var help: String
    /// The OpenMetrics unit (`seconds`, `bytes`), or `nil`.
    public var unit: String?

    /// Creates a metric description.
    public init(name: String, help: String, unit: String? = nil) {
        self.name = name
        self.help = help
        self.unit = unit
    }
}
