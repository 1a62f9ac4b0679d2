#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole lines to standard error with one `write(2)` each, so that lines
/// from concurrent tasks never interleave.
public enum StandardError {
    /// Writes `line`, adding a newline if it has none.
    public static func write(line: String) {
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        text.utf8.withContiguousStorageIfAvailable { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
