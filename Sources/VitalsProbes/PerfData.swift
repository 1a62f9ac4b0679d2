import Vitals

/// Parses the performance data of a Nagios plugin: the text after `|` on its first line.
///
/// Items are separated by spaces and read `'label'=value[UOM];[warn];[crit];[min];[max]`.
/// A label may be quoted with single quotes (then it may hold spaces, and `''` is a quote).
/// Only the label, value and unit are kept; items without a number (such as `U`, unknown)
/// or that do not parse are skipped.
enum PerfData {
    /// The observations in `text`, in order.
    static func parse(_ text: Substring) -> [Observation] {
        var observations: [Observation] = []
        var rest = text
        while true {
            rest = rest.drop(while: \.isWhitespace)
            guard !rest.isEmpty else { return observations }
            guard let label = takeLabel(&rest), rest.first == "=" else {
                rest = rest.drop { !$0.isWhitespace }
                continue
            }
            rest = rest.dropFirst()
            let end = rest.firstIndex(where: \.isWhitespace) ?? rest.endIndex
            let item = rest[..<end]
            rest = rest[end...]
            let field = item.prefix { $0 != ";" }
            if !label.isEmpty, let (value, unit) = number(field) {
                observations.append(Observation(label, value, unit: unit.isEmpty ? nil : String(unit)))
            }
        }
    }

    /// Takes a quoted or plain label from the front of `rest`, leaving `rest` at the `=`.
    private static func takeLabel(_ rest: inout Substring) -> String? {
        guard rest.first == "'" else {
            let end = rest.firstIndex { $0 == "=" || $0.isWhitespace } ?? rest.endIndex
            defer { rest = rest[end...] }
            return String(rest[..<end])
        }
        var label = ""
        rest = rest.dropFirst()
        while let character = rest.popFirst() {
            if character != "'" {
                label.append(character)
            } else if rest.first == "'" {
                label.append("'")
                rest = rest.dropFirst()
            } else {
                return label
            }
        }
        return nil
    }

    /// Splits `10.5ms` into `10.5` and `ms`. A comma is taken as a decimal point, as some
    /// plugins print one.
    private static func number(_ field: Substring) -> (Double, Substring)? {
        var index = field.startIndex
        var digits = ""
        func take(_ allowed: (Character) -> Bool) {
            while index < field.endIndex, allowed(field[index]) {
                digits.append(field[index] == "," ? "." : field[index])
                index = field.index(after: index)
            }
        }
        take { $0 == "-" || $0 == "+" }
        take(\.isASCIIDigit)
        if index < field.endIndex, field[index] == "." || field[index] == "," {
            take { $0 == "." || $0 == "," }
            take(\.isASCIIDigit)
        }
        // An exponent only when digits follow, so that a unit starting with `e` stays a unit.
        if index < field.endIndex, field[index] == "e" || field[index] == "E" {
            let exponent = field[field.index(after: index)...].drop { $0 == "-" || $0 == "+" }
            if exponent.first?.isASCIIDigit == true {
                take { $0 == "e" || $0 == "E" }
                take { $0 == "-" || $0 == "+" }
                take(\.isASCIIDigit)
            }
        }
        guard let value = Double(digits), value.isFinite else { return nil }
        return (value, field[index...])
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
