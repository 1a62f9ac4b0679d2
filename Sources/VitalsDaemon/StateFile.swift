#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and atomically replaces a small file of daemon state.
///
/// A write goes to a temporary file beside the target, is flushed to disk, and is renamed over the
/// target, so a crash or power loss leaves either the old file or the new one, never half of one.
enum StateFile {
    /// Files larger than this are not state this daemon wrote.
    static let sizeLimit = 16 << 20

    /// The contents of `path`, or `nil` when there is no such file.
    /// - Throws: ``StateFileError`` when the file exists but cannot be read, or is larger than ``sizeLimit``.
    static func contents(of path: String) throws(StateFileError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw StateFileError("cannot open \(path)", errno: errno)
        }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while contents.count <= sizeLimit {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StateFileError("cannot read \(path)", errno: errno)
            }
            if count == 0 { return contents }
            contents += buffer[..<count]
        }
        throw StateFileError("\(path) is larger than \(sizeLimit >> 20) MiB")
    }

    /// Replaces `path` with `contents`: writes `PATH.tmp`, flushes it, and renames it over `path`.
    /// - Throws: ``StateFileError`` when any step fails; the temporary file is removed then.
    static func replace(_ path: String, with contents: [UInt8]) throws(StateFileError) {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StateFileError("cannot create \(temporary)", errno: errno) }
        do throws(StateFileError) {
            try writeAll(contents, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else { throw StateFileError("cannot flush \(temporary)", errno: errno) }
            guard close(descriptor) == 0 else { throw StateFileError("cannot close \(temporary)", errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = StateFileError("cannot rename \(temporary) to \(path)", errno: errno)
            unlink(temporary)
            throw failure
        }
        syncDirectory(of: path)
    }

    private static func writeAll(_ contents: [UInt8], to descriptor: Int32, path: String) throws(StateFileError) {
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes { bytes in
                write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw StateFileError("cannot write \(path)", errno: errno)
            }
            offset += written
        }
    }

    /// Makes the rename itself durable. Best effort: some file systems refuse `fsync` on a
    /// directory, and the file's contents are already safe.
    private static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
