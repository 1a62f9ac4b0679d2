public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks that a file exists and, optionally, that it is recent and large enough.
///
/// A missing file fails with reason `error`; one modified longer than `maxAge` ago with
/// reason `age`; one smaller than `minSize` bytes with reason `size`. Observations:
/// `age_seconds` (s) and `size_bytes` (B).
///
/// ```swift
/// let backup = FileProbe(path: "/var/backups/db.dump", maxAge: .seconds(26 * 3600), minSize: 1_000_000)
/// ```
public struct FileProbe: HealthCheck {
    /// The failure reason when the file was modified longer than ``maxAge`` ago.
    public static let age = FailureReason("age")
    /// The failure reason when the file is smaller than ``minSize``.
    public static let size = FailureReason("size")

    /// The file to check.
    public var path: String
    /// The longest time since the last modification, if checked.
    public var maxAge: Duration?
    /// The least size in bytes, if checked.
    public var minSize: Int64?
    /// The current time, for the age.
    public var wallClock: WallClock

    /// Creates a file probe.
    /// - Parameters:
    ///   - path: The file to check.
    ///   - maxAge: The longest time since the last modification; `nil` not to check.
    ///   - minSize: The least size in bytes; `nil` not to check.
    ///   - wallClock: The current time, against which the modification time is measured.
    public init(path: String, maxAge: Duration? = nil, minSize: Int64? = nil, wallClock: WallClock = .system) {
        self.path = path
        self.maxAge = maxAge
        self.minSize = minSize
        self.wallClock = wallClock
    }

    public func run() async throws -> CheckOutcome {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw CheckFailure(.error, code == ENOENT ? "no such file" : ProbeSupport.errnoDescription(code))
        }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        let age = max(0, wallClock.now() - modified)
        let size = Int64(info.st_size)
        let observations = [
            Observation("age_seconds", age, unit: "s"),
            Observation("size_bytes", Double(size), unit: "B"),
        ]
        let description = "modified \(ProbeSupport.seconds(age)) ago, \(ProbeSupport.bytes(Double(size)))"
        if let maxAge, age > maxAge.inSeconds {
            return .fail(
                "\(description): older than \(ProbeSupport.duration(maxAge))",
                reason: Self.age,
                observations: observations
            )
        }
        if let minSize, size < minSize {
            return .fail(
                "\(description): smaller than \(ProbeSupport.bytes(Double(minSize)))",
                reason: Self.size,
                observations: observations
            )
        }
        return .pass(description, observations: observations)
    }
}
