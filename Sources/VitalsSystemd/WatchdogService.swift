public import ServiceLifecycle

/// Pings the systemd watchdog while the scheduler makes progress.
///
/// Every `interval` (half the watchdog period) it compares the scheduler's
/// progress counter with the previous look: when the loop has turned since, and
/// — with `requireHealthy` — no critical check fails, it pings. A stalled
/// scheduler therefore stops the pings and systemd restarts the service.
public struct WatchdogService<C: Clock>: Service where C.Duration == Duration {
    private let interval: Duration
    private let clock: C
    private let progress: @Sendable () -> UInt64
    private let isHealthy: @Sendable () -> Bool
    private let requireHealthy: @Sendable () -> Bool
    private let ping: @Sendable () -> Void

    /// Creates the service.
    /// - Parameters:
    ///   - interval: how often to decide; half the watchdog period.
    ///   - clock: the clock to wait on.
    ///   - progress: a counter that moves whenever the scheduler loop turns.
    ///   - isHealthy: whether no critical check fails.
    ///   - requireHealthy: whether to withhold pings while a critical check fails; read on every tick, so
    ///     that a reload can change it.
    ///   - ping: sends `WATCHDOG=1`.
    public init(
        interval: Duration,
        clock: C,
        progress: @escaping @Sendable () -> UInt64,
        isHealthy: @escaping @Sendable () -> Bool,
        requireHealthy: @escaping @Sendable () -> Bool,
        ping: @escaping @Sendable () -> Void
    ) {
        self.interval = interval
        self.clock = clock
        self.progress = progress
        self.isHealthy = isHealthy
        self.requireHealthy = requireHealthy
        self.ping = ping
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastSeen = progress()
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: interval, tolerance: nil)
                } catch {
                    return
                }
                let current = progress()
                if current != lastSeen && (!requireHealthy() || isHealthy()) {
                    ping()
                }
                lastSeen = current
            }
        }
    }
}
