/// Renders the HTML status page served at `/`: one self-contained page with an
/// overall banner and one row per check.
///
/// Rows are ordered failing, then warning, then passing, then by name, and carry
/// `data-check` (the name) and `data-status` (`pass`, `warn` or `fail`). Each row
/// shows the check's status, name, tags, type, message, the age of its last result,
/// its latency and a strip of its last runs. The page has no external assets,
/// follows the reader's light or dark preference and reloads itself every 10 seconds.
///
/// ```swift
/// let page = StatusPageRenderer.render(snapshot.checks, hostname: "web-1", now: wallClock.now())
/// ```
public enum StatusPageRenderer {
    /// The media type of the page.
    public static let contentType = "text/html; charset=utf-8"

    /// The page for `checks`.
    /// - Parameters:
    ///   - checks: The checks to show, in any order.
    ///   - hostname: The host, shown in the title `Vitals on <hostname>`.
    ///   - now: The time of rendering in Unix seconds; ages are computed from it.
    public static func render(_ checks: [CheckSnapshot], hostname: String, now: Double) -> [UInt8] {
        var out = ByteWriter(capacity: 4096 + checks.count * (800 + 60 * 100))
        let title = "Vitals on \(hostname)"
        out.write(
            """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <meta http-equiv="refresh" content="10">
            <title>
            """
        )
        out.write(markup: title)
        out.write("</title>\n<style>\n\(style)</style>\n</head>\n<body>\n<h1>")
        out.write(markup: title)
        out.write("</h1>\n")
        let overall = checks.overallStatus
        out.write("<p class=\"banner \(overall.rawValue)\" data-status=\"\(overall.rawValue)\">")
        out.write(markup: summary(checks, overall: overall))
        out.write("</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>Status</th><th>Check</th><th>Type</th>")
        out.write("<th>Message</th><th>Last run</th><th>Latency</th><th>Last runs</th></tr></thead>\n<tbody>\n")
        for check in ordered(checks) {
            row(&out, check, now: now)
        }
        out.write("</tbody>\n</table></div>\n<footer>Updated ")
        out.write(markup: InternetDate.rfc3339(now))
        out.write(" · reloads every 10 s</footer>\n</body>\n</html>\n")
        return out.bytes
    }

    private static let style = """
        :root{--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--pass:#1a7f37;--warn:#9a6700;--fail:#d1242f;
        --pass-bg:#dafbe1;--warn-bg:#fff8c5;--fail-bg:#ffebe9}
        @media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;
        --pass:#3fb950;--warn:#d29922;--fail:#f85149;--pass-bg:#12261e;--warn-bg:#272115;--fail-bg:#2d1619}}
        body{margin:0 auto;max-width:80rem;padding:1rem;font:14px/1.45 system-ui,sans-serif;
        background:var(--bg);color:var(--fg)}
        h1{font-size:1.25rem;margin:0 0 .75rem}
        .banner{margin:0;padding:.75rem 1rem;border-radius:6px;font-weight:600}
        .banner.pass{background:var(--pass-bg);color:var(--pass)}
        .banner.warn{background:var(--warn-bg);color:var(--warn)}
        .banner.fail{background:var(--fail-bg);color:var(--fail)}
        .scroll{overflow-x:auto}
        table{width:100%;border-collapse:collapse;margin-top:1rem}
        th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{color:var(--muted);font-weight:500;white-space:nowrap}
        td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
        .status{font-weight:700;font-size:.8rem;text-transform:uppercase}
        .status.pass{color:var(--pass)}.status.warn{color:var(--warn)}.status.fail{color:var(--fail)}
        .name{font-weight:600}
        .tag,.note{display:inline-block;margin-left:.3rem;padding:0 .35rem;border:1px solid var(--line);
        border-radius:1rem;font-size:.75rem;color:var(--muted);font-weight:400;white-space:nowrap}
        .message{min-width:14rem;overflow-wrap:anywhere;white-space:pre-line}
        .strip{display:flex;gap:1px;align-items:flex-end;height:16px}
        .strip i{display:block;width:3px;height:100%;background:var(--pass)}
        .strip i.warn{background:var(--warn)}.strip i.fail{background:var(--fail)}
        footer{margin-top:1rem;color:var(--muted);font-size:.8rem}

        """

    /// Failing, then warning, then passing; then by name.
    static func ordered(_ checks: [CheckSnapshot]) -> [CheckSnapshot] {
        checks.sorted {
            $0.status != $1.status ? $0.status.severity > $1.status.severity : $0.name < $1.name
        }
    }

    private static func summary(_ checks: [CheckSnapshot], overall: CheckStatus) -> String {
        let failing = checks.filter { $0.status == .fail && $0.critical }.map(\.name)
        let failingNonCritical = checks.filter { $0.status == .fail && !$0.critical }.map(\.name)
        let warning = checks.filter { $0.status == .warn }.map(\.name)
        var parts: [String] = []
        if !failing.isEmpty { parts.append("failing: " + failing.joined(separator: ", ")) }
        if !failingNonCritical.isEmpty {
            parts.append("failing (non-critical): " + failingNonCritical.joined(separator: ", "))
        }
        if !warning.isEmpty { parts.append("warning: " + warning.joined(separator: ", ")) }
        switch overall {
        case .pass:
            return checks.count == 1 ? "Healthy: the check passes" : "Healthy: all \(checks.count) checks pass"
        case .warn:
            return "Degraded: " + parts.joined(separator: "; ")
        case .fail:
            return "Unhealthy: " + parts.joined(separator: "; ")
        }
    }

    private static func row(_ out: inout ByteWriter, _ check: CheckSnapshot, now: Double) {
        let status = check.status.rawValue
        out.write("<tr data-check=\"")
        out.write(markup: check.name)
        out.write("\" data-status=\"\(status)\"><td class=\"status \(status)\">\(status)</td><td><span class=\"name\">")
        out.write(markup: check.name)
        out.write("</span>")
        if !check.critical { out.write("<span class=\"note\">non-critical</span>") }
        for tag in check.tags {
            out.write("<span class=\"tag\">")
            out.write(markup: tag)
            out.write("</span>")
        }
        out.write("</td><td>")
        out.write(markup: check.type)
        out.write("</td><td class=\"message\">")
        out.write(markup: check.output)
        out.write("</td><td class=\"num\"")
        if let last = check.last {
            out.write(" title=\"")
            out.write(markup: InternetDate.rfc3339(last.finished))
            out.write("\">\(age(now - last.finished))</td><td class=\"num\">\(latency(last.duration))</td>")
        } else {
            out.write(">never</td><td class=\"num\">–</td>")
        }
        out.write("<td><div class=\"strip\">")
        for entry in check.history {
            out.write("<i class=\"\(entry.status.rawValue)\" title=\"")
            out.write(
                markup: "\(InternetDate.rfc3339(entry.timestamp)) \(entry.status.rawValue) \(latency(entry.duration))"
            )
            out.write("\"></i>")
        }
        out.write("</div></td></tr>\n")
    }

    /// `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`.
    static func age(_ seconds: Double) -> String {
        let seconds = max(0, seconds.isFinite ? seconds : 0)
        switch seconds {
        case ..<60: return "\(Int(seconds)) s ago"
        case ..<3600: return "\(Int(seconds / 60)) min ago"
        case ..<86_400: return "\(Int(seconds / 3600)) h ago"
        default: return "\(Int(min(seconds, 1e15) / 86_400)) d ago"
        }
    }

    /// `3.1 ms` below a second, else `1.25 s`.
    static func latency(_ seconds: Double) -> String {
        seconds < 1 ? "\((seconds * 1000).fixed(1)) ms" : "\(seconds.fixed(2)) s"
    }
}
