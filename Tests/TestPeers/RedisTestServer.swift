import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real Redis server (Debian's `redis-server`) on a free loopback port, with no persistence,
/// killed when released.
package final class RedisTestServer: Sendable {
    /// The port it listens on: plain TCP, or TLS when started with a certificate.
    package let port: Int
    private let process: Process
    private let directory: String

    /// Starts `redis-server` with `arguments` added to its command line (each `--name value…` is a
    /// line of `redis.conf`), and waits until it accepts connections.
    ///
    /// Redis cannot pick a port itself: a port found free may be taken by a parallel test before
    /// Redis binds it, so a start that fails to bind is tried again on another port.
    /// - Parameter tls: a certificate and key (PEM files): the server then speaks only TLS.
    package init(_ arguments: [String] = [], tls: (certificate: String, key: String)? = nil) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/vitals-redis-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        let log = directory + "/redis.log"
        for _ in 1...5 {
            let port = try ReservedPort().port
            var command = [
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", log,
            ]
            if let tls {
                command += [
                    "--port", "0", "--tls-port", "\(port)", "--tls-cert-file", tls.certificate, "--tls-key-file",
                    tls.key,
                    "--tls-auth-clients", "no",
                ]
            } else {
                command += ["--port", "\(port)"]
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            process.arguments = command + arguments
            process.standardInput = FileHandle.nullDevice
            // Not the runner's pipes: a server holding them would keep the runner's output open.
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try? FileManager.default.removeItem(atPath: log)
            try process.run()
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while process.isRunning, ContinuousClock.now < deadline {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if text.contains("Ready to accept connections") {
                    self.process = process
                    self.port = port
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log"
        try? FileManager.default.removeItem(atPath: directory)
        throw RedisTestServerError("redis-server did not start:\n\(text)")
    }

    /// What the server has logged.
    package var log: String {
        (try? String(contentsOfFile: directory + "/redis.log", encoding: .utf8)) ?? ""
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

package struct RedisTestServerError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
