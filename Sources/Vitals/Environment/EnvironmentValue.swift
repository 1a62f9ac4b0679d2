/// A JSON value for the environment dump, with object keys kept in order.
///
/// Literals build values directly:
/// ```swift
/// let section: EnvironmentValue = ["region": "eu-1", "replicas": 3, "tags": ["a", "b"], "debug": false]
/// ```
public enum EnvironmentValue: Sendable, Equatable {
    /// A JSON string.
    case string(String)
    /// A JSON number.
    case number(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// A JSON array.
    case array([EnvironmentValue])
    /// Members in the order they are shown.
    case object([Member])

    /// One key and value of an ``EnvironmentValue/object(_:)``.
    public struct Member: Sendable, Equatable {
        /// The member's key.
        public var key: String
        /// The member's value.
        public var value: EnvironmentValue

        /// Creates a member.
        public init(_ key: String, _ value: EnvironmentValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value with secrets masked, recursively: a member whose key
    /// ``Scrubber/isSecretName(_:)`` recognises becomes ``Scrubber/mask``, whatever its
    /// value; in an array of strings (an argv list such as an `exec` command) the string
    /// after a secret-looking long option (`--password`) does too; and every string goes
    /// through ``Scrubber/scrub(_:)->String``.
    public var scrubbed: EnvironmentValue {
        switch self {
        case .string(let text):
            .string(Scrubber.scrub(text))
        case .number, .bool, .null:
            self
        case .array(let elements):
            .array(
                elements.indices.map { index in
                    if index > 0, case .string(let option) = elements[index - 1],
                        case .string(let argument) = elements[index],
                        Scrubber.masksArgument(after: option, argument)
                    {
                        return .string(Scrubber.mask)
                    }
                    return elements[index].scrubbed
                }
            )
        case .object(let members):
            .object(
                members.map { member in
                    Member(
                        member.key,
                        Scrubber.isSecretName(member.key) ? .string(Scrubber.mask) : member.value.scrubbed
                    )
                }
            )
        }
    }

    /// The value as UTF-8 JSON, indented by two spaces, without a trailing newline.
    public var jsonBytes: [UInt8] {
        var out = ByteWriter(capacity: 1024)
        write(to: &out, indent: 0)
        return out.bytes
    }

    private func write(to out: inout ByteWriter, indent: Int) {
        switch self {
        case .string(let text):
            out.write(jsonString: text)
        case .number(let value):
            out.write(jsonNumber: value)
        case .bool(let value):
            out.write(value ? "true" : "false")
        case .null:
            out.write("null")
        case .array(let elements):
            guard !elements.isEmpty else { return out.write("[]") }
            out.write("[")
            for (index, element) in elements.enumerated() {
                out.write(index == 0 ? "\n" : ",\n")
                out.write(String(repeating: " ", count: indent + 2))
                element.write(to: &out, indent: indent + 2)
            }
            out.write("\n" + String(repeating: " ", count: indent) + "]")
        case .object(let members):
            guard !members.isEmpty else { return out.write("{}") }
            out.write("{")
            for (index, member) in members.enumerated() {
                out.write(index == 0 ? "\n" : ",\n")
                out.write(String(repeating: " ", count: indent + 2))
                out.write(jsonString: member.key)
                out.write(": ")
                member.value.write(to: &out, indent: indent + 2)
            }
            out.write("\n" + String(repeating: " ", count: indent) + "}")
        }
    }
}

extension EnvironmentValue: ExpressibleByStringLiteral {
    /// A ``EnvironmentValue/string(_:)``.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension EnvironmentValue: ExpressibleByIntegerLiteral {
    /// A ``EnvironmentValue/number(_:)``.
    public init(integerLiteral value: Int) {
        self = .number(Double(value))
    }
}

extension EnvironmentValue: ExpressibleByFloatLiteral {
    /// A ``EnvironmentValue/number(_:)``.
    public init(floatLiteral value: Double) {
        self = .number(value)
    }
}

extension EnvironmentValue: ExpressibleByBooleanLiteral {
    /// A ``EnvironmentValue/bool(_:)``.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension EnvironmentValue: ExpressibleByArrayLiteral {
    /// An ``EnvironmentValue/array(_:)``.
    public init(arrayLiteral elements: EnvironmentValue...) {
        self = .array(elements)
    }
}

extension EnvironmentValue: ExpressibleByDictionaryLiteral {
    /// An object whose members keep the order of the literal.
    public init(dictionaryLiteral elements: (String, EnvironmentValue)...) {
        self = .object(elements.map { Member($0.0, $0.1) })
    }
}
