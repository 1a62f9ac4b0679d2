import Foundation
import Testing
import VitalsTesting

@testable import Vitals

/// Builds a store with a passing, a warning and a failing check that have each run once.
func sampleSnapshot() -> Snapshot {
    let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
    let definitions = [
        CheckDefinition(
            name: "api",
            type: "http",
            // The one check with the (opt-in) latency histogram.
            policy: CheckPolicy(tags: ["ready"], latencyBuckets: LatencyHistogram.standardBounds),
            check: FixedCheck(.pass("HTTP 200"))
        ),
        CheckDefinition(name: "disk", type: "disk", check: FixedCheck(.warn("15% free"))),
        CheckDefinition(
            name: "db \"main\"",
            type: "tcp",
            policy: CheckPolicy(critical: false),
            check: FixedCheck(.fail("connection refused\nat 127.0.0.1", reason: .refused))
        ),
    ]
    store.replace(with: definitions)
    store.recordFixedOutcomes(finished: 1_700_000_001.5, duration: 0.003, expires: 1_700_000_031.5)
    return store.snapshot()
}

@Suite struct MetricsRendererTests {
    private func render(_ format: MetricsFormat) -> String {
        let snapshot = sampleSnapshot()
        let build = BuildInfo(version: "1.0.0", revision: "abc", swiftVersion: "6.3")
        let checks = MetricsRenderer.renderChecks(snapshot, build: build, format: format)
        let process = MetricsRenderer.renderProcess(
            ProcessMetrics(cpuSeconds: 1.5, residentMemoryBytes: 1024),
            format: format
        )
        return String(decoding: checks + process, as: UTF8.self)
    }

    @Test func openMetricsEndsWithEOFAndDeclaresUnitsAndStateset() {
        let text = render(.openMetrics)
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains("# TYPE healthcheck_status stateset\n"))
        #expect(text.contains("# UNIT healthcheck_latency_seconds seconds\n"))
        #expect(text.contains("# UNIT healthcheck_duration_seconds seconds\n"))
        #expect(text.contains("# TYPE healthcheck_runs counter\n"))
        #expect(text.contains("healthcheck_runs_created{check=\"api\",type=\"http\"} 1700000000\n"))
        #expect(text.contains("# TYPE vitals_build info\n"))
        #expect(!text.contains("\n\n"))
    }

    @Test func statesetHasExactlyOneStateSetPerCheck() {
        let lines = render(.openMetrics).split(separator: "\n").filter { $0.hasPrefix("healthcheck_status{") }
        #expect(lines.count == 9)
        #expect(lines.contains("healthcheck_status{check=\"api\",type=\"http\",healthcheck_status=\"pass\"} 1"))
        #expect(lines.contains("healthcheck_status{check=\"disk\",type=\"disk\",healthcheck_status=\"warn\"} 1"))
        #expect(lines.filter { $0.hasSuffix(" 1") }.count == 3)
    }

    @Test func successIsOneForPassAndWarnAndZeroForFail() {
        let text = render(.prometheusText)
        #expect(text.contains("healthcheck_success{check=\"api\",type=\"http\"} 1\n"))
        #expect(text.contains("healthcheck_success{check=\"disk\",type=\"disk\"} 1\n"))
        #expect(text.contains("healthcheck_success{check=\"db \\\"main\\\"\",type=\"tcp\"} 0\n"))
    }

    @Test func prometheusTextHasNoOpenMetricsOnlySyntax() {
        let text = render(.prometheusText)
        #expect(!text.contains("# EOF"))
        #expect(!text.contains("# UNIT"))
        #expect(!text.contains("_created"))
        #expect(text.contains("# TYPE healthcheck_runs_total counter\n"))
        #expect(text.contains("# TYPE healthcheck_status gauge\n"))
        #expect(text.contains("# TYPE vitals_build_info gauge\n"))
    }

    @Test func countsFailuresByReasonAndFillsTheHistogramCumulatively() {
        let text = render(.prometheusText)
        #expect(
            text.contains("healthcheck_failures_total{check=\"db \\\"main\\\"\",type=\"tcp\",reason=\"refused\"} 1\n")
        )
        #expect(text.contains("healthcheck_latency_seconds_bucket{check=\"api\",type=\"http\",le=\"0.005\"} 1\n"))
        #expect(text.contains("healthcheck_latency_seconds_bucket{check=\"api\",type=\"http\",le=\"+Inf\"} 1\n"))
        #expect(text.contains("healthcheck_latency_seconds_count{check=\"api\",type=\"http\"} 1\n"))
    }

    @Test func onlyChecksWithLatencyBucketsHaveAHistogram() {
        let text = render(.openMetrics)
        #expect(text.contains("healthcheck_latency_seconds_bucket{check=\"api\","))
        #expect(!text.contains("healthcheck_latency_seconds_bucket{check=\"disk\","))
        #expect(!text.contains("healthcheck_latency_seconds_count{check=\"db"))
    }

    @Test func reportsTheExporterItself() {
        let text = render(.prometheusText)
        #expect(text.contains("vitals_build_info{version=\"1.0.0\",revision=\"abc\",swift_version=\"6.3\"} 1\n"))
        #expect(text.contains("vitals_healthy 1\n"), "the failing check is not critical")
        #expect(text.contains("vitals_checks 3\n"))
        #expect(text.contains("vitals_config_last_reload_successful 1\n"))
        #expect(text.contains("process_cpu_seconds_total 1.5\n"))
        #expect(text.contains("process_resident_memory_bytes 1024\n"))
    }
}

@Suite struct HealthJSONRendererTests {
    @Test func rendersTheContractFields() throws {
        let snapshot = sampleSnapshot()
        let bytes =
            HealthJSONRenderer.renderDocumentPrefix(healthy: snapshot.isHealthy, hostname: "web-1", timestamp: 5.25)
            + HealthJSONRenderer.renderResults(snapshot.checks) + HealthJSONRenderer.documentSuffix
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(document["status"] as? String == "success")
        #expect(document["hostname"] as? String == "web-1")
        #expect(document["timestamp"] as? Double == 5.25)
        let results = try #require(document["results"] as? [[String: Any]])
        #expect(results.count == 3)
        let api = try #require(results.first { $0["checker"] as? String == "api" })
        #expect(api["type"] as? String == "http")
        #expect(api["status"] as? String == "pass")
        #expect(api["passed"] as? Bool == true)
        #expect(api["output"] as? String == "HTTP 200")
        #expect(api["critical"] as? Bool == true)
        #expect(api["tags"] as? [String] == ["ready"])
        #expect(api["timestamp"] as? Double == 1_700_000_001.5)
        #expect(api["expires"] as? Double == 1_700_000_031.5)
        #expect(api["response_time"] as? Double == 0.003)
        let db = try #require(results.first { $0["checker"] as? String == "db \"main\"" })
        #expect(db["passed"] as? Bool == false)
        #expect(db["output"] as? String == "connection refused\nat 127.0.0.1")
        #expect(db["reason"] as? String == "refused")
        let disk = try #require(results.first { $0["checker"] as? String == "disk" })
        #expect(disk["status"] as? String == "warn")
        #expect(disk["passed"] as? Bool == true)
    }

    @Test func pendingCheckIsFailWithNullTimes() throws {
        let store = ResultStore()
        store.replace(with: [CheckDefinition(name: "new", type: "t", check: FixedCheck(.pass("")))])
        let bytes = HealthJSONRenderer.renderResults(store.snapshot().checks)
        let results = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(results[0]["status"] as? String == "fail")
        #expect(results[0]["output"] as? String == "pending")
        #expect(results[0]["timestamp"] is NSNull)
    }
}

@Suite struct ResultStoreTests {
    @Test func versionMovesOnEveryChangeAndSnapshotsAreReusedInBetween() throws {
        let store = ResultStore(wallClock: WallClock { 1 })
        let slot = try #require(
            store.replace(with: [CheckDefinition(name: "a", type: "t", check: FixedCheck(.pass("ok")))]).first
        )
        let first = store.snapshot()
        #expect(store.snapshot().version == first.version)
        store.record(CheckResult(outcome: .pass("ok"), finished: 2, duration: 0.1), for: slot, expires: nil)
        let second = store.snapshot()
        #expect(second.version > first.version)
        #expect(second.checks[0].runs == 1)
        store.recordReload(successful: false)
        #expect(store.snapshot().version > second.version)
        #expect(store.snapshot().reload.successful == false)
    }
}

@Suite struct CertificateExpiryMetricTests {
    @Test func observationsThatDeclareAMetricAreExportedWithTheCheckLabels() throws {
        let store = ResultStore(wallClock: WallClock { 1 })
        let expiry = ExportedMetric.certificateExpiry
        let outcome = CheckOutcome.pass(
            "certificate expires in 30 days",
            observations: [
                Observation("expiry_seconds", 2_592_000, unit: "s"),
                Observation("expiry_timestamp", 1_800_000_000, unit: "s", metric: expiry),
            ]
        )
        store.replace(with: [
            CheckDefinition(
                name: "site",
                type: "tls",
                policy: CheckPolicy(labels: ["team": "web"]),
                check: FixedCheck(outcome)
            ),
            CheckDefinition(name: "other", type: "disk", check: FixedCheck(.pass("ok"))),
        ])
        store.recordFixedOutcomes(finished: 1, duration: 0.1)
        let build = BuildInfo(version: "1", revision: "r", swiftVersion: "6")
        let om = String(
            decoding: MetricsRenderer.renderChecks(store.snapshot(), build: build, format: .openMetrics),
            as: UTF8.self
        )
        #expect(om.contains("# UNIT healthcheck_certificate_expiry_timestamp_seconds seconds\n"))
        #expect(
            om.contains(
                "healthcheck_certificate_expiry_timestamp_seconds{check=\"site\",type=\"tls\",team=\"web\"} 1800000000\n"
            )
        )
        #expect(!om.contains("healthcheck_certificate_expiry_timestamp_seconds{check=\"other\""))
    }
}
