public import Vitals

/// Settings of the endpoints that may change on a reload.
public struct HealthEndpointsOptions: Sendable, Equatable {
    /// The status of `/health` while a critical check fails (default 500).
    public var failureStatus: Int
    /// Extra response headers on `/health`.
    public var headers: [(name: String, value: String)]
    /// What `vitals_build_info` says.
    public var build: BuildInfo
    /// The `hostname` field of `/health`.
    public var hostname: String
    /// The `/environment` document; `nil` answers 404 there.
    public var environment: EnvironmentDump?

    /// Creates options.
    /// - Parameters:
    ///   - failureStatus: the status of `/health` while a critical check fails.
    ///   - headers: extra response headers on `/health`.
    ///   - build: what `vitals_build_info` says.
    ///   - hostname: the `hostname` field of `/health`.
    ///   - environment: the `/environment` document; `nil` answers 404 there.
    public init(
        failureStatus: Int = 500,
        headers: [(name: String, value: String)] = [],
        build: BuildInfo,
        hostname: String,
        environment: EnvironmentDump? = nil
    ) {
        self.failureStatus = failureStatus
        self.headers = headers
        self.build = build
        self.hostname = hostname
        self.environment = environment
    }

    /// Whether the options are the same; two environment documents count as equal when both are
    /// present or both absent, since their sections are closures.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.failureStatus == rhs.failureStatus && lhs.build == rhs.build && lhs.hostname == rhs.hostname
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
            && (lhs.environment == nil) == (rhs.environment == nil)
    }
}
