import Foundation
import Vitals
import Yams

/// A secret read from a file when the configuration is loaded (and on every reload): the `*_file`
/// keys, so that a password never sits in `vitals.yml`.
///
/// A relative path is relative to the configuration file. `%d/NAME` and `$CREDENTIALS_DIRECTORY/NAME`
/// name a credential systemd passed with `LoadCredential=` (the directory in
/// `$CREDENTIALS_DIRECTORY`). One trailing line break is dropped, as `echo` and editors add one.
/// `/environment` shows the path, never the value.
struct SecretFile: Sendable, Hashable, CustomStringConvertible {
    /// The resolved path.
    var path: String
    var value: String

    /// Keeps the value out of `dump`, string interpolation and debugger output.
    var description: String { "SecretFile(\(path))" }

    /// Where `text` points: `%d/…` and `$CREDENTIALS_DIRECTORY/…` under `credentialsDirectory`, a
    /// relative path beside `configPath`; nil when it names the credentials directory and there is none.
    static func resolve(_ text: String, configPath: String, credentialsDirectory: String?) -> String? {
        for prefix in ["%d/", "$CREDENTIALS_DIRECTORY/", "${CREDENTIALS_DIRECTORY}/"] where text.hasPrefix(prefix) {
            guard let directory = credentialsDirectory, !directory.isEmpty else { return nil }
            return directory + "/" + text.dropFirst(prefix.count)
        }
        if text.hasPrefix("/") { return text }
        return URL(fileURLWithPath: configPath).deletingLastPathComponent().appendingPathComponent(text).path
    }
}

extension ValueReader where Value == SecretFile {
    /// A `*_file` key: the file is read now; a missing, unreadable or empty one is an error at the key.
    static var secretFile: ValueReader {
        ValueReader(
            kind: "path of a file holding the secret (relative to this file; `%d/NAME` for a systemd credential)",
            read: { validator, node, keyPath in
                guard let text = validator.nonEmptyString(node, at: keyPath) else { return nil }
                guard let path = validator.resolveFile(text, node: node, at: keyPath) else { return nil }
                guard let data = FileManager.default.contents(atPath: path) else {
                    validator.report("\(keyPath): cannot read \(path)", at: node.mark)
                    return nil
                }
                var value = String(decoding: data, as: UTF8.self)
                if value.hasSuffix("\r\n") {
                    value.removeLast(2)
                } else if value.hasSuffix("\n") {
                    value.removeLast()
                }
                guard !value.isEmpty else {
                    validator.report("\(keyPath): \(path) is empty", at: node.mark)
                    return nil
                }
                guard !value.contains(where: { $0.isNewline }) else {
                    validator.report("\(keyPath): \(path) must hold one line", at: node.mark)
                    return nil
                }
                return SecretFile(path: path, value: value)
            },
            show: { .string($0.path) }
        )
    }
}

extension ConfigValidator {
    /// Where a `*_file` path points (``SecretFile/resolve(_:configPath:credentialsDirectory:)``, with
    /// `$CREDENTIALS_DIRECTORY` from the environment); nil, reported, for a credential without one.
    mutating func resolveFile(_ text: String, node: Node, at keyPath: String) -> String? {
        let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"]
        guard let path = SecretFile.resolve(text, configPath: path, credentialsDirectory: credentials) else {
            report(
                "\(keyPath): \(text) names a systemd credential, but $CREDENTIALS_DIRECTORY is not set "
                    + "(LoadCredential= in the unit sets it)",
                at: node.mark
            )
            return nil
        }
        return path
    }
}
