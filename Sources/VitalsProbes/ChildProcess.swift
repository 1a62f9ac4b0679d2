import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A command to run in its own process group, and how it ended. ``ProcessSupervisor`` runs it.
struct ChildProcess: Sendable {
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

    let executable: String
    let arguments: [String]
    let environment: [String: String]
    let outputLimit: Int

    /// A started command: its process (also its process group) and the read ends of its output pipes.
    struct Started {
        let pid: pid_t
        let output: Int32
        let errors: Int32
    }

    /// Starts the command with standard input from `/dev/null`, output to two non-blocking pipes,
    /// in a process group of its own, with default signal handling and an empty signal mask
    /// whatever this process ignores or blocks.
    func start() throws(CheckFailure) -> Started {
        let output = try Self.makePipe()
        let errors: (read: Int32, write: Int32)
        do {
            errors = try Self.makePipe()
        } catch {
            close(output.read)
            close(output.write)
            throw error
        }
        let spawned = spawn(output: output.write, errors: errors.write)
        close(output.write)
        close(errors.write)
        switch spawned {
        case .success(let pid):
            return Started(pid: pid, output: output.read, errors: errors.read)
        case .failure(let failure):
            close(output.read)
            close(errors.read)
            throw failure
        }
    }

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

    /// A pipe whose ends close on exec and whose read end never blocks.
    private static func makePipe() throws(CheckFailure) -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [-1, -1]
        // `pipe2` is not imported into Swift. Commands are only spawned on the supervisor's
        // thread, so no other spawn can inherit these ends before `FD_CLOEXEC` is set.
        guard pipe(&descriptors) == 0 else {
            throw CheckFailure(.error, "cannot create a pipe: \(ProbeSupport.errnoDescription(errno))")
        }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(descriptors[0], F_SETFL, O_NONBLOCK)
        return (descriptors[0], descriptors[1])
    }

    /// Decodes a `waitpid` status.
    static func decode(_ raw: Int32) -> Termination.Status {
        // The WIFEXITED/WEXITSTATUS/WTERMSIG macros are not imported into Swift.
        let signal = raw & 0x7f
        return signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
    }
}
