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
    /// For `http` checks, by whether they verify certificates and follow redirects:
    /// `[verifying][following]`, the default `[true][true]`.
    private let httpClients: [Bool: [Bool: HTTPClient]]

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
        var clients: [Bool: [Bool: HTTPClient]] = [:]
        for verifying in [true, false] {
            for following in [true, false] {
                var configuration = HTTPClient.Configuration()
                configuration.redirectConfiguration = following ? .follow(max: 5, allowCycles: false) : .disallow
                // A refused connection is an answer, not something to retry until the timeout.
                configuration.connectionPool.retryConnectionEstablishment = false
                if !verifying {
                    var tls = TLSConfiguration.makeClientConfiguration()
                    tls.certificateVerification = .none
                    configuration.tlsConfiguration = tls
                }
                clients[verifying, default: [:]][following] = HTTPClient(
                    eventLoopGroupProvider: .singleton,
                    configuration: configuration
                )
            }
        }
        httpClients = clients
    }

    /// The client for `http` checks that verify certificates (or, with `tls_skip_verify`, not) and
    /// follow up to 5 redirects (or return the redirect as the response).
    func httpClient(verifying: Bool, followingRedirects: Bool) -> HTTPClient {
        // Both keys are always present: the initializer makes all four clients.
        httpClients[verifying]?[followingRedirects] ?? HTTPClient.shared
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
        for client in httpClients.values.flatMap(\.values) {
            try? await client.shutdown()
        }
        await supervisor.shutdown()
        try? await resolverThreadPool.shutdownGracefully()
    }
}
