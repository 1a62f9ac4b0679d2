public import Vitals

/// Turns a passing run of another check that took longer than `warnAfter` into a warning: a
/// dependency that still answers, but slowly (the `warn_after` key of the network checks).
///
/// ```swift
/// let api = LatencyWarning(TCPProbe(host: "10.0.0.7", port: 443), warnAfter: .milliseconds(200))
/// ```
///
/// Failures and warnings of the wrapped check pass through unchanged; the warning keeps the
/// wrapped check's observations.
public struct LatencyWarning: HealthCheck {
    /// The check whose runs are timed.
    public var check: any HealthCheck
    /// A passing run that takes longer warns.
    public var warnAfter: Duration

    /// - Parameters:
    ///   - check: The check whose runs are timed.
    ///   - warnAfter: A passing run that takes longer warns.
    public init(_ check: any HealthCheck, warnAfter: Duration) {
        self.check = check
        self.warnAfter = warnAfter
    }

    public func run() async throws -> CheckOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await check.run()
        let elapsed = start.duration(to: clock.now)
        guard outcome.status == .pass, elapsed > warnAfter else { return outcome }
        return .warn(
            "\(outcome.message), slower than warn_after (\(ProbeSupport.duration(warnAfter)))",
            observations: outcome.observations
        )
    }
}
