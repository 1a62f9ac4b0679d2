import AsyncHTTPClient
import NIOPosix
import NIOSSL

/// Shared resources the probes use, owned by the daemon for its whole run.
final class ProbeContext: Sendable {
    /// For `http` checks that verify certificates (the default).
    let httpClient: HTTPClient
    /// For `http` checks with `tls_skip_verify: true`.
    let insecureHTTPClient: HTTPClient
    /// Runs `exec` plugins and DNS lookups, which hold a thread until they end (a
    /// cancelled lookup until the resolver gives up): the shared pool has one thread
    /// per core, so a third plugin would wait behind two slow ones.
    let blockingThreadPool: NIOThreadPool

    init(blockingThreads: Int = 16) {
        blockingThreadPool = NIOThreadPool(numberOfThreads: blockingThreads)
        blockingThreadPool.start()
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

    func shutdown() async {
        try? await httpClient.shutdown()
        try? await insecureHTTPClient.shutdown()
        try? await blockingThreadPool.shutdownGracefully()
    }
}
