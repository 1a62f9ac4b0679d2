/// A binary min-heap ordered by due time; ties are broken by insertion order.
///
/// Entries are compared in place and moved by `swapAt`: copying an entry to compare it retains and
/// releases its element, which was a tenth of the scheduler's CPU at 1,000 runs a second.
struct DueHeap<Instant: Comparable, Element> {
    private struct Entry {
        var due: Instant
        var sequence: UInt64
        var element: Element
    }

    private var entries: [Entry] = []
    private var sequence: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    var minimumDue: Instant? { entries.first?.due }
    /// The first element due and when, without removing it.
    var first: (due: Instant, element: Element)? { entries.first.map { ($0.due, $0.element) } }

    mutating func insert(_ element: Element, due: Instant) {
        sequence &+= 1
        entries.append(Entry(due: due, sequence: sequence, element: element))
        siftUp(entries.count - 1)
    }

    /// Removes and returns the first element due at or before `instant`.
    mutating func popDue(notAfter instant: Instant) -> (due: Instant, element: Element)? {
        guard let due = entries.first?.due, due <= instant else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        if !entries.isEmpty { siftDown(0) }
        return (due, first.element)
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
            guard precedes(child, parent) else { return }
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
            if left < entries.count, precedes(left, smallest) { smallest = left }
            if right < entries.count, precedes(right, smallest) { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// Whether the entry at `index` comes before the one at `other`; reads only their keys.
    private func precedes(_ index: Int, _ other: Int) -> Bool {
        let due = entries[index].due
        let otherDue = entries[other].due
        return due < otherDue || (due == otherDue && entries[index].sequence < entries[other].sequence)
    }
}
