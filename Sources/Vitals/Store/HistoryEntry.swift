/// One past run of a check, kept for the status page and feeds.
public struct HistoryEntry: Sendable, Equatable {
    /// When the run finished, in Unix seconds.
    public var timestamp: Double
    /// The raw status of the run (before thresholds).
    public var status: CheckStatus
    /// How long the run took, in seconds.
    public var duration: Double
}

/// A change of a check's reported status, with the message that came with it.
public struct StatusChange: Sendable, Equatable {
    /// When the change happened, in Unix seconds.
    public var timestamp: Double
    /// The status before the change; `nil` for the first result.
    public var from: CheckStatus?
    /// The status after the change.
    public var to: CheckStatus
    /// The message of the run that caused it.
    public var message: String
}

/// A fixed-capacity buffer that keeps the most recent elements in order.
struct RingBuffer<Element: Sendable & Equatable>: Sendable, Equatable {
    private var storage: [Element] = []
    private var start = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[start] = element
            start = (start + 1) % capacity
        }
    }

    /// Oldest first.
    var elements: [Element] {
        start == 0 ? storage : Array(storage[start...] + storage[..<start])
    }
}
