import Testing
import DiariumTestSupport
@testable import DiariumIndex

/// The term table every document field and every segment field interns into: ids dense and in
/// the order first seen, every term's bytes and hash kept, against a dictionary as the judge —
/// across the arena's, the ids' and the slots' growth — and a copy that is changed leaves the
/// original as it was (copy on write).
@Suite struct TermTableTests {
    /// Random byte strings, many repeated, some empty, some long, some sharing prefixes.
    static func terms(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SeededRandom(state: seed)
        var vocabulary: [[UInt8]] = [[]]
        for _ in 0..<3_000 {
            let length = random.below(4) == 0 ? random.below(200) : 1 + random.below(12)
            vocabulary.append((0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        }
        return (0..<count).map { _ in vocabulary[random.below(4) == 0 ? random.below(vocabulary.count) : random.below(40)] }
    }

    @Test func internMatchesADictionary() {
        var table = TermTable(capacity: 1)
        var ids: [[UInt8]: Int32] = [:]
        var order: [[UInt8]] = []
        for t in Self.terms(40_000, seed: 17) {
            let (id, inserted) = t.withUnsafeBytes { table.intern($0) }
            if let known = ids[t] {
                #expect(!inserted && id == known)
            } else {
                #expect(inserted && Int(id) == order.count)
                ids[t] = id
                order.append(t)
            }
        }
        #expect(table.count == order.count)
        for (id, t) in order.enumerated() {
            #expect(table.term(Int32(id)) == t)
            #expect(table.hash(ofID: Int32(id)) == t.withUnsafeBytes { TermTable.hash($0) })
            #expect(t.withUnsafeBytes { table.lookup($0) } == Int32(id))
        }
        let absent: [UInt8] = Array(repeating: 0xFF, count: 300)
        #expect(absent.withUnsafeBytes { table.lookup($0) } == nil)
        // The storage view agrees with the per-term view.
        table.withStorage { arena, starts in
            for (id, t) in order.enumerated() {
                #expect(Array(UnsafeBufferPointer(start: arena + Int(starts[id]), count: Int(starts[id + 1] - starts[id]))) == t)
            }
        }
    }

    @Test func aCopyIsIndependent() {
        var original = TermTable(capacity: 4)
        let words: [[UInt8]] = ["moln", "tjänst", "risk", "analys"].map { Array($0.utf8) }
        for w in words { _ = w.withUnsafeBytes { original.intern($0) } }
        var copy = original
        let extra: [[UInt8]] = (0..<500).map { Array("ord\($0)".utf8) }
        for w in extra { _ = w.withUnsafeBytes { copy.intern($0) } }
        #expect(original.count == words.count)
        #expect(copy.count == words.count + extra.count)
        #expect(extra[0].withUnsafeBytes { original.lookup($0) } == nil)
        for (id, w) in words.enumerated() {
            #expect(original.term(Int32(id)) == w)
            #expect(copy.term(Int32(id)) == w)
        }
        // The original, changed after the copy, does not change the copy either.
        let more = Array("sårbarhet".utf8)
        let (id, inserted) = more.withUnsafeBytes { original.intern($0) }
        #expect(inserted && Int(id) == words.count)
        #expect(copy.term(Int32(words.count)) == extra[0])
    }
}
