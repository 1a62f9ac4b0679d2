import Synchronization
public import Vitals

/// An in-memory queue of jobs waiting for a worker: the app's state most worth watching,
/// because a backlog that only grows means the workers are stuck or too few.
public final class JobQueue: Sendable {
    private let jobs = Mutex<[(name: String, enqueued: ContinuousClock.Instant)]>([])
    private let clock = ContinuousClock()

    /// Creates an empty queue.
    public init() {}

    /// Adds a job at the back of the queue and returns how many jobs now wait.
    @discardableResult
    public func enqueue(_ name: String) -> Int {
        let now = clock.now
        return jobs.withLock { jobs in
            jobs.append((name, now))
            return jobs.count
        }
    }

    /// Removes the oldest job and returns its name, or `nil` when the queue is empty.
    public func take() -> String? {
        jobs.withLock { jobs in jobs.isEmpty ? nil : jobs.removeFirst().name }
    }

    /// How many jobs wait, and how long the oldest has waited (zero when none does).
    ///
    /// Both are read under one lock, so that they describe the same moment.
    public func backlog() -> (depth: Int, oldestWait: Duration) {
        let now = clock.now
        return jobs.withLock { jobs in
            (jobs.count, jobs.first.map { $0.enqueued.duration(to: now) } ?? .zero)
        }
    }
}

/// Fails when the workers fall behind: too many jobs waiting, or the oldest waiting too long.
///
/// It warns at 80 % of the depth limit, so that a dashboard shows the trend before the
/// load balancer takes the instance out.
public struct JobBacklogCheck: HealthCheck {
    /// The queue to watch.
    public var queue: JobQueue
    /// The check fails at this many waiting jobs.
    public var limit: Int
    /// The check fails when the oldest job has waited this long.
    public var maxWait: Duration

    /// Creates the check.
    /// - Parameters:
    ///   - queue: the queue to watch.
    ///   - limit: the depth at which the check fails; it warns from 80 % of it.
    ///   - maxWait: the wait of the oldest job at which the check fails.
    public init(queue: JobQueue, limit: Int = 100, maxWait: Duration = .seconds(60)) {
        self.queue = queue
        self.limit = limit
        self.maxWait = maxWait
    }

    /// Reads the backlog and judges it against the limits.
    public func run() async throws -> CheckOutcome {
        let (depth, oldestWait) = queue.backlog()
        let waitSeconds = Double(oldestWait.components.seconds) + Double(oldestWait.components.attoseconds) / 1e18
        let observations = [Observation("depth", Double(depth)), Observation("oldest_wait", waitSeconds, unit: "s")]
        let message = "\(depth) of at most \(limit) jobs waiting, the oldest for \(Int(waitSeconds)) s"
        if depth >= limit || oldestWait >= maxWait {
            return .fail(message, reason: .threshold, observations: observations)
        }
        // Integer arithmetic: 80 % without rounding surprises for small limits.
        if depth * 5 >= limit * 4 {
            return .warn(message, observations: observations)
        }
        return .pass(message, observations: observations)
    }
}
