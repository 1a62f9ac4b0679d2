import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import Vitals

/// The Vitals HTTP endpoints — `/metrics`, `/health`, `/health/{tag}`, `/`, `/environment`,
/// `/ping/{name}` and `/-/reload` — for any Hummingbird router.
///
/// Requests never run checks in scheduled mode: they answer from the store's latest snapshot, and
/// the rendered bytes are cached per snapshot version.
///
/// ```swift
/// let endpoints = HealthEndpoints(monitor: monitor, options: .init(build: build, hostname: "api-1"))
/// endpoints.addRoutes(to: router.group("internal"))   // /internal/health, /internal/metrics, …
/// ```
public final class HealthEndpoints: Sendable {
    /// What happened to a reload requested through `POST /-/reload`.
    public enum ReloadResult: Sendable {
        /// The new configuration is in effect.
        case reloaded
        /// The configuration was invalid and the old one stays in effect.
        case failed(errors: [String])
    }

    private let source: any HealthSource
    private let metrics: MetricsResponder
    private let health: HealthResponder

    /// Creates the endpoints of a source.
    /// - Parameter source: the results, the options and the actions behind `/ping` and `/-/reload`.
    public init(source: some HealthSource) {
        self.source = source
        let tail = ProcessTail()
        self.metrics = MetricsResponder(tail: tail)
        self.health = HealthResponder(tail: tail)
    }

    /// Creates the endpoints of a ``Monitor``: in on-demand mode a request first runs the checks whose
    /// cached result expired; `/environment` shows the monitor's custom sections when `environment`
    /// is given (404 otherwise).
    /// - Parameters:
    ///   - monitor: the checks and their results.
    ///   - options: status code, headers and identity.
    ///   - environment: which built-in sections `/environment` shows; `nil` turns it off.
    public convenience init(
        monitor: Monitor,
        options: HealthEndpointsOptions,
        environment: EnvironmentDump.Options? = nil
    ) {
        self.init(source: MonitorHealthSource(monitor: monitor, options: options, environment: environment))
    }

    /// How many renders the caches have done (gzipped `/metrics` documents and health outputs).
    var renderCount: Int { metrics.deflated.buildCount + health.cache.renderCount }

    /// Adds the routes to `router`: `/metrics`, `/health`, `/health/{tag}`, `/ping/{name}`,
    /// `/environment`, `/` and, when the source can reload, `POST /-/reload`.
    /// Every `GET` route answers `HEAD` too.
    public func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        let source = self.source
        for method in [HTTPRequest.Method.get, .head] {
            router.on("metrics", method: method) { request, _ in
                await source.prepare(tag: nil)
                return self.metrics.respond(to: request, from: source).response(for: method)
            }
            router.on("health", method: method) { request, _ in
                await source.prepare(tag: nil)
                return self.health.respond(to: request, tag: nil, from: source).response(for: method)
            }
            router.on("health/{tag}", method: method) { request, context in
                let tag = context.parameters.get("tag")
                await source.prepare(tag: tag)
                return self.health.respond(to: request, tag: tag, from: source).response(for: method)
            }
            router.on("environment", method: method) { _, _ in self.environment().response(for: method) }
            router.on("livez", method: method) { request, _ in
                let query = request.uri.queryParameters
                return ProbeEndpoints.liveness(
                    source.liveness,
                    verbose: query.get("verbose") != nil,
                    excluding: query.getAll("exclude")
                )
                .response(for: method)
            }
            for path in ["readyz", "readyz/{tag}"] {
                router.on(RouterPath(path), method: method) { request, context in
                    let tag = context.parameters.get("tag")
                    await source.prepare(tag: tag)
                    let query = request.uri.queryParameters
                    let reply = ProbeEndpoints.readiness(
                        source.store.snapshot(),
                        tag: tag,
                        draining: source.isDraining,
                        verbose: query.get("verbose") != nil,
                        excluding: query.getAll("exclude")
                    )
                    return (reply ?? Reply(.notFound, text: "no check has the tag \"\(tag ?? "")\"\n")).response(
                        for: method
                    )
                }
            }
            router.on("", method: method) { request, _ in
                await source.prepare(tag: nil)
                return self.health.respond(to: request, tag: nil, forcing: .html, from: source).response(for: method)
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
        if source.canReload {
            router.post("-/reload") { _, _ in
                switch await source.reload() {
                case .reloaded:
                    return Reply(.ok, text: "configuration reloaded\n").response(for: .post)
                case .failed(let errors):
                    return Reply(.badRequest, text: errors.joined(separator: "\n") + "\n").response(for: .post)
                }
            }
        }
        // Another method on a known path is 405 with `Allow`, not 404: the path is right, the method is not.
        let readOnly: [HTTPRequest.Method] = [.get, .head]
        var allowed: [(path: RouterPath, methods: [HTTPRequest.Method])] = [
            ("metrics", readOnly), ("health", readOnly), ("health/{tag}", readOnly), ("environment", readOnly),
            ("livez", readOnly), ("readyz", readOnly), ("readyz/{tag}", readOnly),
            ("", readOnly), ("ping/{name}", [.get, .post]), ("ping/{name}/fail", [.get, .post]),
        ]
        if source.canReload { allowed.append(("-/reload", [.post])) }
        for (path, methods) in allowed {
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            for method in Self.methods where !methods.contains(method) {
                router.on(path, method: method) { _, _ in
                    var reply = Reply(.methodNotAllowed, text: "use \(allow)\n")
                    reply.headers[.allow] = allow
                    return reply.response(for: method)
                }
            }
        }
    }

    private static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options]

    func environment() -> Reply {
        guard let dump = source.environmentDump() else {
            return Reply(.notFound, text: "the environment dump is disabled (environment.enabled: false)\n")
        }
        return Reply(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            buffers: [ByteBuffer(bytes: dump.render())]
        )
    }

    func ping(_ name: String?, success: Bool) -> Reply {
        // The router hands over the path segment as sent: `/ping/%68b` names the check `hb`.
        let name = name.map { $0.removingPercentEncoding ?? $0 }
        guard let name, source.ping(name, success: success) else {
            return Reply(.notFound, text: "no heartbeat check named \"\(name ?? "")\"\n")
        }
        return Reply(.ok, text: success ? "ok\n" : "failure recorded\n")
    }
}
