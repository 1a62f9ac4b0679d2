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
        case reloaded
        case failed(errors: [String])
    }

    private let store: ResultStore
    private let options: Mutex<HealthEndpointsOptions>
    private let cache = RenderCache()
    private let processPart = Mutex<(taken: ContinuousClock.Instant, metrics: ProcessMetrics?)?>(nil)
    private let onPing: @Sendable (CheckSlot) -> Void
    private let onReload: (@Sendable () async -> ReloadResult)?

    /// Creates the endpoints.
    /// - Parameters:
    ///   - store: where the results come from.
    ///   - options: status code, headers and identity.
    ///   - onPing: called after a ping reached a check, e.g. to run it soon.
    ///   - onReload: performs a reload for `POST /-/reload`; `nil` answers 404 there.
    public init(
        store: ResultStore,
        options: HealthEndpointsOptions,
        onPing: @escaping @Sendable (CheckSlot) -> Void = { _ in },
        onReload: (@Sendable () async -> ReloadResult)? = nil
    ) {
        self.store = store
        self.options = Mutex(options)
        self.onPing = onPing
        self.onReload = onReload
    }

    /// How many renders the cache has done.
    var renderCount: Int { cache.renderCount }

    /// Replaces the options (after a reload).
    public func update(_ options: HealthEndpointsOptions) {
        self.options.withLock { $0 = options }
    }

    /// Adds the routes to `router`.
    public func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("metrics") { request, _ in self.metrics(request) }
        router.get("health") { request, _ in self.health(request, tag: nil) }
        router.get("health/{tag}") { request, context in
            self.health(request, tag: context.parameters.get("tag"))
        }
        for method in [HTTPRequest.Method.get, .post] {
            router.on("ping/{name}", method: method) { _, context in
                self.ping(context.parameters.get("name"), success: true)
            }
            router.on("ping/{name}/fail", method: method) { _, context in
                self.ping(context.parameters.get("name"), success: false)
            }
        }
        if let onReload {
            router.post("-/reload") { _, _ in
                switch await onReload() {
                case .reloaded:
                    return Self.plain(.ok, "configuration reloaded\n")
                case .failed(let errors):
                    return Self.plain(.badRequest, errors.joined(separator: "\n") + "\n")
                }
            }
        }
    }

    // MARK: - /metrics

    func metrics(_ request: Request) -> Response {
        let accept = AcceptHeader(request.headers[.accept])
        // OpenMetrics only when asked for by name: `*/*` (curl, browsers) gets the classic text format.
        let openMetricsQuality = accept.explicitQuality(ofMediaType: "application/openmetrics-text")
        let format: MetricsFormat =
            openMetricsQuality > 0 && openMetricsQuality >= accept.quality(ofMediaType: "text/plain")
            ? .openMetrics : .prometheusText
        let gzip = AcceptHeader(request.headers[.acceptEncoding]).quality(ofCoding: "gzip") > 0

        let version = store.version
        let build = options.withLock { $0.build }
        let tail = MetricsRenderer.renderProcess(currentProcessMetrics(), format: format)
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        let buffers: [ByteBuffer]
        if gzip, let tailSegment = Gzip.segment(tail, final: true) {
            let entry = cache.entry(.metricsDeflated(format), version: version) {
                let bytes = MetricsRenderer.renderChecks(store.snapshot(), build: build, format: format)
                let segment = Gzip.segment(bytes, final: false)
                return RenderCache.Entry(
                    version: version, buffer: ByteBuffer(bytes: segment?.deflated ?? []), segment: segment)
            }
            if let segment = entry.segment {
                headers[.contentEncoding] = "gzip"
                buffers = [
                    ByteBuffer(bytes: Gzip.header), entry.buffer, ByteBuffer(bytes: tailSegment.deflated),
                    ByteBuffer(bytes: Gzip.trailer(segment, tailSegment)),
                ]
            } else {
                buffers = [plainMetrics(format, version: version, build: build), ByteBuffer(bytes: tail)]
            }
        } else {
            buffers = [plainMetrics(format, version: version, build: build), ByteBuffer(bytes: tail)]
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(contentsOf: buffers))
    }

    private func plainMetrics(_ format: MetricsFormat, version: UInt64, build: BuildInfo) -> ByteBuffer {
        cache.entry(.metrics(format), version: version) {
            let bytes = MetricsRenderer.renderChecks(store.snapshot(), build: build, format: format)
            return RenderCache.Entry(version: version, buffer: ByteBuffer(bytes: bytes), segment: nil)
        }.buffer
    }

    /// Process metrics at most a second old: reading `/proc` on every scrape would cost more than the scrape.
    private func currentProcessMetrics() -> ProcessMetrics? {
        let now = ContinuousClock.now
        return processPart.withLock { part in
            if let part, part.taken.duration(to: now) < .seconds(1) { return part.metrics }
            let metrics = ProcessMetrics.current()
            part = (now, metrics)
            return metrics
        }
    }

    // MARK: - /health

    func health(_ request: Request, tag: String?) -> Response {
        let format = request.uri.queryParameters.get("format")
        if let format, format != "json" {
            return Self.plain(.notAcceptable, "unknown format \"\(format)\"; expected json\n")
        }
        let accept = AcceptHeader(request.headers[.accept])
        if format == nil, !accept.isEmpty, accept.quality(ofMediaType: "application/json") <= 0 {
            return Self.plain(.notAcceptable, "cannot produce a type the Accept header allows; try application/json\n")
        }

        let snapshot = store.snapshot()
        let checks: [CheckSnapshot]
        if let tag {
            guard let tagged = snapshot.checks(taggedWith: tag) else {
                return Self.plain(.notFound, "no check has the tag \"\(tag)\"\n")
            }
            checks = tagged
        } else {
            checks = snapshot.checks
        }
        let healthy = !checks.contains { $0.critical && $0.status == .fail }
        let results = cache.entry(.healthResults(tag: tag), version: snapshot.version) {
            RenderCache.Entry(
                version: snapshot.version, buffer: ByteBuffer(bytes: HealthJSONRenderer.renderResults(checks)),
                segment: nil)
        }.buffer
        let options = self.options.withLock { $0 }
        let prefix = HealthJSONRenderer.renderDocumentPrefix(
            healthy: healthy, hostname: options.hostname, timestamp: store.wallClock.now())

        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        for header in options.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        let status = healthy ? HTTPResponse.Status.ok : HTTPResponse.Status(code: options.failureStatus)
        let body = ResponseBody(contentsOf: [
            ByteBuffer(bytes: prefix), results, ByteBuffer(bytes: HealthJSONRenderer.documentSuffix),
        ])
        return Response(status: status, headers: headers, body: body)
    }

    // MARK: - /ping

    func ping(_ name: String?, success: Bool) -> Response {
        guard let name, let slot = store.slot(named: name), let receiver = slot.definition.check as? any PingReceiver
        else {
            return Self.plain(.notFound, "no heartbeat check named \"\(name ?? "")\"\n")
        }
        receiver.receivePing(success: success)
        onPing(slot)
        return Self.plain(.ok, success ? "ok\n" : "failure recorded\n")
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
