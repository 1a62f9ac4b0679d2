import Foundation

/// A real server started on a loopback port the kernel picks (`:0`), which reads the port back from
/// the server's own log: no free-port guess to race with parallel tests. Killed when released.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    private let log: Locked<String>

    /// Starts `executable` with `arguments`, and waits until a line of its output contains `marker`
    /// followed by `HOST:PORT`; the port is read from there.
    init(_ executable: String, _ arguments: [String], portAfter marker: String, what: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let log = Locked("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            log.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        self.process = process
        self.log = log
        var found: Int?
        do {
            try await waitUntil("\(what) to listen", limit: .seconds(30)) {
                let text = log.withLock { $0 }
                guard process.isRunning else { throw TimedOut(what: "\(what), which exited: \(text)") }
                found = Self.port(in: text, after: marker)
                return found != nil
            }
        } catch {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw error
        }
        port = found ?? 0
    }

    var output: String { log.withLock { $0 } }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The port of the first `HOST:PORT` after `marker` on one line.
    private static func port(in text: String, after marker: String) -> Int? {
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: marker) else { continue }
            let rest = line[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" }
            let address = rest.prefix { !$0.isWhitespace && $0 != "\"" }
            if let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                port > 0
            {
                return port
            }
        }
        return nil
    }
}
