import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The ops kit against the real thing: the Debian `prometheus` server scrapes a real `vitals` every
/// second with `deploy/prometheus/vitals.rules.yml` loaded, and every query of every dashboard in
/// `dashboards/` runs against it.
@Suite(.tags(.integration)) struct PrometheusTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Queries that may stay empty however healthy the checks are: skipped runs happen only when the
    /// scheduler is saturated.
    private static let optionalQueries: Set<String> = [
        "vitals-fleet/Runs in flight and skipped/B",
        "vitals-check/Runs and failures by reason/C",
    ]

    @Test func dashboardsAndAlertsWorkAgainstARealPrometheus() async throws {
        let directory = try TemporaryDirectory()
        let setup = try await Fleet.start(in: directory)

        // Data for every panel: rates need two samples a minute apart at most, availability needs the
        // recording rules to have run, and `api` must have passed before it fails.
        try await setup.waitForQuery("count(healthcheck_success{check=\"api\"} == 1)")
        try await setup.waitForQuery("count(rate(healthcheck_runs_total[1m]) > 0) >= 5")
        await setup.api.close()
        try await setup.waitForQuery("healthcheck_success{check=\"api\"} == 0")
        try await setup.waitForQuery("count(instance_check:healthcheck_success:avg30d) >= 6")
        try await setup.waitForQuery("increase(healthcheck_failures_total{check=\"api\"}[1m]) > 0")

        // Every panel query of both dashboards, with their variables substituted.
        var results: [[String: Any]] = []
        let instance = "127.0.0.1:\(setup.daemon.port)"
        results += try await checkDashboards(
            prometheus: setup.prometheusURL,
            variables: ["job=vitals", "instance=\(instance)"],
            files: ["dashboards/vitals-fleet.json"]
        )
        for check in ["cache", "site", "api"] {
            results += try await checkDashboards(
                prometheus: setup.prometheusURL,
                variables: ["job=vitals", "instance=\(instance)", "check=\(check)"],
                files: ["dashboards/vitals-check.json"]
            )
        }
        #expect(results.count > 40, "expected every query of both dashboards, got \(results.count)")
        var answered: [String: Bool] = [:]
        for result in results {
            let key = "\(result["dashboard"] ?? "")/\(result["panel"] ?? "")/\(result["ref"] ?? "")"
            #expect(result["status"] as? String == "ok", "\(key) does not parse or fails: \(result)")
            answered[key, default: false] = answered[key, default: false] || (result["series"] as? Int ?? 0) > 0
        }
        let empty = answered.filter { !$0.value && !Self.optionalQueries.contains($0.key) }.keys.sorted()
        #expect(empty.isEmpty, "queries without series: \(empty)")

        // The failing critical check raises its alert; passing checks raise none; nothing is stale.
        try await setup.waitForQuery("ALERTS{alertname=\"VitalsCriticalCheckFailing\",check=\"api\"}")
        let alerts = try await setup.query("ALERTS")
        let alerting = alerts.map { ($0["alertname"] ?? "", $0["check"] ?? "", $0["alertstate"] ?? "") }
        #expect(
            alerting.contains { $0.0 == "VitalsCriticalCheckFailing" && $0.1 == "api" },
            "alerts: \(alerting)"
        )
        for passing in ["marker", "backup", "nightly"] {
            #expect(!alerting.contains { $0.1 == passing }, "\(passing) passes but raised \(alerting)")
        }
        #expect(!alerting.contains { $0.0 == "VitalsCheckStale" }, "alerts: \(alerting)")
        // The warning tls check's 10-day certificate is seen through the shared certificate family.
        #expect(alerting.contains { $0.0 == "VitalsCertificateExpiringSoon" && $0.1 == "site" }, "alerts: \(alerting)")
        // Labels from the configuration reach Prometheus on every series of the check.
        #expect(try await !setup.query("healthcheck_info{check=\"api\",team=\"platform\",service=\"web\"}").isEmpty)
        #expect(try await !setup.query("healthcheck_runs_total{check=\"marker\",team=\"platform\"}").isEmpty)
    }

    private func checkDashboards(
        prometheus: String,
        variables: [String],
        files: [String]
    ) async throws
        -> [[String: Any]]
    {
        let script = Self.repository.appendingPathComponent("scripts/check-dashboards.py").path
        let arguments =
            [script, "--prometheus", prometheus] + variables.flatMap { ["--var", $0] }
            + files.map { Self.repository.appendingPathComponent($0).path }
        let result = try await runProcess(try venvPython(), arguments, limit: .seconds(120))
        #expect(result.status == 0, "check-dashboards.py: \(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

/// A `vitals` with passing, warning, failing, stale-prone, heartbeat and tls checks, a TLS peer
/// with an `openssl` certificate, and Prometheus scraping and evaluating every second.
private struct Fleet {
    let daemon: DaemonProcess
    let prometheus: PrometheusServer
    let api: TCPPeer
    let refusing: RefusingPort
    let tls: ServerProcess

    var prometheusURL: String { prometheus.url }

    static func start(in directory: TemporaryDirectory) async throws -> Fleet {
        // Ten days left: inside the tls check's 14-day warning (and the rules' 14-day alert).
        let (tls, certificate) = try await openSSLServer(in: directory, days: 10)
        let api = try await TCPPeer()
        let refusing = try RefusingPort()
        let marker = try directory.write("marker", "present\n")
        let config = """
            global:
              interval: 1s
              timeout: 1s
              labels: {team: platform}
            checks:
              - {name: api, type: tcp, address: "127.0.0.1:\(api.port)", labels: {service: web}}
              - name: cache
                type: tcp
                address: "127.0.0.1:\(refusing.port)"
                critical: false
                metrics: {latency_buckets: [0.001, 0.01, 0.1]}
              - {name: site, type: tls, address: "127.0.0.1:\(tls.port)", server_name: localhost, ca_file: "\(certificate)"}
              - {name: marker, type: file, path: "\(marker)"}
              - {name: backup, type: heartbeat, ttl: 1h}
              - {name: nightly, type: file, path: "\(marker)", interval: 1h}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        let ping = try await daemon.request("/ping/backup", method: .POST)
        guard ping.status == 200 else { throw TimedOut(what: "a heartbeat ping (status \(ping.status))") }

        let prometheus = try await PrometheusServer(
            scrapeConfigs: """
                  - job_name: vitals
                    static_configs:
                      - targets: ["127.0.0.1:\(daemon.port)"]
                """,
            ruleFiles: [PrometheusTests.repositoryPath("deploy/prometheus/vitals.rules.yml")],
            in: directory
        )
        return Fleet(daemon: daemon, prometheus: prometheus, api: api, refusing: refusing, tls: tls)
    }

    func query(_ expression: String) async throws -> [[String: String]] {
        try await prometheus.query(expression)
    }

    func waitForQuery(_ expression: String) async throws {
        try await prometheus.waitForQuery(expression)
    }
}

extension PrometheusTests {
    static func repositoryPath(_ path: String) -> String {
        repository.appendingPathComponent(path).path
    }
}
