import Vitals
import Yams

// Readers for single values. Each returns nil only after reporting why, except for a missing optional key.
extension ConfigValidator {
    static let durationHint = "must be a duration like 250ms, 10s, 1h30m"

    // MARK: Mappings

    /// Reads a mapping with string keys; a null value (`web:` with nothing under it) is an empty mapping
    /// when `allowNull` is true. `described` is the key path used when it is not a mapping.
    mutating func mapping(_ node: Node, scope: ConfigScope, described: String, allowNull: Bool) -> ConfigMapping? {
        switch node {
        case .mapping(let mapping):
            var entries: [(name: String, key: Node, value: Node)] = []
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    report(scope.message("keys must be strings"), at: key.mark)
                    continue
                }
                entries.append((scalar.string, key, value))
            }
            return ConfigMapping(scope: scope, mark: node.mark, entries: entries)
        case .scalar where allowNull && isNull(node):
            return ConfigMapping(scope: scope, mark: node.mark, entries: [])
        default:
            report("\(described): must be a mapping", at: node.mark)
            return nil
        }
    }

    /// Reports every key of `mapping` not in `allowed`, at the key.
    mutating func rejectUnknownKeys(in mapping: ConfigMapping, allowed: [String]) {
        for entry in mapping.entries where !allowed.contains(entry.name) {
            var message = "unknown key \"\(entry.name)\""
            if let suggestion = closestKey(to: entry.name, in: allowed) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            report(mapping.scope.message(message), at: entry.key.mark)
        }
    }

    // MARK: Keys of a mapping

    /// Reads `key` of `mapping` with `reader`, applying `presence` when it is absent.
    mutating func read<Value>(
        _ mapping: ConfigMapping,
        _ key: String,
        _ presence: Presence<Value>,
        _ reader: ValueReader<Value>
    ) -> Value? {
        guard let node = mapping.value(key) else {
            switch presence {
            case .required:
                report(mapping.scope.message("missing required key \"\(key)\""), at: mapping.mark)
                return nil
            case .defaulted(let value):
                return value
            case .optional:
                return nil
            }
        }
        return reader.read(&self, node, mapping.scope.key(key))
    }

    // MARK: Single nodes

    func isNull(_ node: Node) -> Bool {
        guard case .scalar = node else { return false }
        return tagName(node) == .null
    }

    /// The resolved tag: `.str` for `"10"`, `.int` for `10`, `.null` for `~` or nothing.
    func tagName(_ node: Node) -> Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    /// Any scalar but null, as written: `name: 123` is the string "123".
    mutating func string(_ node: Node, at keyPath: String) -> String? {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            report("\(keyPath): must be a string", at: node.mark)
            return nil
        }
        return scalar.string
    }

    mutating func nonEmptyString(_ node: Node, at keyPath: String) -> String? {
        guard let text = string(node, at: keyPath) else { return nil }
        guard !text.isEmpty else {
            report("\(keyPath): must not be empty", at: node.mark)
            return nil
        }
        return text
    }

    mutating func integer(_ node: Node, at keyPath: String) -> Int? {
        guard case .scalar(let scalar) = node, tagName(node) == .int, let value = Int(scalar.string) else {
            report("\(keyPath): must be an integer", at: node.mark)
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, at keyPath: String) -> Double? {
        guard case .scalar(let scalar) = node, tagName(node) == .int || tagName(node) == .float,
            let value = Double(scalar.string), value.isFinite
        else {
            report("\(keyPath): must be a number", at: node.mark)
            return nil
        }
        return value
    }

    /// Only `true` and `false` (any case): YAML 1.1's yes/no/on/off are too easy to write by accident.
    mutating func bool(_ node: Node, at keyPath: String) -> Bool? {
        if case .scalar(let scalar) = node, tagName(node) == .bool {
            switch scalar.string.lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        report("\(keyPath): must be true or false", at: node.mark)
        return nil
    }

    mutating func duration(_ node: Node, at keyPath: String) -> Duration? {
        guard case .scalar(let scalar) = node, let duration = parseDuration(scalar.string) else {
            let text = if case .scalar(let scalar) = node { scalar.string } else { "" }
            // Well formed but past what a duration holds (about 292 years): say so, not "must be a duration".
            let wellFormed = text.wholeMatch(of: /(?:[0-9]+(?:ms|y|w|d|h|m|s))+/) != nil
            report("\(keyPath): \(wellFormed ? "is out of range" : Self.durationHint)", at: node.mark)
            return nil
        }
        return duration
    }

    mutating func stringList(_ node: Node, at keyPath: String) -> [String]? {
        guard case .sequence(let sequence) = node else {
            report("\(keyPath): must be a list of strings", at: node.mark)
            return nil
        }
        var values: [String] = []
        var valid = true
        for (index, item) in sequence.enumerated() {
            if let value = nonEmptyString(item, at: "\(keyPath)[\(index)]") {
                values.append(value)
            } else {
                valid = false
            }
        }
        return valid ? values : nil
    }

    /// A mapping of header names to values, in file order; null is no headers.
    mutating func headerFields(_ node: Node, at keyPath: String) -> [HeaderField]? {
        let scope = ConfigScope.section(keyPath)
        guard let headers = mapping(node, scope: scope, described: keyPath, allowNull: true) else { return nil }
        var fields: [HeaderField] = []
        var valid = true
        for entry in headers.entries {
            let fieldPath = scope.key(entry.name)
            guard HeaderField.isValidName(entry.name) else {
                report(
                    "\(fieldPath): is not a valid header name (use letters, digits and !#$%&'*+-.^_`|~)",
                    at: entry.key.mark
                )
                valid = false
                continue
            }
            guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
                report("\(fieldPath): must be a string", at: entry.value.mark)
                valid = false
                continue
            }
            guard HeaderField.isValidValue(scalar.string) else {
                report("\(fieldPath): must not contain line breaks or control characters", at: entry.value.mark)
                valid = false
                continue
            }
            fields.append(HeaderField(name: entry.name, value: scalar.string))
        }
        return valid ? fields : nil
    }

    /// `labels`: a mapping of Prometheus label names to non-empty values, each mistake reported at
    /// its own key or value.
    mutating func labels(_ node: Node, at keyPath: String) -> [String: String]? {
        let scope = ConfigScope.section(keyPath)
        guard let mapping = mapping(node, scope: scope, described: keyPath, allowNull: true) else { return nil }
        var labels: [String: String] = [:]
        var valid = true
        for entry in mapping.entries {
            let labelPath = scope.key(entry.name)
            if let problem = Self.labelNameProblem(entry.name) {
                report("\(labelPath): \(problem)", at: entry.key.mark)
                valid = false
                continue
            }
            guard let value = nonEmptyString(entry.value, at: labelPath) else {
                valid = false
                continue
            }
            guard value.utf8.count <= CheckSpec.maximumLabelValueLength else {
                report(
                    "\(labelPath): must be at most \(CheckSpec.maximumLabelValueLength) bytes long",
                    at: entry.value.mark
                )
                valid = false
                continue
            }
            labels[entry.name] = value
        }
        if labels.count > CheckSpec.maximumLabelCount {
            report("\(keyPath): at most \(CheckSpec.maximumLabelCount) labels", at: node.mark)
            valid = false
        }
        return valid ? labels : nil
    }

    /// Why `name` cannot be a check's label, or nil when it can.
    static func labelNameProblem(_ name: String) -> String? {
        if CheckPolicy.isValidLabelName(name) { return nil }
        if name.hasPrefix("__") { return "label names starting with \"__\" are reserved for Prometheus" }
        if CheckPolicy.reservedLabelNames.contains(name) {
            let reserved = CheckPolicy.reservedLabelNames.sorted().joined(separator: ", ")
            return "\"\(name)\" is a label Vitals or Prometheus sets itself (reserved: \(reserved))"
        }
        return "is not a valid label name (a letter or \"_\", then letters, digits and \"_\")"
    }

    /// `latency_buckets`: increasing upper bounds, each a number of seconds or a duration (`250ms`).
    mutating func latencyBuckets(_ node: Node, at keyPath: String) -> [Double]? {
        guard case .sequence(let items) = node else {
            report(
                "\(keyPath): must be a list of bounds in seconds, like [0.01, 0.1, 1], or [] for none",
                at: node.mark
            )
            return nil
        }
        var bounds: [Double] = []
        var valid = true
        for (index, item) in items.enumerated() {
            let itemPath = "\(keyPath)[\(index)]"
            let seconds: Double?
            if case .scalar = item, tagName(item) == .int || tagName(item) == .float {
                seconds = number(item, at: itemPath)
            } else {
                seconds = duration(item, at: itemPath).map(\.inSeconds)
            }
            guard let seconds else {
                valid = false
                continue
            }
            if seconds <= 0 {
                report("\(itemPath): must be greater than 0", at: item.mark)
                valid = false
            } else if let previous = bounds.last, seconds <= previous {
                report("\(itemPath): must be greater than the bound before it (\(previous))", at: item.mark)
                valid = false
            }
            bounds.append(seconds)
        }
        if bounds.count > CheckSpec.maximumLatencyBuckets {
            report(
                "\(keyPath): at most \(CheckSpec.maximumLatencyBuckets) bounds (each is a series per check)",
                at: node.mark
            )
            valid = false
        }
        return valid ? bounds : nil
    }

    /// `expect_status`: a list of codes (`200`) and ranges (`"200-299"`), each within 100...599.
    mutating func statusRanges(_ node: Node, at keyPath: String) -> [ClosedRange<Int>]? {
        guard case .sequence(let items) = node, !items.isEmpty else {
            report(
                "\(keyPath): must be a non-empty list of status codes like [200, 204] or [\"200-299\"]",
                at: node.mark
            )
            return nil
        }
        var ranges: [ClosedRange<Int>] = []
        var valid = true
        for (index, item) in items.enumerated() {
            if let range = Self.statusRange(item) {
                ranges.append(range)
            } else {
                report(
                    "\(keyPath)[\(index)]: must be a status code from 100 to 599 or a range like 200-299",
                    at: item.mark
                )
                valid = false
            }
        }
        return valid ? ranges : nil
    }

    private static func statusRange(_ node: Node) -> ClosedRange<Int>? {
        guard case .scalar(let scalar) = node else { return nil }
        let bounds = scalar.string.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else { return nil }
        let numbers = bounds.compactMap { bound in
            bound.count == 3 && bound.allSatisfy({ ("0"..."9").contains($0) }) ? Int(bound) : nil
        }
        guard numbers.count == bounds.count, let lower = numbers.first, let upper = numbers.last, lower <= upper,
            (100...599).contains(lower), (100...599).contains(upper)
        else { return nil }
        return lower...upper
    }

    // MARK: Suggestions

    /// The allowed key a typo most likely meant: at most two edits away, and closer than half its length.
    private func closestKey(to key: String, in allowed: [String]) -> String? {
        let candidates = allowed.map { ($0, editDistance(key, $0)) }
            .filter { $0.1 <= 2 && $0.1 * 2 < max($0.0.count, 1) }
        return candidates.min { $0.1 < $1.1 }?.0
    }

    private func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs)
        let right = Array(rhs)
        var previous = Array(0...right.count)
        for (i, leftCharacter) in left.enumerated() {
            var current = [i + 1]
            for (j, rightCharacter) in right.enumerated() {
                let substitution = previous[j] + (leftCharacter == rightCharacter ? 0 : 1)
                current.append(min(previous[j + 1] + 1, current[j] + 1, substitution))
            }
            previous = current
        }
        return previous[right.count]
    }
}
