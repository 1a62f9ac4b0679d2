/// A binary min-heap ordered by due time; ties are broken by insertion order.
///
/// The heap orders keys only — due time, sequence and where the element is kept — and the elements
/// stay put in a side table: sifting moves plain values and never touches an element. Moving
/// entries that held the element retained and released it on every copy, which was a tenth of the
/// scheduler's CPU at 1,000 runs a second.
struct DueHeap<Instant: Comparable, Element> {
    private struct Key {
        var due: Instant
        var sequence: UInt64
        /// Where the element is in `elements`.
        var slot: Int
    }

    private var keys: [Key] = []
    private var elements: [Element?] = []
    /// Slots of `elements` that are empty, to be used again.
    private var freeSlots: [Int] = []
    private var sequence: UInt64 = 0

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }
    var minimumDue: Instant? { keys.first?.due }
    /// The first element due and when, without removing it.
    var first: (due: Instant, element: Element)? {
        guard let key = keys.first, let element = elements[key.slot] else { return nil }
        return (key.due, element)
    }

    mutating func insert(_ element: Element, due: Instant) {
        sequence &+= 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            elements[slot] = element
        } else {
            slot = elements.count
            elements.append(element)
        }
        keys.append(Key(due: due, sequence: sequence, slot: slot))
        siftUp(keys.count - 1)
    }

    /// Removes and returns the first element due at or before `instant`.
    mutating func popDue(notAfter instant: Instant) -> (due: Instant, element: Element)? {
        guard let key = keys.first, key.due <= instant else { return nil }
        keys.swapAt(0, keys.count - 1)
        keys.removeLast()
        if !keys.isEmpty { siftDown(0) }
        guard let element = take(key.slot) else { return nil }
        return (key.due, element)
    }

    /// Keeps only the elements for which `shouldRemove` is false.
    mutating func removeAll(where shouldRemove: (Element) -> Bool) {
        let old = keys
        keys = []
        keys.reserveCapacity(old.count)
        for key in old {
            guard let element = elements[key.slot] else { continue }
            if shouldRemove(element) {
                _ = take(key.slot)
            } else {
                keys.append(key)
                siftUp(keys.count - 1)
            }
        }
    }

    private mutating func take(_ slot: Int) -> Element? {
        let element = elements[slot].take()
        freeSlots.append(slot)
        return element
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(keys[child], keys[parent]) else { return }
            keys.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < keys.count, precedes(keys[left], keys[smallest]) { smallest = left }
            if right < keys.count, precedes(keys[right], keys[smallest]) { smallest = right }
            guard smallest != parent else { return }
            keys.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private func precedes(_ key: Key, _ other: Key) -> Bool {
        key.due < other.due || (key.due == other.due && key.sequence < other.sequence)
    }
}
