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

    /// Reads every configuration file `paths` name and merges them: a directory stands for its `*.yml`
    /// and `*.yaml` files in name order. The `checks` lists follow one another, and a check name may be
    /// used once in all; every other section is read from the one file that sets it.
    ///
    /// - Throws: ``ConfigError`` with every mistake of every file.
    static func load(paths: [String]) throws(ConfigError) -> Configuration {
        var diagnostics: [Diagnostic] = []
        var documents: [ConfigDocument] = []
        for path in try files(paths) {
            do {
                let root = try compose(path: path)
                var validator = ConfigValidator(path: path)
                if let file = validator.document(root, keys: ConfigValidator.sectionKeys) {
                    documents.append(ConfigDocument(validator: validator, file: file))
                } else {
                    diagnostics += validator.diagnostics
                }
            } catch {
                diagnostics += error.diagnostics
            }
        }
        let configuration = ConfigValidator.configuration(merging: &documents)
        diagnostics += documents.flatMap(\.validator.diagnostics)
        guard diagnostics.isEmpty, let configuration else { throw ConfigError(diagnostics: diagnostics) }
        return configuration
    }

    /// The files `paths` name, in order: a file as it is, a directory as its `*.yml` and `*.yaml` files
    /// sorted by name (hidden files left out).
    /// - Throws: ``ConfigError`` for a directory that cannot be read or holds no such file.
    static func files(_ paths: [String]) throws(ConfigError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw ConfigError(diagnostics: [
                    Diagnostic(
                        path: path,
                        line: 0,
                        column: 0,
                        message: "cannot read directory: \(error.localizedDescription)"
                    )
                ])
            }
            let yaml = names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yml") || $0.hasSuffix(".yaml")) }.sorted()
            guard !yaml.isEmpty else {
                throw ConfigError(diagnostics: [
                    Diagnostic(path: path, line: 0, column: 0, message: "the directory holds no *.yml or *.yaml file")
                ])
            }
            let directory = path.hasSuffix("/") ? String(path.dropLast()) : path
            files += yaml.map { "\(directory)/\($0)" }
        }
        return files
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
        try validate(compose(path: path), path: path, build)
    }

    /// Composes `yaml` and validates it with `build`.
    static func parseDocument<Document>(
        yaml: String,
        path: String,
        _ build: (inout ConfigValidator, Node?) -> Document?
    ) throws(ConfigError) -> Document {
        try validate(compose(yaml: yaml, path: path), path: path, build)
    }

    /// The YAML document of the file at `path`; nil for an empty file.
    /// - Throws: an unreadable file as one diagnostic at line 0, a syntax error at its place.
    private static func compose(path: String) throws(ConfigError) -> Node? {
        switch readFile(path) {
        case .success(let text):
            return try compose(yaml: text, path: path)
        case .failure(let reason):
            throw ConfigError(diagnostics: [
                Diagnostic(path: path, line: 0, column: 0, message: "cannot read file: \(reason.message)")
            ])
        }
    }

    private static func compose(yaml: String, path: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(diagnostics: syntaxDiagnostics(error, yaml: yaml, path: path))
        }
    }

    private static func validate<Document>(
        _ root: Node?,
        path: String,
        _ build: (inout ConfigValidator, Node?) -> Document?
    ) throws(ConfigError) -> Document {
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
