import Vitals
import Yams

/// What a ``ConfigSection`` sees when it checks the rules between its keys: which keys the file
/// sets, which of them were valid, and where to report a problem.
struct KeyRules {
    /// Collects the diagnostics; handed back to the caller when the rules are done.
    var validator: ConfigValidator
    let mapping: ConfigMapping
    /// Keys whose value was rejected (already reported).
    let rejected: Set<String>

    init(validator: ConfigValidator, mapping: ConfigMapping, rejected: Set<String>) {
        self.validator = validator
        self.mapping = mapping
        self.rejected = rejected
    }

    /// Whether the file sets `key`.
    func contains(_ key: String) -> Bool {
        mapping.contains(key)
    }

    /// Whether `key` holds a usable value: read from the file, or its default.
    func isValid(_ key: String) -> Bool {
        !rejected.contains(key)
    }

    /// The items of a list the file gives for `key`; empty when it gives none.
    func items(of key: String) -> [Node] {
        if case .sequence(let sequence) = mapping.value(key) { Array(sequence) } else { [] }
    }

    /// Reports a problem with the value of `key`, at that value.
    mutating func report(_ key: String, _ message: String) {
        validator.report(mapping, key, message)
    }

    /// Reports a problem with the mapping as a whole (a missing choice of keys), at its start.
    mutating func reportMapping(_ message: String) {
        validator.report(mapping.scope.message(message), at: mapping.mark)
    }

    /// Reports a problem at `node`, named by `keyPath` inside the mapping (`expect[1]`).
    mutating func report(at node: Node, _ keyPath: String, _ message: String) {
        validator.report("\(mapping.scope.key(keyPath)): \(message)", at: node.mark)
    }

    /// Requires `value` of `key` to be at most `higherValue` of `higherKey`. Reports at `key` when the
    /// file sets it, else at `higherKey`; says nothing when either was rejected.
    mutating func requireOrder<Value: Comparable>(
        _ key: String,
        _ value: Value,
        notGreaterThan higherKey: String,
        _ higherValue: Value,
        describe: (Value) -> String
    ) {
        guard isValid(key), isValid(higherKey), value > higherValue else { return }
        if contains(key) {
            report(key, "must not be greater than \(higherKey) (\(describe(higherValue)))")
        } else {
            report(higherKey, "must not be less than \(key) (\(describe(value)))")
        }
    }

    /// The timeout to use with `interval`, as Prometheus has it: a timeout the mapping sets must not be
    /// longer than the interval (reported at the timeout); an inherited or default one is cut to it.
    mutating func clampedTimeout(_ timeout: Duration, interval: Duration) -> Duration {
        guard timeout > interval, isValid("timeout"), isValid("interval") else { return timeout }
        if contains("timeout") {
            report("timeout", "must not be longer than interval (\(interval.shortDescription))")
            return timeout
        }
        return interval
    }
}

extension Double {
    /// 20.0 as "20", 2.5 as "2.5": a number as the file would write it.
    var configText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
