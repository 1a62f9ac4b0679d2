import NIOCore
import NIOPosix
import Synchronization

#if canImport(CProcessControl)
import CProcessControl
import Glibc

/// Waits for non-blocking sockets to become ready, in one `epoll` thread shared by every probe of
/// the process: the plain connections of the `tcp` check without anything to send and of the `http`
/// check without TLS, opened, written and read without a channel.
///
/// Through NIO's `ClientBootstrap` (a channel, its pipeline, registration on an event loop and the
/// close) a connection cost more CPU than the rest of the run together (BENCHMARKS.md). Here it
/// costs a few system calls. Cancelling a waiting task ends its wait at once.
final class SocketPoller: Sendable {
    /// The process's poller; `nil` if the system has no `epoll` descriptor to give.
    static let shared: SocketPoller? = SocketPoller()

    /// A wait between its start and its registration as pending.
    private enum Announced {
        case waiting
        case cancelled
        /// The loop saw its event before the registration: the registration resumes it.
        case ready
    }

    private struct State {
        var pending: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var announced: [UInt64: Announced] = [:]
        var nextID: UInt64 = 0
        var started = false
    }

    private let epoll: Int32
    private let state = Mutex(State())
    private let thread = NIOThreadPool(numberOfThreads: 1)

    /// Waits under way; tests read it.
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
        close(try await open(address).descriptor)
    }

    /// Opens a non-blocking TCP connection to `address`; its descriptor is the caller's to close.
    /// `registered` tells whether the descriptor is in epoll already (see ``wait(_:for:registered:)``).
    /// - Throws: as ``connect(to:)``; the descriptor is closed then.
    func open(_ address: SocketAddress) async throws -> (descriptor: Int32, registered: Bool) {
        let descriptor = socket(
            Int32(address.protocol.rawValue),
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            0
        )
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        let result = address.withSockAddr { pointer, size in
            Glibc.connect(descriptor, pointer, socklen_t(size))
        }
        if result == 0 { return (descriptor, false) }
        let code = errno
        guard code == EINPROGRESS else {
            close(descriptor)
            throw IOError(errnoCode: code, reason: "connect")
        }
        // On loopback the handshake has usually finished inside `connect` (the kernel delivers the
        // SYN and its answer before returning): asking again spares the registration and two thread
        // switches. Linux answers a second `connect` with 0 once connected, `EALREADY` while the
        // handshake goes on, and the connection's error if it failed. A remote peer pays one call.
        let again = address.withSockAddr { pointer, size in
            Glibc.connect(descriptor, pointer, socklen_t(size)) == 0 ? 0 : errno
        }
        if again == 0 || again == EISCONN { return (descriptor, false) }
        do {
            guard again == EALREADY || again == EINPROGRESS else {
                throw IOError(errnoCode: again, reason: "connect")
            }
            try await wait(descriptor, for: EPOLLOUT.rawValue, registered: false)
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
            if error != 0 { throw IOError(errnoCode: error, reason: "connect") }
        } catch {
            close(descriptor)
            throw error
        }
        return (descriptor, true)
    }

    /// Waits until `descriptor` is ready for `events` (`EPOLLIN`, `EPOLLOUT`) once. The descriptor
    /// stays the caller's: closing it ends its registration.
    /// - Parameter registered: whether an earlier wait added the descriptor to epoll.
    /// - Throws: `CancellationError` when the task is cancelled first; `IOError` from `epoll_ctl`.
    func wait(_ descriptor: Int32, for events: UInt32, registered: Bool) async throws {
        let id = state.withLock { state in
            state.nextID &+= 1
            state.announced[state.nextID] = .waiting
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                register(id, descriptor, events: events, registered: registered, continuation)
            }
        } onCancel: {
            cancel(id)
        }
    }

    // Events carry the wait's id, never the descriptor, so a descriptor closed and its number
    // reused is never mistaken for an old wait. No system call runs under the lock: on a daemon
    // pinned to one CPU, a thread preempted in `epoll_ctl` while holding it left the others spinning.
    private func register(
        _ id: UInt64,
        _ descriptor: Int32,
        events: UInt32,
        registered: Bool,
        _ continuation: CheckedContinuation<Void, any Error>
    ) {
        var event = epoll_event()
        event.events = events | EPOLLONESHOT.rawValue
        event.data.u64 = id
        let added = epoll_ctl(epoll, registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, descriptor, &event) == 0 ? 0 : errno
        let (announced, startThread) = state.withLock { state -> (Announced?, Bool) in
            let announced = state.announced.removeValue(forKey: id)
            if added == 0, announced == .waiting { state.pending[id] = continuation }
            defer { state.started = true }
            return (announced, !state.started)
        }
        if startThread {
            thread.start()
            thread.submit { [self] _ in loop() }
        }
        switch (added, announced) {
        case (0, .waiting): return
        case (0, .ready): continuation.resume()
        case (0, _): continuation.resume(throwing: CancellationError())
        default: continuation.resume(throwing: IOError(errnoCode: added, reason: "epoll_ctl"))
        }
    }

    private func cancel(_ id: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard let continuation = state.pending.removeValue(forKey: id) else {
                // Not registered yet: `register` gives up. Already resumed: nothing to do.
                if state.announced[id] == .waiting { state.announced[id] = .cancelled }
                return nil
            }
            return continuation
        }
        continuation?.resume(throwing: CancellationError())
    }

    private func loop() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var ready: [CheckedContinuation<Void, any Error>] = []
        ready.reserveCapacity(events.count)
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), -1)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            // One lock for the whole batch. A wait cancelled meanwhile is in neither table: its
            // event is stale.
            state.withLock { state in
                for event in events.prefix(Int(count)) {
                    let id = event.data.u64
                    if let continuation = state.pending.removeValue(forKey: id) {
                        ready.append(continuation)
                    } else if state.announced[id] == .waiting {
                        state.announced[id] = .ready
                    }
                }
            }
            for continuation in ready { continuation.resume() }
            ready.removeAll(keepingCapacity: true)
        }
    }
}

/// A plain TCP connection on a non-blocking descriptor whose waits are ``SocketPoller``'s: what the
/// `http` check speaks over without TLS. Closed when the last reference goes.
final class PolledConnection: Sendable {
    private let descriptor: Int32
    private let poller: SocketPoller
    private let registered: Atomic<Bool>

    /// Connects to `address`.
    /// - Throws: as ``SocketPoller/connect(to:)``.
    init(to address: SocketAddress, poller: SocketPoller) async throws {
        let (descriptor, registered) = try await poller.open(address)
        self.descriptor = descriptor
        self.poller = poller
        self.registered = Atomic(registered)
    }

    deinit { close(descriptor) }

    /// Writes all of `bytes`, waiting while the socket's buffer is full.
    /// - Throws: `IOError` (`EPIPE`, `ECONNRESET`…), `CancellationError`.
    func send(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                Glibc.send(
                    descriptor,
                    buffer.baseAddress.map { $0 + offset },
                    buffer.count - offset,
                    Int32(MSG_NOSIGNAL)
                )
            }
            if sent >= 0 {
                offset += sent
            } else if errno == EAGAIN || errno == EINTR {
                try await wait(for: EPOLLOUT.rawValue)
            } else {
                throw IOError(errnoCode: errno, reason: "send")
            }
        }
    }

    /// Appends what the peer sends next to `buffer`, waiting for it; false once the peer closed the
    /// connection.
    /// - Throws: `IOError` (`ECONNRESET`…), `CancellationError`.
    func receive(into buffer: inout [UInt8]) async throws -> Bool {
        while true {
            let (received, error) = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8 * 1024) { scratch in
                let received = recv(descriptor, scratch.baseAddress, scratch.count, 0)
                if received > 0 { buffer.append(contentsOf: scratch.prefix(received)) }
                return (received, received < 0 ? errno : 0)
            }
            if received >= 0 { return received > 0 }
            guard error == EAGAIN || error == EINTR else { throw IOError(errnoCode: error, reason: "recv") }
            try await wait(for: EPOLLIN.rawValue)
        }
    }

    private func wait(for events: UInt32) async throws {
        let registered = registered.exchange(true, ordering: .relaxed)
        try await poller.wait(descriptor, for: events, registered: registered)
    }
}
#else
/// Without `epoll` (not Linux) every connection goes through NIO.
final class SocketPoller: Sendable {
    static let shared: SocketPoller? = nil
    func connect(to address: SocketAddress) async throws {}
}

final class PolledConnection: Sendable {
    init(to address: SocketAddress, poller: SocketPoller) async throws {}
    func send(_ bytes: [UInt8]) async throws {}
    func receive(into buffer: inout [UInt8]) async throws -> Bool { false }
}
#endif
