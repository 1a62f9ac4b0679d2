import Foundation

/// A JSON document as far as `expect_json` needs it: decoded without a schema, then walked with
/// JSON pointers (RFC 6901: `/checks/db/healthy`, `/items/0/name`; `~1` is `/`, `~0` is `~`).
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The value at `pointer`, or nil when the document has none there.
    func value(at pointer: String) -> JSONValue? {
        guard !pointer.isEmpty else { return self }
        guard pointer.hasPrefix("/") else { return nil }
        var current = self
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = String(token).replacing("~1", with: "/").replacing("~0", with: "~")
            switch current {
            case .object(let members):
                guard let next = members[key] else { return nil }
                current = next
            case .array(let items):
                // RFC 6901: a decimal index without leading zeros.
                guard let index = Int(key), index >= 0, index < items.count, key == String(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The value as `expect_json` compares and shows it: strings as they are, numbers without a
    /// needless `.0`, `true`, `false`, `null`; arrays and objects as `an array of 2`, `an object`.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let value):
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): value
        case .array(let items): "an array of \(items.count)"
        case .object: "an object"
        }
    }

    /// Whether the value is `expected`: `/regex/` found in its text, a number equal in value
    /// (`12.50` is `12.5`), anything else its text exactly.
    func matches(_ expected: String) throws -> Bool {
        if let source = ExpectedValue.regexSource(expected) {
            return text.contains(try Regex(source))
        }
        if case .number(let value) = self, let number = Double(expected) { return value == number }
        if case .string = self { return text == expected }
        if case .array = self { return false }
        if case .object = self { return false }
        return text == expected
    }
}
