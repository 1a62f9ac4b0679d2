#if canImport(CSystemd)
import CSystemd
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Sends state changes to systemd (`sd_notify`). Without `NOTIFY_SOCKET` it sends nothing.
public struct Notifier: Sendable {
    /// Creates a notifier for this process.
    public init() {}

    /// Sends `state`, e.g. `READY=1` or `STATUS=…`; several assignments are separated by newlines.
    /// - Returns: whether the message was sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        #if canImport(CSystemd)
        return sd_notify(0, state) > 0
        #else
        return false
        #endif
    }

    /// Half the watchdog period systemd asks for, or `nil` when the watchdog is off or
    /// meant for another process (`WATCHDOG_PID`).
    public func watchdogPingInterval() -> Duration? {
        #if canImport(CSystemd)
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds / 2))
        #else
        return nil
        #endif
    }

    /// `CLOCK_MONOTONIC` in microseconds, for `MONOTONIC_USEC=` around a reload.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
