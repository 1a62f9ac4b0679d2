import AsyncHTTPClient
import NIOPosix
import NIOSSL
import VitalsProbes

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Shared resources the probes use, owned by the daemon for its whole run.
final class ProbeContext: Sendable {
    /// For `http` checks that verify certificates (the default).
    let httpClient: HTTPClient
    /// For `http` checks with `tls_skip_verify: true`.
    let insecureHTTPClient: HTTPClient
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
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        // A refused connection is an answer, not something to retry until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var insecure = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        insecure.tlsConfiguration = tls
        insecureHTTPClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: insecure)
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
        try? await httpClient.shutdown()
        try? await insecureHTTPClient.shutdown()
        await supervisor.shutdown()
        try? await resolverThreadPool.shutdownGracefully()
    }
}
