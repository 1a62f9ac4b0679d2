/// One located configuration error.
///
/// Printed as `vitals.yml:14:5: checks[2] (api): timeout: must not be longer than interval (10s)`.
struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    var path: String
    /// 1-based; 0 when the error is about the whole file (it could not be read).
    var line: Int
    /// 1-based, counted in Unicode scalars; 0 when `line` is 0.
    var column: Int
    var message: String

    var description: String {
        line == 0 ? "\(path): \(message)" : "\(path):\(line):\(column): \(message)"
    }
}
