/// A binary min-heap ordered by due time; ties are broken by insertion order.
struct DueHeap<Instant: Comparable, Element> {
    private struct Entry {
        var due: Instant
        var sequence: UInt64
        var element: Element

        func precedes(_ other: Entry) -> Bool {
            due < other.due || (due == other.due && sequence < other.sequence)
        }
    }

    private var entries: [Entry] = []
    private var sequence: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    var minimumDue: Instant? { entries.first?.due }

    mutating func insert(_ element: Element, due: Instant) {
        sequence &+= 1
        entries.append(Entry(due: due, sequence: sequence, element: element))
        siftUp(entries.count - 1)
    }

    /// Removes and returns the first element due at or before `instant`.
    mutating func popDue(notAfter instant: Instant) -> (due: Instant, element: Element)? {
        guard let first = entries.first, first.due <= instant else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
        return (first.due, first.element)
    }

    /// Keeps only the elements for which `isIncluded` is true.
    mutating func removeAll(where shouldRemove: (Element) -> Bool) {
        let kept = entries.filter { !shouldRemove($0.element) }
        entries = []
        entries.reserveCapacity(kept.count)
        for entry in kept {
            entries.append(entry)
            siftUp(entries.count - 1)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
