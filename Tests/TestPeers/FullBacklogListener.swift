#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that listens with a backlog of one and never accepts, already holding one
/// connection: the kernel drops further SYNs, so a new connection attempt stays in progress (it
/// would take about two minutes of retries to time out).
package struct FullBacklogListener: ~Copyable {
    package let port: Int
    private let listener: Int32
    private let client: Int32

    package init() throws {
        var (listener, address) = try bindLoopbackSocket()
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let connected =
            listen(listener, 0) == 0 && client >= 0
            && withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) == 0 }
            }
        guard connected else {
            close(listener)
            if client >= 0 { close(client) }
            throw ReservedPortError()
        }
        self.listener = listener
        self.client = client
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(client)
        close(listener)
    }
}
