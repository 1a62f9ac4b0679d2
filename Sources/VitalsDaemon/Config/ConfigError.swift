/// Everything wrong with a configuration file, each mistake located.
struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Sorted by line, then column; never empty.
    var diagnostics: [Diagnostic]

    init(diagnostics: [Diagnostic]) {
        precondition(!diagnostics.isEmpty, "a ConfigError needs at least one diagnostic")
        self.diagnostics = diagnostics.enumerated()
            .sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            .map(\.element)
    }

    /// One line per diagnostic, `PATH:LINE:COLUMN: message`.
    var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
