import DiariumTestSupport
import Testing
@testable import DiariumIndex

/// The owner types of the postings and dictionary bytes: `PostingsBlock` (a block of documents
/// with per-field frequencies), `TermIndexEntry`, `TermBlockHeader` and `TermRecord` — what
/// `write(into:)` writes reads back the same, and damage is reported, never trapped on.
@Suite struct PostingsLayoutTests {
    /// `BitPacking` at every width 0–32: random values (the largest of the width among them)
    /// read back exactly, from an allocation of exactly the block's bytes (the unpacker's last
    /// groups must not read past it: under AddressSanitizer such a read fails the test).
    @Test func bitPackingRoundTripAtEveryWidth() {
        var rng = SeededRandom(state: 32)
        for width in 0...32 {
            let limit: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
            for round in 0..<4 {
                var values = (0..<BitPacking.blockSize).map { _ in UInt32(limit == 0 ? 0 : rng.next() % (limit + 1)) }
                values[round * 17 % BitPacking.blockSize] = UInt32(limit)
                var w = ByteWriter()
                values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &w) }
                #expect(w.bytes.count == BitPacking.byteCount(width: width))
                var out = [UInt32](repeating: 0xDEAD_BEEF, count: BitPacking.blockSize)
                // Exactly the block's bytes, in an allocation of their size.
                let bytes = UnsafeMutableRawPointer.allocate(byteCount: max(w.bytes.count, 1), alignment: 1)
                defer { bytes.deallocate() }
                w.bytes.withUnsafeBytes { if let b = $0.baseAddress { bytes.copyMemory(from: b, byteCount: $0.count) } }
                out.withUnsafeMutableBufferPointer { BitPacking.unpack(UnsafeRawPointer(bytes), width: width, into: $0.baseAddress!) }
                #expect(out == values, "width \(width), round \(round)")
            }
        }
    }

    /// Bit-unpacking reads nothing past a packed block: each block, at every width 0–32, and a
    /// full postings block (its last field packed) end flush against a page that may not be read
    /// (`GuardedBytes`), where a read past the block faults — with or without a sanitizer. Faults
    /// under `unpackGroups` reading its last groups in place (`safe` = every group) instead of
    /// from the padded copy.
    @Test func unpackingReadsNothingPastTheBlock() {
        var rng = SeededRandom(state: 33)
        var out = [UInt32](repeating: 0, count: BitPacking.blockSize)
        for width in 0...32 {
            let limit: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
            let values = (0..<BitPacking.blockSize).map { i in UInt32(i == 5 ? limit : (limit == 0 ? 0 : rng.next() % (limit + 1))) }
            var w = ByteWriter()
            values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &w) }
            let guarded = GuardedBytes(w.bytes)
            withExtendedLifetime(guarded) {  // its deinit unmaps the pages
                out.withUnsafeMutableBufferPointer { o in
                    // A width-0 block has no bytes: any address will do, none is read.
                    BitPacking.unpack(guarded.bytes.baseAddress ?? UnsafeRawPointer(o.baseAddress!), width: width, into: o.baseAddress!)
                }
            }
            #expect(out == values, "width \(width)")
        }
        // A full block whose last bytes are its last field's frequencies, packed at width 3.
        let docs = (0..<UInt32(PostingsBlock.size)).map { $0 * 3 + 1 }
        var frequencies: [UInt32] = []
        for i in 0..<PostingsBlock.size { frequencies += [UInt32(i % 2), UInt32(1 + i % 5), 0, UInt32(i % 7)] }
        var w = ByteWriter(), scratch: [UInt32] = []
        PostingsBlock.write(docs: docs[...], frequencies: frequencies[...], previous: 0, scratch: &scratch, into: &w)
        let guarded = GuardedBytes(w.bytes)
        let decodedDocs = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsBlock.size)
        let decoded = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsBlock.size * 4)
        defer { decodedDocs.deallocate(); decoded.deallocate() }
        let read = withExtendedLifetime(guarded) {  // its deinit unmaps the pages
            PostingsBlock.read(guarded.bytes, at: 0, count: PostingsBlock.size, previous: 0, docs: decodedDocs, frequencies: decoded)
        }
        #expect(read?.end == w.bytes.count)
        #expect(Array(UnsafeBufferPointer(start: decodedDocs, count: PostingsBlock.size)) == docs)
        for i in 0..<PostingsBlock.size {
            #expect((0..<4).map { decoded[$0 * PostingsBlock.size + i] } == Array(frequencies[(i * 4)..<(i * 4 + 4)]), "entry \(i)")
        }
    }

    /// Random blocks, full (packed) and short (varints), with fields present in some, all or no
    /// documents, read back exactly.
    @Test func postingsBlockRoundTrip() {
        var rng = SeededRandom(state: 17)
        let size = PostingsBlock.size
        for round in 0..<200 {
            let n = round % 3 == 0 ? size : 1 + Int(rng.next() % UInt64(size))
            let previous = UInt32(rng.next() % 1000)
            var docs: [UInt32] = []
            var d = previous + (round % 2 == 0 ? 0 : 1)
            for _ in 0..<n {
                docs.append(d)
                d += 1 + UInt32(rng.next() % (round % 5 == 0 ? 100_000 : 9))
            }
            // Per field: absent, present in every document, in some, in few (a full block
            // stores those sparse), or (the body) once in most documents (the short form's
            // plain posting).
            let modes = round % 7 == 0 ? [3, 4, 0, 3] : (0..<4).map { _ in Int(rng.next() % 4) }
            var frequencies: [UInt32] = []
            for _ in 0..<n {
                var row = modes.map { m -> UInt32 in
                    switch m {
                    case 0: 0
                    case 1: 1 + UInt32(rng.next() % 300)
                    case 2: rng.next() % 2 == 0 ? 0 : 1 + UInt32(rng.next() % 5)
                    case 3: rng.next() % 20 == 0 ? 1 + UInt32(rng.next() % 200) : 0
                    default: rng.next() % 10 == 0 ? 2 : 1
                    }
                }
                if row.allSatisfy({ $0 == 0 }) { row[Int(rng.next() % 4)] = 1 + UInt32(rng.next() % 3) }
                frequencies += row
            }
            var w = ByteWriter()
            var scratch: [UInt32] = []
            PostingsBlock.write(docs: docs[...], frequencies: frequencies[...], previous: previous, scratch: &scratch, into: &w)
            w.byte(0xEE)  // what follows the block is not read
            let outDocs = UnsafeMutablePointer<UInt32>.allocate(capacity: size)
            let outFrequencies = UnsafeMutablePointer<UInt32>.allocate(capacity: size * 4)
            defer { outDocs.deallocate(); outFrequencies.deallocate() }
            w.bytes.withUnsafeBytes { bytes in
                let result = PostingsBlock.read(bytes, at: 0, count: n, previous: previous, docs: outDocs, frequencies: outFrequencies)
                #expect(result?.end == bytes.count - 1)
                var union: UInt8 = 0
                for i in 0..<n {
                    #expect(outDocs[i] == docs[i])
                    for f in 0..<4 {
                        #expect(outFrequencies[f * size + i] == frequencies[i * 4 + f])
                        if frequencies[i * 4 + f] > 0 { union |= 1 << UInt8(f) }
                    }
                }
                #expect(result?.fields == union)
                // Every cut of the block is reported as damage.
                for cut in [0, 1, (bytes.count - 1) / 2, bytes.count - 2] where cut < bytes.count - 1 {
                    #expect(PostingsBlock.read(UnsafeRawBufferPointer(rebasing: bytes[0..<cut]), at: 0, count: n, previous: previous,
                                               docs: outDocs, frequencies: outFrequencies) == nil, "cut at \(cut) of \(n)")
                }
            }
        }
    }

    /// A short block's document without any field or with a frequency of 0, a full block's
    /// width past 32, a sparse field's indexes out of order and a short block's deltas that wrap the
    /// sum are damage.
    @Test func postingsBlockDamage() {
        let docs = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsBlock.size)
        let frequencies = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsBlock.size * 4)
        defer { docs.deallocate(); frequencies.deallocate() }
        for bad: [UInt8] in [[5 << 1 | 1, 0], [5 << 1 | 1, 0x10, 1], [5 << 1 | 1, 0b0010, 0]] {
            bad.withUnsafeBytes { b in
                #expect(PostingsBlock.read(b, at: 0, count: 1, previous: 0, docs: docs, frequencies: frequencies) == nil, "\(bad)")
            }
        }
        // The plain form: the body, once.
        [UInt8]([5 << 1]).withUnsafeBytes { b in
            #expect(PostingsBlock.read(b, at: 0, count: 1, previous: 2, docs: docs, frequencies: frequencies)?.fields == IndexField.body.bit)
            #expect(docs[0] == 7 && frequencies[PostingsBlock.size] == 1 && frequencies[0] == 0)
        }
        // A full block (deltas of width 0; the body in every document, packed at width 0) with
        // the title sparse at indexes 3 and 5 reads; with indexes 5 then 3 it is damage.
        let m = PostingsBlock.sparseMarker
        [UInt8]([0, 0b0010_0011, m, 1, 3, 5, 2, 1, 0]).withUnsafeBytes { b in
            #expect(PostingsBlock.read(b, at: 0, count: PostingsBlock.size, previous: 0, docs: docs, frequencies: frequencies)?.end == 9)
            #expect(frequencies[3] == 2 && frequencies[5] == 1 && frequencies[4] == 0 && frequencies[PostingsBlock.size + 7] == 1)
        }
        [UInt8]([0, 0b0010_0011, m, 1, 5, 3, 2, 1, 0]).withUnsafeBytes { b in
            #expect(PostingsBlock.read(b, at: 0, count: PostingsBlock.size, previous: 0, docs: docs, frequencies: frequencies) == nil)
        }
        // A full block without an "every" bit where some document holds no field is damage:
        // the title sparse at index 3 only (every other document fieldless), and the title
        // packed at width 1 with every document but the last (the vectorised check's last lane).
        #expect(PostingsBlock.fieldCount == 4, "the check for fieldless documents ORs four slices")
        [UInt8]([0, 0b0000_0001, m, 0, 3, 1]).withUnsafeBytes { b in
            #expect(PostingsBlock.read(b, at: 0, count: PostingsBlock.size, previous: 0, docs: docs, frequencies: frequencies) == nil)
        }
        for lastHolds in [false, true] {
            var titles = [UInt32](repeating: 1, count: PostingsBlock.size)
            titles[PostingsBlock.size - 1] = lastHolds ? 1 : 0
            var block = ByteWriter()
            for byte: UInt8 in [0, 0b0000_0001, 1] { block.byte(byte) }
            titles.withUnsafeBufferPointer { BitPacking.pack($0, width: 1, into: &block) }
            block.bytes.withUnsafeBytes { b in
                let read = PostingsBlock.read(b, at: 0, count: PostingsBlock.size, previous: 0, docs: docs, frequencies: frequencies)
                #expect((read != nil) == lastHolds, "the last document \(lastHolds ? "holds" : "lacks") the title")
            }
        }
        [UInt8]([33, 1] + [UInt8](repeating: 0, count: 600)).withUnsafeBytes { b in
            #expect(PostingsBlock.read(b, at: 0, count: PostingsBlock.size, previous: 0, docs: docs, frequencies: frequencies) == nil)
        }
        // A short block whose deltas wrap the sum (10, then 2^63 − 1 twice: 10, 9, 8 modulo 2^64,
        // a final sum in range) is damage, not documents going down.
        var wrapping = ByteWriter()
        for delta: UInt64 in [10, UInt64(Int64.max), UInt64(Int64.max)] { wrapping.varint(delta << 1) }
        wrapping.bytes.withUnsafeBytes { b in
            #expect(PostingsBlock.read(b, at: 0, count: 3, previous: 0, docs: docs, frequencies: frequencies) == nil)
        }
        // The same shape without the wrap reads, ascending.
        var plain = ByteWriter()
        for delta: UInt64 in [10, 1, 1] { plain.varint(delta << 1) }
        plain.bytes.withUnsafeBytes { b in
            #expect(PostingsBlock.read(b, at: 0, count: 3, previous: 0, docs: docs, frequencies: frequencies) != nil)
            #expect((docs[0], docs[1], docs[2]) == (10, 11, 12))
        }
    }

    @Test func termIndexEntryRoundTrip() {
        let entries = [TermIndexEntry(blockOffset: 0, keyOffset: 0, keyLength: 3),
                       TermIndexEntry(blockOffset: .max, keyOffset: 123_456, keyLength: .max)]
        var w = ByteWriter()
        w.u32(2); w.u32(40)  // the section's header
        for e in entries { e.write(into: &w) }
        #expect(w.bytes.count == TermIndexEntry.headerSize + 2 * TermIndexEntry.size)
        #expect(SegmentFormat.termIndexEntrySize == TermIndexEntry.size)
        w.bytes.withUnsafeBytes { bytes in
            var r = ByteReader(bytes, offset: TermIndexEntry.headerSize)
            for (b, e) in entries.enumerated() {
                #expect(TermIndexEntry(reading: &r) == e)
                #expect(TermIndexEntry(bytes, b) == e)
            }
            #expect(!r.failed && r.isAtEnd)
            var short = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(TermIndexEntry.headerSize + TermIndexEntry.size - 1)]),
                                   offset: TermIndexEntry.headerSize)
            _ = TermIndexEntry(reading: &short)
            #expect(short.failed)
        }
    }

    @Test func termBlockRoundTrip() {
        let header = TermBlockHeader(postings: 1 << 33, positions: 77, skips: 0)
        let records = [
            TermRecord(shared: 0, suffix: Array("molntjänst".utf8), fields: 0b0011, df: 3, ttf: 9, postingsLength: 12, positionsLength: 8),
            TermRecord(shared: 4, suffix: Array("ör".utf8), fields: 0b1000, df: 200_000, ttf: 0, postingsLength: 1 << 31, positionsLength: 0),
        ]
        var w = ByteWriter()
        header.write(into: &w)
        for r in records { r.write(into: &w) }
        w.bytes.withUnsafeBytes { bytes in
            var r = ByteReader(bytes)
            #expect(TermBlockHeader(reading: &r) == header)
            for record in records {
                let start = r.offset
                #expect(TermRecord(reading: &r) == record)
                // The borrowing reader gives the same record and lends the suffix's bytes.
                var again = ByteReader(bytes, offset: start)
                let b = TermRecord.Borrowed(reading: &again)
                let borrowed = TermRecord(shared: b.shared, suffix: b.suffix.map(Array.init) ?? [], fields: b.fields, df: b.df, ttf: b.ttf,
                                          postingsLength: b.postingsLength, positionsLength: b.positionsLength)
                #expect(borrowed == record && again.offset == r.offset)
                #expect(b.suffix.map { Array($0) == record.suffix } == true)
            }
            #expect(!r.failed && r.isAtEnd)
            var short = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 1)]))
            _ = TermBlockHeader(reading: &short)
            _ = TermRecord(reading: &short)
            _ = TermRecord(reading: &short)
            #expect(short.failed)
        }
    }
}
