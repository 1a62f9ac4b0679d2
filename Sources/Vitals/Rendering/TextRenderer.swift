/// Renders checks as plain text, one line per check: `api: OK`,
/// `disk: WARNING 15% free`, `db: FAILED connection refused`, or `new: FAILED pending`
/// for a check that has not run yet.
///
/// Line breaks inside a message become spaces so that each check stays on one line.
public enum TextRenderer {
    /// The media type of the document.
    public static let contentType = "text/plain; charset=utf-8"

    /// The lines for `checks`, each ending with a newline.
    public static func render(_ checks: [CheckSnapshot]) -> [UInt8] {
        var out = ByteWriter(capacity: checks.count * 80)
        for check in checks {
            out.write(oneLine(check.name))
            switch check.status {
            case .pass:
                out.write(": OK\n")
            case .warn:
                out.write(": WARNING ")
                out.write(oneLine(check.output))
                out.write("\n")
            case .fail:
                out.write(": FAILED ")
                out.write(oneLine(check.output))
                out.write("\n")
            }
        }
        return out.bytes
    }

    static func oneLine(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}
