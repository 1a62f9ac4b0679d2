import Foundation
import Logging
import ServiceLifecycle
import Vitals
import VitalsProbes

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The last resort of a stop: once a graceful shutdown begins, the process exits 0 after ``limit``
/// whatever is still going (a client that never reads its response, a check that ignores
/// cancellation), after killing every plugin's process group. systemd, and the operator watching
/// it, get their stop within 2 s.
struct StopDeadline: Service {
    static let limit: Duration = .milliseconds(1500)

    let supervisor: ProcessSupervisor
    let logger: Logger
    /// `web.shutdown_delay`: the drain before the stop proper, added to the limit.
    var drain: Duration = .zero

    func run() async throws {
        // Returns when the graceful shutdown begins; the deadline runs on, detached, from then.
        try? await gracefulShutdown()
        let (supervisor, logger, limit) = (supervisor, logger, Self.limit + drain)
        // A thread of its own: busy cooperative threads (rendering for slow clients) cannot delay it.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: limit.inSeconds)
            logger.warning("Stopping took too long; exiting now", metadata: ["limit": "\(limit)"])
            supervisor.killAll()
            exit(0)
        }
    }
}
