/// Finds the secrets in UTF-8 text for ``Scrubber``, in one pass from left to right.
///
/// Only a few bytes can start a secret (`:`, `=`, `-`, `b`, `B`, `e`); every other byte
/// costs one comparison, so text without secrets is cheap. A rule that masks something
/// continues after it, so the ranges come out sorted and apart. Every range starts and
/// ends at an ASCII byte or an end of the text, so masking keeps the text valid UTF-8.
struct SecretScanner {
    private let text: UnsafeBufferPointer<UInt8>
    private var ranges: [Range<Int>] = []

    private init(_ text: UnsafeBufferPointer<UInt8>) {
        self.text = text
    }

    /// The byte ranges of `text` to mask, sorted and apart.
    static func ranges(in text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var scanner = SecretScanner(text)
        var index = 0
        while index < text.count {
            index = max(index + 1, scanner.rule(at: index))
        }
        return scanner.ranges
    }

    /// Applies the rule that the byte at `index` may start; returns where to go on.
    private mutating func rule(at index: Int) -> Int {
        switch text[index] {
        case UInt8(ascii: ":"):
            return has("://", at: index) ? userinfo(at: index) : keyValue(at: index)
        case UInt8(ascii: "="):
            return keyValue(at: index)
        case UInt8(ascii: "-"):
            return has("-----BEGIN ", at: index) ? privateKey(at: index) : option(at: index)
        case UInt8(ascii: "b"), UInt8(ascii: "B"):
            return credential(at: index)
        case UInt8(ascii: "e"):
            return jwt(at: index)
        default:
            return index + 1
        }
    }

    // MARK: - Rules

    /// `scheme://user:password@host`: the password. Goes on after the authority.
    private mutating func userinfo(at index: Int) -> Int {
        let start = index + 3
        var end = start
        while end < text.count && !Self.endsAuthority(text[end]) { end += 1 }
        guard let at = text[start..<end].lastIndex(of: UInt8(ascii: "@")),
            let colon = text[start..<at].firstIndex(of: UInt8(ascii: ":"))
        else { return end }
        mask(colon + 1..<at)
        return end
    }

    /// `key=value`, `key: value`, `"key": "value"`, `?key=value`: the value, when the key
    /// looks secret.
    private mutating func keyValue(at delimiter: Int) -> Int {
        var position = delimiter - 1
        while position >= 0 && Self.isBlank(text[position]) { position -= 1 }
        if position >= 0 && Self.isQuote(text[position]) {
            position -= 1
            if position >= 0 && text[position] == UInt8(ascii: "\\") { position -= 1 }
        }
        let nameEnd = position + 1
        while position >= 0 && Self.isIdentifier(text[position]) { position -= 1 }
        let name = UnsafeBufferPointer(rebasing: text[(position + 1)..<nameEnd])
        guard !name.isEmpty else { return delimiter + 1 }
        let inQuery = position >= 0 && (text[position] == UInt8(ascii: "?") || text[position] == UInt8(ascii: "&"))
        guard inQuery ? Scrubber.isSecretQueryParameter(name) : Scrubber.isSecretKey(name) else {
            return delimiter + 1
        }
        return value(
            at: skipBlanks(from: delimiter + 1),
            inQuery: inQuery,
            keepsScheme: Scrubber.isAuthorizationKey(name)
        )
    }

    /// `--password value` (also `"--password", "value"`): the value, when the long option's name
    /// looks secret. `--password=value` is left to ``keyValue(at:)``.
    private mutating func option(at index: Int) -> Int {
        guard index + 2 < text.count, text[index + 1] == UInt8(ascii: "-"), Self.isLetter(text[index + 2]),
            index == 0 || Self.startsOption(text[index - 1])
        else { return index + 1 }
        var end = index + 2
        while end < text.count && Self.isIdentifier(text[end]) { end += 1 }
        var next = end
        // An argv list written as an array: `["--token", "abc"]`.
        if has("\",", at: next) || has("',", at: next) { next += 2 }
        guard next < text.count, Self.isBlank(text[next]),
            Scrubber.isSecretKey(UnsafeBufferPointer(rebasing: text[index..<end]))
        else { return end }
        let start = skipBlanks(from: next)
        var first = start
        if first < text.count && Self.isQuote(text[first]) { first += 1 }
        guard first < text.count, text[first] != UInt8(ascii: "-") else { return start }
        return value(at: start, inQuery: false, keepsScheme: false)
    }

    /// `Bearer token` and `Basic base64` anywhere: the credential, unless it is a plain
    /// word (`bearer token`, `Basic auth`) or a challenge parameter (`Bearer realm="x"`).
    private mutating func credential(at index: Int) -> Int {
        guard index == 0 || !Self.isAlphanumeric(text[index - 1]) else { return index + 1 }
        let isBearer = has("bearer", at: index, ignoringCase: true)
        guard isBearer || has("basic", at: index, ignoringCase: true) else { return index + 1 }
        let schemeEnd = index + (isBearer ? 6 : 5)
        guard schemeEnd < text.count, Self.isBlank(text[schemeEnd]) else { return schemeEnd }
        let start = skipBlanks(from: schemeEnd)
        var end = start
        while end < text.count && (isBearer ? Self.isTokenCharacter(text[end]) : Self.isBase64(text[end])) { end += 1 }
        while end < text.count && text[end] == UInt8(ascii: "=") { end += 1 }
        // A full stop after the token ends the sentence; it is not part of the token.
        while end > start && text[end - 1] == UInt8(ascii: ".") { end -= 1 }
        guard end > start else { return start }
        if end < text.count && text[end] == UInt8(ascii: "\"") && text[end - 1] == UInt8(ascii: "=") { return end }
        if looksLikeCredential(start..<end) { mask(start..<end) }
        return end
    }

    /// `eyJ….….…`, three base64url segments (the last may be empty): the whole token.
    private mutating func jwt(at index: Int) -> Int {
        guard has("eyJ", at: index), index == 0 || !Self.continuesJWT(text[index - 1]) else { return index + 1 }
        let header = segmentEnd(from: index)
        guard header - index >= 11, header < text.count, text[header] == UInt8(ascii: ".") else { return header }
        let payload = segmentEnd(from: header + 1)
        guard payload - header > 2, payload < text.count, text[payload] == UInt8(ascii: ".") else { return payload }
        let signature = segmentEnd(from: payload + 1)
        mask(index..<signature)
        return signature
    }

    /// `-----BEGIN … PRIVATE KEY-----` to the matching end line, or to the end of the text:
    /// the whole block.
    private mutating func privateKey(at index: Int) -> Int {
        let labelEnd = labelEnd(from: index + 11)
        guard has("-----", at: labelEnd), labelEnd - 11 >= index + 11, has("PRIVATE KEY", at: labelEnd - 11) else {
            return labelEnd
        }
        var end = text.count
        var position = labelEnd + 5
        while position < text.count {
            if has("-----END ", at: position) {
                let endLabel = self.labelEnd(from: position + 9)
                if has("-----", at: endLabel) {
                    end = endLabel + 5
                    break
                }
            }
            position += 1
        }
        mask(index..<end)
        return end
    }

    // MARK: - Values

    /// Masks the value starting at `start`: a quoted string inside its quotes (`"…"`, `'…'`,
    /// or `\"…\"` in JSON that sits in a string), else up to a blank or punctuation. With
    /// `keepsScheme`, a leading `Bearer ` or `Basic ` stays. Returns where the value ends.
    private mutating func value(at start: Int, inQuery: Bool, keepsScheme: Bool) -> Int {
        guard start < text.count else { return start }
        let first = text[start]
        if first == UInt8(ascii: "\\") && start + 1 < text.count && text[start + 1] == UInt8(ascii: "\"") {
            var end = start + 2
            while end < text.count && !has("\\\"", at: end) { end += 1 }
            maskQuoted(start + 2..<end, keepsScheme: keepsScheme)
            return min(end + 2, text.count)
        }
        if Self.isQuote(first) {
            var end = start + 1
            while end < text.count && text[end] != first { end += text[end] == UInt8(ascii: "\\") ? 2 : 1 }
            end = min(end, text.count)
            maskQuoted(start + 1..<end, keepsScheme: keepsScheme)
            return min(end + 1, text.count)
        }
        var end = bareEnd(from: start, inQuery: inQuery)
        var masked = start
        // `Authorization: Bearer abc`: keep the scheme, mask what follows it.
        if keepsScheme && end < text.count && Self.isBlank(text[end]) && text[start..<end].allSatisfy(Self.isLetter) {
            let credential = skipBlanks(from: end)
            if credential < text.count && !Self.endsBareValue(text[credential], inQuery: inQuery) {
                masked = credential
                end = bareEnd(from: credential, inQuery: inQuery)
            }
        }
        mask(masked..<end)
        return end
    }

    private mutating func maskQuoted(_ range: Range<Int>, keepsScheme: Bool) {
        var start = range.lowerBound
        if keepsScheme {
            var word = start
            while word < range.upperBound && Self.isLetter(text[word]) { word += 1 }
            if word > start && word < range.upperBound && Self.isBlank(text[word]) {
                start = min(skipBlanks(from: word), range.upperBound)
            }
        }
        mask(start..<range.upperBound)
    }

    private mutating func mask(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        if let last = ranges.last, range.lowerBound <= last.upperBound {
            ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
        } else {
            ranges.append(range)
        }
    }

    // MARK: - Reading

    private func has(_ word: StaticString, at index: Int, ignoringCase: Bool = false) -> Bool {
        word.withUTF8Buffer { word in
            guard index + word.count <= text.count else { return false }
            for (offset, letter) in word.enumerated() {
                let byte = ignoringCase ? Self.lowercased(text[index + offset]) : text[index + offset]
                guard byte == letter else { return false }
            }
            return true
        }
    }

    private func skipBlanks(from index: Int) -> Int {
        var index = index
        while index < text.count && Self.isBlank(text[index]) { index += 1 }
        return index
    }

    private func bareEnd(from index: Int, inQuery: Bool) -> Int {
        var index = index
        while index < text.count && !Self.endsBareValue(text[index], inQuery: inQuery) { index += 1 }
        return index
    }

    private func segmentEnd(from index: Int) -> Int {
        var index = index
        while index < text.count && Self.isBase64URL(text[index]) { index += 1 }
        return index
    }

    private func labelEnd(from index: Int) -> Int {
        var index = index
        while index < text.count
            && (Self.isUppercase(text[index]) || Self.isDigit(text[index]) || text[index] == UInt8(ascii: " "))
        {
            index += 1
        }
        return index
    }

    /// Whether a token after `Bearer` or `Basic` is a credential rather than a word: long, or
    /// with a digit, a symbol or a capital after its first letter.
    private func looksLikeCredential(_ range: Range<Int>) -> Bool {
        range.count >= 20
            || text[range].contains { !Self.isLetter($0) }
            || text[range].dropFirst().contains(where: Self.isUppercase)
    }

    // MARK: - Bytes

    static func lowercased(_ byte: UInt8) -> UInt8 {
        isUppercase(byte) ? byte | 0x20 : byte
    }

    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }

    private static func isUppercase(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte)
    }

    private static func isIdentifier(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || isSeparator(byte)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
    }

    /// RFC 6750's `b64token`, without the trailing `=`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
            UInt8(ascii: "/"):
            true
        default: isAlphanumeric(byte)
        }
    }

    private static func continuesJWT(_ byte: UInt8) -> Bool {
        isBase64URL(byte) || byte == UInt8(ascii: ".")
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    private static func isQuote(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\n")
    }

    private static func endsAuthority(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "'"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"):
            true
        default: isSpace(byte)
        }
    }

    private static func startsOption(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: ","): true
        default: isSpace(byte)
        }
    }

    /// The end of an unquoted value: a blank, a line end, a quote or punctuation that
    /// separates fields; in a URL query also `#`.
    private static func endsBareValue(_ byte: UInt8, inQuery: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "'"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            true
        case UInt8(ascii: "#"): inQuery
        default: isSpace(byte)
        }
    }
}
