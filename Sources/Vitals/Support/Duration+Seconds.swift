extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// A short human form: `250ms`, `10s`, `1m30s`.
    public var shortDescription: String {
        let totalMilliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if totalMilliseconds < 1000 { return "\(totalMilliseconds)ms" }
        var rest = totalMilliseconds / 1000
        var text = ""
        for (unit, size) in [("h", Int64(3600)), ("m", Int64(60))] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        let milliseconds = totalMilliseconds % 1000
        if rest > 0 || milliseconds > 0 || text.isEmpty {
            text += milliseconds > 0 ? "\(rest).\(String(format3: milliseconds))s" : "\(rest)s"
        }
        return text
    }
}

extension String {
    fileprivate init(format3 value: Int64) {
        let digits = String(value)
        self = String(repeating: "0", count: Swift.max(0, 3 - digits.count)) + digits
    }
}
