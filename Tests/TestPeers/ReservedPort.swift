#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that is bound but not listening, so connecting to it is refused
/// and no other test can take it while this value lives.
package struct ReservedPort: ~Copyable {
    package let port: Int
    private let descriptor: Int32

    package init() throws {
        let (descriptor, address) = try bindLoopbackSocket()
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(descriptor)
    }
}

package struct ReservedPortError: Error {}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks, and its address.
func bindLoopbackSocket() throws -> (descriptor: Int32, address: sockaddr_in) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw ReservedPortError() }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
        }
    }
    guard bound else {
        close(descriptor)
        throw ReservedPortError()
    }
    return (descriptor, address)
}
