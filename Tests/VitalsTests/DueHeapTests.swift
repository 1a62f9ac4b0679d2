import TestPeers
import Testing

@testable import Vitals

@Suite struct DueHeapTests {
    @Test func popsInDueOrderAndKeepsInsertionOrderForTies() {
        var heap = DueHeap<Int, String>()
        for (due, name) in [(5, "e"), (1, "a"), (3, "c1"), (3, "c2"), (2, "b"), (9, "z")] {
            heap.insert(name, due: due)
        }
        var popped: [String] = []
        while let (_, name) = heap.popDue(notAfter: 5) { popped.append(name) }
        #expect(popped == ["a", "b", "c1", "c2", "e"])
        #expect(heap.count == 1)
        #expect(heap.minimumDue == 9)
    }

    @Test func popsNothingBeforeItIsDue() {
        var heap = DueHeap<Int, String>()
        heap.insert("later", due: 10)
        #expect(heap.popDue(notAfter: 9) == nil)
    }

    @Test func removeAllKeepsTheRestOrdered() {
        var heap = DueHeap<Int, Int>()
        for value in (0..<50).reversed() { heap.insert(value, due: value) }
        heap.removeAll { $0 % 2 == 0 }
        var popped: [Int] = []
        while let (_, value) = heap.popDue(notAfter: 100) { popped.append(value) }
        #expect(popped == Array(stride(from: 1, to: 50, by: 2)))
    }

    /// Inserts, pops and removals in random order (slots of popped elements are used again) pop the
    /// same elements in the same order as a plain sorted list.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func agreesWithASortedListOverRandomOperations(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var heap = DueHeap<Int, Int>()
        var reference: [(due: Int, value: Int)] = []  // in due order, ties in insertion order
        var next = 0
        for _ in 0..<2_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                let due = Int.random(in: 0..<100, using: &random)
                heap.insert(next, due: due)
                let index = reference.firstIndex { $0.due > due } ?? reference.count
                reference.insert((due, next), at: index)
                next += 1
            case 5..<9:
                let limit = Int.random(in: 0..<100, using: &random)
                let popped = heap.popDue(notAfter: limit)
                if let first = reference.first, first.due <= limit {
                    #expect(popped?.due == first.due && popped?.element == first.value)
                    reference.removeFirst()
                } else {
                    #expect(popped == nil)
                }
            default:
                let divisor = Int.random(in: 2...7, using: &random)
                heap.removeAll { $0 % divisor == 0 }
                reference.removeAll { $0.value % divisor == 0 }
            }
            #expect(heap.count == reference.count)
            #expect(heap.first?.element == reference.first?.value)
        }
    }
}
