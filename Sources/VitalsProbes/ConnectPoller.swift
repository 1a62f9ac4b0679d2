import NIOCore
import NIOPosix
import Synchronization

#if canImport(CProcessControl)
import CProcessControl
import Glibc

/// Opens a TCP connection and closes it at once, without a channel: a non-blocking `connect`
/// whose completion one thread, shared by every probe of the process, waits for in `epoll`.
///
/// A `tcp` check with nothing to send or expect only asks whether the port accepts connections.
/// Through NIO's `ClientBootstrap` (a channel, its pipeline, registration on an event loop and the
/// close) that question cost more CPU than the rest of the run together (BENCHMARKS.md). Here it
/// costs a few system calls. Cancelling the task closes the socket at once.
final class ConnectPoller: Sendable {
    /// The process's poller; `nil` if the system has no `epoll` descriptor to give.
    static let shared: ConnectPoller? = ConnectPoller()

    private struct Pending {
        let descriptor: Int32
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        /// Attempts not registered yet, and whether they were cancelled meanwhile.
        var announced: [UInt64: Bool] = [:]
        var nextID: UInt64 = 0
        var started = false
    }

    private let epoll: Int32
    private let state = Mutex(State())
    private let thread = NIOThreadPool(numberOfThreads: 1)

    /// Attempts under way; tests read it.
    var pendingCount: Int { state.withLock { $0.pending.count + $0.announced.count } }

    /// A poller of its own; the daemon and the probes use ``shared``, tests make their own.
    init?() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { return nil }
    }

    /// Connects to `address` and closes the connection.
    /// - Throws: `IOError` with the connection's `errno` (refused, unreachable…), or
    ///   `CancellationError` when the task is cancelled first.
    func connect(to address: SocketAddress) async throws {
        let descriptor = socket(
            Int32(address.protocol.rawValue),
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            0
        )
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        let result = address.withSockAddr { pointer, size in
            Glibc.connect(descriptor, pointer, socklen_t(size))
        }
        if result == 0 {
            close(descriptor)
            return
        }
        let code = errno
        guard code == EINPROGRESS else {
            close(descriptor)
            throw IOError(errnoCode: code, reason: "connect")
        }
        let id = state.withLock { state in
            state.nextID &+= 1
            state.announced[state.nextID] = false
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                register(id, Pending(descriptor: descriptor, continuation: continuation))
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func register(_ id: UInt64, _ pending: Pending) {
        // The descriptor is added to epoll and closed only under the lock, so a cancellation can
        // never close it between the two and leave a reused number registered.
        let (startThread, failure) = state.withLock { state -> (Bool, (any Error)?) in
            if state.announced.removeValue(forKey: id) == true {
                close(pending.descriptor)
                return (false, CancellationError())
            }
            var event = epoll_event()
            event.events = EPOLLOUT.rawValue | EPOLLONESHOT.rawValue
            event.data.u64 = id
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, pending.descriptor, &event) == 0 else {
                let error = IOError(errnoCode: errno, reason: "epoll_ctl")
                close(pending.descriptor)
                return (false, error)
            }
            state.pending[id] = pending
            defer { state.started = true }
            return (!state.started, nil)
        }
        if let failure {
            pending.continuation.resume(throwing: failure)
            return
        }
        if startThread {
            thread.start()
            thread.submit { [self] _ in loop() }
        }
    }

    private func cancel(_ id: UInt64) {
        let pending = state.withLock { state -> Pending? in
            guard let pending = state.pending.removeValue(forKey: id) else {
                // Not registered yet: `register` gives up. Already completed: nothing to do.
                if state.announced[id] != nil { state.announced[id] = true }
                return nil
            }
            close(pending.descriptor)
            return pending
        }
        pending?.continuation.resume(throwing: CancellationError())
    }

    private func loop() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), -1)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            for event in events.prefix(Int(count)) {
                // An attempt that was cancelled meanwhile is no longer pending: its event is stale.
                guard let pending = state.withLock({ $0.pending.removeValue(forKey: event.data.u64) }) else {
                    continue
                }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if getsockopt(pending.descriptor, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
                close(pending.descriptor)
                if error == 0 {
                    pending.continuation.resume()
                } else {
                    pending.continuation.resume(throwing: IOError(errnoCode: error, reason: "connect"))
                }
            }
        }
    }
}
#else
/// Without `epoll` (not Linux) every `tcp` check connects through NIO.
final class ConnectPoller: Sendable {
    static let shared: ConnectPoller? = nil
    func connect(to address: SocketAddress) async throws {}
}
#endif
