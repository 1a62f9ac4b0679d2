import Synchronization

/// The last runs of one check, shared by the check's record and its snapshots.
///
/// A snapshot keeps the log and how many runs it had seen, so taking one copies nothing and a
/// run after it copies nothing either (a ring shared copy-on-write was copied whole by the next
/// run after every snapshot, and both copies lived until the snapshot went). Each run is packed
/// into 8 bytes: at 10,000 checks the full logs take 8 MB instead of 24 MB or more.
final class HistoryLog: Sendable {
    /// The runs a check keeps when there are few checks.
    static let maximumCapacity = 100
    /// The runs all checks keep together, at most: with more than 2,000 checks each keeps fewer
    /// (10,000 keep 20 each; never fewer than 10), so that the logs stay within about 1.6 MB
    /// however many checks there are. The status page, which draws them, is for a few hundred.
    static let totalCapacity = 200_000

    /// The runs each check keeps in a store of `checks` checks.
    static func capacity(checks: Int) -> Int {
        min(maximumCapacity, max(10, totalCapacity / max(1, checks)))
    }

    /// How many runs this log keeps.
    let capacity: Int

    private struct State {
        var runs: [UInt64] = []
        /// Runs appended since the check was registered; the newest is at `(appended - 1) % capacity`.
        var appended = 0
    }

    private let state = Mutex(State())

    init(capacity: Int = HistoryLog.maximumCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Runs appended so far; a snapshot keeps it to read the log as it was.
    var appended: Int { state.withLock { $0.appended } }

    func append(_ entry: HistoryEntry) {
        let packed = Self.pack(entry)
        state.withLock { state in
            if state.runs.count < capacity {
                // Grown by doubling up to the capacity exactly (not to the 128 of an array's own growth).
                if state.runs.count == state.runs.capacity {
                    state.runs.reserveCapacity(min(capacity, max(4, state.runs.count * 2)))
                }
                state.runs.append(packed)
            } else {
                state.runs[state.appended % capacity] = packed
            }
            state.appended += 1
        }
    }

    /// The runs up to the `count`-th appended (all of them by default), oldest first: at most
    /// ``capacity``, fewer when later runs have overwritten the oldest of them.
    func entries(through count: Int? = nil) -> [HistoryEntry] {
        state.withLock { state in
            let end = min(count ?? state.appended, state.appended)
            let start = max(0, state.appended - capacity)
            guard start < end else { return [] }
            return (start..<end).map { Self.unpack(state.runs[$0 % capacity]) }
        }
    }

    // Bits 0–1 the status, 2–20 the duration (a Float32 without its sign bit and its 12 lowest
    // mantissa bits: 0.05 % precision), 21–63 the finish time in Unix milliseconds (until 2248).
    private static let durationShift: UInt64 = 2
    private static let timeShift: UInt64 = 21
    private static let durationMask: UInt64 = (1 << 19) - 1
    private static let maximumTime: Double = Double((UInt64(1) << 43) - 1)

    static func pack(_ entry: HistoryEntry) -> UInt64 {
        let status: UInt64 =
            switch entry.status {
            case .pass: 0
            case .warn: 1
            case .fail: 2
            }
        let seconds = entry.duration.isFinite ? min(max(0, entry.duration), Double(Float.greatestFiniteMagnitude)) : 0
        let duration = UInt64(Float(seconds).bitPattern >> 12) & durationMask
        let milliseconds = (entry.timestamp * 1000).rounded()
        let time = milliseconds.isFinite ? UInt64(min(max(0, milliseconds), maximumTime)) : 0
        return status | duration << durationShift | time << timeShift
    }

    static func unpack(_ packed: UInt64) -> HistoryEntry {
        let status: CheckStatus =
            switch packed & 3 {
            case 0: .pass
            case 1: .warn
            default: .fail
            }
        let duration = Float(bitPattern: UInt32((packed >> durationShift) & durationMask) << 12)
        return HistoryEntry(
            timestamp: Double(packed >> timeShift) / 1000,
            status: status,
            duration: Double(duration)
        )
    }
}
