/// Renders a ``Snapshot`` in the Prometheus protobuf exposition format: length-delimited
/// `io.prometheus.client.MetricFamily` messages (`Protos/metrics.proto` is the schema written for it).
///
/// Prometheus asks for it when started with `--enable-feature=native-histograms`, and only this format
/// carries native histograms: a check's opt-in latency histogram is then one series with exponential
/// buckets (schema 3, about 9 % wide) instead of one series per bucket. The classic buckets are sent
/// too, for scrapers that keep them. Every other family is the same as in the text formats: info and
/// stateset families become gauges, as Prometheus stores them.
public enum ProtobufRenderer {
    /// The `Content-Type` of the output.
    public static let contentType =
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

    private enum MetricType: UInt64 {
        case counter = 0
        case gauge = 1
        case histogram = 4
    }

    /// One metric of a family: its labels and what it measures.
    private struct Metric {
        enum Value {
            case gauge(Double)
            case counter(Double, created: Double?)
            case histogram(LatencyHistogram, created: Double?)
        }
        var labels: [(String, String)]
        var value: Value
    }

    /// Every family: the checks', the exporter's own and the process's.
    public static func render(_ snapshot: Snapshot, build: BuildInfo, process: ProcessMetrics?) -> [UInt8] {
        var out = ProtobufWriter()
        let checks = snapshot.checks.map { check in
            (check, [("check", check.name), ("type", check.type)] + check.labels.sorted { $0.key < $1.key })
        }
        func each(_ value: (CheckSnapshot) -> Metric.Value?) -> [Metric] {
            checks.compactMap { check, labels in value(check).map { Metric(labels: labels, value: $0) } }
        }

        family(
            &out,
            "healthcheck_info",
            "Each check's identity; always 1.",
            .gauge,
            checks.map { check, labels in
                Metric(labels: labels + [("critical", check.critical ? "true" : "false")], value: .gauge(1))
            }
        )
        family(
            &out,
            "healthcheck_interval_seconds",
            "The configured time between runs.",
            .gauge,
            each {
                .gauge($0.interval.inSeconds)
            }
        )
        family(
            &out,
            "healthcheck_success",
            "1 while the check passes or warns, 0 while it fails.",
            .gauge,
            each {
                .gauge($0.status == .fail ? 0 : 1)
            }
        )
        family(
            &out,
            "healthcheck_status",
            "The reported status of the check; exactly one state is 1.",
            .gauge,
            checks.flatMap { check, labels in
                CheckStatus.allCases.map { state in
                    Metric(
                        labels: labels + [("healthcheck_status", state.rawValue)],
                        value: .gauge(check.status == state ? 1 : 0)
                    )
                }
            }
        )
        family(
            &out,
            "healthcheck_duration_seconds",
            "How long the last run took.",
            .gauge,
            each {
                $0.last.map { .gauge($0.duration) }
            }
        )
        family(
            &out,
            "healthcheck_last_run_timestamp_seconds",
            "When the last run finished.",
            .gauge,
            each {
                $0.last.map { .gauge($0.finished) }
            }
        )
        family(
            &out,
            "healthcheck_last_success_timestamp_seconds",
            "When the last passing or warning run finished.",
            .gauge,
            each { $0.lastSuccess.map { .gauge($0) } }
        )
        family(
            &out,
            "healthcheck_runs_total",
            "Runs since the check was registered.",
            .counter,
            each {
                .counter(Double($0.runs), created: $0.created)
            }
        )
        family(
            &out,
            "healthcheck_skipped_runs_total",
            "Runs that did not start within the check's timeout because the scheduler was saturated.",
            .counter,
            each { $0.skipped > 0 ? .counter(Double($0.skipped), created: $0.created) : nil }
        )
        family(
            &out,
            "healthcheck_failures_total",
            "Failed runs, by reason.",
            .counter,
            checks.flatMap { check, labels in
                check.failures.sorted { $0.key.rawValue < $1.key.rawValue }.map { reason, count in
                    Metric(
                        labels: labels + [("reason", reason.rawValue)],
                        value: .counter(Double(count), created: check.created)
                    )
                }
            }
        )
        family(
            &out,
            "healthcheck_latency_seconds",
            "Durations of the runs.",
            .histogram,
            each { check in
                check.histogram.map { .histogram($0, created: check.created) }
            }
        )
        var exported: [(metric: ExportedMetric, metrics: [Metric])] = []
        for (check, labels) in checks {
            var seen: Set<String> = []
            for observation in check.last?.outcome.observations ?? [] {
                guard let metric = observation.metric, seen.insert(metric.name).inserted else { continue }
                let sample = Metric(labels: labels, value: .gauge(observation.value))
                if let index = exported.firstIndex(where: { $0.metric.name == metric.name }) {
                    exported[index].metrics.append(sample)
                } else {
                    exported.append((metric, [sample]))
                }
            }
        }
        for (metric, metrics) in exported { family(&out, metric.name, metric.help, .gauge, metrics) }

        family(
            &out,
            "vitals_build_info",
            "Vitals build information.",
            .gauge,
            [
                Metric(
                    labels: [
                        ("version", build.version), ("revision", build.revision), ("swift_version", build.swiftVersion),
                    ],
                    value: .gauge(1)
                )
            ]
        )
        let gauges: [(String, String, Double?)] = [
            ("vitals_healthy", "1 when no critical check fails.", snapshot.isHealthy ? 1 : 0),
            ("vitals_checks", "Number of configured checks.", Double(snapshot.checks.count)),
            (
                "vitals_config_last_reload_successful", "Whether the last configuration reload attempt was successful.",
                snapshot.reload.successful ? 1 : 0
            ),
            (
                "vitals_config_last_reload_success_timestamp_seconds",
                "Timestamp of the last successful configuration reload.", snapshot.reload.lastSuccess
            ),
            ("vitals_runs_in_flight", "Check runs under way.", Double(snapshot.scheduler.runsInFlight)),
            ("process_resident_memory_bytes", "Resident memory size in bytes.", process?.residentMemoryBytes),
            ("process_virtual_memory_bytes", "Virtual memory size in bytes.", process?.virtualMemoryBytes),
            ("process_open_fds", "Number of open file descriptors.", process?.openFileDescriptors),
            ("process_max_fds", "Maximum number of open file descriptors.", process?.maxFileDescriptors),
            (
                "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                process?.startTimeSeconds
            ),
        ]
        for (name, help, value) in gauges {
            guard let value else { continue }
            family(&out, name, help, .gauge, [Metric(labels: [], value: .gauge(value))])
        }
        family(
            &out,
            "vitals_scheduler_lateness_seconds",
            "How late runs started after they were due.",
            .histogram,
            [
                Metric(labels: [], value: .histogram(snapshot.scheduler.lateness, created: nil))
            ]
        )
        if let process {
            family(
                &out,
                "process_cpu_seconds_total",
                "Total user and system CPU time spent in seconds.",
                .counter,
                [
                    Metric(labels: [], value: .counter(process.cpuSeconds, created: nil))
                ]
            )
        }
        return out.bytes
    }

    /// One `MetricFamily`, preceded by its length; nothing for a family without metrics.
    private static func family(
        _ out: inout ProtobufWriter,
        _ name: String,
        _ help: String,
        _ type: MetricType,
        _ metrics: [Metric]
    ) {
        guard !metrics.isEmpty else { return }
        var message = ProtobufWriter()
        message.string(1, name)
        message.string(2, help)
        message.uint64(3, type.rawValue)
        for metric in metrics {
            message.message(4) { write(metric, into: &$0) }
        }
        out.varint(UInt64(message.bytes.count))
        out.bytes += message.bytes
    }

    private static func write(_ metric: Metric, into out: inout ProtobufWriter) {
        for (name, value) in metric.labels {
            out.message(1) {
                $0.string(1, name)
                $0.string(2, value)
            }
        }
        switch metric.value {
        case .gauge(let value):
            out.message(2) { $0.double(1, value) }
        case .counter(let value, let created):
            out.message(3) {
                $0.double(1, value)
                if let created { $0.message(3) { timestamp(created, into: &$0) } }
            }
        case .histogram(let histogram, let created):
            out.message(7) { write(histogram, created: created, into: &$0) }
        }
    }

    private static func write(_ histogram: LatencyHistogram, created: Double?, into out: inout ProtobufWriter) {
        out.uint64(1, histogram.count)
        out.double(2, histogram.sum)
        var cumulative: UInt64 = 0
        for (bound, count) in zip(histogram.bounds, histogram.counts) {
            cumulative += count
            out.message(3) {
                $0.uint64(1, cumulative)
                $0.double(2, bound)
            }
        }
        if let created { out.message(15) { timestamp(created, into: &$0) } }
        // The native histogram: spans of consecutive bucket indexes, and each count as the difference
        // from the one before it.
        out.sint(5, Int64(LatencyHistogram.nativeSchema))
        out.double(6, 0x1p-128)  // Prometheus' default; only exact zeros are counted in it
        out.uint64(7, histogram.nativeZeroCount)
        let buckets = histogram.nativeCounts.sorted { $0.key < $1.key }
        var spans: [(offset: Int64, length: UInt64)] = []
        var previous: Int32?
        for (index, _) in buckets {
            if let last = previous, index == last + 1 {
                spans[spans.count - 1].length += 1
            } else {
                spans.append((Int64(index) - Int64(previous.map { $0 + 1 } ?? 0), 1))
            }
            previous = index
        }
        for span in spans {
            out.message(12) {
                $0.sint(1, span.offset)
                $0.uint64(2, span.length)
            }
        }
        var deltas = ProtobufWriter()
        var last: Int64 = 0
        for (_, count) in buckets {
            deltas.varint(zigzag(Int64(count) - last))
            last = Int64(count)
        }
        if !buckets.isEmpty { out.bytes(13, deltas.bytes) }
    }

    /// A `google.protobuf.Timestamp` of Unix seconds.
    private static func timestamp(_ seconds: Double, into out: inout ProtobufWriter) {
        let whole = seconds.rounded(.down)
        out.sint64Plain(1, Int64(whole))
        out.sint64Plain(2, Int64(((seconds - whole) * 1e9).rounded(.down)))
    }

    fileprivate static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }
}

/// The protocol buffers wire format, as far as `MetricFamily` needs it.
private struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func key(_ field: Int, _ wireType: UInt64) {
        varint(UInt64(field) << 3 | wireType)
    }

    mutating func uint64(_ field: Int, _ value: UInt64) {
        key(field, 0)
        varint(value)
    }

    /// An `int64`/`int32` field (two's complement varint).
    mutating func sint64Plain(_ field: Int, _ value: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: value))
    }

    /// A `sint32`/`sint64` field (zigzag varint).
    mutating func sint(_ field: Int, _ value: Int64) {
        key(field, 0)
        varint(ProtobufRenderer.zigzag(value))
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, 1)
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    mutating func bytes(_ field: Int, _ payload: [UInt8]) {
        key(field, 2)
        varint(UInt64(payload.count))
        bytes += payload
    }

    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }
}
