public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a command as a Nagios plugin.
///
/// Exit code 0 passes, 1 warns, 2 fails with reason `exit_code`, and 3, any other code or
/// death by a signal fail with reason `unknown`. The first line of standard output is the
/// message (`exit code N` when it is empty); perfdata after a `|` in that line, such as
/// `'load 1'=0.52;4;8;0 time=3ms`, become observations.
///
/// ```swift
/// let ntp = ExecProbe(command: ["/usr/lib/nagios/plugins/check_ntp_time", "-H", "pool.ntp.org"])
/// ```
///
/// The command runs in its own process group with standard input from `/dev/null` and a
/// minimal environment. Both output streams are read to the end (so a chatty plugin never
/// blocks), keeping the first 4 KiB of each. When the run is cancelled (its timeout), the
/// whole group gets `SIGTERM`, then `SIGKILL` 200 ms later, and is reaped.
///
/// Commands are waited on by a ``ProcessSupervisor`` without a thread each: a hung plugin
/// costs a sleeping process, not a thread.
public struct ExecProbe: HealthCheck {
    /// The environment of a command when none is given.
    public static let defaultEnvironment = ["PATH": defaultPath, "LANG": "C.UTF-8"]
    /// The `PATH` of ``defaultEnvironment``, also searched when a given environment has none.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"
    /// The most bytes kept of each output stream.
    static let outputLimit = 4096

    /// The program and its arguments; a program without a `/` is looked up in the `PATH`
    /// of ``environment``.
    public var command: [String]
    /// The complete environment of the command; `nil` for ``defaultEnvironment``.
    public var environment: [String: String]?
    /// Starts the command and waits on it.
    public var supervisor: ProcessSupervisor

    /// Creates an exec probe.
    /// - Parameters:
    ///   - command: The program and its arguments; not empty.
    ///   - environment: The complete environment of the command; `nil` for
    ///     ``defaultEnvironment``.
    ///   - supervisor: Starts the command and waits on it.
    public init(
        command: [String],
        environment: [String: String]? = nil,
        supervisor: ProcessSupervisor = .shared
    ) {
        precondition(!command.isEmpty, "an exec check needs a command")
        self.command = command
        self.environment = environment
        self.supervisor = supervisor
    }

    public func run() async throws -> CheckOutcome {
        let environment = environment ?? Self.defaultEnvironment
        let process = ChildProcess(
            executable: try Self.resolve(command[0], path: environment["PATH"] ?? Self.defaultPath),
            arguments: command,
            environment: environment,
            outputLimit: Self.outputLimit
        )
        return Self.outcome(of: try await supervisor.run(process))
    }

    /// The path of `program`: itself when it contains a `/`, else the first executable
    /// file of that name in `path`.
    /// - Throws: ``CheckFailure`` with reason `error` when there is none.
    static func resolve(_ program: String, path: String) throws(CheckFailure) -> String {
        if program.contains("/") { return program }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw CheckFailure(.error, "command not found: \(program) (PATH=\(path))")
    }

    /// Judges a finished command by the Nagios plugin rules.
    static func outcome(of termination: ChildProcess.Termination) -> CheckOutcome {
        let firstLine =
            termination.standardOutput.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .first ?? []
        let line = String(decoding: firstLine, as: UTF8.self)
        let text: Substring
        var observations: [Observation] = []
        if let bar = line.firstIndex(of: "|") {
            text = line[..<bar]
            observations = PerfData.parse(line[line.index(after: bar)...])
        } else {
            text = line[...]
        }
        var message = ProbeSupport.trimmed(text)
        switch termination.status {
        case .exited(let code):
            if message.isEmpty {
                let errorLine = termination.standardError.split(separator: UInt8(ascii: "\n")).first ?? []
                let detail = ProbeSupport.printable(errorLine, limit: 200)
                message = detail.isEmpty ? "exit code \(code)" : "exit code \(code): \(detail)"
            }
            switch code {
            case 0: return .pass(message, observations: observations)
            case 1: return .warn(message, observations: observations)
            case 2: return .fail(message, reason: .exitCode, observations: observations)
            default: return .fail(message, reason: .unknown, observations: observations)
            }
        case .signalled(let signal):
            let killed = "killed by signal \(signal)"
            return .fail(
                message.isEmpty ? killed : "\(killed): \(message)",
                reason: .unknown,
                observations: observations
            )
        }
    }
}
