import Synchronization
public import Vitals

/// A check fed by pings from outside, such as a cron job calling `/ping/{name}` when done.
///
/// It fails with reason `missed` before the first ping and when the last one is older than
/// `ttl + grace`, and passes in between. A reported failure (`/ping/{name}/fail`) makes it
/// fail with reason `reported` until the next successful ping. Observation:
/// `seconds_since_ping` (s), once a ping has arrived.
///
/// ```swift
/// let nightly = HeartbeatProbe(ttl: .seconds(86_400), grace: .seconds(600), clock: ContinuousClock())
/// nightly.receivePing(success: true)
/// ```
public final class HeartbeatProbe<C: Clock>: HealthCheck, PingReceiver where C.Duration == Duration {
    /// The failure reason when no ping arrived in time.
    public static var missed: FailureReason { FailureReason("missed") }
    /// The failure reason when the last ping reported a failure.
    public static var reported: FailureReason { FailureReason("reported") }

    private struct State {
        var lastPing: C.Instant?
        var failed = false
    }

    /// How long a ping counts.
    public let ttl: Duration
    /// Extra time allowed after ``ttl``.
    public let grace: Duration
    private let clock: C
    private let state = Mutex(State())

    /// Creates a heartbeat probe that has not been pinged yet.
    /// - Parameters:
    ///   - ttl: How long a ping counts.
    ///   - grace: Extra time allowed after `ttl`.
    ///   - clock: The clock that times pings; a manual clock in tests.
    public init(ttl: Duration, grace: Duration = .zero, clock: C) {
        self.ttl = ttl
        self.grace = grace
        self.clock = clock
    }

    /// Records a ping: a success, or a reported failure.
    public func receivePing(success: Bool) {
        let now = clock.now
        state.withLock { state in
            state.lastPing = now
            state.failed = !success
        }
    }

    /// Restores a ping saved before a restart, so that a heartbeat still within `ttl + grace`
    /// passes at once instead of failing until its job pings again.
    ///
    /// The saved time is wall-clock time; the probe times pings on its own clock, so the ping is
    /// placed as long before the clock's `now` as `lastPing` was before `now`. A ping in the future
    /// (the wall clock was set back) counts as just now. A probe that has already received a ping
    /// keeps it: a live ping is newer than anything saved.
    /// - Parameters:
    ///   - lastPing: When the saved ping arrived, in Unix seconds.
    ///   - success: Whether it was a success or a reported failure.
    ///   - now: The current wall-clock time, in Unix seconds.
    public func restore(lastPing: Double, success: Bool, now: Double) {
        guard lastPing.isFinite, now.isFinite else { return }
        // Capped so that a nonsense time cannot overflow the clock's instant; a century is expired anyway.
        let age = min(max(now - lastPing, 0), Self.longestRestoredAge)
        let instant = clock.now.advanced(by: .zero - .seconds(age))
        state.withLock { state in
            guard state.lastPing == nil else { return }
            state.lastPing = instant
            state.failed = !success
        }
    }

    private static var longestRestoredAge: Double { 100 * 365 * 86_400 }

    public func run() async throws -> CheckOutcome {
        let (lastPing, failed) = state.withLock { ($0.lastPing, $0.failed) }
        guard let lastPing else {
            return .fail("no ping received yet", reason: Self.missed)
        }
        let elapsed = lastPing.duration(to: clock.now)
        let ago = ProbeSupport.duration(max(elapsed, .zero))
        let observations = [Observation("seconds_since_ping", max(elapsed, .zero).inSeconds, unit: "s")]
        if failed {
            return .fail("failure reported \(ago) ago", reason: Self.reported, observations: observations)
        }
        let allowed = ttl + grace
        guard elapsed <= allowed else {
            return .fail(
                "last ping \(ago) ago, more than \(ProbeSupport.duration(allowed))",
                reason: Self.missed,
                observations: observations
            )
        }
        return .pass("last ping \(ago) ago", observations: observations)
    }
}

extension HeartbeatProbe where C == ContinuousClock {
    /// Creates a heartbeat probe on the continuous clock.
    /// - Parameters:
    ///   - ttl: How long a ping counts.
    ///   - grace: Extra time allowed after `ttl`.
    public convenience init(ttl: Duration, grace: Duration = .zero) {
        self.init(ttl: ttl, grace: grace, clock: ContinuousClock())
    }
}
