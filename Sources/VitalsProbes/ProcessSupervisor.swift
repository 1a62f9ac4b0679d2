import NIOPosix
import Synchronization
import Vitals

#if canImport(CProcessControl)
import CProcessControl
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs commands and waits on all of them from one thread that blocks only in `poll`: a
/// thousand hung plugins cost a thousand sleeping processes and one thread, and never keep
/// another check from running.
///
/// Each command runs in its own process group. Its output is drained as it comes (the first
/// bytes kept, the rest dropped, so a chatty plugin never blocks) and its end is seen through
/// a `pidfd` (polled every 20 ms on kernels before 5.3). When the command ends, whatever is
/// left of its process group is killed: nothing a plugin starts outlives its run. A cancelled
/// run's group gets `SIGTERM`, then `SIGKILL` after ``killGrace``.
///
/// A supervisor made with `reapsOrphans: true` also makes this process a child subreaper
/// (`PR_SET_CHILD_SUBREAPER`): descendants that escape their group (a plugin that daemonizes)
/// are re-parented here, killed and reaped. That reaps every child of the process, so only a
/// program whose children are all started by this supervisor (the `vitals` daemon) may ask
/// for it.
public final class ProcessSupervisor: Sendable {
    /// A supervisor for library users; it never reaps children it did not start.
    public static let shared = ProcessSupervisor(reapsOrphans: false)

    /// How long a cancelled command's process group has between `SIGTERM` and `SIGKILL`.
    public static let killGrace: Duration = .milliseconds(200)

    /// Whether orphaned descendants are killed and reaped.
    public let reapsOrphans: Bool

    private struct Shared {
        var started = false
        var stopping = false
        var incoming: [Run] = []
        var cancelled: [Run] = []
        var running = 0
        /// The process groups of the commands running now.
        var groups: Set<pid_t> = []
    }

    private let shared = Mutex(Shared())
    private let wake: (read: Int32, write: Int32)
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let stopped = Latch()

    /// Creates a supervisor; its thread starts with the first command.
    /// - Parameter reapsOrphans: Make this process a child subreaper and reap (after killing)
    ///   every child the supervisor did not start. Only for a process whose children are all
    ///   started here.
    public init(reapsOrphans: Bool = false) {
        self.reapsOrphans = reapsOrphans
        var descriptors: [Int32] = [-1, -1]
        if pipe(&descriptors) == 0 {
            for descriptor in descriptors {
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
            }
        }
        wake = (descriptors[0], descriptors[1])
        #if canImport(CProcessControl)
        if reapsOrphans { _ = vitals_set_child_subreaper() }
        #endif
    }

    /// Commands under way.
    public var runningCount: Int { shared.withLock { $0.running } }

    /// Runs `command` to its end; cancelling the task stops it.
    func run(_ command: ChildProcess) async throws -> ChildProcess.Termination {
        let run = Run(command)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard run.wait(with: continuation) else { return }
                submit(run)
            }
        } onCancel: {
            if run.cancel() {
                shared.withLock { $0.cancelled.append(run) }
                signalWake()
            }
        }
    }

    /// Kills every running command's process group at once, from any thread, without waiting: the
    /// last resort of a process about to exit.
    public func killAll() {
        for group in shared.withLock({ $0.groups }) { kill(-group, SIGKILL) }
    }

    /// Kills every command's process group, waits until all are reaped and stops the thread.
    /// Commands submitted afterwards fail at once.
    public func shutdown() async {
        let wasStarted = shared.withLock { shared in
            shared.stopping = true
            return shared.started
        }
        signalWake()
        if wasStarted { await stopped.wait() }
        try? await thread.shutdownGracefully()
        close(wake.read)
        close(wake.write)
    }

    private func submit(_ run: Run) {
        let (refused, startThread) = shared.withLock { shared -> (Bool, Bool) in
            if shared.stopping { return (true, false) }
            shared.incoming.append(run)
            shared.running += 1
            defer { shared.started = true }
            return (false, !shared.started)
        }
        if refused {
            run.finish(.failure(CheckFailure(.error, "the daemon is stopping")))
            return
        }
        if startThread {
            thread.start()
            thread.submit { [self] _ in loop() }
        }
        signalWake()
    }

    private func signalWake() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    // MARK: - The supervising thread

    /// A running command, owned by the supervising thread.
    private struct Child {
        let run: Run
        let pid: pid_t
        /// -1 without pidfd support.
        let pidDescriptor: Int32
        var streams: [Capture]
        var status: Int32?
        var terminatedAt: ContinuousClock.Instant?
        var killed = false
    }

    private func loop() {
        let clock = ContinuousClock()
        var children: [Child] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var lastSweep = clock.now
        while true {
            let (incoming, cancelled, stopping) = shared.withLock { shared in
                defer {
                    shared.incoming = []
                    shared.cancelled = []
                }
                return (shared.incoming, shared.cancelled, shared.stopping)
            }
            for run in incoming {
                if stopping || run.isCancelled {
                    finish(
                        run,
                        .failure(stopping ? CheckFailure(.error, "the daemon is stopping") : CancellationError())
                    )
                    continue
                }
                do {
                    let started = try run.command.start()
                    shared.withLock { _ = $0.groups.insert(started.pid) }
                    children.append(
                        Child(
                            run: run,
                            pid: started.pid,
                            pidDescriptor: Self.pidDescriptor(of: started.pid),
                            streams: [Capture(descriptor: started.output), Capture(descriptor: started.errors)]
                        )
                    )
                } catch {
                    finish(run, .failure(error))
                }
            }
            let now = clock.now
            let cancelledRuns = Set(cancelled.map(ObjectIdentifier.init))
            for index in children.indices where children[index].terminatedAt == nil {
                if stopping || cancelledRuns.contains(ObjectIdentifier(children[index].run)) {
                    kill(-children[index].pid, stopping ? SIGKILL : SIGTERM)
                    children[index].terminatedAt = now
                    children[index].killed = stopping
                }
            }
            for index in children.indices {
                if let terminatedAt = children[index].terminatedAt, !children[index].killed,
                    now >= terminatedAt.advanced(by: Self.killGrace)
                {
                    kill(-children[index].pid, SIGKILL)
                    children[index].killed = true
                }
            }
            if stopping && children.isEmpty {
                sweepOrphans(keeping: [])
                var raw: Int32 = 0
                while reapsOrphans, waitpid(-1, &raw, WNOHANG) > 0 {}
                stopped.open()
                return
            }

            pollOnce(&children, timeout: pollTimeout(children, now: now), buffer: &buffer)
            reap(&children)

            var finishedAny = false
            children.removeAll { child in
                guard let status = child.status else { return false }
                finishedAny = true
                complete(child, status: status, buffer: &buffer)
                return true
            }
            if reapsOrphans, finishedAny || lastSweep.duration(to: clock.now) >= .seconds(1) {
                sweepOrphans(keeping: Set(children.map(\.pid)))
                lastSweep = clock.now
            }
        }
    }

    /// Milliseconds until something needs doing without an event: a kill grace ending, a
    /// child without a pidfd to check on, or the orphan sweep.
    private func pollTimeout(_ children: [Child], now: ContinuousClock.Instant) -> Int32 {
        var timeout: Int32 = reapsOrphans ? 1000 : -1
        for child in children {
            if child.pidDescriptor < 0 { timeout = timeout < 0 ? 20 : min(timeout, 20) }
            if let terminatedAt = child.terminatedAt, !child.killed {
                let left = now.duration(to: terminatedAt.advanced(by: Self.killGrace))
                let milliseconds = Int32(clamping: Int(max(1, (left.inSeconds * 1000).rounded(.up))))
                timeout = timeout < 0 ? milliseconds : min(timeout, milliseconds)
            }
        }
        return timeout
    }

    /// Waits for output, an ended child or a wake-up, and reads what is ready.
    private func pollOnce(_ children: inout [Child], timeout: Int32, buffer: inout [UInt8]) {
        var descriptors = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        // Where each entry after the first points: (child, stream), stream -1 for the pidfd.
        var owners: [(child: Int, stream: Int)] = []
        for (index, child) in children.enumerated() {
            if child.pidDescriptor >= 0 {
                descriptors.append(pollfd(fd: child.pidDescriptor, events: Int16(POLLIN), revents: 0))
                owners.append((index, -1))
            }
            for (stream, capture) in child.streams.enumerated() where !capture.isClosed {
                descriptors.append(pollfd(fd: capture.descriptor, events: Int16(POLLIN), revents: 0))
                owners.append((index, stream))
            }
        }
        guard poll(&descriptors, nfds_t(descriptors.count), timeout) > 0 else { return }
        if descriptors[0].revents != 0 {
            buffer.withUnsafeMutableBytes { _ = read(wake.read, $0.baseAddress, $0.count) }
        }
        for (entry, owner) in zip(descriptors.dropFirst(), owners) where entry.revents != 0 && owner.stream >= 0 {
            children[owner.child].streams[owner.stream].read(
                from: &buffer,
                limit: children[owner.child].run.command.outputLimit
            )
        }
    }

    /// Collects the exit status of every child that has ended.
    private func reap(_ children: inout [Child]) {
        if reapsOrphans {
            // Every child of the process is ours: take each status as it comes, ours or an orphan's.
            var raw: Int32 = 0
            while true {
                let pid = waitpid(-1, &raw, WNOHANG)
                guard pid > 0 else { break }
                if let index = children.firstIndex(where: { $0.pid == pid }) { children[index].status = raw }
            }
            return
        }
        for index in children.indices where children[index].status == nil {
            var raw: Int32 = 0
            let pid = waitpid(children[index].pid, &raw, WNOHANG)
            if pid == children[index].pid {
                children[index].status = raw
            } else if pid < 0, errno == ECHILD {
                // Reaped elsewhere (a host program's `waitpid(-1)`): ended, status unknown (exit 255).
                children[index].status = 0xff00
            }
        }
    }

    /// Takes what is already in the pipes of an ended child (not waiting for descendants that
    /// may hold them open), kills what is left of its group and hands over the result.
    private func complete(_ child: Child, status: Int32, buffer: inout [UInt8]) {
        var streams = child.streams
        for index in streams.indices {
            while !streams[index].isClosed, streams[index].read(from: &buffer, limit: child.run.command.outputLimit) {}
            close(streams[index].descriptor)
        }
        kill(-child.pid, SIGKILL)
        shared.withLock { _ = $0.groups.remove(child.pid) }
        if child.pidDescriptor >= 0 { close(child.pidDescriptor) }
        if child.terminatedAt != nil {
            finish(child.run, .failure(CancellationError()))
        } else {
            let termination = ChildProcess.Termination(
                status: ChildProcess.decode(status),
                standardOutput: streams[0].bytes,
                standardError: streams[1].bytes
            )
            finish(child.run, .success(termination))
        }
    }

    private func finish(_ run: Run, _ result: Result<ChildProcess.Termination, any Error>) {
        shared.withLock { $0.running -= 1 }
        run.finish(result)
    }

    /// Kills the children of this process that no command accounts for: descendants of plugins
    /// that left their process group, re-parented here because this process is a subreaper.
    private func sweepOrphans(keeping pids: Set<pid_t>) {
        guard reapsOrphans else { return }
        for pid in Self.childrenOfThisProcess() where !pids.contains(pid) {
            kill(pid, SIGKILL)
        }
        // `reap` collects them on a later turn, together with the commands' own statuses.
    }

    /// The pids in `/proc/self/task/*/children`.
    private static func childrenOfThisProcess() -> [pid_t] {
        guard let directory = opendir("/proc/self/task") else { return [] }
        defer { closedir(directory) }
        var pids: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let tid = Int(name) else { continue }
            guard let file = fopen("/proc/self/task/\(tid)/children", "r") else { continue }
            defer { fclose(file) }
            var pid: Int32 = 0
            while withUnsafeMutablePointer(to: &pid, { readPID(file, $0) }) { pids.append(pid) }
        }
        return pids
    }

    private static func readPID(_ file: UnsafeMutablePointer<FILE>, _ pid: UnsafeMutablePointer<Int32>) -> Bool {
        var text: [UInt8] = []
        while true {
            let character = getc(file)
            if character == EOF || character == Int32(UInt8(ascii: " ")) { break }
            text.append(UInt8(truncatingIfNeeded: character))
        }
        guard let value = Int32(String(decoding: text, as: UTF8.self)) else { return false }
        pid.pointee = value
        return true
    }

    private static func pidDescriptor(of pid: pid_t) -> Int32 {
        #if canImport(CProcessControl)
        let descriptor = vitals_pidfd_open(pid)
        if descriptor >= 0 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return descriptor
        #else
        return -1
        #endif
    }
}

/// One command's way through the supervisor, from submission to its result.
private final class Run: Sendable {
    private enum State {
        case new
        case cancelledBeforeStart
        case waiting(CheckedContinuation<ChildProcess.Termination, any Error>)
        case done
    }

    let command: ChildProcess
    private let state = Mutex(State.new)

    init(_ command: ChildProcess) { self.command = command }

    var isCancelled: Bool {
        state.withLock {
            if case .cancelledBeforeStart = $0 { return true }
            return false
        }
    }

    /// Waits for the result with `continuation`.
    /// - Returns: false when the run was cancelled first and `continuation` resumed with that.
    func wait(with continuation: CheckedContinuation<ChildProcess.Termination, any Error>) -> Bool {
        let proceed = state.withLock { state -> Bool in
            guard case .new = state else { return false }
            state = .waiting(continuation)
            return true
        }
        if !proceed { continuation.resume(throwing: CancellationError()) }
        return proceed
    }

    /// Marks the run cancelled.
    /// - Returns: true when the supervisor has it and must stop it.
    func cancel() -> Bool {
        state.withLock { state in
            switch state {
            case .new:
                state = .cancelledBeforeStart
                return false
            case .waiting: return true
            case .cancelledBeforeStart, .done: return false
            }
        }
    }

    func finish(_ result: Result<ChildProcess.Termination, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<ChildProcess.Termination, any Error>? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .done
            return continuation
        }
        continuation?.resume(with: result)
    }
}

/// One output stream of a child process.
private struct Capture {
    let descriptor: Int32
    var bytes: [UInt8] = []
    var isClosed = false

    /// Reads what is ready, keeping up to `limit` bytes in all.
    /// - Returns: true when something was read (there may be more).
    @discardableResult
    mutating func read(from buffer: inout [UInt8], limit: Int) -> Bool {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            let room = max(0, limit - bytes.count)
            bytes.append(contentsOf: buffer[..<min(count, room)])
            return true
        }
        if count == 0 || (errno != EINTR && errno != EAGAIN) { isClosed = true }
        return false
    }
}
