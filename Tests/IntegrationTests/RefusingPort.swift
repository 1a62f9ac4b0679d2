import Foundation

/// A loopback port that refuses connections and that no one else can take while it is open: a TCP
/// socket bound to it that never listens. Closing a listener and reusing its number instead races
/// with parallel tests, one of which may bind the same number in between.
final class RefusingPort: Sendable {
    let port: Int
    private let socket: Int32

    init() throws {
        let descriptor = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TimedOut(what: "a socket for a refusing port") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            Foundation.close(descriptor)
            throw TimedOut(what: "a loopback port to bind")
        }
        socket = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Frees the port; call it (`defer`) when the test is done with it.
    func close() {
        Foundation.close(socket)
    }
}
