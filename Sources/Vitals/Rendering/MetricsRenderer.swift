/// Renders a ``Snapshot`` as `/metrics` in OpenMetrics 1.0.0 or Prometheus text 0.0.4.
///
/// The output comes in two parts so that the large one can be cached per
/// snapshot version: ``renderChecks(_:build:format:)`` (every check plus the
/// exporter's own state) and ``renderProcess(_:format:)`` (the live `process_*`
/// metrics and, for OpenMetrics, the closing `# EOF`). Concatenated they form the document.
public enum MetricsRenderer {
    /// The `le` values of the standard bounds (the scheduler's lateness, most latency histograms),
    /// written once rather than on every render.
    private static let standardBoundLabels = LatencyHistogram.standardBounds.map(\.description) + ["+Inf"]

    /// The per-check metrics and the exporter's own, in `format`.
    public static func renderChecks(_ snapshot: Snapshot, build: BuildInfo, format: MetricsFormat) -> [UInt8] {
        var out = ByteWriter(capacity: 1024 + snapshot.checks.count * 1400)
        let om = format == .openMetrics
        // `check="…",type="…"` and the check's own labels in name order: every series of a check has them.
        let labels: [[UInt8]] = snapshot.checks.map { check in
            var writer = ByteWriter()
            writer.write("check=\"")
            writer.write(labelValue: check.name)
            writer.write("\",type=\"")
            writer.write(labelValue: check.type)
            writer.write("\"")
            for (name, value) in check.labels.sorted(by: { $0.key < $1.key }) {
                writer.write(",")
                writer.write(name)
                writer.write("=\"")
                writer.write(labelValue: value)
                writer.write("\"")
            }
            return writer.bytes
        }

        // Identity for joins in rules and dashboards: `* on(check) group_left(critical) healthcheck_info`.
        family(
            &out,
            om ? "healthcheck" : "healthcheck_info",
            om ? "info" : "gauge",
            "Each check's identity; always 1.",
            om: om
        )
        for (check, label) in zip(snapshot.checks, labels) {
            out.write("healthcheck_info{")
            out.write(label)
            out.write(check.critical ? ",critical=\"true\"} 1\n" : ",critical=\"false\"} 1\n")
        }

        // What staleness is measured against: `time() - healthcheck_last_run_timestamp_seconds > 3 * this`.
        family(
            &out,
            "healthcheck_interval_seconds",
            "gauge",
            "The configured time between runs.",
            unit: "seconds",
            om: om
        )
        for (check, label) in zip(snapshot.checks, labels) {
            sample(&out, "healthcheck_interval_seconds", label, check.interval.inSeconds)
        }

        family(&out, "healthcheck_success", "gauge", "1 while the check passes or warns, 0 while it fails.", om: om)
        for (check, label) in zip(snapshot.checks, labels) {
            sample(&out, "healthcheck_success", label, check.status == .fail ? 0 : 1)
        }

        family(
            &out,
            "healthcheck_status",
            om ? "stateset" : "gauge",
            "The reported status of the check; exactly one state is 1.",
            om: om
        )
        for (check, label) in zip(snapshot.checks, labels) {
            for state in CheckStatus.allCases {
                out.write("healthcheck_status{")
                out.write(label)
                out.write(",healthcheck_status=\"\(state.rawValue)\"} ")
                out.write(check.status == state ? "1\n" : "0\n")
            }
        }

        family(&out, "healthcheck_duration_seconds", "gauge", "How long the last run took.", unit: "seconds", om: om)
        for (check, label) in zip(snapshot.checks, labels) {
            if let last = check.last { sample(&out, "healthcheck_duration_seconds", label, last.duration) }
        }

        family(
            &out,
            "healthcheck_last_run_timestamp_seconds",
            "gauge",
            "When the last run finished.",
            unit: "seconds",
            om: om
        )
        for (check, label) in zip(snapshot.checks, labels) {
            if let last = check.last { sample(&out, "healthcheck_last_run_timestamp_seconds", label, last.finished) }
        }

        family(
            &out,
            "healthcheck_last_success_timestamp_seconds",
            "gauge",
            "When the last passing or warning run finished.",
            unit: "seconds",
            om: om
        )
        for (check, label) in zip(snapshot.checks, labels) {
            if let time = check.lastSuccess { sample(&out, "healthcheck_last_success_timestamp_seconds", label, time) }
        }

        counterFamily(&out, "healthcheck_runs", "Runs since the check was registered.", om: om)
        for (check, label) in zip(snapshot.checks, labels) {
            sample(&out, "healthcheck_runs_total", label, Double(check.runs))
            if om { sample(&out, "healthcheck_runs_created", label, check.created) }
        }

        // Like failures by reason, a check's series appears with its first skipped run: a lean default.
        counterFamily(
            &out,
            "healthcheck_skipped_runs",
            "Runs that did not start within the check's timeout because the scheduler was saturated.",
            om: om
        )
        for (check, label) in zip(snapshot.checks, labels) where check.skipped > 0 {
            sample(&out, "healthcheck_skipped_runs_total", label, Double(check.skipped))
            if om { sample(&out, "healthcheck_skipped_runs_created", label, check.created) }
        }

        counterFamily(&out, "healthcheck_failures", "Failed runs, by reason.", om: om)
        for (check, label) in zip(snapshot.checks, labels) where !check.failures.isEmpty {
            for (reason, count) in check.failures.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                var reasonLabel = ByteWriter()
                reasonLabel.write(label)
                reasonLabel.write(",reason=\"")
                reasonLabel.write(labelValue: reason.rawValue)
                reasonLabel.write("\"")
                sample(&out, "healthcheck_failures_total", reasonLabel.bytes, Double(count))
                if om { sample(&out, "healthcheck_failures_created", reasonLabel.bytes, check.created) }
            }
        }

        // Opt-in (`metrics.latency_buckets`): each bucket is a series.
        if snapshot.checks.contains(where: { $0.histogram != nil }) {
            family(
                &out,
                "healthcheck_latency_seconds",
                "histogram",
                "Durations of the runs.",
                unit: "seconds",
                om: om
            )
            for (check, label) in zip(snapshot.checks, labels) {
                guard let latency = check.histogram else { continue }
                histogram(&out, "healthcheck_latency_seconds", label, latency)
                if om { sample(&out, "healthcheck_latency_seconds_created", label, check.created) }
            }
        }

        // Observations that declare a metric (a certificate's expiry, say): one gauge family each, in
        // the order they first appear, with one series per check.
        var exported: [(metric: ExportedMetric, samples: [([UInt8], Double)])] = []
        for (check, label) in zip(snapshot.checks, labels) {
            var seen: Set<String> = []
            for observation in check.last?.outcome.observations ?? [] {
                // One series per check and metric: a second observation of the same metric is dropped.
                guard let metric = observation.metric, seen.insert(metric.name).inserted else { continue }
                if let index = exported.firstIndex(where: { $0.metric.name == metric.name }) {
                    exported[index].samples.append((label, observation.value))
                } else {
                    exported.append((metric, [(label, observation.value)]))
                }
            }
        }
        for (metric, samples) in exported {
            family(&out, metric.name, "gauge", metric.help, unit: metric.unit, om: om)
            for (label, value) in samples { sample(&out, metric.name, label, value) }
        }

        renderExporter(&out, snapshot, build: build, om: om)
        return out.bytes
    }

    /// The live process metrics and, for OpenMetrics, the closing `# EOF`.
    public static func renderProcess(_ process: ProcessMetrics?, format: MetricsFormat) -> [UInt8] {
        var out = ByteWriter(capacity: 1024)
        let om = format == .openMetrics
        if let process {
            counterFamily(
                &out,
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds.",
                unit: "seconds",
                om: om
            )
            sample(&out, "process_cpu_seconds_total", [], process.cpuSeconds)
            let gauges: [(String, String, String?, Double?)] = [
                (
                    "process_resident_memory_bytes", "Resident memory size in bytes.", "bytes",
                    process.residentMemoryBytes
                ),
                ("process_virtual_memory_bytes", "Virtual memory size in bytes.", "bytes", process.virtualMemoryBytes),
                ("process_open_fds", "Number of open file descriptors.", nil, process.openFileDescriptors),
                ("process_max_fds", "Maximum number of open file descriptors.", nil, process.maxFileDescriptors),
                (
                    "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "seconds",
                    process.startTimeSeconds
                ),
            ]
            for (name, help, unit, value) in gauges {
                guard let value else { continue }
                family(&out, name, "gauge", help, unit: unit, om: om)
                sample(&out, name, [], value)
            }
        }
        if om { out.write("# EOF\n") }
        return out.bytes
    }

    private static func renderExporter(_ out: inout ByteWriter, _ snapshot: Snapshot, build: BuildInfo, om: Bool) {
        family(
            &out,
            om ? "vitals_build" : "vitals_build_info",
            om ? "info" : "gauge",
            "Vitals build information.",
            om: om
        )
        var buildLabels = ByteWriter()
        buildLabels.write("version=\"")
        buildLabels.write(labelValue: build.version)
        buildLabels.write("\",revision=\"")
        buildLabels.write(labelValue: build.revision)
        buildLabels.write("\",swift_version=\"")
        buildLabels.write(labelValue: build.swiftVersion)
        buildLabels.write("\"")
        sample(&out, "vitals_build_info", buildLabels.bytes, 1)

        family(&out, "vitals_healthy", "gauge", "1 when no critical check fails.", om: om)
        sample(&out, "vitals_healthy", [], snapshot.isHealthy ? 1 : 0)
        family(&out, "vitals_checks", "gauge", "Number of configured checks.", om: om)
        sample(&out, "vitals_checks", [], Double(snapshot.checks.count))
        family(
            &out,
            "vitals_config_last_reload_successful",
            "gauge",
            "Whether the last configuration reload attempt was successful.",
            om: om
        )
        sample(&out, "vitals_config_last_reload_successful", [], snapshot.reload.successful ? 1 : 0)
        family(
            &out,
            "vitals_config_last_reload_success_timestamp_seconds",
            "gauge",
            "Timestamp of the last successful configuration reload.",
            unit: "seconds",
            om: om
        )
        sample(&out, "vitals_config_last_reload_success_timestamp_seconds", [], snapshot.reload.lastSuccess)
        family(&out, "vitals_runs_in_flight", "gauge", "Check runs under way.", om: om)
        sample(&out, "vitals_runs_in_flight", [], Double(snapshot.scheduler.runsInFlight))
        family(
            &out,
            "vitals_scheduler_lateness_seconds",
            "histogram",
            "How late runs started after they were due.",
            unit: "seconds",
            om: om
        )
        histogram(&out, "vitals_scheduler_lateness_seconds", [], snapshot.scheduler.lateness)
    }

    /// The `_bucket`, `_count` and `_sum` samples of one histogram series.
    private static func histogram(
        _ out: inout ByteWriter,
        _ name: String,
        _ labels: [UInt8],
        _ histogram: LatencyHistogram
    ) {
        var cumulative: UInt64 = 0
        let bounds =
            histogram.bounds == LatencyHistogram.standardBounds
            ? standardBoundLabels : histogram.bounds.map(\.description) + ["+Inf"]
        for (bound, count) in zip(bounds, histogram.counts) {
            cumulative += count
            out.write(name)
            out.write("_bucket{")
            if !labels.isEmpty {
                out.write(labels)
                out.write(",")
            }
            out.write("le=\"\(bound)\"} ")
            out.write(number: cumulative)
            out.write("\n")
        }
        sample(&out, name + "_count", labels, Double(histogram.count))
        sample(&out, name + "_sum", labels, histogram.sum)
    }

    private static func family(
        _ out: inout ByteWriter,
        _ name: String,
        _ type: String,
        _ help: String,
        unit: String? = nil,
        om: Bool
    ) {
        out.write("# HELP \(name) \(help)\n# TYPE \(name) \(type)\n")
        if om, let unit { out.write("# UNIT \(name) \(unit)\n") }
    }

    /// A counter's header: OpenMetrics names the family without `_total`, the 0.0.4 format with it.
    private static func counterFamily(
        _ out: inout ByteWriter,
        _ name: String,
        _ help: String,
        unit: String? = nil,
        om: Bool
    ) {
        family(&out, om ? name : name + "_total", "counter", help, unit: unit, om: om)
    }

    private static func sample(_ out: inout ByteWriter, _ name: String, _ labels: [UInt8], _ value: Double) {
        out.write(name)
        if !labels.isEmpty {
            out.write("{")
            out.write(labels)
            out.write("}")
        }
        out.write(" ")
        out.write(number: value)
        out.write("\n")
    }
}
