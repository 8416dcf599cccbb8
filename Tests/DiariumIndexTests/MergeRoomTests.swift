import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex

/// The merge policy keeps within the memory it is given (`MergeScheduler.fitting`): a merge
/// whose estimate exceeds the room is cut to as many of the tier's smallest segments as fit, or
/// not started, and with room the usual merge of the tier's oldest segments happens.
@Suite struct MergeRoomTests {
    /// An index of one segment per count in `counts`, in that order, nothing merged.
    static func index(_ counts: [Int], in dir: ScratchDirectory) throws -> (IndexWriter, String) {
        let index = dir.path + "/index-" + UUID().uuidString
        let writer = try IndexWriter(directory: index)
        writer.mergeFactor = 0
        var rng = SeededRandom(state: 17)
        var n = 0
        for count in counts {
            for _ in 0..<count {
                try MergeTests.add(writer, "doc\(n).txt", MergeTests.words(&rng, 5))
                n += 1
            }
            try writer.commit()
        }
        return (writer, index)
    }

    /// Live documents of each segment, oldest first.
    static func counts(_ writer: IndexWriter) throws -> [Int] {
        try writer.merges.committedSegments().map { $0.reader.documentCount - $0.deletedCount }
    }

    /// The estimate of merging the segments holding `counts` documents.
    static func estimate(_ writer: IndexWriter, _ counts: Set<Int>) throws -> Int {
        SegmentMerger.memoryEstimate(try writer.merges.committedSegments().filter { counts.contains($0.reader.documentCount) })
    }

    /// A writer whose background merges ran, closed and released, leaves no write-ahead log
    /// beside the catalog for the next open to replay. (It fails when the catalog stays open
    /// after the writer goes; the race `waitUntilIdle`'s barrier closes — a merge thread letting
    /// go of the catalog last — is seldom hit with merges this small, so this does not prove it.)
    @Test func aReleasedWriterLeavesNoWriteAheadLog() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        do {
            let writer = try IndexWriter(directory: index)
            writer.mergeFactor = 2
            var rng = SeededRandom(state: 5)
            for i in 0..<8 {
                try MergeTests.add(writer, "doc\(i).txt", MergeTests.words(&rng, 5))
                try writer.commit()
            }
            try writer.waitForMerges()
            #expect(writer.mergesDone > 0)
            writer.close()
        }
        let wal = index + "/" + Catalog.fileName + "-wal"
        let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        #expect(size == 0, "\(wal) holds \(size) bytes")
    }

    @Test func withRoomTheOldestFactorSegmentsMerge() throws {
        let dir = try ScratchDirectory()
        let (writer, _) = try Self.index([40, 50, 20, 30, 25], in: dir)
        defer { writer.close() }
        // All five share the tier of 16 to 63 documents (factor 4): the oldest four merge.
        writer.merges.schedule(factor: 4, room: try Self.estimate(writer, [40, 50, 20, 30]))
        try writer.merges.waitForMerges()
        #expect(try Self.counts(writer).sorted() == [25, 140])
    }

    @Test func aMergeThatDoesNotFitIsCutToTheSmallestThatFit() throws {
        let dir = try ScratchDirectory()
        let (writer, index) = try Self.index([40, 50, 20, 30, 25], in: dir)
        defer { writer.close() }
        let before = try MergeTests.content(index)
        // Room for the three smallest (20, 25, 30), not for the oldest four: those three
        // merge, the largest two stay as they are.
        let room = try Self.estimate(writer, [20, 25, 30])
        #expect(room < (try Self.estimate(writer, [40, 50, 20, 30])))
        writer.merges.schedule(factor: 4, room: room)
        try writer.merges.waitForMerges()
        #expect(try Self.counts(writer).sorted() == [40, 50, 75])
        #expect(try MergeTests.content(index) == before)
        try MergeTests.verify(index)
    }

    @Test func noMergeWhenNotEvenTwoFit() throws {
        let dir = try ScratchDirectory()
        let (writer, _) = try Self.index([40, 50, 20, 30], in: dir)
        defer { writer.close() }
        writer.merges.schedule(factor: 4, room: try Self.estimate(writer, [20, 30]) - 1)
        try writer.merges.waitForMerges()
        #expect(try Self.counts(writer) == [40, 50, 20, 30])
        #expect(writer.mergesDone == 0)
    }

    /// Through the writer: with `mergesFitBudget`, a budget below a merge's estimate leaves
    /// every committed segment unmerged; without it the same commits merge.
    @Test func aWriterWithinItsBudgetLeavesSegmentsItCannotMerge() throws {
        let dir = try ScratchDirectory()
        for fits in [true, false] {
            let writer = try IndexWriter(directory: dir.path + "/index-\(fits)", memoryBudget: 1 << 20)
            writer.mergeFactor = 2
            writer.mergesFitBudget = fits
            var rng = SeededRandom(state: 3)
            for n in 0..<4 {
                try MergeTests.add(writer, "doc\(n).txt", MergeTests.words(&rng, 5))
                try writer.commit()
            }
            try writer.waitForMerges()
            #expect(try Self.counts(writer).count == (fits ? 4 : 1))
            writer.close()
        }
    }
}
