/// A metric family of `/metrics` whose lines come from the checks, in document order.
package enum CheckFamily: Hashable, Sendable {
    case info, interval, success, status, duration, lastRun, lastSuccess, runs, skipped, failures, latency
    /// A family an observation declares (a certificate's expiry, say); one family per metric name.
    case exported(ExportedMetric)

    /// The families every document has (`latency` only when a check has a histogram).
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
