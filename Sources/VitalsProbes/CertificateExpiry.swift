import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How long a certificate stays valid, judged against warn and fail thresholds: what the `tls` and
/// `certificate` checks report, in the same words and the same observations.
struct CertificateExpiry {
    /// Days before expiry from which the check warns.
    var warnDays: Int
    /// Days before expiry from which the check fails.
    var failDays: Int
    /// The current time, as Unix seconds.
    var now: Double

    /// `expiry_seconds` (the time left, negative once expired) and `expiry_timestamp` (the end of
    /// validity, exported in the shared certificate family).
    func observations(notAfter: Double) -> [Observation] {
        [
            Observation("expiry_seconds", notAfter - now, unit: "s"),
            Observation("expiry_timestamp", notAfter, unit: "s", metric: .certificateExpiry),
        ]
    }

    /// The outcome for `subject` (`certificate for example.com`), valid until `notAfter`.
    func outcome(_ subject: String, notAfter: Double) -> CheckOutcome {
        let left = notAfter - now
        let observations = observations(notAfter: notAfter)
        guard left > 0 else {
            return .fail(
                expiredMessage(subject, notAfter: notAfter),
                reason: TLSProbe.expiry,
                observations: observations
            )
        }
        let message = "\(subject) expires in \(Self.span(left)) (\(Self.date(notAfter)))"
        let day = 86400.0
        let status = ProbeSupport.status(
            of: left,
            warn: Double(warnDays) * day,
            fail: Double(failDays) * day,
            lowerIsWorse: true
        )
        switch status {
        case .pass:
            return .pass(message, observations: observations)
        case .warn:
            return .warn("\(message), within \(Self.days(warnDays))", observations: observations)
        case .fail:
            return .fail(
                "\(message), within \(Self.days(failDays))",
                reason: TLSProbe.expiry,
                observations: observations
            )
        }
    }

    /// The failure for `subject` when it has expired, or nil while it is valid.
    func expired(_ subject: String, notAfter: Double) -> CheckFailure? {
        guard notAfter <= now else { return nil }
        return CheckFailure(
            TLSProbe.expiry,
            expiredMessage(subject, notAfter: notAfter),
            observations: observations(notAfter: notAfter)
        )
    }

    private func expiredMessage(_ subject: String, notAfter: Double) -> String {
        "\(subject) expired \(Self.span(now - notAfter)) ago (\(Self.date(notAfter)))"
    }

    /// A time span in whole days, or in hours and minutes below a day: `29 days`, `1 day`, `5h 20m`.
    private static func span(_ seconds: Double) -> String {
        let days = Int((seconds / 86400).rounded(.down))
        return days >= 1 ? Self.days(days) : ProbeSupport.seconds(seconds)
    }

    private static func days(_ count: Int) -> String {
        count == 1 ? "1 day" : "\(count) days"
    }

    /// A UTC date, e.g. `2026-12-20`.
    static func date(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let pad = { (value: Int32, width: Int) in
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
    }
}
