/// The two exposition formats of `/metrics`.
public enum MetricsFormat: Sendable, Hashable {
    /// OpenMetrics 1.0.0, ending with `# EOF`.
    case openMetrics
    /// The Prometheus text format 0.0.4.
    case prometheusText

    /// The `Content-Type` header value.
    public var contentType: String {
        switch self {
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        }
    }
}

/// What the exporter says about itself in `vitals_build_info`.
public struct BuildInfo: Sendable, Equatable {
    /// The release version, e.g. `1.2.0`.
    public var version: String
    /// The source revision, e.g. a commit hash.
    public var revision: String
    /// The version of the compiler that built the binary, e.g. `6.3`.
    public var swiftVersion: String

    /// Creates build information.
    public init(version: String, revision: String, swiftVersion: String) {
        self.version = version
        self.revision = revision
        self.swiftVersion = swiftVersion
    }
}
