import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex

/// The body field of `text` split at spaces, with the offsets of its words noted as the ingest
/// notes them (`FieldTerms.noteWord`).
func bodyField(_ text: [UInt8]) -> FieldTerms {
    var f = FieldTerms()
    var position: UInt32 = 0
    var start: Int?
    for i in 0...text.count {
        if i == text.count || text[i] == 0x20 || text[i] == 0x0A {
            if let s = start {
                f.add(Array(text[s..<i]), position: position)
                f.noteWord(position: position, start: s)
                position += 1
                start = nil
            }
        } else if start == nil {
            start = i
        }
    }
    f.length = position
    f.finish()
    return f
}

/// Offsets of the words of `text` (split at spaces and line breaks).
func wordOffsets(_ text: [UInt8]) -> [Int] {
    var out: [Int] = []
    for i in text.indices where text[i] != 0x20 && text[i] != 0x0A && (i == 0 || text[i - 1] == 0x20 || text[i - 1] == 0x0A) { out.append(i) }
    return out
}

/// STORE, STOREINDEX and TEXTPOSITIONS: the owner types round-trip, texts of every size come
/// back whole and in ranges, the table finds the bytes of a position, merges carry both over,
/// and verify names a damaged block or table.
@Suite struct StoredTextTests {
    @Test func storeIndexRoundTrips() throws {
        let blocks = [StoreIndex.Block(offset: 0, compressedSize: 900, rawSize: 32_768, rawStart: 0),
                      StoreIndex.Block(offset: 900, compressedSize: 17, rawSize: 5, rawStart: 32_768)]
        let starts: [UInt64] = [0, 10, 10, 32_773]
        var w = ByteWriter()
        StoreIndex.write(blocks: blocks, documentStarts: starts, into: &w)
        // 4-byte offsets: three pairs (two blocks and the ends) and four document starts.
        #expect(w.count == StoreIndex.headerSize + (3 * 2 + 4) * 4)
        try w.bytes.withUnsafeBytes { b in
            let index = try #require(StoreIndex(reading: b))
            #expect(index.blockCount == 2 && index.documentCount == 3)
            #expect((0..<2).map { index.block($0) } == blocks)
            #expect((0...3).map { index.documentStart($0) } == starts)
            #expect(index.rawLength == 32_773)
            #expect(index.block(containing: 0) == 0 && index.block(containing: 32_767) == 0 && index.block(containing: 32_768) == 1)
            // A size that does not match the counts is refused.
            #expect(StoreIndex(reading: UnsafeRawBufferPointer(rebasing: b[0..<(b.count - 1)])) == nil)
        }
        // A width other than 4 or 8 is refused; a block whose next pair lies before it is damage.
        var bytes = w.bytes
        bytes[8] = 5
        #expect(bytes.withUnsafeBytes { StoreIndex(reading: $0) } == nil)
        bytes[8] = 4
        for i in 0..<4 { bytes[StoreIndex.headerSize + 8 + i] = 0xFF }  // block 1's frame at 4 GiB − 1
        try bytes.withUnsafeBytes { b in
            let index = try #require(StoreIndex(reading: b))
            #expect(index.block(0)?.compressedSize == UInt32.max && index.block(1) == nil)
        }
        // Ends past 4 GiB take 8-byte offsets.
        let wide = [StoreIndex.Block(offset: 0, compressedSize: 10, rawSize: UInt32.max, rawStart: 0),
                    StoreIndex.Block(offset: 10, compressedSize: 7, rawSize: 5, rawStart: UInt64(UInt32.max))]
        var w8 = ByteWriter()
        StoreIndex.write(blocks: wide, documentStarts: [0, UInt64(UInt32.max) + 5], into: &w8)
        #expect(w8.count == StoreIndex.headerSize + (3 * 2 + 2) * 8)
        try w8.bytes.withUnsafeBytes { b in
            let index = try #require(StoreIndex(reading: b))
            #expect((0..<2).map { index.block($0) } == wide)
            #expect(index.documentStart(1) == UInt64(UInt32.max) + 5 && index.rawLength == UInt64(UInt32.max) + 5)
            #expect(index.block(containing: UInt64(UInt32.max) - 1) == 0 && index.block(containing: UInt64(UInt32.max)) == 1)
        }
        // The width's boundary: an end of exactly 4 GiB − 1 still fits 4 bytes, 4 GiB takes 8.
        let atMost = [StoreIndex.Block(offset: 0, compressedSize: 10, rawSize: UInt32.max, rawStart: 0)]
        var w4 = ByteWriter()
        StoreIndex.write(blocks: atMost, documentStarts: [0, UInt64(UInt32.max)], into: &w4)
        #expect(w4.count == StoreIndex.headerSize + (2 * 2 + 2) * 4)
        try w4.bytes.withUnsafeBytes { b in
            let index = try #require(StoreIndex(reading: b))
            #expect(index.block(0) == atMost[0] && index.rawLength == UInt64(UInt32.max))
        }
        let past = atMost + [StoreIndex.Block(offset: 10, compressedSize: 3, rawSize: 1, rawStart: UInt64(UInt32.max))]
        var w8b = ByteWriter()
        StoreIndex.write(blocks: past, documentStarts: [0, 1 << 32], into: &w8b)
        #expect(w8b.count == StoreIndex.headerSize + (3 * 2 + 2) * 8)
        try w8b.bytes.withUnsafeBytes { b in
            let index = try #require(StoreIndex(reading: b))
            #expect((0..<2).map { index.block($0) } == past && index.rawLength == 1 << 32)
        }
        var empty = ByteWriter()
        StoreIndex.write(blocks: [], documentStarts: [0], into: &empty)
        #expect(empty.bytes.withUnsafeBytes { StoreIndex(reading: $0).map { ($0.blockCount, $0.documentCount, $0.rawLength) } ?? (-1, -1, 1) } == (0, 0, 0))
    }

    @Test func textPositionsRoundTrip() throws {
        var w = ByteWriter()
        TextPositions.write(interval: 64, starts: [0, 3, 3, 4], checkpoints: [0, 410, 905, 2], into: &w)
        try w.bytes.withUnsafeBytes { b in
            let table = try #require(TextPositions(reading: b))
            #expect(table.interval == 64 && table.documentCount == 3 && table.checkpointCount == 4)
            #expect(table.checkpoints(of: 0) == 0..<3 && table.checkpoints(of: 1) == 3..<3 && table.checkpoints(of: 2) == 3..<4)
            #expect((0..<4).map { table.checkpoint($0) } == [0, 410, 905, 2])
            #expect(TextPositions(reading: UnsafeRawBufferPointer(rebasing: b[0..<(b.count - 4)])) == nil)
        }
    }

    /// Texts of every size (empty, tiny, exactly a block, several blocks, multi-byte letters cut
    /// by block ends) come back whole, in pieces and in any byte range; a text that fits in a
    /// block is never split.
    @Test func textsOfEverySizeComeBack() throws {
        var rng = SeededRandom(state: 99)
        let words = ["å", "ärende", "öppen", "Örebro", "straße", "日本語", "ord", "molntjänst", "🙂", "säkerhetsöversyn"]
        var texts: [[UInt8]] = []
        for d in 0..<60 {
            let target: Int
            switch d % 6 {
            case 0: target = 0
            case 1: target = Int(rng.next() % 200)
            case 2: target = StoreIndex.blockSize
            case 3: target = StoreIndex.blockSize * 3 + 7
            case 4: target = Int(rng.next() % UInt64(StoreIndex.blockSize))
            default: target = Int(rng.next() % 20_000)
            }
            var t: [UInt8] = []
            while t.count < target { t += Array((words[Int(rng.next() % UInt64(words.count))] + " ").utf8) }
            if d % 6 == 2 { t = Array(t.prefix(StoreIndex.blockSize)); while let l = t.last, l & 0xC0 == 0x80 || l >= 0xC0 { t.removeLast() } }
            texts.append(t)
        }
        var builder = SegmentBuilder()
        for (d, t) in texts.enumerated() { builder.add(id: Int64(d + 1), fields: [.body: bodyField(t)], fast: FastValues(), storedText: t) }
        let dir = try ScratchDirectory()
        let path = dir.path + "/store.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        let reader = try SegmentReader(path: path)
        for (d, t) in texts.enumerated() {
            #expect(try reader.storedText(UInt32(d)) == t)
            #expect(try reader.storedTextLength(UInt32(d)) == t.count)
            for _ in 0..<5 {
                let a = Int(rng.next() % UInt64(t.count + 1)), b = Int(rng.next() % UInt64(t.count + 1))
                #expect(try reader.storedText(UInt32(d), range: min(a, b)..<max(a, b)) == Array(t[min(a, b)..<max(a, b)]))
            }
            #expect(try reader.storedText(UInt32(d), range: -5..<(t.count + 100)) == t)
        }
        var pieces = [[UInt8]](repeating: [], count: texts.count)
        var lastSeen = [Bool](repeating: false, count: texts.count)
        let blocks = try reader.forEachStoredText { d, piece, last in
            #expect(!lastSeen[Int(d)])
            pieces[Int(d)] += piece
            lastSeen[Int(d)] = last
        }
        #expect(pieces == texts && lastSeen.allSatisfy { $0 })
        // Blocks hold at most blockSize bytes, and a text of at most a block lies in one.
        try reader.withSection(.storeIndex) { b in
            let index = try #require(StoreIndex(reading: b))
            #expect(index.blockCount == blocks)
            for i in 0..<index.blockCount { #expect(try #require(index.block(i)).rawSize <= UInt32(StoreIndex.blockSize)) }
            for (d, t) in texts.enumerated() where !t.isEmpty && t.count <= StoreIndex.blockSize {
                let s = index.documentStart(d)
                #expect(index.block(containing: s) == index.block(containing: s + UInt64(t.count) - 1), "document \(d) of \(t.count) bytes was split")
            }
        }
        #expect(try reader.verifyAll().storedBlocks == blocks)
    }

    /// A writer with other blocks than `StoreIndex.blockSize`, up to 4 KiB
    /// (`StoreIndex.largestBlock`, the blocks of segments written before). A block's raw size is
    /// its own entry's, so such a segment reads back as one of today's: whole texts, byte ranges, block by block, and
    /// verify passes; only a block above `largestBlock` is damage.
    @Test func blocksOfTheEarlierSizeReadBack() throws {
        var rng = SeededRandom(state: 23)
        // Enough text for a dictionary (`StoreDictionary.minimumSample`), texts of 0 to 9,000 bytes.
        let texts = (0..<90).map { d in Self.prose(d % 9 == 0 ? 0 : Int(rng.next() % 9_000), seed: UInt64(d + 100)) }
        #expect(texts.reduce(0) { $0 + $1.count } >= StoreDictionary.minimumSample)
        let dir = try ScratchDirectory()
        for size in [StoreIndex.largestBlock, StoreIndex.blockSize] {
            var store = StoredTextWriter(blockSize: size)
            for t in texts { t.withUnsafeBytes { store.add($0, wordStarts: []) } }
            var posting = TermPostings()
            for d in texts.indices {
                posting.docs.append(UInt32(d))
                posting.frequencies += [0, 1, 0, 0]
                posting.positions.append(0)
            }
            var serializer = try SegmentSerializer(norms: [UInt8](repeating: 0, count: texts.count * IndexField.allCases.count), output: MemoryOutput())
            try serializer.addTerm(Array("ord".utf8), posting)
            let bytes = try serializer.finish(docIDs: texts.indices.map { Int64($0 + 1) }, fieldTotals: [0, 0, 0, 0],
                                              fast: FastColumnsWriter(texts.map { _ in FastValues() }), store: store.finish()).output.bytes
            let reader = try Self.readBack(bytes, at: dir.path + "/blocks\(size).seg", texts: texts, &rng)
            var pieces = [[UInt8]](repeating: [], count: texts.count)
            try reader.forEachStoredText { d, piece, _ in pieces[Int(d)] += piece }
            #expect(pieces == texts)
            try reader.withSection(.storeIndex) { b in
                let index = try #require(StoreIndex(reading: b))
                #expect((0..<index.blockCount).compactMap { index.block($0)?.rawSize }.max() == UInt32(size))
            }
            #expect(try reader.verifyAll().storedBlocks > 0)
        }
    }

    /// The table gives, for any position, a range starting at a word at or before it and
    /// ending at the word after the interval that holds it.
    @Test func positionsFindTheirBytes() throws {
        var rng = SeededRandom(state: 5)
        var text: [UInt8] = []
        while text.count < 200_000 { text += Array((["ärende", "å", "日本", "beslut", "x"][Int(rng.next() % 5)] + (rng.next() % 7 == 0 ? "\n" : " ")).utf8) }
        var builder = SegmentBuilder()
        builder.add(id: 1, fields: [.body: bodyField(text)], fast: FastValues(), storedText: text)
        builder.add(id: 2, fields: [:], fast: FastValues(), storedText: Array("utan ord i tabellen".utf8))
        let dir = try ScratchDirectory()
        let path = dir.path + "/positions.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        let reader = try SegmentReader(path: path)
        let offsets = wordOffsets(text)
        let k = Int(TextPositions.interval)
        #expect(try reader.wordStarts(0).map(Int.init) == stride(from: 0, to: offsets.count, by: k).map { offsets[$0] })
        for _ in 0..<200 {
            let p = Int(rng.next() % UInt64(offsets.count)), q = min(offsets.count - 1, p + Int(rng.next() % 40))
            let region = try #require(try reader.storedTextRange(0, positions: UInt32(p)...UInt32(q)))
            #expect(region.bytes.lowerBound == offsets[p / k * k])
            #expect(region.bytes.upperBound == (q / k * k + k < offsets.count ? offsets[q / k * k + k] : text.count))
            #expect(region.wordsBefore == (p >= k) && region.wordsAfter == (q / k * k + k < offsets.count))
            #expect(region.bytes.count < 64 * 2 * 12 + 41 * 12)
        }
        // Positions past the last word: the last interval.
        let tail = try #require(try reader.storedTextRange(0, positions: UInt32.max - 5...UInt32.max))
        #expect(tail.bytes.upperBound == text.count && !tail.wordsAfter)
        // A document stored without positions has no table.
        #expect(try reader.storedTextRange(1, positions: 0...3) == nil)
    }

    /// The segment `bytes` written at `path` and opened, after checking that it has a
    /// dictionary and gives back each of `texts` whole and in a random byte range.
    static func readBack(_ bytes: [UInt8], at path: String, texts: [[UInt8]], _ rng: inout SeededRandom) throws -> SegmentReader {
        try DurableFile.create(path, bytes: bytes)
        let reader = try SegmentReader(path: path)
        #expect(reader.storeDictionary != nil)
        for (d, t) in texts.enumerated() {
            #expect(try reader.storedText(UInt32(d)) == t)
            let a = Int(rng.next() % UInt64(t.count + 1)), b = Int(rng.next() % UInt64(t.count + 1))
            #expect(try reader.storedText(UInt32(d), range: min(a, b)..<max(a, b)) == Array(t[min(a, b)..<max(a, b)]))
        }
        return reader
    }

    /// Swedish-looking prose of at least `count` bytes from a seeded generator.
    static func prose(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededRandom(state: seed)
        let words = ["nämnden", "beslutar", "att", "ärendet", "överlämnas", "till", "kommunstyrelsen", "för",
                     "yttrande", "riskanalys", "informationssäkerhet", "säkerhetsöversyn", "och", "den", "personuppgifter",
                     "behandlas", "enligt", "dataskyddsförordningen", "år", "Örebro", "molntjänst", "upphandling"]
        var t: [UInt8] = []
        while t.count < count {
            t += Array(words[Int(rng.next() % UInt64(words.count))].utf8)
            t.append(rng.next() % 11 == 0 ? 0x0A : 0x20)
        }
        return t
    }

    /// STOREDICT round-trips: a dictionary trained on a sample digests, frames compressed with
    /// it come back with it and fail without it (or with none), a short sample gives no
    /// dictionary, and a damaged one is refused.
    /// The writer's bound of the stored text's footprint (no wait for the compression thread)
    /// is never below the exact footprint, across the dictionary's training; once nothing is in
    /// flight it is the footprint itself.
    @Test func footprintBoundIsNeverBelowTheFootprint() throws {
        var writer = StoredTextWriter()
        var generator = SystemRandomNumberGenerator()
        var below: [Int] = []
        for doc in 0..<700 {
            // Half text, half random bytes: frames of both kinds, up to their compress bound.
            let words = (0..<300).map { "ord\($0 % 37)x\(doc % 11)" }.joined(separator: " ")
            let noise = (0..<2_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Array(words.utf8) + noise
            text.withUnsafeBytes { writer.add($0, wordStarts: []) }
            let bound = writer.memoryFootprintBound
            let exact = writer.memoryFootprint
            if bound < exact { below.append(doc) }
            if doc > 400 { #expect(writer.memoryFootprintBound == exact) }
        }
        #expect(below.isEmpty)
        _ = try writer.finish()
    }

    @Test func storeDictionaryRoundTrips() throws {
        let sample = Self.prose(StoreDictionary.sampleSize, seed: 8)
        let sizes = stride(from: 0, to: sample.count, by: StoreIndex.blockSize).map { min(StoreIndex.blockSize, sample.count - $0) }
        let dictionary = StoreDictionary.train(sample: sample, blockSizes: sizes)
        #expect(!dictionary.bytes.isEmpty && dictionary.bytes.count <= StoreDictionary.capacity)
        var w = ByteWriter()
        dictionary.write(into: &w)
        #expect(w.bytes == dictionary.bytes)
        let digested = try #require(try w.bytes.withUnsafeBytes { try StoreDictionary.digest(reading: $0) })
        let block = Self.prose(StoreIndex.blockSize - 100, seed: 9)
        let frame = block.withUnsafeBytes { Zstd.Compressor(dictionary: dictionary.bytes).compress($0) }
        let plain = Zstd.compress(block)
        #expect(frame.count < plain.count, "\(frame.count) with the dictionary, \(plain.count) without")
        #expect(try frame.withUnsafeBytes { try Zstd.decompress($0, size: block.count, dictionary: digested) } == block)
        #expect(throws: Zstd.Failure.damaged) { try frame.withUnsafeBytes { try Zstd.decompress($0, size: block.count) } }
        #expect(try plain.withUnsafeBytes { try Zstd.decompress($0, size: block.count) } == block)
        // Another dictionary trained on other text of the same kind: refused (the frame names
        // no dictionary; its checksum fails), not other text.
        let otherSample = Self.prose(StoreDictionary.sampleSize, seed: 10)
        let other = try #require(try StoreDictionary.train(sample: otherSample, blockSizes: sizes).bytes.withUnsafeBytes {
            try StoreDictionary.digest(reading: $0)
        })
        #expect(throws: Zstd.Failure.damaged) { try frame.withUnsafeBytes { try Zstd.decompress($0, size: block.count, dictionary: other) } }
        // A size one more or one less than the frame holds is damage, with or without the dictionary.
        for size in [block.count + 1, block.count - 1] {
            #expect(throws: Zstd.Failure.damaged) { try frame.withUnsafeBytes { try Zstd.decompress($0, size: size, dictionary: digested) } }
            #expect(throws: Zstd.Failure.damaged) { try plain.withUnsafeBytes { try Zstd.decompress($0, size: size) } }
        }
        // The size is bounded by decompress itself, before anything is allocated or decoded.
        for size in [-1, Zstd.largestOutput + 1, Int.max] {
            #expect(throws: Zstd.Failure.sizeOutOfRange(size)) { try plain.withUnsafeBytes { try Zstd.decompress($0, size: size) } }
        }
        let largest = [UInt8](repeating: 0x61, count: Zstd.largestOutput)
        #expect(try Zstd.compress(largest).withUnsafeBytes { try Zstd.decompress($0, size: largest.count) } == largest)
        // Too little text: no dictionary, and an empty section reads as none.
        let short = Array(sample.prefix(StoreDictionary.minimumSample - 1))
        #expect(StoreDictionary.train(sample: short, blockSizes: [short.count]).bytes.isEmpty)
        #expect(try [UInt8]().withUnsafeBytes { try StoreDictionary.digest(reading: $0) } == nil)
        // A damaged header (zstd's dictionary magic) is refused.
        var damaged = dictionary.bytes
        damaged[0] ^= 0xFF
        damaged[1] ^= 0xFF
        #expect(throws: StoreDictionary.Damaged.self) { try damaged.withUnsafeBytes { try StoreDictionary.digest(reading: $0) } }
    }

    /// A segment with more text than the sample trains its dictionary on the first MiB, and
    /// every text comes back — the sample's blocks, compressed after training, and the later
    /// ones; a merge of two such segments trains its own; STORE and STOREDICT together are
    /// smaller than the same blocks without a dictionary.
    @Test func segmentsWithADictionary() throws {
        let dir = try ScratchDirectory()
        var sources: [LiveSegment] = []
        var expected: [[UInt8]] = []
        var rng = SeededRandom(state: 12)
        for s in 0..<2 {
            var builder = SegmentBuilder()
            var texts: [[UInt8]] = []
            var total = 0
            while total < StoreDictionary.sampleSize + 300_000 {
                let t = Self.prose(Int(rng.next() % 3_000) + (texts.count % 50 == 7 ? 20_000 : 0), seed: rng.next())
                texts.append(t)
                total += t.count
            }
            for (d, t) in texts.enumerated() {
                builder.add(id: Int64(s * 10_000 + d + 1), fields: [.body: bodyField(t)], fast: FastValues(), storedText: t)
            }
            let reader = try Self.readBack(builder.serialize(), at: dir.path + "/dict\(s).seg", texts: texts, &rng)
            let sizes = reader.withSection(.storeDictionary) { dict in reader.withSection(.store) { (dict.count, $0.count) } }
            let stream = Array(texts.joined())
            let plain = try reader.withSection(.storeIndex) { b in
                let index = try #require(StoreIndex(reading: b))
                return try (0..<index.blockCount).reduce(0) { sum, i in
                    let block = try #require(index.block(i))
                    return sum + Zstd.compress(Array(stream[Int(block.rawStart)..<(Int(block.rawStart) + Int(block.rawSize))])).count
                }
            }
            #expect(sizes.0 + sizes.1 < plain, "dictionary \(sizes.0) + store \(sizes.1) against \(plain) without")
            _ = try reader.verifyAll()
            sources.append(LiveSegment(id: Int64(s + 1), reader: reader, deleted: [3]))
            expected += texts.enumerated().filter { $0.offset != 3 }.map(\.element)
        }
        _ = try SegmentMerger.merge(sources, to: dir.path + "/merged.seg")
        let merged = try SegmentReader(path: dir.path + "/merged.seg")
        #expect(merged.storeDictionary != nil)
        for (d, t) in expected.enumerated() { #expect(try merged.storedText(UInt32(d)) == t) }
        _ = try merged.verifyAll()
    }

    /// A merge carries texts and tables over (deleted documents dropped).
    @Test func mergeCarriesTextsAndTables() throws {
        let dir = try ScratchDirectory()
        var expected: [[UInt8]] = []
        var sources: [LiveSegment] = []
        var rng = SeededRandom(state: 3)
        for s in 0..<2 {
            var builder = SegmentBuilder()
            for d in 0..<5 {
                var t: [UInt8] = []
                let size = d == 2 ? 90_000 : Int(rng.next() % 3_000)
                while t.count < size { t += Array((["öppen", "ärende", "nämnd"][Int(rng.next() % 3)] + " ").utf8) }
                builder.add(id: Int64(s * 10 + d + 1), fields: [.body: bodyField(t)], fast: FastValues(), storedText: t)
                if d != 1 { expected.append(t) }
            }
            let path = dir.path + "/s\(s).seg"
            try DurableFile.create(path, bytes: builder.serialize())
            sources.append(LiveSegment(id: Int64(s + 1), reader: try SegmentReader(path: path), deleted: [1]))
        }
        _ = try SegmentMerger.merge(sources, to: dir.path + "/merged.seg")
        let merged = try SegmentReader(path: dir.path + "/merged.seg")
        #expect(merged.documentCount == expected.count)
        for (d, t) in expected.enumerated() {
            #expect(try merged.storedText(UInt32(d)) == t)
            let offsets = wordOffsets(t)
            #expect(try merged.wordStarts(UInt32(d)).map(Int.init) == stride(from: 0, to: offsets.count, by: Int(TextPositions.interval)).map { offsets[$0] })
        }
        _ = try merged.verifyAll()
    }

    /// A store index whose last block's raw size is one more, or (with the document's end moved
    /// with it) one less, than its frame decodes to: reading the text is refused as damage naming
    /// the block, never answered with a byte the frame did not give. One more passes every
    /// other check of a read (the document still ends within the blocks); it fails with
    /// `Zstd.decompress` accepting fewer bytes than asked for (`got == size` dropped).
    @Test func rawSizeOffByOneIsDamage() throws {
        var text: [UInt8] = []
        while text.count < 3 * StoreIndex.blockSize - 100 { text += Array("Åtgärder för säkerhetsöversyn nämnden ".utf8) }
        var builder = SegmentBuilder()
        builder.add(id: 1, fields: [.body: bodyField(text)], fast: FastValues(), storedText: text)
        let image = builder.serialize()
        let dir = try ScratchDirectory()
        let path = dir.path + "/store.seg"
        try DurableFile.create(path, bytes: image)
        let original = try SegmentReader(path: path)
        #expect(try original.storedText(0) == text)
        let section = try #require(original.sections[SegmentFormat.Section.storeIndex.rawValue])
        let index = try original.withSection(.storeIndex) { try #require(StoreIndex(reading: $0)) }
        let last = index.blockCount - 1
        #expect(last >= 1 && index.documentCount == 1)
        // Width 4: the last pair's raw offset, then the document's end.
        let rawEnd = section.lowerBound + StoreIndex.headerSize + (2 * index.blockCount + 1) * 4
        let documentEnd = section.lowerBound + StoreIndex.headerSize + (2 * (index.blockCount + 1) + 1) * 4
        for (delta, moved) in [(1, [rawEnd]), (-1, [rawEnd, documentEnd])] {
            var bytes = image
            for at in moved {
                let value = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
                let changed = UInt32(Int(value) + delta)
                for j in 0..<4 { bytes[at + j] = UInt8(truncatingIfNeeded: changed >> (8 * UInt32(j))) }
            }
            let crc = CRC32.checksum(bytes[0..<(bytes.count - 4)])
            for j in 0..<4 { bytes[bytes.count - 4 + j] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(j))) }
            let damagedPath = dir.path + "/store\(delta).seg"
            try DurableFile.create(damagedPath, bytes: bytes)
            let reader = try SegmentReader(path: damagedPath)
            #expect(reader.withSection(.storeIndex) { StoreIndex(reading: $0)?.block(last)?.rawSize } == index.block(last).map { UInt32(Int($0.rawSize) + delta) })
            do {
                let read = try reader.storedText(0)
                Issue.record("raw size \(delta > 0 ? "+" : "")\(delta): read \(read.count) bytes instead of refusing")
            } catch let e as IndexError {
                #expect(e.description.contains("stored text block \(last) is damaged"), "\(e)")
            }
        }
    }

    /// A damaged block (with the checksum fixed, so only the decoder can notice) and a
    /// checkpoint pointing inside a letter are named by verify.
    @Test func verifyNamesADamagedBlockAndTable() throws {
        var text: [UInt8] = []
        while text.count < 3 * StoreIndex.blockSize { text += Array("Åtgärder för säkerhetsöversyn nämnden ".utf8) }
        var builder = SegmentBuilder()
        builder.add(id: 1, fields: [.body: bodyField(text)], fast: FastValues(), storedText: text)
        let image = builder.serialize()
        let dir = try ScratchDirectory()
        func damaged(_ change: (inout [UInt8], SegmentReader) throws -> Void) throws -> String {
            let path = dir.path + "/d-\(UUID().uuidString).seg"
            try DurableFile.create(path, bytes: image)
            var bytes = image
            try change(&bytes, try SegmentReader(path: path))
            let crc = CRC32.checksum(bytes[0..<(bytes.count - 4)])
            for j in 0..<4 { bytes[bytes.count - 4 + j] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(j))) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do { _ = try SegmentReader(path: path).verifyAll() } catch let e as IndexError { return e.description }
            return "no error"
        }
        // A byte in the middle of block 1's frame.
        let block = try damaged { bytes, r in
            let store = try #require(r.sections[SegmentFormat.Section.store.rawValue])
            let b1 = try r.withSection(.storeIndex) { b -> StoreIndex.Block in
                let index = try #require(StoreIndex(reading: b))
                return try #require(index.block(1))
            }
            bytes[store.lowerBound + Int(b1.offset) + Int(b1.compressedSize) / 2] ^= 0x55
        }
        #expect(block.contains("stored text block 1"), "\(block)")
        // Checkpoint 1 moved one byte into `Å` (two bytes in UTF-8).
        let table = try damaged { bytes, r in
            let section = try #require(r.sections[SegmentFormat.Section.textPositions.rawValue])
            let at = section.lowerBound + TextPositions.headerSize + 2 * 4 + 4
            let value = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
            #expect(text[Int(value)] == 0xC3)  // the word starts with Å
            bytes[at] = UInt8(truncatingIfNeeded: value + 1)
        }
        #expect(table.contains("text position 64 of document 0"), "\(table)")
    }
}

extension CRC32 {
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        Array(bytes).withUnsafeBytes { checksum($0) }
    }
}
