import Foundation
import GRDB
import Synchronization
import Testing
import DiariumTestSupport
@testable import DiariumIndex

func field(_ words: [String]) -> FieldTerms {
    var f = FieldTerms()
    for (i, w) in words.enumerated() { f.add(Array(w.utf8), position: UInt32(i)) }
    f.length = UInt32(words.count)
    f.finish()
    return f
}

func record(_ path: String, status: DocumentRecord.Status = .ok) -> DocumentRecord {
    DocumentRecord(path: path, sha256: String(repeating: "0", count: 64), size: 1, mtime: 0, format: "text", status: status,
                   ingestedAt: "2026-01-01T00:00:00Z")
}

@Suite struct SegmentTests {
    /// Random documents written as a segment read back with identical postings, positions,
    /// norms and stored text.
    @Test func roundTripMatchesBruteForce() throws {
        var rng = SeededRandom(state: 42)
        let vocabulary = (0..<400).map { "ord\($0)" } + ["å", "ärende", "öppen", "molntjänst", "2015"]
        var docs: [[String]] = []
        var builder = SegmentBuilder()
        for d in 0..<700 {
            let n = Int.random(in: 0...120, using: &rng)
            let words = (0..<n).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }
            docs.append(words)
            builder.add(id: Int64(1000 + d), fields: [.body: field(words), .title: field(Array(words.prefix(3)))],
                        fast: FastValues(year: 2000 + d % 25, authority: d % 3 == 0 ? nil : "Nämnd \(d % 7)", format: "text"),
                        storedText: Array(words.joined(separator: " ").utf8))
        }
        let dir = try ScratchDirectory()
        let path = dir.path + "/test.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        let reader = try SegmentReader(path: path)
        #expect(reader.documentCount == docs.count)
        for word in vocabulary {
            // One list per term: the body's and the title's (the first three words) frequencies
            // and positions side by side.
            let p = try reader.postings(Array(word.utf8))
            let expectedDocs = docs.indices.filter { docs[$0].contains(word) }.map(UInt32.init)
            #expect((p?.docs ?? []) == expectedDocs, "postings of \(word)")
            if let p {
                let body = try reader.positions(of: p, .body), title = try reader.positions(of: p, .title)
                for (k, doc) in p.docs.enumerated() {
                    let expected = docs[Int(doc)].indices.filter { docs[Int(doc)][$0] == word }.map(UInt32.init)
                    #expect(body[k] == expected)
                    #expect(title[k] == expected.filter { $0 < 3 })
                    #expect(p.frequency(k, .body) == UInt32(expected.count))
                    #expect(p.frequency(k, .title) == UInt32(expected.filter { $0 < 3 }.count))
                    #expect(p.frequency(k, .meta) == 0 && p.frequency(k, .parts) == 0)
                }
                // A cursor restricted to the title passes over documents holding the word only in the body.
                let buffers = PostingsBuffers()
                let inTitles = expectedDocs.filter { docs[Int($0)].prefix(3).contains(word) }
                var titled: [UInt32] = []
                if var c = try reader.cursor(Array(word.utf8), fields: [.title], buffers: buffers) {
                    while c.doc != PostingsCursor.exhausted { titled.append(c.doc); c.next() }
                    #expect(c.error == nil)
                }
                #expect(titled == inTitles, "title postings of \(word)")
                // The same documents read block by block in place (`decodedBlock`, the union
                // engine's scan), the cursor then moved past each block's last document.
                #expect(PostingsCursor.DecodedBlock.fieldStride == BitPacking.blockSize)
                var scanned: [UInt32] = []
                if var c = try reader.cursor(Array(word.utf8), fields: [.title, .body], buffers: buffers) {
                    while let block = c.decodedBlock {
                        #expect(block.docs[block.start] == c.doc && block.start < block.end)
                        for i in block.start..<block.end where block.holds(i, in: IndexField.title.bit) {
                            let doc = block.docs[i]
                            scanned.append(doc)
                            let title = block.frequencies[Int(IndexField.title.rawValue) * PostingsCursor.DecodedBlock.fieldStride + i]
                            #expect(title == UInt32(docs[Int(doc)].prefix(3).filter { $0 == word }.count))
                        }
                        c.advance(to: block.docs[block.end - 1] + 1)
                    }
                    #expect(c.error == nil)
                }
                #expect(scanned == inTitles, "title postings of \(word) scanned in place")
                withExtendedLifetime(buffers) {}
            }
        }
        #expect(try reader.postings(Array("saknas".utf8)) == nil)
        #expect(try reader.cursor(Array("ord1".utf8), fields: [.meta], buffers: PostingsBuffers()) == nil)
        #expect(try reader.terms(prefix: Array("ord1".utf8), fields: [.meta], limit: 10).isEmpty)
        #expect(try reader.terms(prefix: Array("ord39".utf8), limit: 20).map { String(decoding: $0, as: UTF8.self) }
                == ["ord39"] + (390..<400).map { "ord\($0)" })
        #expect(try reader.terms(prefix: Array("ord39".utf8), limit: 3).count == 3)
        #expect(try reader.terms(prefix: Array("ord39".utf8), limit: 0).isEmpty, "a limit of 0 lists nothing")
        // One walk of the dictionary gives the terms with their entries: up to the limit-th held
        // in the fields asked for, the others passed on the way, and whether the prefix ran out.
        let present = Set(docs.joined())
        let ord1 = present.filter { $0.hasPrefix("ord1") }.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        let all = try reader.lookUp(prefix: Array("ord1".utf8), fields: [.meta], limit: 10)
        #expect(all.complete && all.terms.map(\.term) == ord1 && all.terms.allSatisfy { !$0.found.isIn(IndexField.meta.bit) })
        let first = try reader.lookUp(prefix: Array("ord1".utf8), fields: [.body], limit: 5)
        #expect(!first.complete && first.terms.map(\.term) == Array(ord1.prefix(5)))
        for (term, found) in first.terms {
            #expect(found.documentFrequency == (try reader.documentFrequency(term)))
            #expect(try reader.lookUp(term)?.documentFrequency == found.documentFrequency)
            // A cursor opened on the entry walks what a lookup's cursor walks.
            let buffers = PostingsBuffers()
            var walked: [[UInt32]] = [[], []]
            for (k, opened) in [try reader.cursor(found, fields: [.title], buffers: buffers),
                                try reader.cursor(term, fields: [.title], buffers: buffers)].enumerated() {
                guard var c = opened else { continue }
                while c.doc != PostingsCursor.exhausted { walked[k].append(c.doc); c.next() }
            }
            #expect(walked[0] == walked[1])
            #expect(try reader.cursor(found, fields: [.meta], buffers: buffers) == nil)
            withExtendedLifetime(buffers) {}
        }
        #expect(try reader.lookUp(Array("saknas".utf8)) == nil)
        for d in [0, 1, 350, 699] {
            // One-byte norms: exact below 24 tokens, otherwise at most 1/8 below.
            let length = reader.fieldLength(UInt32(d), .body), exact = UInt32(docs[d].count)
            #expect(exact < 24 ? length == exact : (length <= exact && length >= exact - exact / 8))
            #expect(reader.fastValues(UInt32(d)) == FastValues(year: 2000 + d % 25, authority: d % 3 == 0 ? nil : "Nämnd \(d % 7)", format: "text"))
            #expect(reader.documentID(UInt32(d)) == Int64(1000 + d))
            #expect(try reader.storedText(UInt32(d)) == Array(docs[d].joined(separator: " ").utf8))
        }
    }

    /// The year column's runs (`FastColumns.yearRunStarts`, four years compared at a time):
    /// runs of 1 to 9 documents drawn at random (so they start at every offset within the
    /// four-year groups), unknown years among them, equal to a walk document by document;
    /// more runs than the limit give nil.
    @Test func yearRunsMatchTheColumn() throws {
        var rng = SeededRandom(state: 7)
        var years: [Int?] = []
        while years.count < 403 {
            let y: Int? = rng.next() % 5 == 0 ? nil : 2010 + Int(rng.next() % 3)
            years += Array(repeating: y, count: 1 + Int(rng.next() % 9))
        }
        var builder = SegmentBuilder()
        for (d, y) in years.enumerated() {
            builder.add(id: Int64(d + 1), fields: [.body: field(["ord\(d % 5)"])], fast: FastValues(year: y), storedText: Array("x".utf8))
        }
        let dir = try ScratchDirectory()
        let path = dir.path + "/runs.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        let reader = try SegmentReader(path: path)
        let expected = [UInt32(0)] + (1..<years.count).filter { years[$0] != years[$0 - 1] }.map(UInt32.init)
        #expect(expected.count > 60 && expected.count < years.count / 2)
        #expect(Set(expected.map { $0 % 4 }).count == 4, "runs start at every offset within the four-year groups")
        #expect(reader.withFastColumns { $0.yearRunStarts(limit: expected.count) } == expected)
        #expect(reader.withFastColumns { $0.yearRunStarts(limit: expected.count - 1) } == nil)
    }

    /// `find` (a lookup that compares prefix-coded keys without rebuilding them) finds every
    /// term of a dictionary and nothing else: judged against the whole dictionary walked in
    /// order, over keys that are prefixes of one another, share prefixes across block
    /// boundaries, hold non-ASCII bytes, and keys near them that are absent.
    @Test func lookupsAgreeWithTheWalkedDictionary() throws {
        var rng = SeededRandom(state: 7)
        let letters = Array("abåäöz".unicodeScalars)
        var vocabulary = Set<String>()
        while vocabulary.count < 600 {
            let n = Int.random(in: 1...7, using: &rng)
            vocabulary.insert(String(String.UnicodeScalarView((0..<n).map { _ in letters[Int(rng.next() % UInt64(letters.count))] })))
        }
        let words = Array(vocabulary)
        var builder = SegmentBuilder()
        for d in 0..<40 {
            let chosen = words.indices.filter { ($0 + d) % 7 == 0 || $0 % 40 == d }.map { words[$0] }
            builder.add(id: Int64(d), fields: [.body: field(chosen)], fast: FastValues(format: "text"), storedText: Array(chosen.joined(separator: " ").utf8))
        }
        let dir = try ScratchDirectory()
        try DurableFile.create(dir.path + "/test.seg", bytes: builder.serialize())
        let reader = try SegmentReader(path: dir.path + "/test.seg")
        var dictionary: [[UInt8]: Int] = [:]
        try reader.forEachTerm { term, entry in dictionary[term] = entry.df; return true }
        #expect(dictionary.count > 5 * SegmentFormat.termsPerBlock)
        var keys = Set(dictionary.keys)
        for t in dictionary.keys {
            keys.insert(t.dropLast())
            keys.insert(t + [0x61])
            keys.insert(t + [0xFF])
            keys.insert(Array(t.dropLast()) + [t.last! &+ 1])
            keys.insert(Array(t.dropLast()) + [t.last! &- 1])
        }
        keys.insert([])
        keys.insert([0x00])
        keys.insert([0xFF, 0xFF])
        for k in keys {
            #expect(try reader.find(k)?.df == dictionary[k], "\(k)")
        }
    }

    /// Every cursor's block bound holds for each document of its block: the last document, per
    /// field the largest frequency and the smallest norm among the documents holding the term
    /// there, and the pseudo frequency at the segment's reference — for a term of one block
    /// (its bound computed from the decoded block on the first `blockMaximum`) and of several
    /// (read from the skip entries).
    @Test func blockBoundsHoldForEveryDocument() throws {
        var rng = SeededRandom(state: 11)
        var builder = SegmentBuilder()
        for d in 0..<400 {
            // `rare` in every 37th document (one block), `often` in every one (four).
            var words = (0..<Int.random(in: 1...60, using: &rng)).map { _ in "ord\(rng.next() % 50)" }
            // The first document holds `rare` most often: a bound that misses it is too low.
            if d % 37 == 0 { words += Array(repeating: "rare", count: d == 0 ? 12 : 1 + d % 5) }
            if d % 9 != 0 { words += Array(repeating: "often", count: 1 + d % 4) }
            let title = d % 3 == 0 ? (d % 37 == 0 ? ["rare", "often"] : ["often"]) : ["ord1"]
            builder.add(id: Int64(d), fields: [.body: field(words), .title: field(title)], fast: FastValues(format: "text"),
                        storedText: Array(words.joined(separator: " ").utf8))
        }
        let dir = try ScratchDirectory()
        try DurableFile.create(dir.path + "/test.seg", bytes: builder.serialize())
        let reader = try SegmentReader(path: dir.path + "/test.seg")
        let norms = reader.normTable
        for (term, blocks) in [("rare", 1), ("often", 4)] {
            let buffers = PostingsBuffers()
            guard let found = try reader.lookUp(Array(term.utf8)),
                  var cursor = try reader.cursor(found, mask: SegmentFormat.allFields, buffers: buffers) else {
                Issue.record("\(term) is missing")
                continue
            }
            #expect((found.documentFrequency + 127) / 128 == blocks, "\(term) spans \(blocks) blocks")
            var seen = 0
            var entries: [(doc: UInt32, tf: [UInt32], nb: [UInt8], pseudo: Double)] = []
            while cursor.doc != PostingsCursor.exhausted {
                let doc = cursor.doc
                guard let bound = cursor.blockMaximum(containing: doc) else {
                    Issue.record("\(term): no bound at \(doc)")
                    break
                }
                #expect(bound.lastDoc >= doc)
                var tf: [UInt32] = []
                var nb: [UInt8] = []
                for f in 0..<4 {
                    tf.append(cursor.frequency(f))
                    nb.append(norms[Int(doc) * 4 + f])
                    if tf[f] > 0 {
                        #expect(bound.maxFrequency(f) >= tf[f], "\(term) at \(doc), field \(f)")
                        #expect(bound.minNorm(f) <= nb[f], "\(term) at \(doc), field \(f)")
                    }
                }
                let pseudo = reader.boundReference.pseudoFrequency(tf: (tf[0], tf[1], tf[2], tf[3]), norms: (nb[0], nb[1], nb[2], nb[3]))
                #expect(pseudo > 0 && bound.maxPseudoFrequency >= pseudo, "\(term) at \(doc)")
                entries.append((doc, tf, nb, pseudo))
                seen += 1
                cursor.next()
            }
            #expect(seen == found.documentFrequency)
            // The first bound asked for after the cursor has moved on still covers the documents
            // of its block it has passed (a bound computed from the cursor's place would not).
            let lateBuffers = PostingsBuffers()
            defer { withExtendedLifetime((buffers, lateBuffers)) {} }   // the cursors point into them
            guard var late = try reader.cursor(found, mask: SegmentFormat.allFields, buffers: lateBuffers) else { continue }
            for _ in 0..<3 { late.next() }
            let lateDoc = late.doc
            let maybeBound = late.blockMaximum(containing: lateDoc)
            let lateBound = try #require(maybeBound, "\(term) at \(lateDoc)")
            let passed = entries.filter { $0.doc < late.doc }
            #expect(passed.count == 3)
            for e in entries where e.doc <= lateBound.lastDoc {
                for f in 0..<4 where e.tf[f] > 0 {
                    #expect(lateBound.maxFrequency(f) >= e.tf[f] && lateBound.minNorm(f) <= e.nb[f], "\(term) at \(e.doc) asked at \(late.doc)")
                }
                #expect(lateBound.maxPseudoFrequency >= e.pseudo, "\(term) at \(e.doc) asked at \(late.doc)")
            }
        }
    }

    /// A `commit()`'s segment is serialized on two threads (`TermPipe`): the file must be
    /// the one a single thread writes, byte for byte — over many batches (more terms than
    /// `TermPipe.maxTerms`, terms in several fields) and with a term larger than a batch alone.
    @Test func pipelinedSerializationWritesTheSameBytes() throws {
        let vocabulary = (0..<3000).map { "ord\($0)" }
        // "och" 200 times in each of 700 documents: more values than a batch holds (`TermPipe.maxValues`).
        #expect(700 * 200 > TermPipe.maxValues)
        // Two builders given the same documents (a builder is serialized once: its stored text
        // is compressed on a thread of its own, which a copy would share).
        func build() -> SegmentBuilder {
            var rng = SeededRandom(state: 7)
            var builder = SegmentBuilder()
            for d in 0..<700 {
                let n = Int.random(in: 20...200, using: &rng)
                let words = (0..<n).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] } + Array(repeating: "och", count: 200)
                builder.add(id: Int64(d), fields: [.body: field(words), .title: field(Array(words.prefix(5))), .meta: field(["mapp\(d % 9)", "ord\(d % 3000)"])],
                            fast: FastValues(year: 1990 + d % 30, authority: nil, format: "text"),
                            storedText: Array(words.joined(separator: " ").utf8))
            }
            return builder
        }
        var builder = build(), other = build()
        let single = builder.serialize(pipelined: false)
        let pipelined = other.serialize(pipelined: true)
        #expect(single.count > 100_000)
        #expect(single == pipelined)
    }

    /// A consumer that fails (a write error) stops the producer: `run` throws that error once
    /// the producer has returned, and the producer is told to stop rather than run to its end.
    @Test func aFailingWriteStopsThePipe() throws {
        struct WriteFailed: Error {}
        let emitted = Mutex(0)
        var consumed = 0
        #expect(throws: WriteFailed.self) {
            try TermPipe.run(produce: { emit in
                var p = TermPostings()
                for i in 0..<1_000_000 {
                    p.docs = [1]
                    p.frequencies = [0, 1, 0, 0]
                    emitted.withLock { $0 += 1 }
                    guard emit(Array("term\(i)".utf8), &p) else { return }
                }
            }, consume: { key, p in
                #expect(key == Array("term\(consumed)".utf8) && p.docs == [1])
                consumed += 1
                if consumed == 2_000 { throw WriteFailed() }
            })
        }
        #expect(consumed == 2_000)
        // At most the batches in the channel (and the one being filled) were produced past the failure.
        #expect(emitted.withLock { $0 } <= 2_000 + (TermPipe.depth + 1) * TermPipe.maxTerms)
    }

    /// Flipping any single byte of a segment is detected — by the structural checks at open or
    /// by the checksum (`verifyChecksum`, which `diarium verify` and merges run) — and the error
    /// names the file.
    @Test func corruptionIsDetectedAndNamed() throws {
        var builder = SegmentBuilder()
        for d in 0..<50 { builder.add(id: Int64(d), fields: [.body: field(["ett", "två", "tre\(d)"])], fast: FastValues(), storedText: Array("text \(d)".utf8)) }
        let bytes = builder.serialize()
        let dir = try ScratchDirectory()
        for offset in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
            var damaged = bytes
            damaged[offset] ^= 0x5A
            let path = dir.path + "/damaged-\(offset).seg"
            try DurableFile.create(path, bytes: damaged)
            do {
                try SegmentReader(path: path).verifyChecksum()
                Issue.record("damage at byte \(offset) was not detected")
            } catch let e as IndexError {
                #expect(e.description.contains(path), "error should name the file: \(e)")
            }
        }
        // Truncation too.
        let path = dir.path + "/short.seg"
        try DurableFile.create(path, bytes: Array(bytes.prefix(bytes.count - 7)))
        #expect(throws: IndexError.self) { try SegmentReader(path: path) }
    }

    /// A current segment whose directory lacks BOUNDS only because BOUNDS' id is damaged (to an
    /// unknown id, or to another section's) is corrupt, not an early version 6 to rebuild: the
    /// open does not verify the checksum, so the directory's shape decides.
    @Test func damagedBoundsIDIsCorruptNotOld() throws {
        var builder = SegmentBuilder()
        for d in 0..<50 { builder.add(id: Int64(d), fields: [.body: field(["ett", "två", "tre\(d)"])], fast: FastValues(), storedText: Array("text \(d)".utf8)) }
        let bytes = builder.serialize()
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        let directory = Int(u32(bytes.count - SegmentFormat.footerSize))
        let entries = (0..<Int(u32(directory))).map { directory + 4 + $0 * SegmentFormat.directoryEntrySize }
        let bounds = try #require(entries.first { u32($0) == SegmentFormat.Section.bounds.rawValue })
        let dir = try ScratchDirectory()
        for id in [SegmentFormat.Section.bounds.rawValue ^ 0x40, SegmentFormat.Section.fast.rawValue] {
            var damaged = bytes
            for i in 0..<4 { damaged[bounds + i] = UInt8(truncatingIfNeeded: id >> (8 * i)) }
            let path = dir.path + "/bounds-\(id).seg"
            try DurableFile.create(path, bytes: damaged)
            #expect {
                _ = try SegmentReader(path: path)
            } throws: { error in
                guard case let IndexError.corruptSegment(file, _) = error else { return false }
                return file == path
            }
        }
    }

    @Test func crcMatchesKnownValue() {
        // The standard check value of CRC-32/ISO-HDLC.
        let v = Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }
        #expect(v == 0xCBF4_3926)
    }
}

@Suite struct WriterTests {
    @Test func secondWriterIsRefusedClearly() throws {
        let dir = try ScratchDirectory()
        let first = try IndexWriter(directory: dir.path)
        #expect {
            _ = try IndexWriter(directory: dir.path)
        } throws: { error in
            guard case IndexError.locked = error else { return false }
            return "\(error)".contains("another diarium process")
        }
        first.close()
        _ = try IndexWriter(directory: dir.path)  // free again
    }

    @Test func commitPublishesAndReplacementHidesOldVersion() throws {
        let dir = try ScratchDirectory()
        let w = try IndexWriter(directory: dir.path)
        try w.add(record("a.txt"), fields: [.body: field(["gammal", "text"])], storedText: Array("gammal text".utf8))
        try w.add(record("b.txt", status: .empty), fields: nil, storedText: [])
        // Nothing is visible before commit.
        #expect(throws: IndexError.self) { try IndexReader(directory: dir.path + "/none") }
        try w.commit()
        var r = try IndexReader(directory: dir.path)
        #expect(try r.inventory().count == 2)
        #expect(r.liveDocumentCount == 1)
        try w.add(record("a.txt"), fields: [.body: field(["ny", "text"])], storedText: Array("ny text".utf8))
        try w.commit()
        r = try IndexReader(directory: dir.path)
        #expect(try r.inventory().count == 2)
        #expect(r.segments.count == 2)
        #expect(r.liveDocumentCount == 1)
        let old = try #require(r.segments.first { $0.reader.documentCount == 1 && $0.deletedCount > 0 })
        #expect(old.deletedCount == 1 && !old.isLive(0))
        let rec = try #require(try r.documents(path: "a.txt").first)
        #expect(try r.storedText(of: rec) == Array("ny text".utf8))
    }

    /// A reader for many threads (the web server) is current until a commit; a reader for one
    /// thread (a command) reads no change signature, so it never says it is current, and it
    /// sees the same snapshot.
    @Test func onlyAReaderForManyThreadsKnowsWhetherItIsCurrent() throws {
        let dir = try ScratchDirectory()
        let w = try IndexWriter(directory: dir.path)
        try w.add(record("a.txt"), fields: [.body: field(["gammal", "text"])], storedText: Array("gammal text".utf8))
        try w.commit()
        let many = try IndexReader(directory: dir.path, threads: .many)
        let one = try IndexReader(directory: dir.path, threads: .one)
        #expect(try many.isCurrent())
        #expect(try !one.isCurrent())
        #expect(one.segments.map(\.id) == many.segments.map(\.id) && one.liveDocumentCount == many.liveDocumentCount)
        try w.add(record("b.txt"), fields: [.body: field(["ny", "text"])], storedText: Array("ny text".utf8))
        try w.commit()
        #expect(try !many.isCurrent())
        #expect(try IndexReader(directory: dir.path, threads: .many).isCurrent())
    }

    @Test func memoryBudgetFlushesSegments() throws {
        let dir = try ScratchDirectory()
        let w = try IndexWriter(directory: dir.path, memoryBudget: 64 << 10)
        for i in 0..<400 {
            let words = (0..<200).map { "w\(($0 * 7 + i) % 997)" }
            try w.add(record("f\(i).txt"), fields: [.body: field(words)], storedText: Array(words.joined(separator: " ").utf8))
            try w.commitIfOverBudget()
        }
        try w.commit()
        let r = try IndexReader(directory: dir.path)
        #expect(r.segments.count > 1)
        #expect(r.liveDocumentCount == 400)
        #expect(try r.inventory().count == 400)
    }

    /// Commits in the background publish in the order they were sealed: the index ends as the
    /// same documents, replacements and searchable text as with commits on the caller's thread,
    /// also when a path is added again while its earlier version is still being written.
    @Test func backgroundCommitsEndAsForegroundOnes() throws {
        func ingest(background: Bool) throws -> (segments: Int, live: Int, rows: [String], texts: [String]) {
            let dir = try ScratchDirectory()
            let w = try IndexWriter(directory: dir.path, memoryBudget: 64 << 10)
            for round in 0..<2 {
                for i in 0..<130 {
                    let words = (0..<200).map { "w\(($0 * 7 + i + round) % 997)" } + ["runda\(round)"]
                    try w.add(record("f\(i % 100).txt"), fields: [.body: field(words)], storedText: Array("\(round) \(i)".utf8))
                    if background { try w.commitInBackgroundIfOverBudget() } else { try w.commitIfOverBudget() }
                }
            }
            try w.commit()
            try w.waitForMerges()
            let written = w.segmentsWritten
            let r = try IndexReader(directory: dir.path)
            let rows = try r.inventory().map { "\($0.path) \($0.part)" }.sorted()
            let texts = try (0..<100).map { i in
                let rec = try #require(try r.documents(path: "f\(i).txt").first)
                return String(decoding: try #require(try r.storedText(of: rec)), as: UTF8.self)
            }
            return (written, r.liveDocumentCount, rows, texts)
        }
        let foreground = try ingest(background: false)
        let background = try ingest(background: true)
        #expect(background.segments > 2)
        #expect(background.live == 100 && foreground.live == 100)
        #expect(background.rows == foreground.rows)
        // Every path holds its last version: round 1's, file i + 100 for the paths given twice in it.
        #expect(background.texts == foreground.texts)
        #expect(background.texts[0] == "1 100" && background.texts[29] == "1 129" && background.texts[50] == "1 50")
    }

    /// Parts of one file are never split across commits, so a later commit cannot replace the
    /// parts an earlier one published.
    @Test func partsOfOneFileStayTogetherUnderTheBudget() throws {
        let dir = try ScratchDirectory()
        let w = try IndexWriter(directory: dir.path, memoryBudget: 1 << 10)
        let words = (0..<3000).map { "w\($0)" }
        var main = record("mail.eml")
        main.part = 0
        var attachment = record("mail.eml")
        attachment.part = 1
        try w.add(main, fields: [.body: field(words)], storedText: [])
        try w.add(attachment, fields: [.body: field(["bilaga"])], storedText: [])
        try w.commitIfOverBudget()
        try w.add(record("other.txt"), fields: [.body: field(words)], storedText: [])
        try w.commit()
        let r = try IndexReader(directory: dir.path)
        #expect(try r.documents(path: "mail.eml").map(\.part) == [0, 1])
        #expect(r.liveDocumentCount == 3)
    }

    /// A commit whose publication fails (here the catalog refuses new segments, as a full disk
    /// or a locked database would) keeps its written segment and its rows: nothing of it is
    /// published, the next commit publishes it first and then what was sealed after it, and no
    /// document is lost; on the caller's thread and in the background alike. `close()` drops a
    /// commit still unpublished and removes its file.
    @Test func aFailedPublicationIsKeptForTheNextCommit() throws {
        func refuse(_ w: IndexWriter, _ on: Bool) throws {
            try w.catalog.write { db in
                try db.execute(sql: on ? "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.segments BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                                       : "DROP TRIGGER temp.refuse")
            }
        }
        func segmentFiles(_ dir: ScratchDirectory) throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: dir.path + "/segments").filter { $0.hasSuffix(".seg") }.count
        }
        for background in [false, true] {
            let dir = try ScratchDirectory()
            let w = try IndexWriter(directory: dir.path, memoryBudget: 64 << 10)
            w.mergeFactor = 0
            try refuse(w, true)
            try w.add(record("a.txt"), fields: [.body: field(["ett", "a"])], storedText: Array("a".utf8))
            if background {
                // The one-document buffer is over the budget: sealed, written and refused on the commit thread.
                try w.commitInBackgroundIfOverBudget()
                try w.add(record("b.txt"), fields: [.body: field(["ett", "b"])], storedText: Array("b".utf8))
                #expect(throws: (any Error).self) { try w.waitForBackgroundCommit() }
            } else {
                #expect(throws: (any Error).self) { try w.commit() }
                try w.add(record("b.txt"), fields: [.body: field(["ett", "b"])], storedText: Array("b".utf8))
            }
            #expect(try IndexReader(directory: dir.path).liveDocumentCount == 0)
            #expect(try segmentFiles(dir) == 1, "the refused segment's file is kept for the retry")
            // Refused again, three times: still nothing lost, nothing published out of order,
            // and no further file written (b.txt waits in the buffer).
            for _ in 0..<3 {
                #expect(throws: (any Error).self) { try w.commit() }
                #expect(throws: (any Error).self) { try w.commitInBackgroundIfOverBudget() }
            }
            #expect(try IndexReader(directory: dir.path).liveDocumentCount == 0)
            #expect(try segmentFiles(dir) == 1, "a refused retry writes no further file")
            try refuse(w, false)
            try w.add(record("a.txt"), fields: [.body: field(["ett", "a2"])], storedText: Array("a2".utf8))
            try w.commit()
            let r = try IndexReader(directory: dir.path)
            #expect(r.liveDocumentCount == 2 && w.segmentsWritten == 2, "the kept commit, then b.txt and a2 together")
            let texts = try ["a.txt", "b.txt"].map { path in
                let rec = try #require(try r.documents(path: path).first)
                return String(decoding: try #require(try r.storedText(of: rec)), as: UTF8.self)
            }
            #expect(texts == ["a2", "b"], "published in the order sealed: the later a.txt replaced the first")
            #expect(try segmentFiles(dir) == 2)
        }
        // Closed before a retry: the commit is dropped with its file.
        let dir = try ScratchDirectory()
        do {
            let w = try IndexWriter(directory: dir.path)
            try refuse(w, true)
            try w.add(record("a.txt"), fields: [.body: field(["ett"])], storedText: [])
            #expect(throws: (any Error).self) { try w.commit() }
            w.close()
        }
        #expect(try segmentFiles(dir) == 0)
        #expect(try IndexReader(directory: dir.path).liveDocumentCount == 0)
    }

    /// A `commit()` whose segment file cannot be written (here `segments` is not a folder) while
    /// its rows go in on the publishing thread (`writeSegmentAndPublish`): the transaction rolls
    /// back, so the replaced version stays found and nothing of the commit is published; the
    /// writer then commits again.
    @Test func aFailedSegmentWriteRollsTheRowsBack() throws {
        let dir = try ScratchDirectory()
        let w = try IndexWriter(directory: dir.path)
        w.mergeFactor = 0
        try w.add(record("a.txt"), fields: [.body: field(["gammal"])], storedText: Array("gammal".utf8))
        try w.commit()
        try w.add(record("a.txt"), fields: [.body: field(["ny"])], storedText: Array("ny".utf8))
        try w.add(record("b.txt"), fields: [.body: field(["annan"])], storedText: Array("annan".utf8))
        let segments = dir.path + "/segments"
        try FileManager.default.moveItem(atPath: segments, toPath: segments + ".away")
        try DurableFile.create(segments, bytes: [])
        #expect(throws: (any Error).self) { try w.commit() }
        try FileManager.default.removeItem(atPath: segments)
        try FileManager.default.moveItem(atPath: segments + ".away", toPath: segments)
        var r = try IndexReader(directory: dir.path)
        #expect(r.liveDocumentCount == 1 && r.segments.count == 1)
        let old = try #require(try r.documents(path: "a.txt").first)
        #expect(try r.storedText(of: old) == Array("gammal".utf8))
        #expect(try r.documents(path: "b.txt").isEmpty)
        try w.add(record("b.txt"), fields: [.body: field(["annan"])], storedText: Array("annan".utf8))
        try w.commit()
        r = try IndexReader(directory: dir.path)
        #expect(r.liveDocumentCount == 2 && r.segments.count == 2)
    }

    /// The publishing thread of a commit (`writeSegmentAndPublish`) holds no reference to the
    /// catalog once `commit()` returned: released with the writer, the catalog's connection is
    /// closed on the caller's thread, so a process opening the catalog right after never meets
    /// the closing connection's checkpoint lock ("database is locked", seen in VerifierTests).
    @Test func theCatalogIsReleasedWithTheWriter() throws {
        for round in 0..<20 {
            let dir = try ScratchDirectory()
            weak var catalog: Catalog?
            do {
                let w = try IndexWriter(directory: dir.path)
                catalog = w.catalog
                try w.add(record("a\(round).txt"), fields: [.body: field(["ett", "två"])], storedText: Array("ett två".utf8))
                try w.commit()
                w.close()
            }
            #expect(catalog == nil, "round \(round): the catalog outlived its writer")
        }
    }

    @Test func unpublishedSegmentFilesAreRemovedAtOpen() throws {
        let dir = try ScratchDirectory()
        do {
            let w = try IndexWriter(directory: dir.path)
            try w.add(record("a.txt"), fields: [.body: field(["ett"])], storedText: [])
            try w.commit()
        }
        // A crash between writing a segment and publishing it leaves an orphan file.
        let orphan = dir.path + "/segments/orphan.seg"
        try DurableFile.create(orphan, bytes: [1, 2, 3])
        _ = try IndexWriter(directory: dir.path)
        #expect(!FileManager.default.fileExists(atPath: orphan))
        let r = try IndexReader(directory: dir.path)
        #expect(r.liveDocumentCount == 1)
    }
}
