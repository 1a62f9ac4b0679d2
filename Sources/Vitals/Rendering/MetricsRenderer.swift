/// Renders a ``Snapshot`` as `/metrics` in OpenMetrics 1.0.0 or Prometheus text 0.0.4.
///
/// The output comes in two parts so that the large one can be cached per
/// snapshot version: ``renderChecks(_:build:format:)`` (every check plus the
/// exporter's own state) and ``renderProcess(_:format:)`` (the live `process_*`
/// metrics and, for OpenMetrics, the closing `# EOF`). Concatenated they form the document.
///
/// Nothing per check is kept between documents: a family's lines are written check by check
/// straight into the document (``CheckLines``), so a render holds one buffer, not 10,000 small ones.
public enum MetricsRenderer {
    /// The `le` values of the standard bounds (the scheduler's lateness, most latency histograms),
    /// written once rather than on every render.
    private static let standardBoundLabels = LatencyHistogram.standardBounds.map(\.description) + ["+Inf"]

    /// The per-check metrics and the exporter's own, in `format`.
    public static func renderChecks(_ snapshot: Snapshot, build: BuildInfo, format: MetricsFormat) -> [UInt8] {
        let checks = runOrder(of: snapshot.checks).map { snapshot.checks[$0] }
        let lines = checks.map { CheckLines($0, format: format) }
        // About 100 bytes a line and ten lines a check; the writer grows if a check has more.
        var out = ByteWriter(capacity: 4096 + checks.count * (format == .openMetrics ? 1100 : 900))
        for family in families(of: checks) {
            out.write(header(family, format: format))
            for check in lines { check.write(family, into: &out) }
        }
        out.write(renderExporter(snapshot, build: build, format: format))
        return out.bytes
    }

    /// The order of the checks' series within every family, as indices into `checks`: by interval,
    /// then by the point in it at which the scheduler runs the check (``RunPhase``), then by name.
    ///
    /// Prometheus reads series in any order; in this one the checks that ran since the last scrape are
    /// neighbours, so a cached gzip document deflates again only the stretch of each family that holds
    /// them, not the whole family.
    package static func runOrder(of checks: [CheckSnapshot]) -> [Int] {
        let keys: [(interval: Duration, phase: Double, index: Int)] = checks.enumerated().map { index, check in
            (check.interval, RunPhase.fraction(of: check.name), index)
        }
        return keys.sorted { $0 < $1 }.map(\.index)
    }

    /// The families of a document of `checks`, in order: the fixed ones that change only with a
    /// check's status, the declared ones in the order they first appear, then the ones that change
    /// with every run (``CheckFamily/volatile``; the latency histogram only when a check has one).
    package static func families(of checks: [CheckSnapshot]) -> [CheckFamily] {
        var families = FamilySet()
        for check in checks { families.add(check) }
        return families.families
    }

    /// The families of a document, collected check by check.
    package struct FamilySet {
        private var latency = false
        private var exported: [ExportedMetric] = []
        // Keyed by name: two checks declaring one name share its family (the first one's help).
        private var seen: Set<String> = []

        package init() {}

        package mutating func add(_ check: CheckSnapshot) {
            if !latency, check.histogram != nil { latency = true }
            for metric in CheckLines.exported(by: check) where seen.insert(metric.name).inserted {
                exported.append(metric)
            }
        }

        /// In the order of ``MetricsRenderer/families(of:)``.
        package var families: [CheckFamily] {
            CheckFamily.fixed.filter { !CheckFamily.volatile.contains($0) } + exported.map(CheckFamily.exported)
                + CheckFamily.volatile.filter { latency || $0 != .latency }
        }
    }

    /// The `# HELP`, `# TYPE` and (OpenMetrics) `# UNIT` lines of `family`.
    package static func header(_ checkFamily: CheckFamily, format: MetricsFormat) -> [UInt8] {
        let om = format == .openMetrics
        var out = ByteWriter(capacity: 256)
        switch checkFamily {
        // Identity for joins in rules and dashboards: `* on(check) group_left(critical) healthcheck_info`.
        case .info:
            family(
                &out,
                om ? "healthcheck" : "healthcheck_info",
                om ? "info" : "gauge",
                "Each check's identity; always 1.",
                om: om
            )
        // What staleness is measured against: `time() - healthcheck_last_run_timestamp_seconds > 3 * this`.
        case .interval:
            family(
                &out,
                "healthcheck_interval_seconds",
                "gauge",
                "The configured time between runs.",
                unit: "seconds",
                om: om
            )
        case .success:
            family(&out, "healthcheck_success", "gauge", "1 while the check passes or warns, 0 while it fails.", om: om)
        case .status:
            family(
                &out,
                "healthcheck_status",
                om ? "stateset" : "gauge",
                "The reported status of the check; exactly one state is 1.",
                om: om
            )
        case .duration:
            family(
                &out,
                "healthcheck_duration_seconds",
                "gauge",
                "How long the last run took.",
                unit: "seconds",
                om: om
            )
        case .lastRun:
            family(
                &out,
                "healthcheck_last_run_timestamp_seconds",
                "gauge",
                "When the last run finished.",
                unit: "seconds",
                om: om
            )
        case .lastSuccess:
            family(
                &out,
                "healthcheck_last_success_timestamp_seconds",
                "gauge",
                "When the last passing or warning run finished.",
                unit: "seconds",
                om: om
            )
        case .runs:
            counterFamily(&out, "healthcheck_runs", "Runs since the check was registered.", om: om)
        case .skipped:
            counterFamily(
                &out,
                "healthcheck_skipped_runs",
                "Runs that did not start within the check's timeout because the scheduler was saturated.",
                om: om
            )
        case .failures:
            counterFamily(&out, "healthcheck_failures", "Failed runs, by reason.", om: om)
        case .latency:
            family(
                &out,
                "healthcheck_latency_seconds",
                "histogram",
                "Durations of the runs.",
                unit: "seconds",
                om: om
            )
        case .exported(let metric):
            family(&out, metric.name, "gauge", metric.help, unit: metric.unit, om: om)
        }
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

    /// The exporter's own metrics: build, health, reloads and the scheduler.
    package static func renderExporter(_ snapshot: Snapshot, build: BuildInfo, format: MetricsFormat) -> [UInt8] {
        let om = format == .openMetrics
        var out = ByteWriter(capacity: 2048)
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
        return out.bytes
    }

    /// The `_bucket`, `_count` and `_sum` samples of one histogram series.
    fileprivate static func histogram(
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
            out.write("le=\"")
            out.write(bound)
            out.write("\"} ")
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

    fileprivate static func sample(_ out: inout ByteWriter, _ name: String, _ labels: [UInt8], _ value: Double) {
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

/// One check's lines on `/metrics` in one format, written family by family.
package struct CheckLines {
    private let check: CheckSnapshot
    private let om: Bool
    /// `check="…",type="…"` and the check's own labels in name order: every series of a check has them.
    private let label: [UInt8]

    private static let stateLabels: [(CheckStatus, [UInt8])] = CheckStatus.allCases.map {
        ($0, Array(",healthcheck_status=\"\($0.rawValue)\"} ".utf8))
    }

    package init(_ check: CheckSnapshot, format: MetricsFormat) {
        self.check = check
        om = format == .openMetrics
        var label = ByteWriter(capacity: 24 + check.name.utf8.count + check.type.utf8.count)
        label.write("check=\"")
        label.write(labelValue: check.name)
        label.write("\",type=\"")
        label.write(labelValue: check.type)
        label.write("\"")
        for (name, value) in check.labels.sorted(by: { $0.key < $1.key }) {
            label.write(",")
            label.write(name)
            label.write("=\"")
            label.write(labelValue: value)
            label.write("\"")
        }
        self.label = label.bytes
    }

    /// The declared families `check` has a line in, in the order it reported them: one series per
    /// check and metric name, so a second observation of the same metric is dropped.
    package static func exported(by check: CheckSnapshot) -> [ExportedMetric] {
        var exported: [ExportedMetric] = []
        for observation in check.last?.outcome.observations ?? [] {
            guard let metric = observation.metric, !exported.contains(where: { $0.name == metric.name }) else {
                continue
            }
            exported.append(metric)
        }
        return exported
    }

    /// Writes the check's lines of `family`, if it has any.
    package func write(_ family: CheckFamily, into out: inout ByteWriter) {
        switch family {
        case .info:
            out.write("healthcheck_info{")
            out.write(label)
            out.write(check.critical ? ",critical=\"true\"} 1\n" : ",critical=\"false\"} 1\n")
        case .interval:
            sample(&out, "healthcheck_interval_seconds", check.interval.inSeconds)
        case .success:
            sample(&out, "healthcheck_success", check.status == .fail ? 0 : 1)
        case .status:
            for (state, stateLabel) in Self.stateLabels {
                out.write("healthcheck_status{")
                out.write(label)
                out.write(stateLabel)
                out.write(check.status == state ? "1\n" : "0\n")
            }
        case .duration:
            if let last = check.last { sample(&out, "healthcheck_duration_seconds", last.duration) }
        case .lastRun:
            if let last = check.last { sample(&out, "healthcheck_last_run_timestamp_seconds", last.finished) }
        case .lastSuccess:
            if let time = check.lastSuccess { sample(&out, "healthcheck_last_success_timestamp_seconds", time) }
        case .runs:
            sample(&out, "healthcheck_runs_total", Double(check.runs))
            if om { sample(&out, "healthcheck_runs_created", check.created) }
        case .skipped:
            // Like failures by reason, a check's series appears with its first skipped run: a lean default.
            if check.skipped > 0 {
                sample(&out, "healthcheck_skipped_runs_total", Double(check.skipped))
                if om { sample(&out, "healthcheck_skipped_runs_created", check.created) }
            }
        case .failures:
            for (reason, count) in check.failures.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                var reasonLabel = ByteWriter(capacity: label.count + 32)
                reasonLabel.write(label)
                reasonLabel.write(",reason=\"")
                reasonLabel.write(labelValue: reason.rawValue)
                reasonLabel.write("\"")
                MetricsRenderer.sample(&out, "healthcheck_failures_total", reasonLabel.bytes, Double(count))
                if om { MetricsRenderer.sample(&out, "healthcheck_failures_created", reasonLabel.bytes, check.created) }
            }
        case .latency:
            // Opt-in (`metrics.latency_buckets`): each bucket is a series.
            if let latency = check.histogram {
                MetricsRenderer.histogram(&out, "healthcheck_latency_seconds", label, latency)
                if om { sample(&out, "healthcheck_latency_seconds_created", check.created) }
            }
        case .exported(let metric):
            let observation = check.last?.outcome.observations.first { $0.metric?.name == metric.name }
            if let observation { sample(&out, metric.name, observation.value) }
        }
    }

    private func sample(_ out: inout ByteWriter, _ name: String, _ value: Double) {
        MetricsRenderer.sample(&out, name, label, value)
    }
}
