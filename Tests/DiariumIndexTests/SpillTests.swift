import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex

/// A merge writes POSITIONS, SKIPS, TERMS and STORE through scratch files (`SpillFile`) rather
/// than memory; the segment must come out byte for byte as the in-memory serializer writes it.
@Suite struct SpillTests {
    @Test func scratchFileGivesBackWhatWasWritten() throws {
        let dir = try ScratchDirectory()
        let file = try SpillFile(directory: dir.path)
        var random = SeededRandom(state: 17)
        var expected: [UInt8] = []
        for _ in 0..<40 {
            let piece = (0..<Int(random.next() % 100_000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            try piece.withUnsafeBytes { try file.append($0) }
            expected += piece
        }
        var replayed: [UInt8] = []
        var pieces = 0
        try file.replay { replayed.append(contentsOf: $0); pieces += 1 }
        #expect(file.count == expected.count)
        #expect(replayed == expected)
        #expect(pieces > 1)   // more than 1 MiB: given back in pieces
        // The file has no name: nothing is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func spilledSegmentEqualsTheInMemoryOne() throws {
        let dir = try ScratchDirectory()
        var random = SeededRandom(state: 5)
        let docCount = 300
        let fieldCount = IndexField.allCases.count
        let norms = (0..<(docCount * fieldCount)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        // Terms in order; per document a frequency per field, and positions for the title's
        // and the body's occurrences; some lists long enough for skips.
        var terms: [([UInt8], TermPostings)] = []
        for t in 0..<1_200 {
            var p = TermPostings()
            var doc = UInt32(random.next() % 5)
            while doc < UInt32(docCount) {
                let tfs = (0..<TermPostings.fieldCount).map { _ in UInt32(random.next() % 4) }
                if tfs.allSatisfy({ $0 == 0 }) { doc += 1; continue }
                p.docs.append(doc)
                p.frequencies.append(contentsOf: tfs)
                for field in [IndexField.title, .body] {
                    var position = UInt32(random.next() % 50)
                    for _ in 0..<tfs[Int(field.rawValue)] {
                        p.positions.append(position)
                        position += UInt32(1 + random.next() % 40)
                    }
                }
                doc += UInt32(1 + random.next() % UInt64(t % 7 == 0 ? 2 : 60))
            }
            if !p.docs.isEmpty { terms.append((Array(String(format: "term%05d", t).utf8), p)) }
        }
        let texts = (0..<docCount).map { d in Array(String(repeating: "ord \(d) ", count: 1 + d % 500).utf8) }
        let fast = (0..<docCount).map { d in FastValues(year: 2000 + d % 20, authority: "Myndighet \(d % 7)") }
        let ids = (0..<docCount).map { Int64($0 + 1) }
        let totals = [UInt64](repeating: 1_000, count: fieldCount)

        func write(spilling: Bool) throws -> [UInt8] {
            var serializer = try SegmentSerializer(norms: norms, output: MemoryOutput(),
                                                   spillDirectory: spilling ? dir.path : nil, spillAfter: spilling ? 64 : 1 << 20)
            var store = spilling ? try StoredTextWriter(spillingTo: dir.path) : StoredTextWriter()
            for t in texts { t.withUnsafeBytes { store.add($0, wordStarts: []) } }
            for (key, p) in terms { try serializer.addTerm(key, p) }
            return try serializer.finish(docIDs: ids, fieldTotals: totals, fast: FastColumnsWriter(fast), store: store.finish()).output.bytes
        }
        let inMemory = try write(spilling: false)
        let spilled = try write(spilling: true)
        #expect(spilled.count == inMemory.count)
        #expect(spilled == inMemory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
