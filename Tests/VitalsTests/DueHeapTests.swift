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
}
