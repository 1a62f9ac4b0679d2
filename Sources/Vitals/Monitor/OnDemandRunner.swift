import Logging
import Synchronization

/// On-demand mode: runs a check only when its cached result has expired, and
/// lets concurrent requests share one run.
final class OnDemandRunner: Sendable {
    private let options: OnDemandOptions
    private let store: ResultStore
    private let clock: any Clock<Duration>
    private let logger: Logger
    private let refreshes: AsyncStream<CheckSlot>.Continuation
    /// Runs under way, with the requests waiting for them.
    private let flights = Mutex<[ObjectIdentifier: [CheckedContinuation<Void, Never>]]>([:])

    init(
        options: OnDemandOptions,
        store: ResultStore,
        clock: any Clock<Duration>,
        logger: Logger,
        refreshes: AsyncStream<CheckSlot>.Continuation
    ) {
        self.options = options
        self.store = store
        self.clock = clock
        self.logger = logger
        self.refreshes = refreshes
    }

    /// How many requests wait for a run under way.
    var waitingCount: Int { flights.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Returns once `slot` has a result younger than its TTL — or at once, with
    /// `serveStale`, when it has any result, after asking for one refresh.
    func ensureFresh(_ slot: CheckSlot) async {
        let snapshot = slot.snapshot()
        if let expires = snapshot.expires, snapshot.last != nil, store.wallClock.now() < expires { return }
        if options.serveStale, snapshot.last != nil {
            let running = flights.withLock { $0[ObjectIdentifier(slot)] != nil }
            if !running { refreshes.yield(slot) }
            return
        }
        await runShared(slot)
    }

    /// Runs `slot` unless a run is already under way, and waits for that run either way.
    func runShared(_ slot: CheckSlot) async {
        let id = ObjectIdentifier(slot)
        let leads = flights.withLock { flights in
            guard flights[id] == nil else { return false }
            flights[id] = []
            return true
        }
        guard leads else {
            await withCheckedContinuation { continuation in
                let joined = flights.withLock { flights in
                    guard flights[id] != nil else { return false }
                    flights[id]?.append(continuation)
                    return true
                }
                // The run ended between the two looks: its result is there.
                if !joined { continuation.resume() }
            }
            return
        }
        let policy = slot.definition.policy
        await CheckRunner.run(slot, store: store, clock: clock, logger: logger) { result in
            let ttl =
                result.outcome.status == .fail
                ? policy.failureTTL ?? options.failureTTL : policy.successTTL ?? options.successTTL
            return ttl.map { result.finished + $0.inSeconds }
        }
        let waiters = flights.withLock { $0.removeValue(forKey: id) ?? [] }
        for waiter in waiters { waiter.resume() }
    }
}
