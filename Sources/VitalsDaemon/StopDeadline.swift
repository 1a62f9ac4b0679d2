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

    func run() async throws {
        // Returns when the graceful shutdown begins; the deadline runs on, detached, from then.
        try? await gracefulShutdown()
        let (supervisor, logger) = (supervisor, logger)
        // A thread of its own: busy cooperative threads (rendering for slow clients) cannot delay it.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Self.limit.inSeconds)
            logger.warning("Stopping took too long; exiting now", metadata: ["limit": "\(Self.limit)"])
            supervisor.killAll()
            exit(0)
        }
    }
}
