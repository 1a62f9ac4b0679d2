/// Removes secrets from text before it is shown or logged.
///
/// One rule set serves check messages, log lines, `/environment` and `vitals check`.
/// Only the secret is masked; the key, flag or scheme in front of it stays, so a
/// message still says what was wrong:
///
/// ```swift
/// Scrubber.scrub(#"got {"password": "hunter2"} from postgres://app:s3cret@db/app"#)
/// // got {"password": "********"} from postgres://app:********@db/app
/// ```
///
/// ``scrub(_:)->String`` masks, by value:
/// - the password in a URL (`scheme://user:********@host`) and the value of a
///   secret-looking query parameter (`?sig=********`, `X-Amz-Signature`, `access_token`);
/// - the value after a secret-looking key (`password`, `MYSQL_PWD`, `api-key`, `client_secret`,
///   …) and `=` or `:`, bare,
///   quoted or as a JSON string (`{"password": "********"}`); after `Authorization:`
///   the scheme stays (`Authorization: Bearer ********`);
/// - a credential after `Bearer` or `Basic` anywhere, unless it is a plain word
///   (`bearer token` stays);
/// - JWTs (`eyJ….….…`) and PEM private keys (`-----BEGIN … PRIVATE KEY-----` to its end line);
/// - the argument after a long option whose name looks secret (`--password ********`).
///
/// `docs/configuration.md` lists the rules in full.
public enum Scrubber {
    /// What a secret is replaced with.
    public static let mask = "********"

    private static let secretWords = [
        "key", "token", "pass", "secret", "credential", "auth", "cookie", "session", "private", "dsn",
    ]

    // Compared with a key's end, lower-cased and without `-`, `_` and `.`. Static strings: the
    // message scrubber runs on every check run, and comparing them allocates nothing.
    private static let keySuffixes: [StaticString] = [
        "password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey", "secretkey",
        "signingkey", "credential", "credentials", "authorization",
    ]
    private static let queryNames: [StaticString] = ["sig", "key", "auth", "pass"]

    /// Whether a header, variable or config key with this name holds a secret: it contains,
    /// in any case, `key`, `token`, `pass`, `secret`, `credential`, `auth`, `cookie`,
    /// `session`, `private`, `dsn` or `pwd`. The shell's `PWD` and `OLDPWD` are directories,
    /// not secrets.
    public static func isSecretName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        if secretWords.contains(where: { lowered.contains($0) }) { return true }
        return lowered.contains("pwd") && lowered != "pwd" && lowered != "oldpwd"
    }

    /// `text` with every secret the rules above find replaced by ``mask``.
    ///
    /// Cheap when there is nothing to mask: one pass over the bytes, no allocation.
    /// Scrubbing twice gives the same text as scrubbing once.
    public static func scrub(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            let ranges = SecretScanner.ranges(in: bytes)
            guard !ranges.isEmpty else { return nil }
            var scrubbed: [UInt8] = []
            scrubbed.reserveCapacity(bytes.count + mask.utf8.count)
            var position = 0
            for range in ranges {
                scrubbed.append(contentsOf: bytes[position..<range.lowerBound])
                scrubbed.append(contentsOf: mask.utf8)
                position = range.upperBound
            }
            scrubbed.append(contentsOf: bytes[position...])
            return String(decoding: scrubbed, as: UTF8.self)
        } ?? text
    }

    /// An argv list with each argument scrubbed and the argument after a long option whose
    /// name looks secret (`--password x`, `--api-key x`) replaced by ``mask``.
    public static func scrub(arguments: [String]) -> [String] {
        arguments.indices.map { index in
            if index > 0 && masksArgument(after: arguments[index - 1], arguments[index]) { return mask }
            return scrub(arguments[index])
        }
    }

    /// The outcome with its message scrubbed.
    public static func scrub(_ outcome: CheckOutcome) -> CheckOutcome {
        var outcome = outcome
        outcome.message = scrub(outcome.message)
        return outcome
    }

    /// Whether `argument` is the value of `option` in an argv list and the option, a long
    /// one (`--password`, `--db.password`), names a secret. `-p` is too ambiguous to count.
    static func masksArgument(after option: String, _ argument: String) -> Bool {
        option.hasPrefix("--") && !option.contains("=") && !argument.hasPrefix("-") && isSecretKey(option)
    }

    /// Whether a key found in text (`password=`, `"api_key":`, `--client-secret`) names a secret:
    /// ignoring case and the separators `-`, `_` and `.`, it ends with `password`, `passwd`,
    /// `passphrase`, `secret`, `token`, `apikey`, `accesskey`, `privatekey`, `secretkey`,
    /// `signingkey`, `credential(s)` or `authorization`, or its last word is `pwd` (also alone,
    /// as in ODBC's `PWD=`) or `pass` (`db_pass`, not `pass` alone).
    static func isSecretKey(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isSecretKey($0) }
    }

    static func isSecretKey(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        for word in keySuffixes where suffixStart(of: word, in: name) != nil { return true }
        // Too short to be a suffix: only a word of its own counts (`MYSQL_PWD`, `dbPass`, not `bypass`).
        if let start = suffixStart(of: "pwd", in: name), isWordStart(start, in: name, alone: true) { return true }
        if let start = suffixStart(of: "pass", in: name), isWordStart(start, in: name, alone: false) { return true }
        return false
    }

    /// Whether a URL query parameter with this name holds a secret: a secret key
    /// (``isSecretKey(_:)``), a name ending with `signature` (`X-Amz-Signature`), or
    /// `sig`, `key`, `auth` or `pass`, in any case.
    static func isSecretQueryParameter(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        if isSecretKey(name) || suffixStart(of: "signature", in: name) != nil { return true }
        for word in queryNames where suffixStart(of: word, in: name) == 0 { return true }
        return false
    }

    /// Whether the key is `Authorization` or ends with it (`Proxy-Authorization`), whose
    /// value starts with a scheme to keep.
    static func isAuthorizationKey(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        suffixStart(of: "authorization", in: name) != nil
    }

    /// Where `word` (lower case) starts in `name`, if `name` ends with it ignoring case and
    /// separators.
    private static func suffixStart(of word: StaticString, in name: UnsafeBufferPointer<UInt8>) -> Int? {
        word.withUTF8Buffer { word in
            var position = name.count - 1
            for letter in word.reversed() {
                while position >= 0 && SecretScanner.isSeparator(name[position]) { position -= 1 }
                guard position >= 0, SecretScanner.lowercased(name[position]) == letter else { return nil }
                position -= 1
            }
            return position + 1
        }
    }

    /// Whether a word starting at `start` is a word of its own: after a separator or a
    /// camel-case hump (`dbPass`), or at the start when `alone` allows it.
    private static func isWordStart(_ start: Int, in name: UnsafeBufferPointer<UInt8>, alone: Bool) -> Bool {
        let before = name[..<start]
        if before.allSatisfy(SecretScanner.isSeparator) { return alone }
        let previous = name[start - 1]
        return SecretScanner.isSeparator(previous)
            || (previous >= UInt8(ascii: "a") && previous <= UInt8(ascii: "z") && name[start] < UInt8(ascii: "a"))
    }
}
