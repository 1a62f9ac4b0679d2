public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the free space of the file system holding a path.
///
/// Free space is what unprivileged users may still use (`f_bavail`), as a share of the
/// file system's size. It warns below `warnFreePercent` and fails, with reason `threshold`,
/// below `failFreePercent`. Observations: `free_percent` (%) and `free_bytes` (B).
///
/// ```swift
/// let root = DiskProbe(path: "/", warnFreePercent: 20, failFreePercent: 10)
/// ```
public struct DiskProbe: HealthCheck {
    /// A path on the file system to check.
    public var path: String
    /// Free space, in percent, below which the check warns.
    public var warnFreePercent: Double
    /// Free space, in percent, below which the check fails.
    public var failFreePercent: Double

    /// Creates a disk probe.
    /// - Parameters:
    ///   - path: A path on the file system to check.
    ///   - warnFreePercent: Free space, in percent, below which the check warns.
    ///   - failFreePercent: Free space, in percent, below which the check fails.
    public init(path: String, warnFreePercent: Double, failFreePercent: Double) {
        self.path = path
        self.warnFreePercent = warnFreePercent
        self.failFreePercent = failFreePercent
    }

    public func run() async throws -> CheckOutcome {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else {
            throw CheckFailure(.error, "cannot stat \(path): \(ProbeSupport.errnoDescription(errno))")
        }
        guard info.f_blocks > 0 else {
            throw CheckFailure(.error, "\(path) is on a file system without blocks")
        }
        let blockSize = Double(info.f_frsize)
        let freeBytes = Double(info.f_bavail) * blockSize
        let totalBytes = Double(info.f_blocks) * blockSize
        let freePercent = Double(info.f_bavail) / Double(info.f_blocks) * 100
        let status = ProbeSupport.status(
            of: freePercent,
            warn: warnFreePercent,
            fail: failFreePercent,
            lowerIsWorse: true
        )
        let message =
            "\(ProbeSupport.percent(freePercent)) free "
            + "(\(ProbeSupport.bytes(freeBytes)) of \(ProbeSupport.bytes(totalBytes)))"
        return CheckOutcome(
            status: status,
            message: message,
            reason: .threshold,
            observations: [
                Observation("free_percent", freePercent, unit: "%"),
                Observation("free_bytes", freeBytes, unit: "B"),
            ]
        )
    }
}
