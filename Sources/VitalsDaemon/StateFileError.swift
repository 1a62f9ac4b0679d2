#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a state file could not be read or written.
struct StateFileError: Error, CustomStringConvertible, Sendable {
    let description: String

    init(_ what: String) {
        description = what
    }

    init(_ what: String, errno code: Int32) {
        description = "\(what): \(String(cString: strerror(code)))"
    }
}
