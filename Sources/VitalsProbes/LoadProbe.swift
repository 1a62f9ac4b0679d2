public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the 1-minute load average per online CPU, from `/proc/loadavg` (Linux).
///
/// The check warns above `warnPerCPU` and fails, with reason `threshold`, above
/// `failPerCPU`. Observation: `load1_per_cpu`.
///
/// ```swift
/// let load = LoadProbe(warnPerCPU: 2, failPerCPU: 4)
/// ```
public struct LoadProbe: HealthCheck {
    /// Load per CPU above which the check warns.
    public var warnPerCPU: Double
    /// Load per CPU above which the check fails.
    public var failPerCPU: Double
    /// The file read, `/proc/loadavg` unless a test gives another.
    public var loadavgPath: String
    /// The number of CPUs; `nil` for the number online at each run.
    public var cpuCount: Int?

    /// Creates a load probe.
    /// - Parameters:
    ///   - warnPerCPU: Load per CPU above which the check warns.
    ///   - failPerCPU: Load per CPU above which the check fails.
    ///   - loadavgPath: The file in `/proc/loadavg` format to read.
    ///   - cpuCount: The number of CPUs to divide by; `nil` for the number online.
    public init(warnPerCPU: Double, failPerCPU: Double, loadavgPath: String = "/proc/loadavg", cpuCount: Int? = nil) {
        self.warnPerCPU = warnPerCPU
        self.failPerCPU = failPerCPU
        self.loadavgPath = loadavgPath
        self.cpuCount = cpuCount
    }

    public func run() async throws -> CheckOutcome {
        let text = try ProbeSupport.readSmallFile(loadavgPath)
        guard let first = text.split(separator: " ").first, let load = Double(first) else {
            throw CheckFailure(.error, "no load average in \(loadavgPath)")
        }
        let cpus = max(1, cpuCount ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let perCPU = load / Double(cpus)
        let status = ProbeSupport.status(of: perCPU, warn: warnPerCPU, fail: failPerCPU, lowerIsWorse: false)
        let message =
            "load \(ProbeSupport.decimal(load, digits: 2)) on \(cpus) CPU\(cpus == 1 ? "" : "s") "
            + "(\(ProbeSupport.decimal(perCPU, digits: 2)) per CPU)"
        return CheckOutcome(
            status: status,
            message: message,
            reason: .threshold,
            observations: [Observation("load1_per_cpu", perCPU)]
        )
    }
}
