/// Removes secrets from text before it is shown or logged: passwords in URLs and
/// DSNs, and values of secret-looking keys.
public enum Scrubber {
    /// What a secret is replaced with.
    public static let mask = "********"

    private static let secretWords = [
        "key", "token", "pass", "secret", "credential", "auth", "cookie", "session", "private", "dsn",
    ]

    /// Whether a header, variable or config key with this name holds a secret.
    public static func isSecretName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    /// `text` with URL passwords (`scheme://user:secret@host`) and `password=secret`
    /// style values masked.
    public static func scrub(_ text: String) -> String {
        guard text.contains("://") || text.contains("=") else { return text }
        return scrubKeyValues(scrubURLPasswords(text))
    }

    /// `value` with everything ``scrub(_:)->String`` masks masked, and also private keys in
    /// PEM form (`-----BEGIN … PRIVATE KEY-----` to the matching end line, or to the end
    /// of the text) and JWT-shaped tokens (three base64url segments separated by dots,
    /// the first starting with `eyJ`) replaced by ``mask``.
    ///
    /// Use it for values shown whole, such as environment variables and configuration;
    /// it costs more than ``scrub(_:)->String``.
    public static func scrubValue(_ value: String) -> String {
        var value = scrub(value)
        if value.contains("PRIVATE KEY-----") {
            value = value.replacing(
                /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)/
            ) { _ in mask }
        }
        if value.contains("eyJ") {
            value = value.replacing(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/) { _ in mask }
        }
        return value
    }

    /// The outcome with its message scrubbed.
    public static func scrub(_ outcome: CheckOutcome) -> CheckOutcome {
        var outcome = outcome
        outcome.message = scrub(outcome.message)
        return outcome
    }

    private static func scrubURLPasswords(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let separator = rest.firstRange(of: "://") {
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            let authorityEnd = rest.firstIndex { "/?# \t\n\"'<>".contains($0) } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result += authority[...colon] + mask + authority[at...]
                rest = rest[authorityEnd...]
            }
        }
        return result + rest
    }

    private static func scrubKeyValues(_ text: String) -> String {
        text.replacing(/(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\s*[=:]\s*)([^\s&;,'"]+)/) {
            match in match.output.1 + mask
        }
    }
}
