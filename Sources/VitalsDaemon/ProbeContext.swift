import NIOPosix
import VitalsProbes

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Shared resources the probes use, owned by the daemon for its whole run.
final class ProbeContext: Sendable {
    /// For DNS lookups, which hold a thread until they end (a cancelled one until the
    /// resolver gives up): their own pool, so a silent resolver delays only `dns` checks.
    let resolverThreadPool: NIOThreadPool
    /// Runs `exec` plugins.
    let supervisor: ProcessSupervisor

    /// - Parameters:
    ///   - resolverThreads: The most DNS lookups at once.
    ///   - ownsProcess: True in the `vitals` process itself, whose children are all plugins:
    ///     it becomes a child subreaper that kills and reaps what plugins leave behind, and
    ///     raises its open-file limit. False where the probes are a guest (tests).
    init(resolverThreads: Int = 16, ownsProcess: Bool = false) {
        resolverThreadPool = NIOThreadPool(numberOfThreads: resolverThreads)
        resolverThreadPool.start()
        supervisor = ProcessSupervisor(reapsOrphans: ownsProcess)
        if ownsProcess { Self.raiseOpenFileLimit() }
    }

    /// Raises the soft limit on open files to the hard limit, as Go programs do: each running
    /// plugin holds three descriptors and each check connection one, and systemd's default soft
    /// limit of 1,024 would refuse the thousandth.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    func shutdown() async {
        await supervisor.shutdown()
        try? await resolverThreadPool.shutdownGracefully()
    }
}
