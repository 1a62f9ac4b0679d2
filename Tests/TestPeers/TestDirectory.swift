import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory of files for a test: fixtures, and shell scripts that act as Nagios plugins.
package struct TestDirectory: ~Copyable {
    package let directory: String

    package init() throws {
        let base = FileManager.default.temporaryDirectory.path
        directory = "\(base)/vitals-probes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes an executable `/bin/sh` script with `body` and returns its path.
    package func script(_ name: String, _ body: String, executable: Bool = true) throws -> String {
        try write(name, "#!/bin/sh\n\(body)\n", mode: executable ? 0o755 : 0o644)
    }

    /// Writes a plain file and returns its path.
    package func file(_ name: String, _ contents: String) throws -> String {
        try write(name, contents, mode: 0o644)
    }

    package func path(_ name: String) -> String { "\(directory)/\(name)" }

    package func read(_ name: String) -> String? {
        try? String(contentsOfFile: path(name), encoding: .utf8)
    }

    /// Writes with `O_CLOEXEC`: a plugin spawned meanwhile by a test running in parallel
    /// must not inherit the open file, or executing it fails with "Text file busy".
    private func write(_ name: String, _ contents: String, mode: mode_t) throws -> String {
        let path = path(name)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let bytes = Array(contents.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return path
    }
}
