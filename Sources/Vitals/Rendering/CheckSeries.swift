import Synchronization

/// A metric family of `/metrics` whose lines come from the checks, in document order.
package enum CheckFamily: Hashable, Sendable {
    case info, interval, success, status, duration, lastRun, lastSuccess, runs, skipped, failures, latency
    /// A family an observation declares (a certificate's expiry, say); one family per metric name.
    case exported(ExportedMetric)

    /// The families every document has (`latency` only when a check has a histogram), in the order of
    /// a check's lines in its ``CheckSeries``.
    package static let fixed: [CheckFamily] = [
        .info, .interval, .success, .status, .duration, .lastRun, .lastSuccess, .runs, .skipped, .failures, .latency,
    ]

    /// The families whose lines change with every run, last in a document and in this order (the
    /// ones that change only with a check's status come first).
    package static let volatile: [CheckFamily] = [.latency, .duration, .lastRun, .lastSuccess, .runs]

    /// The position in ``fixed``; `nil` for a declared family.
    package var fixedIndex: Int? {
        switch self {
        case .info: 0
        case .interval: 1
        case .success: 2
        case .status: 3
        case .duration: 4
        case .lastRun: 5
        case .lastSuccess: 6
        case .runs: 7
        case .skipped: 8
        case .failures: 9
        case .latency: 10
        case .exported: nil
        }
    }

    package static func == (lhs: CheckFamily, rhs: CheckFamily) -> Bool {
        switch (lhs, rhs) {
        case (.exported(let left), .exported(let right)): left.name == right.name
        default: lhs.fixedIndex != nil && lhs.fixedIndex == rhs.fixedIndex
        }
    }

    package func hash(into hasher: inout Hasher) {
        switch self {
        case .exported(let metric): hasher.combine(metric.name)
        default: hasher.combine(fixedIndex)
        }
    }
}

/// One check's lines on `/metrics` in one format, grouped by family.
///
/// Rendered once per result and format (``CheckSnapshot`` keeps it), so a scrape after a few checks
/// ran renders those checks only and copies every other check's lines.
package final class CheckSeries: Sendable {
    /// Every line of the check, family after family.
    package let bytes: [UInt8]
    /// Where each family's lines end in `bytes`: the fixed families first, then `exported`.
    private let ends: [Int]
    /// The declared families the check has a line in, in the order the check reported them.
    package let exported: [ExportedMetric]

    init(bytes: [UInt8], ends: [Int], exported: [ExportedMetric]) {
        self.bytes = bytes
        self.ends = ends
        self.exported = exported
    }

    /// The check's lines of `family`; empty when it has none.
    package func lines(of family: CheckFamily) -> ArraySlice<UInt8> {
        bytes[range(of: family)]
    }

    /// Whether the check's lines of `family` are the same bytes in `other`.
    package func hasSameLines(of family: CheckFamily, as other: CheckSeries) -> Bool {
        let (mine, theirs) = (range(of: family), other.range(of: family))
        guard mine.count == theirs.count else { return false }
        return bytes.withUnsafeBytes { bytes in
            other.bytes.withUnsafeBytes { otherBytes in
                UnsafeRawBufferPointer(rebasing: bytes[mine]).elementsEqual(
                    UnsafeRawBufferPointer(rebasing: otherBytes[theirs])
                )
            }
        }
    }

    /// Where the check's lines of `family` are in ``bytes``.
    package func range(of family: CheckFamily) -> Range<Int> {
        let index: Int
        if let fixed = family.fixedIndex {
            index = fixed
        } else if case .exported(let metric) = family,
            let position = exported.firstIndex(where: { $0.name == metric.name })
        {
            index = CheckFamily.fixed.count + position
        } else {
            return 0..<0
        }
        return (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }
}

/// Where a ``CheckSnapshot`` keeps its rendered ``CheckSeries``.
final class SeriesCache: Sendable {
    private let rendered = Mutex<(openMetrics: CheckSeries?, prometheusText: CheckSeries?)>((nil, nil))

    /// The series in `format`, rendered by `render` the first time.
    func series(_ format: MetricsFormat, render: () -> CheckSeries) -> CheckSeries {
        let cached = rendered.withLock { format == .openMetrics ? $0.openMetrics : $0.prometheusText }
        if let cached { return cached }
        let series = render()
        rendered.withLock {
            if format == .openMetrics { $0.openMetrics = series } else { $0.prometheusText = series }
        }
        return series
    }
}

extension CheckSnapshot {
    /// This check's lines in `format`, rendered once per result.
    package func series(_ format: MetricsFormat) -> CheckSeries {
        seriesCache.series(format) { MetricsRenderer.renderSeries(self, format: format) }
    }
}
