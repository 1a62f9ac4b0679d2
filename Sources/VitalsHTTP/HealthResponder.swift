import HTTPTypes
import Hummingbird
import NIOCore
import Vitals

/// Answers `/health`, `/health/{tag}` and `/`: negotiates the format, picks the status code, and serves
/// the formats that do not move with the clock from a cache per store version.
struct HealthResponder: Sendable {
    let cache = RenderCache()
    let tail: ProcessTail

    func respond(
        to request: Request,
        tag: String?,
        forcing forced: HealthFormat? = nil,
        from source: some HealthSource
    ) -> Reply {
        let query = request.uri.queryParameters.get("format")
        guard let format = forced ?? HealthFormat.negotiate(query: query, accept: request.headers[.accept]) else {
            let formats = HealthFormat.allCases.map(\.rawValue).joined(separator: ", ")
            let problem = query.map { "unknown format \"\($0)\"" } ?? "no format the Accept header allows"
            return Reply(.notAcceptable, text: "\(problem); available: \(formats)\n")
        }

        let store = source.store
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
        let options = source.endpointOptions
        let healthy = tag == nil ? snapshot.isHealthy : !checks.contains { $0.critical && $0.status == .fail }
        let now = store.wallClock.now()

        var headers: HTTPFields = [.contentType: format.contentType, .cacheControl: "no-store", .vary: "Accept"]
        for header in options.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        // The status page at `/` (a forced format) is for people: always 200, because proxies that
        // replace 5xx bodies would hide it exactly when it is needed.
        let status =
            healthy || format.alwaysOK || forced != nil
            ? HTTPResponse.Status.ok : HTTPResponse.Status(code: options.failureStatus)
        let version = snapshot.version

        let buffers: [ByteBuffer]
        switch format {
        case .json:
            let results = cache.buffer(.healthResults(tag: tag), version: version) {
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
                cache.buffer(.health(format, tag: tag), version: version) {
                    HealthPlusJSONRenderer.render(
                        checks,
                        description: "Vitals on \(options.hostname)",
                        version: options.build.version
                    )
                }
            ]
        case .text:
            buffers = [cache.buffer(.health(format, tag: tag), version: version) { TextRenderer.render(checks) }]
        case .openMetrics:
            let restricted = snapshot.restricted(to: checks)
            buffers = [
                cache.buffer(.health(format, tag: tag), version: version) {
                    MetricsRenderer.renderChecks(restricted, build: options.build, format: .openMetrics)
                },
                tail.tail(.openMetrics).plain,
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
}
