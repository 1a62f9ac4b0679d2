/// A value a check measured, such as free disk space or a plugin's perfdata.
public struct Observation: Sendable, Equatable {
    /// What was measured, e.g. `free_percent`.
    public var name: String
    /// The measured value.
    public var value: Double
    /// The unit, e.g. `%`, `s`, `B`; `nil` for a plain number.
    public var unit: String?
    /// The gauge that exports the value on `/metrics`, labelled as the check's other series; `nil`
    /// keeps it in `/health` only.
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
/// let queueDepth = ExportedMetric(name: "myapp_queue_depth", help: "Jobs waiting in the queue.")
/// Observation("depth", Double(depth), metric: queueDepth)
/// ```
public struct ExportedMetric: Sendable, Hashable {
    /// The one family for every check that sees a certificate (`tls` today): the Unix time at which
    /// the earliest-expiring certificate it saw stops being valid. Alerts predict expiry from it with
    /// `healthcheck_certificate_expiry_timestamp_seconds - time() < 14 * 86400`.
    public static let certificateExpiry = ExportedMetric(
        name: "healthcheck_certificate_expiry_timestamp_seconds",
        help: "When the earliest-expiring certificate the check saw stops being valid.",
        unit: "seconds"
    )

    /// The metric name; it must be a valid Prometheus name, and a unit suffix should match `unit`.
    public var name: String {
        get { fields.name }
        set { fields = Fields(name: newValue, help: help, unit: unit) }
    }
    /// The `# HELP` text.
    public var help: String {
        get { fields.help }
        set { fields = Fields(name: name, help: newValue, unit: unit) }
    }
    /// The OpenMetrics unit (`seconds`, `bytes`), or `nil`.
    public var unit: String? {
        get { fields.unit }
        set { fields = Fields(name: name, help: help, unit: newValue) }
    }

    /// Out of line and shared: every observation of every run carries an optional metric, and one
    /// word there instead of six keeps 10,000 checks' last results a megabyte smaller.
    private final class Fields: Sendable {
        let name: String
        let help: String
        let unit: String?

        init(name: String, help: String, unit: String?) {
            self.name = name
            self.help = help
            self.unit = unit
        }
    }

    private var fields: Fields

    /// Creates a metric description.
    public init(name: String, help: String, unit: String? = nil) {
        fields = Fields(name: name, help: help, unit: unit)
    }

    public static func == (lhs: ExportedMetric, rhs: ExportedMetric) -> Bool {
        lhs.fields === rhs.fields || (lhs.name == rhs.name && lhs.help == rhs.help && lhs.unit == rhs.unit)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(help)
        hasher.combine(unit)
    }
}
