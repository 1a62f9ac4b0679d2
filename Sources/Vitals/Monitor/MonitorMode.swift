/// When a ``Monitor`` runs its checks.
public struct MonitorMode: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case scheduled
        case onDemand(OnDemandOptions)
    }

    let kind: Kind

    /// Every check runs on its own interval, as the daemon does; requests read the results.
    public static let scheduled = MonitorMode(kind: .scheduled)

    /// A request runs the checks whose cached result has expired, as the Python
    /// healthcheck libraries do.
    public static func onDemand(_ options: OnDemandOptions = OnDemandOptions()) -> MonitorMode {
        MonitorMode(kind: .onDemand(options))
    }
}

/// Caching in on-demand mode.
public struct OnDemandOptions: Sendable, Equatable {
    /// How long a passing or warning result is reused (27 s by default); `nil` runs the check on every request.
    public var successTTL: Duration?
    /// How long a failing result is reused (9 s by default); `nil` runs the check on every request.
    public var failureTTL: Duration?
    /// Answer at once with the last result while one refresh runs in the background.
    /// Needs the ``Monitor`` to be running as a service. A check that has never run is still waited for.
    public var serveStale: Bool

    /// Creates options; the defaults are those of the Python healthcheck library.
    public init(successTTL: Duration? = .seconds(27), failureTTL: Duration? = .seconds(9), serveStale: Bool = false) {
        self.successTTL = successTTL
        self.failureTTL = failureTTL
        self.serveStale = serveStale
    }
}
