import HTTPTypes
public import Hummingbird
import NIOCore
import Synchronization
public import Vitals

/// The Vitals HTTP endpoints — `/metrics`, `/health`, `/health/{tag}`, `/ping/{name}` —
/// for any Hummingbird router.
///
/// Requests never run checks: they answer from the store's latest snapshot, and
/// the rendered bytes are cached per snapshot version.
///
/// ```swift
/// let endpoints = HealthEndpoints(store: store, options: .init(build: build, hostname: "web-1"))
/// let router = Router()
/// endpoints.addRoutes(to: router)
/// ```
public final class HealthEndpoints: Sendable {
    /// What happened to a reload requested through `POST /-/reload`.
    public enum ReloadResult: Sendable {
        /// The new configuration is in effect.
        case reloaded
        /// The configuration was invalid and the old one stays in effect.
        case failed(errors: [String])
    }

    private let store: ResultStore
    private let options: Mutex<HealthEndpointsOptions>
    private let cache = RenderCache()
    /// The live `process_*` tail of `/metrics` per format, rendered (and deflated) at most once a second.
    private let liveTails = Mutex<(taken: ContinuousClock.Instant, tails: [MetricsFormat: LiveTail])?>(nil)
    private let onPing: @Sendable (CheckSlot) -> Void
    private let onReload: (@Sendable () async -> ReloadResult)?
    private let prepare: (@Sendable (_ tag: String?) async -> Void)?
    private let environmentProvider: (@Sendable () -> EnvironmentDump?)?

    /// Creates the endpoints.
    /// - Parameters:
    ///   - store: where the results come from.
    ///   - options: status code, headers and identity.
    ///   - onPing: called after a ping reached a check, e.g. to run it soon.
    ///   - onReload: performs a reload for `POST /-/reload`; `nil` answers 404 there.
    ///   - prepare: awaited before answering from the store (on-demand mode refreshes expired checks here).
    public init(
        store: ResultStore,
        options: HealthEndpointsOptions,
        onPing: @escaping @Sendable (CheckSlot) -> Void = { _ in },
        onReload: (@Sendable () async -> ReloadResult)? = nil,
        prepare: (@Sendable (_ tag: String?) async -> Void)? = nil
    ) {
        self.store = store
        self.options = Mutex(options)
        self.onPing = onPing
        self.onReload = onReload
        self.prepare = prepare
        self.environmentProvider = nil
    }

    /// Creates the endpoints of a ``Monitor``: in on-demand mode a request first runs
    /// the checks whose cached result expired; `/environment` shows the monitor's
    /// custom sections when `environment` is given (404 otherwise).
    ///
    /// ```swift
    /// let endpoints = HealthEndpoints(monitor: monitor, options: .init(build: build, hostname: "api-1"))
    /// endpoints.addRoutes(to: router.group("internal"))   // /internal/health, /internal/metrics, …
    /// ```
    public init(monitor: Monitor, options: HealthEndpointsOptions, environment: EnvironmentDump.Options? = nil) {
        self.store = monitor.store
        self.options = Mutex(options)
        self.onPing = { monitor.runSoon($0) }
        self.onReload = nil
        if monitor.mode == .scheduled {
            self.prepare = nil
        } else {
            self.prepare = { @Sendable (tag: String?) async in await monitor.refresh(tag: tag) }
        }
        if let environment {
            let build = options.build
            self.environmentProvider = { @Sendable () -> EnvironmentDump? in
                monitor.environmentDump(build: build, options: environment)
            }
        } else {
            self.environmentProvider = nil
        }
    }

    /// How many renders the cache has done.
    var renderCount: Int { cache.renderCount }

    /// Replaces the options (after a reload).
    public func update(_ options: HealthEndpointsOptions) {
        self.options.withLock { $0 = options }
    }

    /// Adds the routes to `router`: `/metrics`, `/health`, `/health/{tag}`, `/ping/{name}`,
    /// `/environment`, `/` and, when a reload handler was given, `POST /-/reload`.
    /// Every `GET` route answers `HEAD` too.
    public func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("metrics", method: method) { request, _ in
                await self.prepare?(nil)
                return self.metrics(request).response(for: method)
            }
            router.on("health", method: method) { request, _ in
                await self.prepare?(nil)
                return self.health(request, tag: nil).response(for: method)
            }
            router.on("health/{tag}", method: method) { request, context in
                let tag = context.parameters.get("tag")
                await self.prepare?(tag)
                return self.health(request, tag: tag).response(for: method)
            }
            router.on("environment", method: method) { _, _ in self.environment().response(for: method) }
            router.on("", method: method) { request, _ in
                await self.prepare?(nil)
                return self.health(request, tag: nil, forcing: .html).response(for: method)
            }
        }
        for method in [HTTPRequest.Method.get, .post] {
            router.on("ping/{name}", method: method) { _, context in
                self.ping(context.parameters.get("name"), success: true).response(for: method)
            }
            router.on("ping/{name}/fail", method: method) { _, context in
                self.ping(context.parameters.get("name"), success: false).response(for: method)
            }
        }
        if let onReload {
            router.post("-/reload") { _, _ in
                switch await onReload() {
                case .reloaded:
                    return Reply(.ok, text: "configuration reloaded\n").response(for: .post)
                case .failed(let errors):
                    return Reply(.badRequest, text: errors.joined(separator: "\n") + "\n").response(for: .post)
                }
            }
        }
    }

    // MARK: - /metrics

    func metrics(_ request: Request) -> Reply {
        let accept = AcceptHeader(request.headers[.accept])
        // OpenMetrics only when asked for by name: `*/*` (curl, browsers) gets the classic text format.
        let openMetricsQuality = accept.explicitQuality(ofMediaType: "application/openmetrics-text")
        let format: MetricsFormat =
            openMetricsQuality > 0 && openMetricsQuality >= accept.quality(ofMediaType: "text/plain")
            ? .openMetrics : .prometheusText
        let gzip = AcceptHeader(request.headers[.acceptEncoding]).quality(ofCoding: "gzip") > 0

        let version = store.version
        let build = options.withLock { $0.build }
        let tail = liveTail(format)
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        let buffers: [ByteBuffer]
        if gzip, let tailSegment = tail.segment {
            let entry = cache.entry(.metricsDeflated(format), version: version) {
                let bytes = MetricsRenderer.renderChecks(store.snapshot(), build: build, format: format)
                let segment = Gzip.segment(bytes, final: false)
                return RenderCache.Entry(
                    version: version,
                    buffer: ByteBuffer(bytes: segment?.deflated ?? []),
                    segment: segment
                )
            }
            if let segment = entry.segment {
                headers[.contentEncoding] = "gzip"
                buffers = [
                    ByteBuffer(bytes: Gzip.header), entry.buffer, tail.deflated,
                    ByteBuffer(bytes: Gzip.trailer(segment, tailSegment)),
                ]
            } else {
                buffers = [plainMetrics(format, version: version, build: build), tail.plain]
            }
        } else {
            buffers = [plainMetrics(format, version: version, build: build), tail.plain]
        }
        return Reply(status: .ok, headers: headers, buffers: buffers)
    }

    private func plainMetrics(_ format: MetricsFormat, version: UInt64, build: BuildInfo) -> ByteBuffer {
        cache.entry(.metrics(format), version: version) {
            let bytes = MetricsRenderer.renderChecks(store.snapshot(), build: build, format: format)
            return RenderCache.Entry(version: version, buffer: ByteBuffer(bytes: bytes), segment: nil)
        }.buffer
    }

    /// The rendered `process_*` tail (and its closing `# EOF`), plain and as a final deflate segment.
    private struct LiveTail: Sendable {
        var plain: ByteBuffer
        var deflated: ByteBuffer
        var segment: Gzip.Segment?
    }

    /// The live tail for `format`, at most a second old: reading `/proc`, rendering and
    /// deflating on every scrape would cost more than serving the cached checks.
    private func liveTail(_ format: MetricsFormat) -> LiveTail {
        let now = ContinuousClock.now
        return liveTails.withLock { cache in
            let fresh = cache.flatMap { $0.taken.duration(to: now) < .seconds(1) ? $0 : nil }
            var current = fresh ?? (taken: now, tails: [:])
            if let tail = current.tails[format] { return tail }
            let bytes = MetricsRenderer.renderProcess(ProcessMetrics.current(), format: format)
            let segment = Gzip.segment(bytes, final: true)
            let tail = LiveTail(
                plain: ByteBuffer(bytes: bytes),
                deflated: ByteBuffer(bytes: segment?.deflated ?? []),
                segment: segment
            )
            current.tails[format] = tail
            cache = current
            return tail
        }
    }

    // MARK: - /health

    func health(_ request: Request, tag: String?, forcing forced: HealthFormat? = nil) -> Reply {
        let query = request.uri.queryParameters.get("format")
        guard let format = forced ?? HealthFormat.negotiate(query: query, accept: request.headers[.accept]) else {
            let formats = HealthFormat.allCases.map(\.rawValue).joined(separator: ", ")
            let problem = query.map { "unknown format \"\($0)\"" } ?? "no format the Accept header allows"
            return Reply(.notAcceptable, text: "\(problem); available: \(formats)\n")
        }

        let snapshot = store.snapshot()
        let checks: [CheckSnapshot]
        if let tag {
            guard let tagged = snapshot.checks(taggedWith: tag) else {
                return Reply(.notFound, text: "no check has the tag \"\(tag)\"\n")
            }
            checks = tagged
        } else {
            checks = snapshot.checks
        }
        let options = self.options.withLock { $0 }
        let healthy = tag == nil ? snapshot.isHealthy : !checks.contains { $0.critical && $0.status == .fail }
        let now = store.wallClock.now()

        var headers: HTTPFields = [.contentType: format.contentType, .cacheControl: "no-store", .vary: "Accept"]
        for header in options.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        let status =
            healthy || format.alwaysOK ? HTTPResponse.Status.ok : HTTPResponse.Status(code: options.failureStatus)

        let buffers: [ByteBuffer]
        switch format {
        case .json:
            let results = cached(.healthResults(tag: tag), version: snapshot.version) {
                HealthJSONRenderer.renderResults(checks)
            }
            let prefix = HealthJSONRenderer.renderDocumentPrefix(
                healthy: healthy,
                hostname: options.hostname,
                timestamp: now
            )
            buffers = [ByteBuffer(bytes: prefix), results, ByteBuffer(bytes: HealthJSONRenderer.documentSuffix)]
        case .healthJSON:
            buffers = [
                cached(.health(format, tag: tag), version: snapshot.version) {
                    HealthPlusJSONRenderer.render(
                        checks,
                        description: "Vitals on \(options.hostname)",
                        version: options.build.version
                    )
                }
            ]
        case .text:
            buffers = [cached(.health(format, tag: tag), version: snapshot.version) { TextRenderer.render(checks) }]
        case .openMetrics:
            let restricted = snapshot.restricted(to: checks)
            buffers = [
                cached(.health(format, tag: tag), version: snapshot.version) {
                    MetricsRenderer.renderChecks(restricted, build: options.build, format: .openMetrics)
                },
                liveTail(.openMetrics).plain,
            ]
        case .rss, .atom:
            let base = "http://\(request.head.authority ?? options.hostname)"
            let bytes =
                format == .rss
                ? FeedRenderer.renderRSS(checks, hostname: options.hostname, baseURL: base, now: now)
                : FeedRenderer.renderAtom(checks, hostname: options.hostname, baseURL: base, now: now)
            buffers = [ByteBuffer(bytes: bytes)]
        case .html:
            // Ages on the page move with the clock, so it is rendered per request; it is for people.
            buffers = [ByteBuffer(bytes: StatusPageRenderer.render(checks, hostname: options.hostname, now: now))]
        }
        return Reply(status: status, headers: headers, buffers: buffers)
    }

    private func cached(_ kind: RenderCache.Kind, version: UInt64, render: () -> [UInt8]) -> ByteBuffer {
        cache.entry(kind, version: version) {
            RenderCache.Entry(version: version, buffer: ByteBuffer(bytes: render()), segment: nil)
        }.buffer
    }

    // MARK: - /environment

    func environment() -> Reply {
        guard let dump = environmentProvider?() ?? options.withLock({ $0.environment }) else {
            return Reply(.notFound, text: "the environment dump is disabled (environment.enabled: false)\n")
        }
        return Reply(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            buffers: [ByteBuffer(bytes: dump.render())]
        )
    }

    // MARK: - /ping

    func ping(_ name: String?, success: Bool) -> Reply {
        guard let name, let slot = store.slot(named: name), let receiver = slot.definition.check as? any PingReceiver
        else {
            return Reply(.notFound, text: "no heartbeat check named \"\(name ?? "")\"\n")
        }
        receiver.receivePing(success: success)
        onPing(slot)
        return Reply(.ok, text: success ? "ok\n" : "failure recorded\n")
    }
}
