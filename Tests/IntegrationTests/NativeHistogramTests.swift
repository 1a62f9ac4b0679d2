import Foundation
import Testing

/// The protobuf exposition format against the real thing: the Debian `prometheus` server, started with
/// native histograms on, negotiates protobuf with a real `vitals` and stores a check's opt-in latency
/// histogram as one native series that `histogram_quantile` answers from.
@Suite(.tags(.integration)) struct NativeHistogramTests {
    @Test func prometheusScrapesTheLatencyHistogramAsANativeHistogram() async throws {
        let directory = try TemporaryDirectory()
        let marker = try directory.write("marker", "present\n")
        let config = """
            global: {interval: 1s, timeout: 1s}
            checks:
              - {name: marker, type: file, path: "\(marker)", metrics: {latency_buckets: [0.001, 0.01, 0.1]}}
              - {name: plain, type: file, path: "\(marker)"}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        let prometheus = try await PrometheusServer(
            scrapeConfigs: """
                  - job_name: vitals
                    static_configs:
                      - targets: ["127.0.0.1:\(daemon.port)"]
                """,
            features: ["native-histograms"],
            in: directory
        )

        let quantile = "histogram_quantile(0.5, healthcheck_latency_seconds{check=\"marker\"})"
        try await prometheus.waitForQuery(quantile)
        let answer = try #require(try await prometheus.queryResults(quantile).first)
        let value = try #require((answer["value"] as? [Any])?.last as? String)
        let seconds = try #require(Double(value))
        // A file check's stat takes microseconds to milliseconds; the quantile must lie in that range.
        #expect(seconds > 0 && seconds < 1, "median \(seconds) s")

        // One native series per check: Prometheus returns it as a histogram sample, and no classic
        // `_bucket` series were stored.
        let series = try await prometheus.queryResults("healthcheck_latency_seconds{check=\"marker\"}")
        #expect(series.count == 1)
        let histogram = try #require(series.first?["histogram"] as? [Any], "\(series)")
        let buckets = (histogram.last as? [String: Any])?["buckets"] as? [Any]
        #expect((buckets?.count ?? 0) > 0, "\(histogram)")
        #expect(try await prometheus.query("healthcheck_latency_seconds_bucket").isEmpty)

        // Everything else arrives as in the text formats.
        #expect(try await !prometheus.query("healthcheck_success{check=\"plain\"} == 1").isEmpty)
        #expect(try await !prometheus.query("healthcheck_info{check=\"marker\",critical=\"true\"}").isEmpty)
        #expect(try await !prometheus.query("healthcheck_runs_total{check=\"marker\"} > 0").isEmpty)
        #expect(try await !prometheus.query("vitals_build_info").isEmpty)
        let errors = await prometheus.targetErrors()
        #expect(try await prometheus.query("up{job=\"vitals\"} == 1").count == 1, "\(errors)")
    }
}
