import HTTPTypes
import Hummingbird
import NIOCore
import Vitals

/// Answers `/metrics`: negotiates the format, serves the checks' part from a cache per store
/// version (deflated once per version when gzip is accepted) and splices the live process tail on.
struct MetricsResponder: Sendable {
    let cache = RenderCache()
    let tail: ProcessTail

    func respond(to request: Request, from source: some HealthSource) -> Reply {
        let accept = AcceptHeader(request.headers[.accept])
        // OpenMetrics only when asked for by name: `*/*` (curl, browsers) gets the classic text format.
        let openMetricsQuality = accept.explicitQuality(ofMediaType: "application/openmetrics-text")
        let format: MetricsFormat =
            openMetricsQuality > 0 && openMetricsQuality >= accept.quality(ofMediaType: "text/plain")
            ? .openMetrics : .prometheusText
        let gzip = AcceptHeader(request.headers[.acceptEncoding]).quality(ofCoding: "gzip") > 0

        let store = source.store
        let version = store.version
        let build = source.endpointOptions.build
        let tail = tail.tail(format)
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
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
                let buffers = [
                    ByteBuffer(bytes: Gzip.header), entry.buffer, tail.deflated,
                    ByteBuffer(bytes: Gzip.trailer(segment, tailSegment)),
                ]
                return Reply(status: .ok, headers: headers, buffers: buffers)
            }
        }
        let checks = cache.buffer(.metrics(format), version: version) {
            MetricsRenderer.renderChecks(store.snapshot(), build: build, format: format)
        }
        return Reply(status: .ok, headers: headers, buffers: [checks, tail.plain])
    }
}
