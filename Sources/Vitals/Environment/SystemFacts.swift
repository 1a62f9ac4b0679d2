#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the built-in sections of the environment dump report, read once from the system.
///
/// Kept apart from the rendering so that tests can supply their own.
package struct SystemFacts: Sendable, Equatable {
    /// The contents of `/etc/os-release`, if readable.
    var osRelease: String?
    var kernelName: String?
    var kernelRelease: String?
    var architecture: String?
    var hostname: String?
    var uptimeSeconds: Double?
    var pid: Int
    var arguments: [String]
    var workingDirectory: String?
    var userName: String?
    var uid: Int
    var startTime: Double?
    var residentMemoryBytes: Double?
    var environment: [String: String]

    /// Reads the facts of the running process and host.
    static func current() -> SystemFacts {
        let process = ProcessMetrics.current()
        var facts = SystemFacts(
            osRelease: readFile("/etc/os-release") ?? readFile("/usr/lib/os-release"),
            hostname: hostname(),
            uptimeSeconds: readFile("/proc/uptime")?.split(separator: " ").first.flatMap { Double($0) },
            pid: Int(getpid()),
            arguments: CommandLine.arguments,
            workingDirectory: FileManager.default.currentDirectoryPath,
            userName: nil,
            uid: Int(getuid()),
            startTime: process?.startTimeSeconds,
            residentMemoryBytes: process?.residentMemoryBytes,
            environment: ProcessInfo.processInfo.environment
        )
        var names = utsname()
        if uname(&names) == 0 {
            facts.kernelName = string(from: &names.sysname)
            facts.kernelRelease = string(from: &names.release)
            facts.architecture = string(from: &names.machine)
        }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
            facts.userName = String(cString: name)
        }
        return facts
    }

    /// The `NAME` and `VERSION` (or `VERSION_ID`) of an os-release file.
    static func parseOSRelease(_ text: String) -> (name: String?, version: String?) {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            var value = String(
                line[line.index(after: equals)...].drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
            )
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
                // os-release allows shell-style escapes inside double quotes.
                if quote == "\"" { value = unescape(value) }
            }
            values[String(line[..<equals])] = value
        }
        return (values["NAME"], values["VERSION"] ?? values["VERSION_ID"])
    }

    private static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var escaped = false
        for character in text {
            if escaped || character != "\\" {
                result.append(character)
                escaped = false
            } else {
                escaped = true
            }
        }
        return result
    }

    private static func readFile(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// This host's name, as `gethostname` tells it; the one place Vitals asks.
    package static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func string<T>(from field: inout T) -> String {
        withUnsafeBytes(of: &field) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
