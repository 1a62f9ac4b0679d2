public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks that a process is running: the one a pidfile names, or any named so.
///
/// With a pidfile, the process whose ID it holds must exist and not be a zombie. With a
/// name, at least one process whose `/proc/PID/comm` is exactly that name must exist; the
/// kernel cuts `comm` to 15 bytes, so a longer name never matches. Zombies do not count.
///
/// A pidfile that cannot be read or does not hold a process ID fails with reason `error`;
/// a process that is gone or a zombie with reason ``notRunning``. Observation, for a name:
/// `count`, the number of matching processes.
///
/// ```swift
/// let nginx = ProcessProbe(pidfile: "/run/nginx.pid")
/// let workers = ProcessProbe(name: "php-fpm")
/// ```
public struct ProcessProbe: HealthCheck {
    /// The failure reason when no such process is running, or it is a zombie.
    public static let notRunning = FailureReason("not_running")

    /// Which process a probe looks for.
    public enum Target: Sendable, Hashable {
        /// The process whose ID a file such as `/run/nginx.pid` holds.
        case pidfile(String)
        /// Any process whose `/proc/PID/comm` is exactly this name (at most 15 bytes).
        case name(String)
    }

    /// Which process the probe looks for.
    public let target: Target
    /// Where the `proc` file system is mounted; another directory of the same layout in tests.
    public var procRoot: String

    /// Creates a probe of a process.
    /// - Parameters:
    ///   - target: A pidfile, or a name matched exactly against `/proc/PID/comm`.
    ///   - procRoot: Where the `proc` file system is mounted.
    public init(target: Target, procRoot: String = "/proc") {
        self.target = target
        self.procRoot = procRoot
    }

    /// Creates a probe of the process whose ID a pidfile holds.
    /// - Parameters:
    ///   - pidfile: A file holding a process ID, such as `/run/nginx.pid`.
    ///   - procRoot: Where the `proc` file system is mounted.
    public init(pidfile: String, procRoot: String = "/proc") {
        self.init(target: .pidfile(pidfile), procRoot: procRoot)
    }

    /// Creates a probe of the processes with a name.
    /// - Parameters:
    ///   - name: Matched exactly against `/proc/PID/comm`: the program's file name, at most
    ///     15 bytes, unless the process renamed itself.
    ///   - procRoot: Where the `proc` file system is mounted.
    public init(name: String, procRoot: String = "/proc") {
        self.init(target: .name(name), procRoot: procRoot)
    }

    /// The pidfile, for a probe made with ``init(pidfile:procRoot:)``.
    public var pidfile: String? {
        guard case .pidfile(let path) = target else { return nil }
        return path
    }

    /// The process name, for a probe made with ``init(name:procRoot:)``.
    public var name: String? {
        guard case .name(let name) = target else { return nil }
        return name
    }

    public func run() async throws -> CheckOutcome {
        switch target {
        case .pidfile(let path): try checkPidfile(path)
        case .name(let name): try count(named: name)
        }
    }

    private func checkPidfile(_ path: String) throws(CheckFailure) -> CheckOutcome {
        let contents: String
        do {
            contents = try ProbeSupport.readSmallFile(path, limit: 4096)
        } catch {
            let prefix = "cannot read \(path): "
            let cause = error.detail.hasPrefix(prefix) ? String(error.detail.dropFirst(prefix.count)) : error.detail
            throw CheckFailure(.error, "cannot read pidfile \(path): \(cause)")
        }
        let firstLine = contents.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let pid = Int32(ProbeSupport.trimmed(firstLine)), pid > 0 else {
            let shown = ProbeSupport.printable(contents.utf8, limit: 32)
            throw CheckFailure(.error, "pidfile \(path) does not hold a process ID: \"\(shown)\"")
        }
        guard let stat = try? ProbeSupport.readSmallFile("\(procRoot)/\(pid)/stat") else {
            return .fail("process \(pid) is not running", reason: Self.notRunning)
        }
        guard let (command, state) = Self.parseStat(stat) else {
            throw CheckFailure(.error, "cannot parse \(procRoot)/\(pid)/stat")
        }
        if Self.isDead(state) {
            return .fail("process \(pid) (\(command)) is a zombie", reason: Self.notRunning)
        }
        return .pass("process \(pid) (\(command)) is running")
    }

    private func count(named name: String) throws -> CheckOutcome {
        var count = 0
        for pid in try processIDs() {
            try Task.checkCancellation()
            // A process may end at any point of the scan: one whose files are gone is skipped.
            guard var comm = try? ProbeSupport.readSmallFile("\(procRoot)/\(pid)/comm", limit: 64) else { continue }
            if comm.hasSuffix("\n") { comm.removeLast() }
            guard comm == name,
                let stat = try? ProbeSupport.readSmallFile("\(procRoot)/\(pid)/stat"),
                let (_, state) = Self.parseStat(stat), !Self.isDead(state)
            else { continue }
            count += 1
        }
        let observations = [Observation("count", Double(count))]
        guard count > 0 else {
            return .fail("no process named \(name)", reason: Self.notRunning, observations: observations)
        }
        let noun = count == 1 ? "process" : "processes"
        return .pass("\(count) \(noun) named \(name)", observations: observations)
    }

    /// The numeric entries of ``procRoot``: one per process.
    private func processIDs() throws(CheckFailure) -> [String] {
        guard let directory = opendir(procRoot) else {
            throw CheckFailure(.error, "cannot list \(procRoot): \(ProbeSupport.errnoDescription(errno))")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.isEmpty, name.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
                names.append(name)
            }
        }
        return names
    }

    /// The command and state of `/proc/PID/stat`: `123 (nginx) S 1 …`. The command may itself
    /// hold spaces and parentheses, so it ends at the last `)`.
    static func parseStat(_ stat: String) -> (command: Substring, state: Substring)? {
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close,
            let state = stat[stat.index(after: close)...].split(separator: " ", maxSplits: 1).first
        else { return nil }
        return (stat[stat.index(after: open)..<close], state)
    }

    /// Whether a state of `/proc/PID/stat` is a zombie (`Z`) or a dead process (`X`).
    private static func isDead(_ state: Substring) -> Bool {
        state == "Z" || state == "X" || state == "x"
    }
}
