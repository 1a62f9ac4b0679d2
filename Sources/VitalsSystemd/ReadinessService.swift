public import ServiceLifecycle
public import Vitals

/// Tells systemd when the daemon is ready, what it is doing, and when it stops:
/// `READY=1` once `waitUntilReady` returns, `STATUS=` whenever the summary of the
/// checks changes, and `STOPPING=1` when the service group shuts down.
public struct ReadinessService: Service {
    private let notifier: Notifier
    private let store: ResultStore
    private let waitUntilReady: @Sendable () async -> Void
    private let pollInterval: Duration

    /// Creates the service.
    /// - Parameters:
    ///   - notifier: where the messages go.
    ///   - store: whose checks the status line summarises.
    ///   - pollInterval: how often the summary is compared with the last one sent.
    ///   - waitUntilReady: returns once the listener is bound and the first round of checks finished.
    public init(
        notifier: Notifier,
        store: ResultStore,
        pollInterval: Duration = .seconds(1),
        waitUntilReady: @escaping @Sendable () async -> Void
    ) {
        self.notifier = notifier
        self.store = store
        self.pollInterval = pollInterval
        self.waitUntilReady = waitUntilReady
    }

    public func run() async throws {
        // Returning (not throwing) on shutdown: the group treats a thrown error as a failure.
        try? await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown {
                await waitUntilReady()
                guard !Task.isCancelled else { return }
                var status = Self.summary(of: store.snapshot())
                notifier.notify("READY=1\nSTATUS=\(status)")
                while !Task.isCancelled {
                    try await Task.sleep(for: pollInterval)
                    let current = Self.summary(of: store.snapshot())
                    if current != status {
                        status = current
                        notifier.notify("STATUS=\(status)")
                    }
                }
            }
        } onGracefulShutdown: {
            notifier.notify("STOPPING=1")
        }
    }

    /// The one-line status: `12/12 checks passing`, or with the failing checks named.
    public static func summary(of snapshot: Snapshot) -> String {
        let failing = snapshot.checks.filter { $0.status == .fail }.map(\.name)
        let total = snapshot.checks.count
        var line = "\(total - failing.count)/\(total) checks passing"
        if !failing.isEmpty {
            let shown = failing.prefix(5).joined(separator: ", ")
            line += "; failing: " + shown + (failing.count > 5 ? " and \(failing.count - 5) more" : "")
        }
        return line
    }
}
