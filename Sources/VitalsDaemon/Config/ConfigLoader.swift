import Foundation
import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and validates a configuration file.
///
/// Every mistake in the file is reported at once, each with its line and column:
/// ```swift
/// do {
///     let configuration = try ConfigLoader.load(path: "/etc/vitals/vitals.yml")
/// } catch {
///     print(error)  // vitals.yml:14:5: checks[2] (api): timeout: must not be longer than interval (10s)
/// }
/// ```
enum ConfigLoader {
    /// The largest file read: a configuration of 100,000 checks is about 10 MiB.
    static let maximumFileSize = 16 << 20

    /// Reads the file at `path` and validates it.
    ///
    /// - Throws: ``ConfigError``; an unreadable file is one diagnostic at line 0 (`PATH: cannot read file: …`).
    static func load(path: String) throws(ConfigError) -> Configuration {
        try loadDocument(path: path) { validator, root in validator.configuration(from: root) }
    }

    /// Validates `yaml`; `path` only names the file in diagnostics.
    ///
    /// - Throws: ``ConfigError`` with every mistake, sorted by position.
    static func parse(yaml: String, path: String) throws(ConfigError) -> Configuration {
        try parseDocument(yaml: yaml, path: path) { validator, root in validator.configuration(from: root) }
    }

    /// Reads the file at `path` and validates it with `build`, which returns nil only after reporting why.
    static func loadDocument<Document>(
        path: String,
        _ build: (inout ConfigValidator, Node?) -> Document?
    ) throws(ConfigError) -> Document {
        let text: String
        switch readFile(path) {
        case .success(let contents): text = contents
        case .failure(let reason):
            throw ConfigError(diagnostics: [
                Diagnostic(path: path, line: 0, column: 0, message: "cannot read file: \(reason.message)")
            ])
        }
        return try parseDocument(yaml: text, path: path, build)
    }

    /// Composes `yaml` and validates it with `build`.
    static func parseDocument<Document>(
        yaml: String,
        path: String,
        _ build: (inout ConfigValidator, Node?) -> Document?
    ) throws(ConfigError) -> Document {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(diagnostics: syntaxDiagnostics(error, yaml: yaml, path: path))
        }
        var validator = ConfigValidator(path: path)
        let document = build(&validator, root)
        guard let document, validator.diagnostics.isEmpty else {
            precondition(!validator.diagnostics.isEmpty, "the validator rejected a document without saying why")
            throw ConfigError(diagnostics: validator.diagnostics)
        }
        return document
    }

    // MARK: YAML syntax

    private static func syntaxDiagnostics(_ error: any Error, yaml: String, path: String) -> [Diagnostic] {
        func diagnostic(_ mark: Mark?, _ message: String) -> Diagnostic {
            diagnosticAt((mark?.line ?? 1, mark?.column ?? 1), message)
        }
        func diagnosticAt(_ position: (line: Int, column: Int), _ message: String) -> Diagnostic {
            Diagnostic(path: path, line: position.line, column: position.column, message: message)
        }
        guard let error = error as? YamlError else {
            return [diagnostic(nil, "invalid YAML: \(error)")]
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            if problem == "but found another document" {
                return [diagnostic(mark, "invalid YAML: the file must hold a single document")]
            }
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return [diagnostic(mark, message)]
        case .reader(let problem, let offset, _, _):
            let location = offset.map { position(atCharacterOffset: $0, in: yaml) } ?? (1, 1)
            return [diagnosticAt(location, "invalid YAML: \(problem)")]
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams only gives the position of the first duplicated key.
            return duplicates.map { diagnostic(context.mark, "duplicate key \"\($0)\"") }
        default:
            return [diagnostic(nil, "invalid YAML: \(error)")]
        }
    }

    private static func position(atCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    // MARK: Reading

    private struct ReadFailure: Error {
        var message: String
    }

    // POSIX calls rather than Foundation, for messages like "No such file or directory" on every platform.
    private static func readFile(_ path: String) -> Result<String, ReadFailure> {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return .failure(ReadFailure(message: String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(message: String(cString: strerror(errno))))
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            if bytes.count > maximumFileSize {
                return .failure(ReadFailure(message: "larger than \(maximumFileSize >> 20) MiB"))
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ReadFailure(message: "not valid UTF-8"))
        }
        return .success(text)
    }
}
