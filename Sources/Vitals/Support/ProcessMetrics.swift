#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The standard `process_*` metrics of the running process, read from `/proc` (Linux only).
public struct ProcessMetrics: Sendable, Equatable {
    /// User and system CPU time spent, in seconds (`process_cpu_seconds_total`).
    public var cpuSeconds: Double
    /// Resident memory size in bytes (`process_resident_memory_bytes`).
    public var residentMemoryBytes: Double?
    /// Virtual memory size in bytes (`process_virtual_memory_bytes`).
    public var virtualMemoryBytes: Double?
    /// Open file descriptors (`process_open_fds`).
    public var openFileDescriptors: Double?
    /// The limit on open file descriptors (`process_max_fds`).
    public var maxFileDescriptors: Double?
    /// When the process started, in Unix seconds (`process_start_time_seconds`).
    public var startTimeSeconds: Double?

    /// Reads the current values; `nil` where `/proc` is not available.
    public static func current() -> ProcessMetrics? {
        #if os(Linux)
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return index < fields.count ? Double(fields[index]) : nil
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var metrics = ProcessMetrics(cpuSeconds: ((field(14) ?? 0) + (field(15) ?? 0)) / ticks)
        metrics.virtualMemoryBytes = field(23)
        metrics.residentMemoryBytes = field(24).map { $0 * pageSize }
        if let startTicks = field(22), let boot = bootTime() {
            metrics.startTimeSeconds = boot + startTicks / ticks
        }
        metrics.openFileDescriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))
            .map { Double($0.count) }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            metrics.maxFileDescriptors = Double(limit.rlim_cur)
        }
        return metrics
        #else
        return nil
        #endif
    }

    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).filter { !$0.isWhitespace })
        }
        return nil
    }
}
