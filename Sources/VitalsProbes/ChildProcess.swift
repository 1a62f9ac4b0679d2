import Synchronization
import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One run of a command in its own process group: spawned, drained and reaped on the
/// calling thread, which blocks until the command ends. ``cancel()`` may be called from any
/// thread: the group gets `SIGTERM`, then `SIGKILL` after ``killGrace``.
final class ChildProcess: Sendable {
    /// How a command ended and what it printed (each stream cut to ``outputLimit`` bytes).
    struct Termination: Sendable, Equatable {
        enum Status: Sendable, Equatable {
            case exited(Int32)
            case signalled(Int32)
        }

        var status: Status
        var standardOutput: [UInt8]
        var standardError: [UInt8]
    }

    private struct State {
        var cancelled = false
        /// The write end of the pipe that wakes the draining thread, while it runs.
        var wakeDescriptor: Int32?
    }

    /// How long the process group has between `SIGTERM` and `SIGKILL`.
    static let killGrace: Duration = .milliseconds(200)

    let executable: String
    let arguments: [String]
    let environment: [String: String]
    let outputLimit: Int
    private let state = Mutex(State())

    init(executable: String, arguments: [String], environment: [String: String], outputLimit: Int) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.outputLimit = outputLimit
    }

    /// Whether ``cancel()`` was called.
    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Asks a running command to stop, or a command not yet started never to start.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            if let descriptor = state.wakeDescriptor {
                var byte: UInt8 = 1
                _ = write(descriptor, &byte, 1)
            }
        }
    }

    /// Runs the command to its end. Blocks: call it on a thread meant for blocking work.
    /// - Throws: `CancellationError` when cancelled before it started, ``CheckFailure`` with
    ///   reason `error` when it cannot be started.
    func run() throws -> Termination {
        let wake = try Self.makePipe(nonBlocking: true)
        let output = try Self.makePipe()
        let errors = try Self.makePipe()
        let started = state.withLock { state in
            state.wakeDescriptor = wake.write
            return !state.cancelled
        }
        defer {
            state.withLock { $0.wakeDescriptor = nil }
            for descriptor in [wake.read, wake.write, output.read, errors.read] { close(descriptor) }
        }
        guard started else {
            for descriptor in [output.write, errors.write] { close(descriptor) }
            throw CancellationError()
        }
        let spawned = spawn(output: output.write, errors: errors.write)
        close(output.write)
        close(errors.write)
        let pid = try spawned.get()
        return drainAndReap(pid: pid, output: output.read, errors: errors.read, wake: wake.read)
    }

    // MARK: - Spawning

    private func spawn(output: Int32, errors: Int32) -> Result<pid_t, CheckFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that cancelling kills the plugin's children too; default
        // signal handling and an empty mask, whatever this process ignores or blocks.
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        )
        posix_spawnattr_setpgroup(&attributes, 0)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        switch result {
        case 0:
            return .success(pid)
        case ENOENT:
            return .failure(CheckFailure(.error, "command not found: \(executable)"))
        case EACCES:
            return .failure(CheckFailure(.error, "permission denied: \(executable)"))
        case ENOEXEC:
            return .failure(CheckFailure(.error, "not an executable (no #! line?): \(executable)"))
        default:
            return .failure(
                CheckFailure(.error, "cannot run \(executable): \(ProbeSupport.errnoDescription(result))")
            )
        }
    }

    private static func makePipe(nonBlocking: Bool = false) throws(CheckFailure) -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [-1, -1]
        // `pipe2` is not imported into Swift. Until `FD_CLOEXEC` is set, a command spawned on
        // another thread may inherit these ends; harmless here, as draining ends when the
        // command is reaped rather than at end of file.
        guard pipe(&descriptors) == 0 else {
            throw CheckFailure(.error, "cannot create a pipe: \(ProbeSupport.errnoDescription(errno))")
        }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            if nonBlocking { _ = fcntl(descriptor, F_SETFL, O_NONBLOCK) }
        }
        return (descriptors[0], descriptors[1])
    }

    // MARK: - Draining

    /// Reads both streams until the command has ended, keeping the first ``outputLimit``
    /// bytes of each and dropping the rest (so the command never blocks on a full pipe),
    /// and signals the process group once cancelled.
    private func drainAndReap(pid: pid_t, output: Int32, errors: Int32, wake: Int32) -> Termination {
        let clock = ContinuousClock()
        var streams = [Capture(descriptor: output), Capture(descriptor: errors)]
        var status: Int32?
        var terminatedAt: ContinuousClock.Instant?
        var killed = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        while status == nil {
            if terminatedAt == nil, isCancelled {
                kill(-pid, SIGTERM)
                terminatedAt = clock.now
            }
            if let terminatedAt, !killed, clock.now >= terminatedAt.advanced(by: Self.killGrace) {
                kill(-pid, SIGKILL)
                killed = true
            }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = raw
                break
            }
            // With both streams closed only the exit is left to notice; poll for it briefly.
            let timeout: Int32 = terminatedAt != nil || streams.allSatisfy(\.isClosed) ? 5 : 50
            wait(for: &streams, wake: wake, timeout: timeout, buffer: &buffer)
        }
        // The command has ended: take what is already in the pipes, but do not wait for
        // descendants that may still hold them open.
        while streams.contains(where: { !$0.isClosed }) {
            if wait(for: &streams, wake: wake, timeout: 0, buffer: &buffer) == 0 { break }
        }
        if let terminatedAt, !killed {
            // Give the rest of the group what is left of its grace, then make sure it is gone.
            while kill(-pid, 0) == 0, clock.now < terminatedAt.advanced(by: Self.killGrace) {
                poll(nil, 0, 5)
            }
            kill(-pid, SIGKILL)
        } else if terminatedAt == nil {
            // Nothing a plugin started outlives its run: what it left in its process group (`sleep 40 &`)
            // would otherwise pile up, one process per run.
            kill(-pid, SIGKILL)
        }
        return Termination(
            status: Self.decode(status ?? 0),
            standardOutput: streams[0].bytes,
            standardError: streams[1].bytes
        )
    }

    /// Waits up to `timeout` milliseconds for output or a wake-up and reads what is ready.
    /// - Returns: the number of descriptors that were ready.
    @discardableResult
    private func wait(for streams: inout [Capture], wake: Int32, timeout: Int32, buffer: inout [UInt8]) -> Int32 {
        var descriptors = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        for stream in streams where !stream.isClosed {
            descriptors.append(pollfd(fd: stream.descriptor, events: Int16(POLLIN), revents: 0))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
        guard ready > 0 else { return 0 }
        if descriptors[0].revents != 0 {
            // Only wakes the loop; the cancelled flag says why.
            buffer.withUnsafeMutableBytes { _ = read(wake, $0.baseAddress, $0.count) }
        }
        for entry in descriptors.dropFirst() where entry.revents != 0 {
            guard let index = streams.firstIndex(where: { $0.descriptor == entry.fd }) else { continue }
            let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                let room = max(0, outputLimit - streams[index].bytes.count)
                streams[index].bytes.append(contentsOf: buffer[..<min(count, room)])
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                streams[index].isClosed = true
            }
        }
        return ready
    }

    private static func decode(_ raw: Int32) -> Termination.Status {
        // The WIFEXITED/WEXITSTATUS/WTERMSIG macros are not imported into Swift.
        let signal = raw & 0x7f
        return signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
    }
}

/// One output stream of a child process.
private struct Capture {
    let descriptor: Int32
    var bytes: [UInt8] = []
    var isClosed = false
}
