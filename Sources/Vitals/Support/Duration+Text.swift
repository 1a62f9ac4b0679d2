// Durations are written as Prometheus writes them: whole numbers, each with one unit,
// units from largest to smallest, each at most once: `1h30m`, `250ms`, `2w`.
private let durationUnits: [(name: String, milliseconds: Int64)] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
]

// The largest duration that still fits in Int64 nanoseconds, as Go's time.Duration requires.
private let maximumDurationMilliseconds = Int64.max / 1_000_000

/// Parses a Prometheus duration: `250ms`, `10s`, `1h30m`, `0s`, `0`.
///
/// Units are `ms`, `s`, `m`, `h`, `d`, `w` and `y` (365 days), largest first and each at most once.
/// Fractions (`1.5s`), signs, spaces and a number without a unit (except `0`) are rejected.
/// - Returns: The duration, or nil when `text` is not one.
package func parseDuration(_ text: String) -> Duration? {
    if text == "0" { return .zero }
    var rest = Substring(text)
    guard !rest.isEmpty else { return nil }
    var total: Int64 = 0
    var nextUnit = 0
    while !rest.isEmpty {
        let digits = rest.prefix { ("0"..."9").contains($0) }
        guard !digits.isEmpty, let count = Int64(digits) else { return nil }
        rest = rest.dropFirst(digits.count)
        let unitName = rest.prefix { ("a"..."z").contains($0) }
        rest = rest.dropFirst(unitName.count)
        guard let unit = durationUnits.firstIndex(where: { $0.name == unitName }), unit >= nextUnit else {
            return nil
        }
        nextUnit = unit + 1
        let (part, overflow) = count.multipliedReportingOverflow(by: durationUnits[unit].milliseconds)
        guard !overflow, part <= maximumDurationMilliseconds - total else { return nil }
        total += part
    }
    return .milliseconds(total)
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration as a configuration file writes it: 90s is `1m30s`, 250ms is `250ms`, zero is `0s`.
    ///
    /// Precision is a millisecond (less is truncated). Years and weeks are used only when they are
    /// exact, so 90 days is `90d`, not `12w6d`. This is the one form Vitals shows a duration in:
    /// messages (`timed out after 2s`), errors and the `/environment` dump.
    public var shortDescription: String {
        formatDuration(self)
    }
}

/// Formats a duration the way `parseDuration(_:)` reads it: 90s is `1m30s`, 250ms is `250ms`, zero is `0s`.
///
/// Precision is a millisecond (less is truncated). Years and weeks are used only when they are exact,
/// so 90 days is `90d`, not `12w6d`.
private func formatDuration(_ duration: Duration) -> String {
    // Clamped rather than trapping: no configuration can hold a longer duration.
    let limit = Duration.milliseconds(maximumDurationMilliseconds)
    if duration < .zero { return "-" + formatDuration(duration < .zero - limit ? limit : .zero - duration) }
    let (seconds, attoseconds) = min(duration, limit).components
    var milliseconds = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    if milliseconds == 0 { return "0s" }
    var text = ""
    for unit in durationUnits {
        let isYearsOrWeeks = unit.name == "y" || unit.name == "w"
        if isYearsOrWeeks && milliseconds % unit.milliseconds != 0 { continue }
        let count = milliseconds / unit.milliseconds
        if count > 0 {
            text += "\(count)\(unit.name)"
            milliseconds -= count * unit.milliseconds
        }
    }
    return text
}
