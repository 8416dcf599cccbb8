import Dispatch
import Foundation
import Synchronization
import Testing
import DiariumTestSupport
@testable import DiariumIndex

/// Background merges: a merge runs while the writer keeps committing, replacing and removing
/// documents of the segments it merges; the index it leaves must hold exactly what a fresh
/// index of the final documents holds.
@Suite struct MergeTests {
    /// What searches can see: per term key, the live documents (by path) with their positions;
    /// per path the stored text; the inventory's paths.
    struct Content: Equatable {
        var postings: [[UInt8]: [String: [UInt32]]] = [:]
        var texts: [String: String] = [:]
        var paths: [String] = []
        var liveDocuments = 0
    }

    static func content(_ index: String) throws -> Content {
        let reader = try IndexReader(directory: index)
        var c = Content()
        for s in reader.segments {
            var pathOf: [UInt32: String] = [:]
            for d in 0..<UInt32(s.reader.documentCount) where s.isLive(d) {
                let id = s.reader.documentID(d)
                guard let r = try reader.document(id: id) else {
                    Issue.record("live document \(id) of segment \(s.id) has no catalog row")
                    continue
                }
                #expect(r.segmentID == s.id && r.segmentDoc == Int(d), "row of \(r.path) points elsewhere")
                #expect(c.texts[r.path] == nil, "\(r.path) is live twice")
                pathOf[d] = r.path
                c.texts[r.path] = String(decoding: try s.reader.storedText(d), as: UTF8.self)
            }
            c.liveDocuments += pathOf.count
            try s.reader.forEachTerm { key, entry in
                let p = try s.reader.decode(entry, withPositions: true)
                var k = 0
                for (j, d) in p.docs.enumerated() {
                    let n = p.positionCount(j)
                    // Per field: its frequency, then (title, body) its positions.
                    if let path = pathOf[d] {
                        c.postings[key, default: [:]][path] = Array(p.frequencies[(j * 4)..<(j * 4 + 4)]) + Array(p.positions[k..<(k + n)])
                    }
                    k += n
                }
                return true
            }
        }
        c.paths = try reader.inventory().map(\.path).sorted()
        // Every row with text points at a live document.
        #expect(try reader.inventory().filter { $0.segmentID != nil }.count == c.liveDocuments)
        return c
    }

    /// The final documents (path → words; nil: recorded without text) written to a new index
    /// in one commit, without merges.
    static func fresh(_ documents: [String: [String]?], in dir: ScratchDirectory) throws -> Content {
        let index = dir.path + "/fresh-" + UUID().uuidString
        let writer = try IndexWriter(directory: index)
        writer.mergeFactor = 0
        for (path, words) in documents.sorted(by: { $0.key < $1.key }) {
            try add(writer, path, words)
        }
        try writer.commit()
        writer.close()
        return try content(index)
    }

    static func add(_ writer: IndexWriter, _ path: String, _ words: [String]?) throws {
        if let words {
            try writer.add(record(path), fields: [.title: field([words[0]]), .body: field(words), .meta: field(["batch"])],
                           storedText: Array(words.joined(separator: " ").utf8))
        } else {
            try writer.add(record(path, status: .unsupported), fields: nil, storedText: [])
        }
    }

    static func words(_ rng: inout SeededRandom, _ n: Int) -> [String] {
        (0..<n).map { _ in ["beslut", "nämnd", "skola", "avtal", "ord\(rng.next() % 40)", "rapport"][Int(rng.next() % 6)] }
    }

    static func verify(_ index: String) throws {
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.problems == [])
        #expect(report.isValid)
    }

    /// A merge held between writing its file and publishing it, while the writer commits
    /// replacements and removals of documents in the merging segments and new documents: the
    /// commits do not wait for the merge, and after it publishes, the replaced documents are
    /// deleted in the merged segment (carried over) and everything equals a fresh index.
    @Test func mergeCarriesOverDeletesMadeWhileItRan() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        var rng = SeededRandom(state: 7)
        var final: [String: [String]?] = [:]
        let writer = try IndexWriter(directory: index)
        writer.mergeFactor = 3
        let reached = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        let timedOut = Mutex(false)
        writer.merges.beforePublish.withLock { hook in
            hook = { _ in
                reached.signal()
                if go.wait(timeout: .now() + 60) == .timedOut { timedOut.withLock { $0 = true } }
            }
        }
        for s in 0..<3 {
            for i in 0..<5 {
                let w = Self.words(&rng, 4 + i)
                try Self.add(writer, "seg\(s)/doc\(i).txt", w)
                final["seg\(s)/doc\(i).txt"] = w
            }
            try writer.commit()  // the third commit starts the merge of the three segments
        }
        #expect(reached.wait(timeout: .now() + 60) == .success, "the merge should have started")
        // The merge holds its sources; the writer goes on.
        for (path, words) in [("seg0/doc1.txt", ["ersatt", "text"]), ("seg1/doc4.txt", ["ny", "version", "beslut"])] as [(String, [String]?)] {
            try Self.add(writer, path, words)
            final[path] = words
        }
        try writer.commit()
        try Self.add(writer, "seg2/doc0.txt", nil)  // no longer has text: gone from the index
        final["seg2/doc0.txt"] = .some(nil)
        try Self.add(writer, "new/doc.txt", ["helt", "ny", "skola"])
        final["new/doc.txt"] = ["helt", "ny", "skola"]
        try writer.commit()
        #expect(writer.mergesDone == 0, "the merge is still held")
        go.signal()
        try writer.waitForMerges()
        #expect(writer.mergesDone == 1)
        #expect(timedOut.withLock { $0 } == false, "commits waited for the merge")
        writer.merges.beforePublish.withLock { $0 = nil }

        let reader = try IndexReader(directory: index)
        #expect(reader.segments.count == 3, "the merged segment and the two commits made during the merge")
        // The merged segment is published after the two commits, so it has the highest id.
        let merged = reader.segments.max { $0.reader.documentCount < $1.reader.documentCount }
        #expect(merged?.reader.documentCount == 15)
        #expect(merged?.deletedCount == 3, "three documents of the sources were replaced or removed during the merge")
        #expect(try Self.content(index) == Self.fresh(final, in: dir))
        try Self.verify(index)

        try writer.optimize()
        writer.close()
        let optimized = try IndexReader(directory: index)
        #expect(optimized.segments.count == 1 && optimized.segments[0].deletedCount == 0)
        #expect(try Self.content(index) == Self.fresh(final, in: dir))
        try Self.verify(index)
    }

    /// With two merge threads, a second merge starts while the first is held, and never takes a
    /// segment of the first.
    @Test func runningMergesNeverShareASegment() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        var rng = SeededRandom(state: 11)
        var final: [String: [String]?] = [:]
        let writer = try IndexWriter(directory: index, mergeThreads: 2)
        writer.mergeFactor = 2
        let picked = Mutex<[[Int64]]>([])
        let firstReached = DispatchSemaphore(value: 0), secondReached = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        writer.merges.beforePublish.withLock { hook in
            hook = { sources in
                let n = picked.withLock { $0.append(sources); return $0.count }
                if n == 1 {
                    firstReached.signal()
                    _ = go.wait(timeout: .now() + 60)
                } else if n == 2 {
                    secondReached.signal()
                }
            }
        }
        func commitSegment(_ name: String) throws {
            for i in 0..<3 {
                let w = Self.words(&rng, 5)
                try Self.add(writer, "\(name)/doc\(i).txt", w)
                final["\(name)/doc\(i).txt"] = w
            }
            try writer.commit()
        }
        try commitSegment("a")
        try commitSegment("b")  // merge 1: a + b, held
        #expect(firstReached.wait(timeout: .now() + 60) == .success)
        try commitSegment("c")
        try commitSegment("d")  // merge 2 must take c + d
        #expect(secondReached.wait(timeout: .now() + 60) == .success, "a second merge should run beside the held one")
        go.signal()
        try writer.waitForMerges()
        writer.merges.beforePublish.withLock { $0 = nil }
        let sets = picked.withLock { $0 }
        #expect(sets.count >= 2)
        if sets.count >= 2 { #expect(Set(sets[0]).isDisjoint(with: sets[1])) }
        writer.close()
        #expect(try Self.content(index) == Self.fresh(final, in: dir))
        try Self.verify(index)
    }

    /// Many small commits with replacements and removals while background merges run on their
    /// own schedule: the index equals a fresh one at the end, and after `optimize`.
    @Test func backgroundMergesUnderChurnMatchFreshIndex() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        var rng = SeededRandom(state: 2026)
        var final: [String: [String]?] = [:]
        let writer = try IndexWriter(directory: index, memoryBudget: 6 << 10)
        writer.mergeFactor = 3
        for step in 0..<900 {
            let path = step < 400 ? "doc\(step).txt" : "doc\(rng.next() % 400).txt"
            let words: [String]? = step >= 400 && rng.next() % 10 == 0 ? nil : Self.words(&rng, 3 + Int(rng.next() % 30))
            try Self.add(writer, path, words)
            final[path] = words
            try writer.commitIfOverBudget()
        }
        try writer.commit()
        try writer.waitForMerges()
        #expect(writer.mergesDone > 0)
        #expect(try Self.content(index) == Self.fresh(final, in: dir))
        try Self.verify(index)
        try writer.optimize()
        #expect(try IndexReader(directory: index).segments.count == 1)
        #expect(try Self.content(index) == Self.fresh(final, in: dir))
        writer.close()
        try Self.verify(index)
    }

    /// Segments whose dictionaries are several times the merger's window of terms (4,096),
    /// sharing some terms and not others, merge into the index a fresh writer makes of the same
    /// documents: the window refills neither drop nor repeat a term.
    @Test func mergeOfDictionariesLargerThanTheWindow() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        var final: [String: [String]?] = [:]
        let writer = try IndexWriter(directory: index)
        writer.mergeFactor = 0
        for segment in 0..<3 {
            for doc in 0..<60 {
                // 150 words a document: 9,000 distinct terms a segment, a third shared by all.
                let words = (0..<150).map { k in k % 3 == 0 ? "delad\(doc * 50 + k / 3)" : "seg\(segment)ord\(doc * 150 + k)" }
                let path = "s\(segment)/doc\(doc).txt"
                try Self.add(writer, path, words)
                final[path] = words
            }
            try writer.commit()
        }
        #expect(try IndexReader(directory: index).segments.count == 3)
        try writer.optimize()
        writer.close()
        #expect(try IndexReader(directory: index).segments.count == 1)
        let merged = try Self.content(index)
        #expect(merged.postings.count > 3 * 4096)
        #expect(merged == (try Self.fresh(final, in: dir)))
        try Self.verify(index)
    }

    /// `close()` waits for a running merge: afterwards the merge is published and no file is
    /// left half-written or unpublished.
    @Test func closeWaitsForRunningMerge() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        var rng = SeededRandom(state: 3)
        let writer = try IndexWriter(directory: index)
        writer.mergeFactor = 2
        writer.merges.beforePublish.withLock { hook in hook = { _ in Thread.sleep(forTimeInterval: 0.5) } }
        for s in 0..<2 {
            try Self.add(writer, "doc\(s).txt", Self.words(&rng, 6))
            try writer.commit()
        }
        writer.close()
        #expect(writer.mergesDone == 1)
        let reader = try IndexReader(directory: index)
        #expect(reader.segments.count == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: index + "/segments")
        #expect(files == [reader.segments[0].reader.name])
    }

    /// A background merge that fails on real damage — a source whose checksum does not hold
    /// (the last byte of its footer flipped; a merge checks every source's checksum before it
    /// reads it, a search never reads it) — loses no document, leaves no file behind, and sets
    /// that source aside: the next commits publish and do not fail, the writer names the file
    /// (`damagedSegments`), the policy merges the other segments without it, and `verify` names
    /// the file too. A writer opened after the file is mended merges it again.
    @Test func aMergeSetsADamagedSourceAsideAndGoesOn() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        func segmentFiles() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: index + "/segments").filter { $0.hasSuffix(".seg") }.sorted()
        }
        let writer = try IndexWriter(directory: index)
        writer.mergeFactor = 0
        var documents: [String: [String]?] = [:]
        for (path, words) in [("a.txt", ["ett", "alfa"]), ("b.txt", ["två", "beta"])] {
            try Self.add(writer, path, words)
            documents[path] = words
            try writer.commit()
        }
        let damaged = try #require(try segmentFiles().first)
        let url = URL(fileURLWithPath: index + "/segments/" + damaged)
        let original = try Data(contentsOf: url)
        var bytes = original
        bytes[bytes.count - 1] ^= 0x5A
        try bytes.write(to: url)

        writer.mergeFactor = 2
        try Self.add(writer, "c.txt", ["tre", "gamma"])
        documents["c.txt"] = ["tre", "gamma"]
        try writer.commit()             // publishes c.txt; the policy picks the damaged segment and another
        writer.merges.waitUntilIdle()   // that merge failed and set the damaged one aside; the other two merged
        #expect(writer.damagedSegments.map { ($0.file as NSString).lastPathComponent } == [damaged])
        #expect(writer.damagedSegments.first?.reason.contains("rebuild") == true)
        try Self.add(writer, "d.txt", ["fyra", "delta"])
        documents["d.txt"] = ["fyra", "delta"]
        try writer.commit()             // no merge failure to throw: d.txt is published
        try writer.waitForMerges()
        #expect(writer.mergesDone >= 1, "the segments that are not damaged merged")
        #expect(try Self.content(index) == Self.fresh(documents, in: dir), "d.txt published, nothing lost")
        #expect(try segmentFiles().contains(damaged), "the damaged segment is left as it was")
        let files = try segmentFiles()
        #expect(Set(files) == Set(try IndexReader(directory: index).segments.map(\.reader.name)), "no failed merge's file is left")
        for _ in 0..<3 { try writer.commit() }   // the policy's turns never pick it again
        #expect(writer.damagedSegments.count == 1)
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.problems.map { ($0.file as NSString).lastPathComponent } == [damaged], "\(report.problems)")
        #expect(!report.isValid)
        writer.close()

        try original.write(to: url)
        let mended = try IndexWriter(directory: index)
        mended.mergeFactor = 2
        try mended.commit()             // nothing pending: the merge policy's turn
        try mended.waitForMerges()
        #expect(mended.damagedSegments == [])
        #expect(try IndexReader(directory: index).segments.count == 1)
        mended.close()
        #expect(try Self.content(index) == Self.fresh(documents, in: dir))
        try Self.verify(index)
    }

    /// A re-rooted file changes its row in place (same id, same segment): an open reader, such
    /// as the server's snapshot, must see that its paths are stale.
    @Test func aMovedFileMakesOpenReadersStale() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        let writer = try IndexWriter(directory: index)
        try Self.add(writer, "release/brev.txt", ["beslut", "skola"])
        try writer.commit()
        let reader = try IndexReader(directory: index)
        #expect(try reader.isCurrent())
        try writer.moveFile(from: Data("release/brev.txt".utf8), to: Data("flyttad/brev.txt".utf8), shown: "flyttad/brev.txt", mtime: 1)
        #expect(try reader.isCurrent() == false, "the reader still shows release/brev.txt")
        let fresh = try IndexReader(directory: index)
        #expect(try fresh.isCurrent())
        #expect(try fresh.inventory().map(\.path) == ["flyttad/brev.txt"])
    }
}
