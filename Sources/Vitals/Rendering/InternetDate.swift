/// Formats Unix seconds as the dates of internet formats, always in UTC and
/// independent of the locale.
enum InternetDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private struct Parts {
        var year: Int64
        var month: Int64
        var day: Int64
        var hour: Int64
        var minute: Int64
        var second: Int64
        var millisecond: Int64
        var weekday: Int
    }

    /// RFC 3339, e.g. `2023-11-14T22:13:21Z`, with milliseconds only when there are any.
    static func rfc3339(_ seconds: Double) -> String {
        let parts = parts(seconds)
        var text = "\(pad(parts.year, 4))-\(pad(parts.month))-\(pad(parts.day))"
        text += "T\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second))"
        if parts.millisecond > 0 { text += ".\(pad(parts.millisecond, 3))" }
        return text + "Z"
    }

    /// RFC 822 as RSS uses it (four-digit year), e.g. `Tue, 14 Nov 2023 22:13:21 GMT`.
    static func rfc822(_ seconds: Double) -> String {
        let parts = parts(seconds)
        return "\(weekdays[parts.weekday]), \(pad(parts.day)) \(months[Int(parts.month) - 1]) \(parts.year) "
            + "\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second)) GMT"
    }

    private static func parts(_ seconds: Double) -> Parts {
        // Beyond ±10^14 s the conversion to milliseconds would overflow; such a time is a bug upstream.
        let clamped = seconds.isFinite ? min(max(seconds, -1e14), 1e14) : 0
        let total = Int64((clamped * 1000).rounded(.down))
        let days = floorDivide(total, 86_400_000)
        let inDay = total - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return Parts(
            year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
            month: month,
            day: dayOfYear - (153 * monthIndex + 2) / 5 + 1,
            hour: inDay / 3_600_000,
            minute: inDay / 60_000 % 60,
            second: inDay / 1000 % 60,
            millisecond: inDay % 1000,
            // 1970-01-01 was a Thursday.
            weekday: Int((days % 7 + 11) % 7)
        )
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    private static func pad(_ value: Int64, _ width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
