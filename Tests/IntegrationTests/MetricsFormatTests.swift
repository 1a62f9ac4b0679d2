import Foundation
import NIOHTTP1
import Testing

/// Checks `/metrics` with the real parsers: promtool (0.0.4) and prometheus-client's strict OpenMetrics parser.
@Suite(.tags(.integration)) struct MetricsFormatTests {
    private static let openMetricsAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    private func startDaemon(_ directory: TemporaryDirectory) async throws -> DaemonProcess {
        let fail = try directory.write(
            "fail.sh",
            "#!/bin/sh\necho 'CRITICAL - \"quoted\" \\\\ x'\nexit 2\n",
            executable: true
        )
        let warn = try directory.write("warn.sh", "#!/bin/sh\necho 'WARNING - meh'\nexit 1\n", executable: true)
        let config = """
            checks:
              - name: root
                type: disk
                path: /
                warn_free_percent: 0
                fail_free_percent: 0
                interval: 1s
                timeout: 1s
                metrics: {latency_buckets: [0.001, 0.01, 100ms, 1]}
              - {name: broken.one, type: exec, command: ["\(fail)"], critical: false, interval: 1s, timeout: 1s}
              - {name: meh-warn, type: exec, command: ["\(warn)"], interval: 1s, timeout: 1s}
              - {name: never_run, type: heartbeat, ttl: 1h, interval: 1h, timeout: 1s}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitUntil("two runs of every check") {
            let metrics = try await daemon.request("/metrics").body
            let runs = metrics.split(separator: "\n").filter { $0.hasPrefix("healthcheck_runs_total{") }
            return runs.filter { Double($0.split(separator: " ").last ?? "") ?? 0 >= 2 }.count >= 3
        }
        return daemon
    }

    /// Runs a command with `input` on stdin; returns its exit status and output (stdout, then stderr).
    private func pipe(_ input: String, to arguments: [String]) async throws -> (Int32, String) {
        let result = try await runProcess(arguments[0], Array(arguments.dropFirst()), input: input)
        return (result.status, result.stdout + result.stderr)
    }

    @Test func prometheusTextPassesPromtool() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startDaemon(directory)
        let response = try await daemon.request("/metrics")
        #expect(response.headers.first(name: "Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let (status, output) = try await pipe(response.body, to: ["promtool", "check", "metrics"])
        #expect(status == 0)
        #expect(output.isEmpty, "promtool: \(output)")
    }

    @Test func openMetricsPassesTheStrictParser() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startDaemon(directory)
        let response = try await daemon.request("/metrics", headers: [("Accept", Self.openMetricsAccept)])
        #expect(
            response.headers.first(name: "Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
        #expect(response.body.hasSuffix("# EOF\n"))
        let (status, output) = try await pipe(
            response.body,
            to: [try venvPython(), try script("check-openmetrics.py")]
        )
        #expect(status == 0, "\(output)")
    }

    @Test func gzippedOpenMetricsDecompressesAndParses() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startDaemon(directory)
        let (curlStatus, body) = try await pipe(
            "",
            to: [
                "curl", "-sS", "--compressed", "-H", "Accept: \(Self.openMetricsAccept)",
                "-w", "%{content_type}|%{size_download}", "http://127.0.0.1:\(daemon.port)/metrics",
            ]
        )
        #expect(curlStatus == 0)
        let trailer = try #require(body.split(separator: "\n").last)
        let document = String(body.dropLast(trailer.count))
        #expect(trailer.hasPrefix("application/openmetrics-text"))
        let downloaded = Int(trailer.split(separator: "|").last ?? "") ?? 0
        #expect(downloaded < document.utf8.count / 3, "the transfer was compressed")
        let (status, output) = try await pipe(document, to: [try venvPython(), try script("check-openmetrics.py")])
        #expect(status == 0, "\(output)")
    }

    @Test func eachCheckSaysWhetherItIsCriticalAndHowOftenItRuns() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startDaemon(directory)
        #expect(try await daemon.metric("healthcheck_info{check=\"broken.one\",type=\"exec\",critical=\"false\"}") == 1)
        #expect(try await daemon.metric("healthcheck_info{check=\"root\",type=\"disk\",critical=\"true\"}") == 1)
        #expect(try await daemon.metric("healthcheck_interval_seconds{check=\"root\",type=\"disk\"}") == 1)
        #expect(try await daemon.metric("healthcheck_interval_seconds{check=\"never_run\",type=\"heartbeat\"}") == 3600)
    }

    /// The issue's budget: at most 12 series per check at default settings, counted as OpenMetrics
    /// counts them (a counter's `_created` belongs to its series). Every kind of check is here: one
    /// failing for a reason, one warning with a certificate, a plugin, a heartbeat never pinged.
    @Test func aCheckCostsAtMostTwelveSeriesAtDefaultSettings() async throws {
        let directory = try TemporaryDirectory()
        // Ten days left: inside the tls check's 14-day warning (and the rules' 14-day alert).
        let (tls, certificate) = try await openSSLServer(in: directory, days: 10)
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let fail = try directory.write("fail.sh", "#!/bin/sh\necho 'CRITICAL - down'\nexit 2\n", executable: true)
        let config = """
            global: {interval: 1s, timeout: 1s, labels: {team: platform}}
            checks:
              - {name: refused, type: tcp, address: "127.0.0.1:\(refusing.port)", labels: {service: db}}
              - {name: site, type: tls, address: "127.0.0.1:\(tls.port)", ca_file: "\(certificate)"}
              - {name: plugin, type: exec, command: ["\(fail)"]}
              - {name: beat, type: heartbeat, ttl: 1h}
              - {name: root, type: disk, path: /, warn_free_percent: 0, fail_free_percent: 0}
            """
        let daemon = try await DaemonProcess(config: config, in: directory)
        try await waitUntil("two runs of every check") {
            let metrics = try await daemon.request("/metrics").body
            let runs = metrics.split(separator: "\n").filter { $0.hasPrefix("healthcheck_runs_total{") }
            return runs.count == 5 && runs.allSatisfy { Double($0.split(separator: " ").last ?? "") ?? 0 >= 2 }
        }
        let body = try await daemon.request("/metrics", headers: [("Accept", Self.openMetricsAccept)]).body
        var series: [String: Set<String>] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            guard !name.hasSuffix("_created"), let range = line.range(of: "check=\"") else { continue }
            let check = line[range.upperBound...].prefix { $0 != "\"" }
            series[String(check), default: []].insert(String(line.prefix { $0 != "}" }))
        }
        #expect(series.keys.sorted() == ["beat", "plugin", "refused", "root", "site"])
        for (check, lines) in series {
            #expect(lines.count <= 12, "\(check) costs \(lines.count) series: \(lines.sorted())")
        }
        #expect(!body.contains("healthcheck_latency_seconds"), "the histogram is opt-in")
        // What the budget is spent on: the tls check's certificate, the failing check's reason.
        #expect(series["site"]?.contains { $0.hasPrefix("healthcheck_certificate_expiry_timestamp_seconds{") } == true)
        #expect(series["refused"]?.contains { $0.contains("reason=\"refused\"") } == true)
        #expect(
            series["refused"]?.allSatisfy { $0.contains("team=\"platform\"") && $0.contains("service=\"db\"") } == true
        )
    }

    @Test func metricNamesAreExactlyThoseOfTheContract() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startDaemon(directory)
        let body = try await daemon.request("/metrics").body
        let families = Set(
            body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        )
        // CONTRACT §5, as written there.
        let contract: Set<String> = [
            "healthcheck_success", "healthcheck_status", "healthcheck_duration_seconds",
            "healthcheck_last_run_timestamp_seconds", "healthcheck_last_success_timestamp_seconds",
            "healthcheck_runs_total", "healthcheck_failures_total", "healthcheck_latency_seconds",
            "vitals_build_info", "vitals_healthy", "vitals_checks", "vitals_config_last_reload_successful",
            "vitals_config_last_reload_success_timestamp_seconds",
        ]
        // Added since, documented in README.md: scheduler isolation (issue 10), identity and interval (issue 11).
        let scheduling: Set<String> = [
            "healthcheck_skipped_runs_total", "vitals_runs_in_flight", "vitals_scheduler_lateness_seconds",
            "healthcheck_info", "healthcheck_interval_seconds",
        ]
        #expect(contract.isSubset(of: families), "missing: \(contract.subtracting(families))")
        #expect(scheduling.isSubset(of: families), "missing: \(scheduling.subtracting(families))")
        let others = families.subtracting(contract).subtracting(scheduling)
        #expect(others.allSatisfy { $0.hasPrefix("process_") }, "unexpected: \(others)")
        #expect(
            others.isSuperset(of: [
                "process_cpu_seconds_total", "process_resident_memory_bytes",
                "process_open_fds", "process_start_time_seconds",
            ])
        )
        // A check that never ran is still reported, as failing.
        #expect(body.contains("healthcheck_success{check=\"never_run\",type=\"heartbeat\"} 0"))
    }

    private func script(_ name: String) throws -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/\(name)").path
    }
}
