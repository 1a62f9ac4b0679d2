/// One HTTP header, kept in the order the file gives it.
struct HeaderField: Sendable, Hashable {
    var name: String
    var value: String

    /// Whether `name` is an RFC 9110 token, the only shape a header name can have.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
            }
    }

    /// Whether `value` can be sent as a header value: no line breaks or other control characters but tab.
    static func isValidValue(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }
    }
}
