import Foundation
import Vitals
import Yams

/// How one kind of value is read from YAML, shown in `/environment`, and named in the documentation.
///
/// `read` returns nil only after it has reported why, at the value. Readers refine each other with
/// ``checked(_:)``, so that a rule of one key (a range, a length) is written once, next to the key.
struct ValueReader<Value: Sendable>: Sendable {
    /// What the documentation calls the value: `duration`, `host:port`, `list of strings`.
    var kind: String
    /// Reads the value at `node`; `keyPath` names it in messages (`checks[2] (api): timeout`).
    var read: @Sendable (inout ConfigValidator, _ node: Node, _ keyPath: String) -> Value?
    /// The value as `/environment` shows it (secrets are masked by the dump, not here).
    var show: @Sendable (Value) -> EnvironmentValue

    /// The same reader with one more rule: `problem` returns what is wrong with a value, or nil.
    /// `kind` describes the values the rule lets through, for the documentation.
    func checked(_ kind: String? = nil, _ problem: @escaping @Sendable (Value) -> String?) -> ValueReader {
        let read = self.read
        return ValueReader(
            kind: kind ?? self.kind,
            read: { validator, node, keyPath in
                guard let value = read(&validator, node, keyPath) else { return nil }
                if let message = problem(value) {
                    validator.report("\(keyPath): \(message)", at: node.mark)
                    return nil
                }
                return value
            },
            show: show
        )
    }
}

// MARK: - Scalars

extension ValueReader where Value == String {
    /// Any scalar but null and the empty string, as written: `name: 123` is the string "123".
    static var string: ValueReader {
        ValueReader(kind: "non-empty string", read: { $0.nonEmptyString($1, at: $2) }, show: { .string($0) })
    }

    /// An absolute file system path.
    static var absolutePath: ValueReader {
        string.checked("absolute path") { $0.hasPrefix("/") ? nil : "must be an absolute path" }
    }

    /// A regular expression's source, once `Regex` accepts it.
    static var regex: ValueReader {
        string.checked("regular expression (Swift `Regex`), must compile") { source in
            do {
                _ = try Regex(source)
                return nil
            } catch {
                return "must be a valid regular expression: \(error)"
            }
        }
    }

    /// A URL with one of `schemes`; `problem` is the message for anything else.
    static func url(schemes: [String], requiringHost: Bool, problem: String) -> ValueReader {
        let kind =
            schemes.map { "`\($0)://`" }.joined(separator: " or ") + " URL" + (requiringHost ? " with a host" : "")
        return string.checked(kind) { text in
            guard !text.contains(where: { $0.isWhitespace }), let url = URL(string: text),
                let scheme = url.scheme?.lowercased(), schemes.contains(scheme), text.contains("://"),
                !requiringHost || !(url.host ?? "").isEmpty
            else { return problem }
            return nil
        }
    }
}

extension ValueReader where Value == Bool {
    /// Only `true` and `false` (any case).
    static var bool: ValueReader {
        ValueReader(kind: "`true` or `false`", read: { $0.bool($1, at: $2) }, show: { .bool($0) })
    }
}

extension ValueReader where Value == Int {
    /// A YAML integer.
    static var integer: ValueReader {
        ValueReader(kind: "integer", read: { $0.integer($1, at: $2) }, show: { .number(Double($0)) })
    }

    /// An integer of at least 0.
    static var count: ValueReader {
        integer.checked("integer ≥ 0") { $0 >= 0 ? nil : "must not be negative" }
    }

    /// A failure or success threshold: an integer of at least 1.
    static var threshold: ValueReader {
        integer.checked("integer ≥ 1") { $0 >= 1 ? nil : "must be at least 1" }
    }
}

extension ValueReader where Value == Double {
    /// A YAML integer or float.
    static var number: ValueReader {
        ValueReader(kind: "number", read: { $0.number($1, at: $2) }, show: { .number($0) })
    }

    /// A number in 0...100.
    static var percent: ValueReader {
        number.checked("number 0–100") { (0...100).contains($0) ? nil : "must be between 0 and 100" }
    }

    /// A number greater than 0.
    static var positiveNumber: ValueReader {
        number.checked("number > 0") { $0 > 0 ? nil : "must be greater than 0" }
    }
}

extension ValueReader where Value == Duration {
    /// A Prometheus duration that may be zero: `0s`, `250ms`, `1h30m`.
    static var duration: ValueReader {
        ValueReader(kind: "duration ≥ 0", read: { $0.duration($1, at: $2) }, show: { .string($0.shortDescription) })
    }

    /// A duration longer than zero.
    static var positiveDuration: ValueReader {
        duration.checked("duration > 0") { $0 > .zero ? nil : "must be longer than 0s" }
    }

    /// A duration of at least `minimum`: the floor keeps a typo like `1ms` from burning a core.
    static func atLeast(_ minimum: Duration) -> ValueReader {
        duration.checked("duration ≥ \(minimum.shortDescription)") { value in
            value >= minimum ? nil : "must be at least \(minimum.shortDescription)"
        }
    }
}

extension ValueReader where Value == HostPort {
    /// `HOST:PORT`, an IPv6 host in brackets.
    static var hostPort: ValueReader {
        ValueReader(
            kind: "`HOST:PORT`, port 1–65535; IPv6 in brackets: `[::1]:53`",
            read: { validator, node, keyPath in
                guard let text = validator.nonEmptyString(node, at: keyPath) else { return nil }
                guard let address = HostPort(text) else {
                    validator.report(
                        "\(keyPath): must be HOST:PORT with a port from 1 to 65535, like 127.0.0.1:8080 or [::1]:53",
                        at: node.mark
                    )
                    return nil
                }
                return address
            },
            show: { .string($0.description) }
        )
    }
}

extension ValueReader where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enumeration's raw values; with `ignoringCase`, written in any case.
    static func oneOf(ignoringCase: Bool = false) -> ValueReader {
        let names = Value.allCases.map(\.rawValue)
        let expected =
            names.count == 2 ? "\(names[0]) or \(names[1])" : "one of \(names.joined(separator: ", "))"
        let quoted = names.map { "`\($0)`" }
        let kind =
            (quoted.count == 2 ? "\(quoted[0]) or \(quoted[1])" : "one of \(quoted.joined(separator: ", "))")
            + (ignoringCase ? ", any case" : "")
        return ValueReader(
            kind: kind,
            read: { validator, node, keyPath in
                guard let text = validator.nonEmptyString(node, at: keyPath) else { return nil }
                let match = Value.allCases.first {
                    ignoringCase ? $0.rawValue.uppercased() == text.uppercased() : $0.rawValue == text
                }
                guard let match else {
                    validator.report("\(keyPath): must be \(expected)", at: node.mark)
                    return nil
                }
                return match
            },
            show: { .string($0.rawValue) }
        )
    }
}

// MARK: - Collections

extension ValueReader where Value == [String] {
    /// A list of non-empty strings.
    static var stringList: ValueReader {
        ValueReader(
            kind: "list of non-empty strings",
            read: { $0.stringList($1, at: $2) },
            show: { .array($0.map { .string($0) }) }
        )
    }
}

extension ValueReader where Value == [HeaderField] {
    /// A mapping of header names to values, in file order.
    static var headers: ValueReader {
        ValueReader(
            kind: "mapping of header names (RFC 9110 tokens) to strings without line breaks",
            read: { $0.headerFields($1, at: $2) },
            show: { .object($0.map { .init($0.name, .string($0.value)) }) }
        )
    }
}

extension ValueReader where Value == [String: String] {
    /// `labels`: Prometheus label names to values.
    static var labels: ValueReader {
        ValueReader(
            kind: "mapping of label names (`[a-zA-Z_][a-zA-Z0-9_]*`, not reserved) to strings",
            read: { $0.labels($1, at: $2) },
            show: { labels in .object(labels.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) }) }
        )
    }
}

extension ValueReader where Value == [Double] {
    /// `latency_buckets`: increasing bounds in seconds; `[]` for none.
    static var latencyBuckets: ValueReader {
        ValueReader(
            kind: "list of increasing bounds in seconds (numbers or durations); `[]` for none",
            read: { $0.latencyBuckets($1, at: $2) },
            show: { .array($0.map { .number($0) }) }
        )
    }
}

extension ValueReader where Value == [ClosedRange<Int>] {
    /// `expect_status`: a list of codes (`200`) and ranges (`"200-299"`), each within 100...599.
    static var statusRanges: ValueReader {
        ValueReader(
            kind: "non-empty list of codes (`200`) or ranges (`\"200-299\"`), within 100–599",
            read: { $0.statusRanges($1, at: $2) },
            show: { .array($0.map { .string("\($0.lowerBound)-\($0.upperBound)") }) }
        )
    }
}
