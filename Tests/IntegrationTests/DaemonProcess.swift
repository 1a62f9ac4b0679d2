import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// A wait in a test took longer than its bound.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 20 ms until it holds; throws after `limit`. Waits for
/// asynchronous work; never used to assert how long something took.
func waitUntil(
    _ what: String,
    limit: Duration = .seconds(15),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// The `vitals` binary the build produced: `VITALS_BINARY`, or next to the test bundle.
func vitalsBinary() throws -> String {
    if let path = ProcessInfo.processInfo.environment["VITALS_BINARY"], !path.isEmpty { return path }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidate = bundle.appendingPathComponent("vitals").path
    guard FileManager.default.isExecutableFile(atPath: candidate) else {
        throw TimedOut(what: "a vitals binary (set VITALS_BINARY or run `make test`)")
    }
    return candidate
}

/// The Python with prometheus-client, grafana-foundation-sdk and bcrypt (`VITALS_VENV_PYTHON`, set by `make test`).
func venvPython() throws -> String {
    guard let python = ProcessInfo.processInfo.environment["VITALS_VENV_PYTHON"], !python.isEmpty else {
        throw TimedOut(what: "VITALS_VENV_PYTHON (run the tests with `make test`)")
    }
    return python
}

/// A temporary folder removed when the test ends.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "vitals-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `contents` to `name` in the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String, executable: Bool = false) throws -> String {
        let file = path + "/" + name
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Output of a finished `vitals` command.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `vitals` with `arguments` to completion.
func runVitals(_ arguments: [String]) async throws -> CommandResult {
    try await runProcess(try vitalsBinary(), arguments, limit: .seconds(60))
}

/// Runs `vitals check-config` on a file with one check per entry of `checks` (the keys inside a YAML
/// flow mapping, after `name: cN`) and expects it to fail, naming each entry's key and problem on
/// that check's line: every mistake is reported, each where it is.
func expectConfigErrors(
    _ checks: [(keys: String, key: String, problem: String)],
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    var config = "checks:\n"
    for (index, check) in checks.enumerated() {
        config += "  - {name: c\(index), \(check.keys)}\n"
    }
    let directory = try TemporaryDirectory()
    let path = try directory.write("bad.yml", config)
    let result = try await runVitals(["check-config", "--config.file", path])
    #expect(result.status == 2, sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n")
    for (index, check) in checks.enumerated() {
        let expected = ": checks[\(index)] (c\(index)): \(check.key): \(check.problem)"
        #expect(
            lines.contains { $0.hasPrefix("\(path):\(index + 2):") && $0.contains(expected) },
            "\(expected) in \(result.stderr)",
            sourceLocation: sourceLocation
        )
    }
}

/// Runs a program to its end without holding a concurrency thread: output is read on threads of its
/// own and the exit is polled. A blocking read or `waitUntilExit` here would take one of the few
/// threads that every test shares, and starve the tests that run beside it.
/// - Parameters:
///   - executable: a path, or a command name looked up through `/usr/bin/env`.
///   - input: written to the program's standard input through a temporary file.
func runProcess(
    _ executable: String,
    _ arguments: [String],
    input: String? = nil,
    limit: Duration = .seconds(60)
) async throws -> CommandResult {
    let process = Process()
    if executable.hasPrefix("/") {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
    }
    let inputFile: TemporaryDirectory?
    if let input {
        let directory = try TemporaryDirectory()
        process.standardInput = FileHandle(forReadingAtPath: try directory.write("stdin", input))
        inputFile = directory
    } else {
        process.standardInput = FileHandle.nullDevice
        inputFile = nil
    }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdout = PipeReader(out)
    let stderr = PipeReader(err)
    try process.run()
    try await waitUntil("\(executable) \(arguments.first ?? "") to exit", limit: limit) {
        !process.isRunning && stdout.text != nil && stderr.text != nil
    }
    _ = inputFile
    return CommandResult(status: process.terminationStatus, stdout: stdout.text ?? "", stderr: stderr.text ?? "")
}

/// Reads a pipe to its end on a thread of its own.
final class PipeReader: Sendable {
    private let result = Locked<String?>(nil)

    init(_ pipe: Pipe) {
        let result = self.result
        Thread.detachNewThread {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            result.withLock { $0 = String(decoding: data, as: UTF8.self) }
        }
    }

    /// Everything read, once the pipe has ended.
    var text: String? { result.withLock { $0 } }
}

/// Waits until every check of `daemon` has a result.
func waitForFirstResults(_ daemon: DaemonProcess) async throws {
    try await waitUntil("every check to run once") {
        let results = try await daemon.health().json["results"] as? [[String: Any]] ?? []
        return !results.isEmpty && results.allSatisfy { $0["output"] as? String != "pending" }
    }
}

/// A running `vitals serve`, stopped (SIGKILL if need be) when released.
final class DaemonProcess: Sendable {
    let process: Process
    private let log = Locked("")
    private let portBox = Locked<Int?>(nil)

    /// Starts `vitals serve` on a free loopback port with `config` (YAML text) and waits until it listens.
    init(
        config: String?,
        in directory: TemporaryDirectory,
        extraArguments: [String] = [],
        environment: [String: String] = [:],
        launcher: [String] = []
    ) async throws {
        var arguments = ["serve", "--web.listen-address", "127.0.0.1:0", "--log.level", "debug"]
        if let config {
            arguments += ["--config.file", try directory.write("vitals-\(UUID().uuidString).yml", config)]
        }
        process = Process()
        // A launcher (such as `unshare … sh -c '…; exec "$@"'`) runs first and execs vitals, so the
        // process stays the daemon's.
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [try vitalsBinary()] + arguments + extraArguments
        } else {
            process.executableURL = URL(fileURLWithPath: try vitalsBinary())
            process.arguments = arguments + extraArguments
        }
        var processEnvironment = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "STATE_DIRECTORY"] {
            processEnvironment[name] = nil
        }
        process.environment = processEnvironment.merging(environment) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        let log = self.log
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            log.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let portBox = self.portBox
        try await waitUntil("vitals to listen") {
            let text = log.withLock { $0 }
            guard process.isRunning else { throw TimedOut(what: "vitals exited early: \(text)") }
            guard let line = text.split(separator: "\n").first(where: { $0.contains("msg=Listening") }),
                let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
                let port = Int(address.split(separator: ":").last ?? "")
            else { return false }
            portBox.withLock { $0 = port }
            return true
        }
    }

    var port: Int { portBox.withLock { $0 ?? 0 } }
    var logText: String { log.withLock { $0 } }
    var pid: Int32 { process.processIdentifier }

    /// GETs (or POSTs) `path` and returns status, headers and body.
    func request(
        _ path: String,
        method: HTTPMethod = .GET,
        headers: [(String, String)] = []
    ) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 32 << 20)
        return (Int(response.status.code), response.headers, String(buffer: body))
    }

    /// A `HEAD` request through curl (async-http-client's HEAD handling trips over a
    /// Content-Length without a body on some responses): status, headers (lower-cased
    /// names) and the number of body bytes received.
    func head(_ path: String) async throws -> (status: Int, headers: [String: String], bodyBytes: Int) {
        let text = try await runProcess(
            "curl",
            ["-sS", "-I", "-w", "\n%{size_download}", "http://127.0.0.1:\(port)\(path)"]
        ).stdout
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).flatMap {
            $0.split(separator: "\n")
        }
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        return (status, headers, Int(lines.last ?? "") ?? -1)
    }

    /// The parsed `/health` document.
    func health(_ path: String = "/health") async throws -> (status: Int, json: [String: Any]) {
        let response = try await request(path)
        let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    /// The value of the sample `name{labels}` in `/metrics` (0.0.4), if present.
    func metric(_ series: String) async throws -> Double? {
        let body = try await request("/metrics").body
        let line = body.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// The result for check `name` in `/health`.
    func result(_ name: String) async throws -> [String: Any]? {
        let results = try await health().json["results"] as? [[String: Any]] ?? []
        return results.first { $0["checker"] as? String == name }
    }

    /// Writes a new configuration file for a reload.
    func rewriteConfig(_ config: String) throws {
        guard let index = process.arguments?.firstIndex(of: "--config.file"), let path = process.arguments?[index + 1]
        else { throw TimedOut(what: "a config file to rewrite") }
        try config.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Sends `signal` and waits for the process to exit; returns its status.
    func stop(signal: Int32 = SIGTERM, limit: Duration = .seconds(10)) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        try await waitUntil("vitals to exit", limit: limit) { !process.isRunning }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A value shared between a test and callbacks, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
