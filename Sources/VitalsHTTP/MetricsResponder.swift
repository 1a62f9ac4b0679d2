import HTTPTypes
import Hummingbird
import NIOCore
import Vitals

/// Answers `/metrics`: negotiates the format; with gzip (what Prometheus asks for) serves a document
/// whose parts that did not change are deflated segments kept between scrapes (`DeflatedMetrics`).
/// Without gzip it renders the document on demand: nothing uncompressed is kept for a format nobody
/// scrapes.
struct MetricsResponder: Sendable {
    let deflated = DeflatedMetrics()
    let tail: ProcessTail

    func respond(to request: Request, from source: some HealthSource) -> Reply {
        let accept = AcceptHeader(request.headers[.accept])
        let gzip = AcceptHeader(request.headers[.acceptEncoding]).quality(ofCoding: "gzip") > 0
        // Prometheus offers protobuf first when native histograms are on; rendered per request (a
        // scraper that asks for it asks every 15 s or more).
        let protobufQuality =
            accept.entries.filter {
                $0.value == "application/vnd.google.protobuf"
                    && $0.parameters["proto"] == "io.prometheus.client.MetricFamily"
                    && $0.parameters["encoding"] == "delimited"
            }.map(\.quality).max() ?? 0
        if protobufQuality > 0, protobufQuality >= accept.explicitQuality(ofMediaType: "application/openmetrics-text"),
            protobufQuality >= accept.explicitQuality(ofMediaType: "text/plain")
        {
            let bytes = ProtobufRenderer.render(
                source.store.snapshot(),
                build: source.endpointOptions.build,
                process: ProcessMetrics.current()
            )
            var headers: HTTPFields = [.contentType: ProtobufRenderer.contentType, .vary: "Accept, Accept-Encoding"]
            if gzip, let segment = Gzip.segment(bytes, final: true) {
                headers[.contentEncoding] = "gzip"
                let buffers = [
                    ByteBuffer(bytes: Gzip.header), segment.deflated, ByteBuffer(bytes: Gzip.trailer(segment)),
                ]
                return Reply(status: .ok, headers: headers, buffers: buffers)
            }
            return Reply(status: .ok, headers: headers, buffers: [ByteBuffer(bytes: bytes)])
        }
        // OpenMetrics only when asked for by name: `*/*` (curl, browsers) gets the classic text format.
        let openMetricsQuality = accept.explicitQuality(ofMediaType: "application/openmetrics-text")
        let format: MetricsFormat =
            openMetricsQuality > 0 && openMetricsQuality >= accept.quality(ofMediaType: "text/plain")
            ? .openMetrics : .prometheusText

        let snapshot = source.store.snapshot()
        let build = source.endpointOptions.build
        let tail = tail.tail(format)
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        if gzip, let document = deflated.document(snapshot, build: build, format: format, process: tail) {
            headers[.contentEncoding] = "gzip"
            let buffers =
                [ByteBuffer(bytes: Gzip.header)] + document.segments + [ByteBuffer(bytes: Gzip.trailer(document.whole))]
            return Reply(status: .ok, headers: headers, buffers: buffers)
        }
        let checks = MetricsRenderer.renderChecks(snapshot, build: build, format: format)
        return Reply(status: .ok, headers: headers, buffers: [ByteBuffer(bytes: checks), tail.plain])
    }
}
