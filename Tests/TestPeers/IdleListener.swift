#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that listens and never accepts: connections to it complete (the kernel
/// queues them), and nothing is ever read from them or sent on them. A client waiting for a reply
/// waits for ever; one that writes enough fills the buffers and then waits too.
package struct IdleListener: ~Copyable {
    package let port: Int
    private let descriptor: Int32

    package init() throws {
        let (descriptor, address) = try bindLoopbackSocket()
        guard listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw ReservedPortError()
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(descriptor)
    }
}
