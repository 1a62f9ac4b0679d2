#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// IPv4 or IPv6, to check the addresses a `dns` check expects.
enum IPAddressFamily: Sendable, Equatable {
    case v4
    case v6

    var name: String {
        switch self {
        case .v4: "IPv4"
        case .v6: "IPv6"
        }
    }

    /// Whether `text` is an address of this family in its usual text form.
    func accepts(_ text: String) -> Bool {
        var buffer = (UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { bytes in
            inet_pton(self == .v4 ? AF_INET : AF_INET6, text, bytes.baseAddress) == 1
        }
    }
}
