import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Stands in for systemd: a Unix datagram socket bound to a temporary path, to be
/// passed as `NOTIFY_SOCKET`, that records every message with its arrival time.
final class NotifySocket: Sendable {
    struct Message: Sendable {
        var text: String
        var received: ContinuousClock.Instant
    }

    let path: String
    private let descriptor: Int32
    private let messages = Locked<[Message]>([])
    private let stopped = Locked(false)

    init() throws {
        path = NSTemporaryDirectory() + "vitals-notify-\(UUID().uuidString.prefix(8)).sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw TimedOut(what: "a datagram socket") }
        self.descriptor = descriptor
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw TimedOut(what: "binding \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let messages = self.messages
        let stopped = self.stopped
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stopped.withLock({ $0 }) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count > 0 {
                    let text = String(decoding: buffer[..<count], as: UTF8.self)
                    messages.withLock { $0.append(Message(text: text, received: .now)) }
                }
            }
            // Closed here, not in deinit, so that the descriptor is never reused under a running recv.
            close(descriptor)
        }
    }

    var all: [Message] { messages.withLock { $0 } }

    /// Messages that set `assignment` (e.g. `READY=1`), in arrival order.
    func messages(containing assignment: String) -> [Message] {
        all.filter { $0.text.split(separator: "\n").contains { $0 == assignment } }
    }

    deinit {
        stopped.withLock { $0 = true }
        unlink(path)
    }
}
