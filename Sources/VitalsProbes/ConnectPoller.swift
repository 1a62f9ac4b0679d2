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

    /// An attempt between its `connect` and its registration as pending.
    private enum Announced {
        case waiting
        case cancelled
        /// The loop saw its event before the registration: the registration completes it.
        case completed
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        var announced: [UInt64: Announced] = [:]
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
        // On loopback the handshake has usually finished inside `connect` (the kernel delivers the
        // SYN and its answer before returning): one look now spares the registration and two
        // thread switches. A remote peer pays one `poll` that finds nothing.
        var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        if poll(&ready, 1, 0) == 1 {
            try Self.finish(descriptor)
            return
        }
        let id = state.withLock { state in
            state.nextID &+= 1
            state.announced[state.nextID] = .waiting
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

    // The descriptor belongs to whoever holds its attempt: `register` until the attempt is pending,
    // then whichever of the loop and `cancel` removes it from `pending` (under the lock). Only the
    // owner adds it to epoll or closes it, so no system call runs under the lock (on a daemon pinned
    // to one CPU, a thread preempted in a system call while holding it left the others spinning) and
    // a reused descriptor number is never mistaken for an old attempt (events carry the id).
    private func register(_ id: UInt64, _ pending: Pending) {
        var event = epoll_event()
        event.events = EPOLLOUT.rawValue | EPOLLONESHOT.rawValue
        event.data.u64 = id
        let added = epoll_ctl(epoll, EPOLL_CTL_ADD, pending.descriptor, &event) == 0 ? 0 : errno
        let (announced, startThread) = state.withLock { state -> (Announced?, Bool) in
            let announced = state.announced.removeValue(forKey: id)
            if added == 0, announced == .waiting { state.pending[id] = pending }
            defer { state.started = true }
            return (announced, !state.started)
        }
        if startThread {
            thread.start()
            thread.submit { [self] _ in loop() }
        }
        switch (added, announced) {
        case (0, .waiting): return
        case (0, .completed): complete(pending)
        case (0, _): fail(pending, CancellationError())
        default: fail(pending, IOError(errnoCode: added, reason: "epoll_ctl"))
        }
    }

    private func cancel(_ id: UInt64) {
        let pending = state.withLock { state -> Pending? in
            guard let pending = state.pending.removeValue(forKey: id) else {
                // Not registered yet: `register` gives up. Already completed: nothing to do.
                if state.announced[id] == .waiting { state.announced[id] = .cancelled }
                return nil
            }
            return pending
        }
        if let pending { fail(pending, CancellationError()) }
    }

    private func fail(_ pending: Pending, _ error: any Error) {
        close(pending.descriptor)
        pending.continuation.resume(throwing: error)
    }

    private func complete(_ pending: Pending) {
        do {
            try Self.finish(pending.descriptor)
            pending.continuation.resume()
        } catch {
            pending.continuation.resume(throwing: error)
        }
    }

    /// Closes the descriptor of a finished attempt; throws its connection's error.
    private static func finish(_ descriptor: Int32) throws {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
        close(descriptor)
        if error != 0 { throw IOError(errnoCode: error, reason: "connect") }
    }

    private func loop() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var ready: [Pending] = []
        ready.reserveCapacity(events.count)
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), -1)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            // One lock for the whole batch. An attempt cancelled meanwhile is in neither table: its
            // event is stale.
            state.withLock { state in
                for event in events.prefix(Int(count)) {
                    let id = event.data.u64
                    if let pending = state.pending.removeValue(forKey: id) {
                        ready.append(pending)
                    } else if state.announced[id] == .waiting {
                        state.announced[id] = .completed
                    }
                }
            }
            for pending in ready { complete(pending) }
            ready.removeAll(keepingCapacity: true)
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
