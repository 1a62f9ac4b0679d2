public import Vitals

/// Checks the memory available for new work, from `/proc/meminfo` (Linux).
///
/// Available memory is the kernel's `MemAvailable` estimate, as a share of `MemTotal`. The
/// check warns below `warnAvailablePercent` and fails, with reason `threshold`, below
/// `failAvailablePercent`. Observations: `available_percent` (%) and `available_bytes` (B).
///
/// ```swift
/// let memory = MemoryProbe(warnAvailablePercent: 20, failAvailablePercent: 10)
/// ```
public struct MemoryProbe: HealthCheck {
    /// Available memory, in percent, below which the check warns.
    public var warnAvailablePercent: Double
    /// Available memory, in percent, below which the check fails.
    public var failAvailablePercent: Double
    /// The file read, `/proc/meminfo` unless a test gives another.
    public var meminfoPath: String

    /// Creates a memory probe.
    /// - Parameters:
    ///   - warnAvailablePercent: Available memory, in percent, below which the check warns.
    ///   - failAvailablePercent: Available memory, in percent, below which the check fails.
    ///   - meminfoPath: The file in `/proc/meminfo` format to read.
    public init(warnAvailablePercent: Double, failAvailablePercent: Double, meminfoPath: String = "/proc/meminfo") {
        self.warnAvailablePercent = warnAvailablePercent
        self.failAvailablePercent = failAvailablePercent
        self.meminfoPath = meminfoPath
    }

    public func run() async throws -> CheckOutcome {
        let text = try ProbeSupport.readSmallFile(meminfoPath)
        var kibibytes: [Substring: Double] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            if fields.count >= 2, let value = Double(fields[1]) {
                kibibytes[fields[0]] = value
            }
        }
        guard let total = kibibytes["MemTotal"], total > 0 else {
            throw CheckFailure(.error, "no MemTotal in \(meminfoPath)")
        }
        guard let available = kibibytes["MemAvailable"] else {
            throw CheckFailure(.error, "no MemAvailable in \(meminfoPath)")
        }
        let availablePercent = available / total * 100
        let status = ProbeSupport.status(
            of: availablePercent,
            warn: warnAvailablePercent,
            fail: failAvailablePercent,
            lowerIsWorse: true
        )
        let message =
            "\(ProbeSupport.percent(availablePercent)) available "
            + "(\(ProbeSupport.bytes(available * 1024)) of \(ProbeSupport.bytes(total * 1024)))"
        return CheckOutcome(
            status: status,
            message: message,
            reason: .threshold,
            observations: [
                Observation("available_percent", availablePercent, unit: "%"),
                Observation("available_bytes", available * 1024, unit: "B"),
            ]
        )
    }
}
