import Foundation

/// A program the tests drive through its standard input: it prints what it is ready with, then
/// answers each command line with `ok` (the stand-ins in `StandIns/`). Killed when released.
final class StandInProcess: Sendable {
    private let process: Process
    private let input: FileHandle
    private let output = Locked("")

    /// Starts `executable` and waits until its output contains `readyMarker`.
    init(_ executable: String, _ arguments: [String], readyMarker: String, what: String) async throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let commands = Pipe()
        let replies = Pipe()
        process.standardInput = commands
        process.standardOutput = replies
        process.standardError = replies
        input = commands.fileHandleForWriting
        let output = self.output
        replies.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let process = self.process
        try await waitUntil("\(what) to start") {
            guard process.isRunning else { throw TimedOut(what: "\(what), which exited: \(output.withLock { $0 })") }
            return output.withLock { $0.contains(readyMarker) }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Everything the program has printed.
    var printed: String { output.withLock { $0 } }

    /// Starts a Python stand-in from `StandIns/` (`script` and its arguments) that prints `port N`
    /// once it listens, and returns it with N.
    static func server(_ script: String, _ arguments: [String] = [], what: String) async throws -> (StandInProcess, Int)
    {
        let server = try await StandInProcess(
            try venvPython(),
            [Self.script(script)] + arguments,
            readyMarker: "\n",
            what: what
        )
        let line = server.printed.split(separator: "\n").first { $0.hasPrefix("port ") } ?? ""
        guard let port = Int(line.dropFirst("port ".count)) else {
            throw TimedOut(what: "\(what) to print its port (it printed \(server.printed))")
        }
        return (server, port)
    }

    /// The path of a stand-in program in `StandIns/`.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("StandIns/\(name)").path
    }

    /// Sends one command line and waits for its `ok`.
    func send(_ command: String) async throws {
        let done = output.withLock { $0.components(separatedBy: "ok\n").count }
        try input.write(contentsOf: Data((command + "\n").utf8))
        let output = self.output
        try await waitUntil("`\(command)` to be done") {
            output.withLock { $0.components(separatedBy: "ok\n").count } > done
        }
    }
}
