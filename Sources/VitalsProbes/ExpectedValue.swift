/// How an expected value is written in `expect` (dns) and `expect_json` (http): a value to compare,
/// or, between slashes (`/^v=spf1 /`), a regular expression to find in the value.
public enum ExpectedValue {
    /// The regular expression's source when `text` is written `/…/`, else nil (a plain value).
    public static func regexSource(_ text: String) -> String? {
        guard text.count > 2, text.hasPrefix("/"), text.hasSuffix("/") else { return nil }
        return String(text.dropFirst().dropLast())
    }
}
