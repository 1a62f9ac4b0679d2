/// Renders checks as one Nagios plugin line with perfdata, for `vitals check --format nagios`.
///
/// ```
/// VITALS OK - 5 checks passing | 'api'=0.003s;;;0 'db'=0.010s;;;0
/// VITALS WARNING - 1 of 5 warning: disk | …
/// VITALS CRITICAL - 1 of 5 failing: db | …
/// ```
/// A failing critical check makes the line CRITICAL; a warning or a failing
/// non-critical check makes it WARNING. The perfdata holds the duration of each
/// check's last run in seconds; a check that has not run yet has none.
public enum NagiosRenderer {
    /// The plugin line for `checks`, ending with a newline.
    public static func render(_ checks: [CheckSnapshot]) -> [UInt8] {
        var out = ByteWriter(capacity: 64 + checks.count * 24)
        let failing = checks.filter { $0.critical && $0.status == .fail }
        let warning = checks.filter { $0.status == .warn || (!$0.critical && $0.status == .fail) }
        if !failing.isEmpty {
            out.write("VITALS CRITICAL - \(failing.count) of \(checks.count) failing: \(names(failing))")
        } else if !warning.isEmpty {
            out.write("VITALS WARNING - \(warning.count) of \(checks.count) warning: \(names(warning))")
        } else {
            out.write("VITALS OK - \(checks.count) \(checks.count == 1 ? "check" : "checks") passing")
        }
        var separator = " | "
        for check in checks {
            guard let last = check.last else { continue }
            out.write(separator)
            separator = " "
            out.write("'")
            // Nagios labels may not contain `=`, and a quote inside a quoted label is doubled.
            out.write(check.name.replacing("=", with: "_").replacing("'", with: "''"))
            out.write("'=\(max(0, last.duration).fixed(3))s;;;0")
        }
        out.write("\n")
        return out.bytes
    }

    /// The line for a run that could not judge the checks, e.g. after a configuration error.
    public static func renderUnknown(_ message: String) -> [UInt8] {
        Array("VITALS UNKNOWN - \(summaryText(message))\n".utf8)
    }

    /// The plugin exit code for `checks`: 0 OK, 1 WARNING, 2 CRITICAL.
    public static func exitCode(for checks: [CheckSnapshot]) -> Int32 {
        switch checks.overallStatus {
        case .pass: 0
        case .warn: 1
        case .fail: 2
        }
    }

    private static func names(_ checks: [CheckSnapshot]) -> String {
        summaryText(checks.map(\.name).joined(separator: ", "))
    }

    /// Text before the perfdata must stay on one line and may not contain the `|` that starts it.
    private static func summaryText(_ text: String) -> String {
        TextRenderer.oneLine(text).replacing("|", with: "/")
    }
}
