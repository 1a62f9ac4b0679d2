import Logging
import ServiceLifecycle

/// On a graceful shutdown, fails `/readyz` for `web.shutdown_delay` before the services after it (the
/// listeners among them) stop: load balancers and Kubernetes take the instance out of rotation while
/// it still answers.
struct DrainService: Service {
    let source: DaemonSource
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        source.startDraining()
        guard delay > .zero else { return }
        logger.info("Draining before the stop: /readyz fails", metadata: ["shutdown_delay": "\(delay)"])
        // Not cancellable by the shutdown that started it: the drain is the point.
        try? await Task.sleep(for: delay)
    }
}
