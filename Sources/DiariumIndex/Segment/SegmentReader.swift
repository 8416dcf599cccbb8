import Foundation

/// The postings of one term in one segment, decoded: every field's frequencies.
public struct Postings: Sendable {
    /// Segment-local document numbers, ascending.
    public var docs: [UInt32]
    /// Per document (parallel to `docs`) its frequency in each field, `IndexField.allCases.count`
    /// a document in field order (see `frequency(_:_:)`).
    public var frequencies: [UInt32]
    /// The dictionary entry, for `positions(of:_:)`.
    let entry: TermEntry

    /// The frequency of document `i` (an index into `docs`) in `field`.
    @inline(__always)
    public func frequency(_ i: Int, _ field: IndexField) -> UInt32 {
        frequencies[i * IndexField.allCases.count + Int(field.rawValue)]
    }
}

/// A dictionary entry: where a term's postings, positions and skip entries are.
struct TermEntry: Sendable {
    var df: Int
    /// The fields holding the term (`IndexField.bit`).
    var fields: UInt8
    /// Total term frequency: positions stored.
    var ttf: Int
    var postings: Range<Int>
    var positions: Range<Int>
    var skips: Range<Int>
}

/// Reads one immutable segment file through a memory map. Opening checks the header, the
/// footer, the directory and each section's size against the document count — work that does
/// not grow with the segment — and reads the fast-field dictionaries; the term index, term
/// blocks, postings and stored text are read from the map on demand. The whole-file CRC-32 is
/// checked by `verifyChecksum()` (`diarium verify`, and before a merge reads a segment).
public final class SegmentReader: Sendable {
    /// The segment's file name (without directory), as listed in the catalog.
    public let name: String
    /// Number of documents in the segment, deleted ones included.
    public let documentCount: Int
    /// Number of distinct terms.
    public let termCount: Int
    /// Sum of field lengths per field, for BM25's average field length.
    public let totalFieldLengths: [UInt64]
    /// Size of the file in bytes.
    public let byteCount: Int
    /// The BM25F parameters of the skip entries' pseudo-frequency bounds (section BOUNDS).
    public let boundReference: BoundReference

    let file: MappedFile
    let sections: [UInt32: Range<Int>]
    /// `sections` by raw value, for `withSection`: a per-document read (norms, catalog id, fast
    /// fields) costs an array index, not a dictionary lookup with hashing.
    private let sectionTable: [Range<Int>?]
    /// The sections a dictionary lookup and a cursor read (TERMS, TERMINDEX, POSTINGS,
    /// POSITIONS, SKIPS), in the map: a lookup or a cursor's opening takes them without a
    /// dictionary lookup by section id (each one hashed, ~100 instructions, callgrind).
    /// Read-only views of the read-only map, which lives as long as this reader (`file`): safe
    /// to share between threads as the reader is.
    nonisolated(unsafe) let termBytes: UnsafeRawBufferPointer
    nonisolated(unsafe) let termIndexBytes: UnsafeRawBufferPointer
    nonisolated(unsafe) let postingBytes: UnsafeRawBufferPointer
    nonisolated(unsafe) let positionBytes: UnsafeRawBufferPointer
    nonisolated(unsafe) let skipBytes: UnsafeRawBufferPointer
    /// TERMFILTER in the map (`TermFilter`): `find` asks it first, so an absent term costs a
    /// hash and one block.
    nonisolated(unsafe) let termFilter: TermFilter.View
    private let blockCount: Int
    /// Distinct values of each fast string column, in ordinal order (ordinal k = value k − 1).
    private let fastDictionaries: [[String]]
    private let fastColumnStarts: [Int]
    /// Offset of the date column (u32 per document) in the FAST section.
    private let fastDateStart: Int
    /// The stored text's zstd dictionary (STOREDICT), digested once at open (at most 64 KiB);
    /// nil when the segment has none.
    let storeDictionary: Zstd.Dictionary?

    /// Opens the segment at `path` and checks its structure.
    public init(path: String) throws {
        let file = try MappedFile(path: path)
        let name = (path as NSString).lastPathComponent
        func corrupt(_ reason: String) -> IndexError { .corruptSegment(file: path, reason: reason) }
        self.file = file
        self.name = name
        byteCount = file.count
        let fieldCount = IndexField.allCases.count

        typealias Parsed = (sections: [UInt32: Range<Int>], docs: Int, blocks: Int, terms: Int, sums: [UInt64],
                            dictionaries: [[String]], columnStarts: [Int], dateStart: Int, reference: BoundReference,
                            termFilter: TermFilter.View)
        let parsed: Parsed = try file.withBytes { buf in
            guard buf.count >= SegmentFormat.headerSize + SegmentFormat.footerSize else {
                throw corrupt("file is truncated (\(buf.count) bytes)")
            }
            guard buf.prefix(8).elementsEqual(SegmentFormat.magic) else {
                throw corrupt("not a diarium segment (bad magic number)")
            }
            var header = ByteReader(buf, offset: 8)
            let version = header.u32()
            guard version == SegmentFormat.version else {
                throw IndexError.incompatibleFormat(index: path, found: "segment v\(version)", expected: "segment v\(SegmentFormat.version)")
            }
            guard header.u32() == UInt32(fieldCount) else { throw corrupt("unexpected field count") }
            var footer = ByteReader(buf, offset: buf.count - SegmentFormat.footerSize)
            let directoryOffset = Int(clamping: footer.u64())
            let docs = Int(footer.u32())
            _ = footer.u32()  // reserved flags
            guard let fm = footer.bytes(4), fm.elementsEqual(SegmentFormat.footerMagic) else {
                throw corrupt("bad footer magic (the file is truncated or damaged)")
            }
            let bodyEnd = buf.count - SegmentFormat.footerSize
            guard directoryOffset >= SegmentFormat.headerSize, directoryOffset < bodyEnd else {
                throw corrupt("directory offset out of range")
            }
            var dir = ByteReader(UnsafeRawBufferPointer(rebasing: buf[0..<bodyEnd]), offset: directoryOffset)
            let n = dir.u32()
            var sections: [UInt32: Range<Int>] = [:]
            for _ in 0..<min(n, 64) {
                let id = dir.u32()
                let off = Int(clamping: dir.u64()), len = Int(clamping: dir.u64())
                guard !dir.failed, off >= SegmentFormat.headerSize, len >= 0, off <= directoryOffset - len else {
                    throw corrupt("section \(id) out of range")
                }
                sections[id] = off..<(off + len)
            }
            for s in SegmentFormat.Section.allCases where sections[s.rawValue] == nil {
                throw corrupt("section \(s) missing")
            }
            func section(_ s: SegmentFormat.Section) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: buf[sections[s.rawValue]!])
            }
            guard section(.norms).count == docs * fieldCount, section(.docIDs).count == docs * 8,
                  section(.stats).count == fieldCount * 8, section(.bounds).count == BoundReference.size else {
                throw corrupt("norms, statistics, block-bound parameters or document ids do not match the document count \(docs)")
            }
            guard section(.skips).count % SegmentFormat.skipEntrySize == 0 else { throw corrupt("skip data is truncated") }
            var ti = ByteReader(section(.termIndex))
            let blocks = Int(ti.u32()), terms = Int(ti.u32())
            let per = SegmentFormat.termsPerBlock
            guard !ti.failed, blocks == (terms + per - 1) / per,
                  TermIndexEntry.headerSize + blocks * SegmentFormat.termIndexEntrySize <= section(.termIndex).count else {
                throw corrupt("term index is damaged")
            }
            // Read in place from the map `file.bytes` also gives (it outlives the reader).
            guard let termFilter = TermFilter.View(section(.termFilter), terms: terms) else {
                throw corrupt("term filter (TERMFILTER) does not match the \(terms) terms")
            }
            var stats = ByteReader(section(.stats))
            let sums = (0..<fieldCount).map { _ in stats.u64() }
            var bounds = ByteReader(section(.bounds))
            let reference = BoundReference(reading: &bounds)
            guard reference.isValid else {
                throw corrupt("block-bound parameters (BOUNDS) are out of range: b \(reference.b), weights \(reference.weights), averages \(reference.averages)")
            }
            // Fast fields: years, then per string column its dictionary and ordinals.
            var fast = ByteReader(section(.fast))
            guard fast.bytes(docs * 2) != nil else { throw corrupt("fast fields are truncated") }
            var dictionaries: [[String]] = []
            var starts: [Int] = []
            for _ in FastValues.Column.allCases {
                let count = Int(fast.u32())
                guard !fast.failed, count < Int(UInt16.max) else { throw corrupt("fast-field dictionary is damaged") }
                var values: [String] = []
                values.reserveCapacity(count)
                for _ in 0..<count {
                    let length = Int(clamping: fast.varint())
                    guard let bytes = fast.bytes(length) else { throw corrupt("fast-field dictionary is truncated") }
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
                starts.append(fast.offset)
                guard let ordinals = fast.bytes(docs * 2) else { throw corrupt("fast-field ordinals are truncated") }
                // Every ordinal must name a value of the dictionary (0: none). Readers index the
                // dictionary with it, so this is checked here, once: a tight loop over 2 bytes a
                // document (about a millisecond per million documents).
                var highest: UInt16 = 0
                for k in 0..<docs { highest = max(highest, UInt16(littleEndian: ordinals.loadUnaligned(fromByteOffset: k * 2, as: UInt16.self))) }
                guard Int(highest) <= count else {
                    throw corrupt("fast field \(FastValues.Column.allCases[dictionaries.count]) names value \(highest) of a dictionary of \(count)")
                }
                dictionaries.append(values)
            }
            let dateStart = fast.offset
            guard fast.bytes(docs * 4) != nil else { throw corrupt("fast-field dates are truncated") }
            return (sections, docs, blocks, terms, sums, dictionaries, starts, dateStart, reference, termFilter)
        }
        sections = parsed.sections
        var table = [Range<Int>?](repeating: nil, count: Int(SegmentFormat.Section.allCases.map(\.rawValue).max() ?? 0) + 1)
        for (id, range) in parsed.sections where Int(id) < table.count { table[Int(id)] = range }
        sectionTable = table
        func bytes(_ s: SegmentFormat.Section) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: file.bytes[table[Int(s.rawValue)]!])
        }
        termBytes = bytes(.terms)
        termIndexBytes = bytes(.termIndex)
        postingBytes = bytes(.postings)
        positionBytes = bytes(.positions)
        skipBytes = bytes(.skips)
        termFilter = parsed.termFilter
        documentCount = parsed.docs
        blockCount = parsed.blocks
        termCount = parsed.terms
        totalFieldLengths = parsed.sums
        boundReference = parsed.reference
        fastDictionaries = parsed.dictionaries
        fastColumnStarts = parsed.columnStarts
        fastDateStart = parsed.dateStart
        do {
            storeDictionary = try StoreDictionary.digest(reading: UnsafeRawBufferPointer(rebasing: file.bytes[table[Int(SegmentFormat.Section.storeDictionary.rawValue)]!]), owner: file)
        } catch {
            throw corrupt("stored-text dictionary is damaged")
        }
    }

    func corrupt(_ reason: String) -> IndexError { .corruptSegment(file: file.path, reason: reason) }

    /// Checks the CRC-32 in the footer against every byte before it.
    ///
    /// With `releasingPages`, each MiB read leaves the resident set once its checksum is taken
    /// (a merge checks its sources first: a 17 MB source was otherwise resident whole).
    public func verifyChecksum(releasingPages: Bool = false) throws {
        try file.withBytes { buf in
            let stored = buf.loadUnaligned(fromByteOffset: buf.count - 4, as: UInt32.self).littleEndian
            var crc = CRC32()
            var at = 0
            while at < buf.count - 4 {
                let end = min(at + (1 << 20), buf.count - 4)
                crc.update(UnsafeRawBufferPointer(rebasing: buf[at..<end]))
                if releasingPages { file.releasePages(at..<end) }
                at = end
            }
            let actual = crc.value
            guard stored == actual else {
                throw corrupt(String(format: "checksum mismatch (footer says %08x, content gives %08x)", stored, actual))
            }
        }
    }

    /// Drops the pages of the file read so far from this process's resident memory (see
    /// `MappedFile.releasePages`); they are read again from the page cache when needed.
    func releasePages() { file.releasePages() }

    func withSection<R>(_ s: SegmentFormat.Section, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try file.withBytes { buf in
            // Sections were bounds-checked at open.
            try body(UnsafeRawBufferPointer(rebasing: buf[sectionTable[Int(s.rawValue)]!]))
        }
    }

    // MARK: Per-document values

    /// The one-byte norm of `doc`'s `field` (see `SmallFloat`).
    @inline(__always)
    public func normByte(_ doc: UInt32, _ field: IndexField) -> UInt8 {
        withSection(.norms) { $0[Int(doc) * IndexField.allCases.count + Int(field.rawValue)] }
    }

    /// Every document's norm bytes, `IndexField.allCases.count` per document in field order
    /// (document d's at `d × count`), for loops that score many documents without a call per
    /// read. Points into the segment's map: valid while this reader lives, like a
    /// `PostingsCursor`.
    public var normTable: UnsafeRawBufferPointer { withSection(.norms) { $0 } }

    /// The norm bytes of all four fields of `doc` (title, body, meta, parts), in one read.
    @inline(__always)
    public func normBytes(_ doc: UInt32) -> (UInt8, UInt8, UInt8, UInt8) {
        withSection(.norms) { n in
            let o = Int(doc) * IndexField.allCases.count
            return (n[o], n[o + 1], n[o + 2], n[o + 3])
        }
    }

    /// The norm bytes of `doc` in `table` (the base address of `normTable`, which holds at least
    /// `doc + 1` documents): `normBytes(_:)` without the section lookup, for scoring loops. Four
    /// bytes a document, one per `IndexField` in order.
    @inline(__always)
    public static func normBytes(_ doc: UInt32, in table: UnsafeRawPointer) -> (UInt8, UInt8, UInt8, UInt8) {
        let p = table + Int(doc) &* 4
        return (p.load(as: UInt8.self), p.load(fromByteOffset: 1, as: UInt8.self),
                p.load(fromByteOffset: 2, as: UInt8.self), p.load(fromByteOffset: 3, as: UInt8.self))
    }

    /// The field length (in tokens) of `doc`'s `field`, as the one-byte norm keeps it: exact
    /// below 24, otherwise within 1/8 below the true length.
    public func fieldLength(_ doc: UInt32, _ field: IndexField) -> UInt32 {
        SmallFloat.decode(normByte(doc, field))
    }

    /// The field length a norm byte stands for.
    public static func length(ofNorm byte: UInt8) -> UInt32 { SmallFloat.decode(byte) }

    /// The catalog id of segment document `doc`.
    public func documentID(_ doc: UInt32) -> Int64 {
        withSection(.docIDs) { d in
            Int64(bitPattern: UInt64(littleEndian: d.loadUnaligned(fromByteOffset: Int(doc) * 8, as: UInt64.self)))
        }
    }

    /// The year of `doc` from the fast fields, if known.
    public func year(_ doc: UInt32) -> Int? {
        let y = withSection(.fast) { $0.loadUnaligned(fromByteOffset: Int(doc) * 2, as: UInt16.self).littleEndian }
        return y == 0 ? nil : Int(y)
    }

    /// The distinct values of a fast string column; a document's ordinal k > 0 stands for value k − 1.
    public func fastDictionary(_ column: FastValues.Column) -> [String] { fastDictionaries[column.rawValue] }

    /// `doc`'s ordinal in a fast string column (0: no value).
    public func fastOrdinal(_ column: FastValues.Column, _ doc: UInt32) -> UInt16 {
        withSection(.fast) { $0.loadUnaligned(fromByteOffset: fastColumnStarts[column.rawValue] + Int(doc) * 2, as: UInt16.self).littleEndian }
    }

    /// `doc`'s date from the fast fields, as `DateKey` packs it (0: none).
    @inline(__always)
    public func dateKey(_ doc: UInt32) -> UInt32 {
        withSection(.fast) { $0.loadUnaligned(fromByteOffset: fastDateStart + Int(doc) * 4, as: UInt32.self).littleEndian }
    }

    /// Calls `body` with the fast columns as buffers (years and dates per document; ordinals per
    /// string column, in `FastValues.Column` order), valid only during the call: the loops that
    /// sort and count over every match read them without a lookup per document.
    public func withFastColumns<R>(_ body: (FastColumns) throws -> R) rethrows -> R {
        try withSection(.fast) { s in
            try body(FastColumns(
                years: UnsafeRawBufferPointer(rebasing: s[0..<(documentCount * 2)]),
                dates: UnsafeRawBufferPointer(rebasing: s[fastDateStart..<(fastDateStart + documentCount * 4)]),
                ordinals: fastColumnStarts.map { UnsafeRawBufferPointer(rebasing: s[$0..<($0 + documentCount * 2)]) }))
        }
    }

    /// `doc`'s fast-field values.
    public func fastValues(_ doc: UInt32) -> FastValues {
        func value(_ c: FastValues.Column) -> String? {
            let o = Int(fastOrdinal(c, doc))
            return o == 0 ? nil : fastDictionaries[c.rawValue][o - 1]
        }
        var v = FastValues(year: year(doc), authority: value(.authority), docType: value(.docType), format: value(.format))
        v.date = dateKey(doc)
        return v
    }

    // MARK: Dictionary

    /// The first key of dictionary block `b` and the block's offset in TERMS, read from the map.
    private func blockKey(_ index: UnsafeRawBufferPointer, _ b: Int) -> (key: UnsafeRawBufferPointer, offset: Int)? {
        let entry = TermIndexEntry(index, b)
        let base = TermIndexEntry.headerSize + blockCount * SegmentFormat.termIndexEntrySize
        let keyOffset = Int(entry.keyOffset), keyLength = Int(entry.keyLength)
        guard base + keyOffset + keyLength <= index.count else { return nil }
        return (UnsafeRawBufferPointer(rebasing: index[(base + keyOffset)..<(base + keyOffset + keyLength)]), Int(entry.blockOffset))
    }

    /// Walks the dictionary in order from the block that could hold `key` (binary search over
    /// the term index in the map), calling `visit` with each term and its entry until it
    /// returns false.
    func scanTerms(from key: [UInt8], _ visit: ([UInt8], TermEntry) throws -> Bool) throws {
        try scanBlocks(from: try blockOf(key), visit)
    }

    /// The dictionary block that could hold `key`: the last whose first key is not after it
    /// (binary search over the term index in the map).
    private func blockOf(_ key: [UInt8]) throws -> Int {
        let index = termIndexBytes
        var lo = 0, hi = blockCount
        while lo < hi {
            let mid = (lo + hi) / 2
            guard let first = blockKey(index, mid) else { throw corrupt("term index is damaged") }
            if SegmentReader.compare(key, first.key) >= 0 { lo = mid + 1 } else { hi = mid }
        }
        return max(lo - 1, 0)
    }

    /// Byte-wise comparison of a key with a key in the map: negative, zero or positive.
    @inline(__always)
    static func compare(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Int {
        a.withUnsafeBytes { x in
            let n = min(x.count, b.count)
            if n > 0, let xp = x.baseAddress, let bp = b.baseAddress {
                let c = memcmp(xp, bp, n)
                if c != 0 { return Int(c) }
            }
            return x.count - b.count
        }
    }

    /// Every term in dictionary order, with its entry.
    func forEachTerm(_ visit: ([UInt8], TermEntry) throws -> Bool) throws {
        try scanBlocks(from: 0, visit)
    }

    private func scanBlocks(from startBlock: Int, _ visit: ([UInt8], TermEntry) throws -> Bool) throws {
        var current: [UInt8] = []
        try walkRecords(from: startBlock) { shared, suffix, entry in
            current.removeSubrange(shared...)
            current.append(contentsOf: suffix)
            return try visit(current, entry)
        }
    }

    /// Walks the dictionary's records in order from block `startBlock`, calling `visit` with
    /// each one's prefix coding (the bytes it shares with the previous key of its block, which
    /// the walk checked that key has, and the rest of the key, borrowed from the map) and its
    /// entry, until `visit` returns false. Every entry is checked before `visit` sees it.
    private func walkRecords(from startBlock: Int, _ visit: (_ shared: Int, _ suffix: UnsafeRawBufferPointer, _ entry: TermEntry) throws -> Bool) throws {
        var block = startBlock
        let terms = termBytes, index = termIndexBytes
        let sizes = sectionSizes
        while block < blockCount {
            guard let start = blockKey(index, block)?.offset, start <= terms.count else { throw corrupt("term index is damaged") }
            var r = ByteReader(terms, offset: start)
            let header = TermBlockHeader(reading: &r)
            var offsets = (postings: header.postings, positions: header.positions, skips: header.skips)
            var keyLength = 0
            let count = min(SegmentFormat.termsPerBlock, termCount - block * SegmentFormat.termsPerBlock)
            for _ in 0..<max(count, 0) {
                let record = TermRecord.Borrowed(reading: &r)
                guard !r.failed, record.shared <= keyLength, let suffix = record.suffix else { throw corrupt("term dictionary is damaged") }
                keyLength = record.shared + suffix.count
                if try !visit(record.shared, suffix, try entry(record, at: offsets, sizes)) { return }
                advance(&offsets, past: record)
            }
            block += 1
        }
    }

    /// The sizes of POSTINGS, POSITIONS and SKIPS, which a term's ranges must lie in.
    private var sectionSizes: (postings: Int, positions: Int, skips: Int) {
        (postingBytes.count, positionBytes.count, skipBytes.count)
    }

    /// The entry of `record`, whose postings, positions and skip entries start at `offsets`
    /// (the block's start plus its earlier records' lengths, `advance`), checked: every range
    /// must lie in its section (`sizes`) and every count be possible, before a reader allocates
    /// by them — df documents (each at most once), ttf positions (at least one byte per 128 of
    /// them), fields among the indexed ones.
    @inline(__always)
    private func entry(_ record: TermRecord.Borrowed, at offsets: (postings: Int, positions: Int, skips: Int),
                       _ sizes: (postings: Int, positions: Int, skips: Int)) throws -> TermEntry {
        let df = record.df, ttf = record.ttf, pl = record.postingsLength, ql = record.positionsLength
        let sl = SegmentFormat.skipCount(df: df) * SegmentFormat.skipEntrySize
        guard df >= 1, df <= documentCount, ttf / BitPacking.blockSize <= ql,
              record.fields != 0, record.fields & ~SegmentFormat.allFields == 0,
              offsets.postings >= 0, offsets.postings <= sizes.postings, pl <= sizes.postings - offsets.postings,
              offsets.positions >= 0, offsets.positions <= sizes.positions, ql <= sizes.positions - offsets.positions,
              offsets.skips >= 0, offsets.skips <= sizes.skips, sl <= sizes.skips - offsets.skips else {
            throw corrupt("a term's entry in the dictionary is out of range")
        }
        return TermEntry(df: df, fields: record.fields, ttf: ttf, postings: offsets.postings..<(offsets.postings + pl),
                         positions: offsets.positions..<(offsets.positions + ql), skips: offsets.skips..<(offsets.skips + sl))
    }

    /// Moves `offsets` past `record`'s postings, positions and skip entries. Wrapping: a damaged
    /// length makes an offset that `entry` refuses, never a trap.
    @inline(__always)
    private func advance(_ offsets: inout (postings: Int, positions: Int, skips: Int), past record: TermRecord.Borrowed) {
        offsets.postings &+= record.postingsLength
        offsets.positions &+= record.positionsLength
        offsets.skips &+= SegmentFormat.skipCount(df: record.df) &* SegmentFormat.skipEntrySize
    }

    /// Finds `key` (a term's bytes) in the dictionary, rebuilding no key: the walk keeps how
    /// many bytes the last term before `key` shares with it (`matched`). A term sharing more
    /// than that with its predecessor precedes `key` too (it agrees with the predecessor where
    /// the predecessor is below `key`); one sharing at most that many is `key`'s first `shared`
    /// bytes and its suffix, which is compared with the rest of `key`.
    ///
    /// Only the block that could hold `key` is read (the next block's first key is after it),
    /// and only the entry found is checked (`entry`): the records before it are only added up
    /// (`advance`). A lookup of a spelling the segment lacks (most of `Searcher.foldedVariants`'
    /// spellings) walks half a block on average — when it gets that far: the term filter
    /// (`TermFilter`) turns away ~99 % of absent terms first.
    func find(_ key: [UInt8]) throws -> TermEntry? {
        guard key.withUnsafeBytes({ termFilter.mayContain($0) }) else { return nil }
        let block = try blockOf(key)
        guard block < blockCount else { return nil }
        let terms = termBytes, index = termIndexBytes
        guard let start = blockKey(index, block)?.offset, start <= terms.count else { throw corrupt("term index is damaged") }
        let count = min(SegmentFormat.termsPerBlock, termCount - block * SegmentFormat.termsPerBlock)
        return try key.withUnsafeBytes { k -> TermEntry? in
            // The reader and the offsets are the closure's own (not captured from outside
            // it): kept in registers, not written back to memory at every byte.
            var r = ByteReader(terms, offset: start)
            let header = TermBlockHeader(reading: &r)
            var offsets = (postings: header.postings, positions: header.positions, skips: header.skips)
            var keyLength = 0
            var matched = 0
            for _ in 0..<max(count, 0) {
                let record = TermRecord.Borrowed(reading: &r)
                guard !r.failed, record.shared <= keyLength, let suffix = record.suffix else { throw corrupt("term dictionary is damaged") }
                keyLength = record.shared + suffix.count
                if record.shared <= matched {
                    let shared = record.shared
                    let rest = k.count - shared
                    let n = min(rest, suffix.count)
                    var l = 0
                    while l < n && suffix[l] == k[shared + l] { l += 1 }
                    if l == n {
                        if suffix.count == rest { return try entry(record, at: offsets, sectionSizes) }
                        // The term is a proper prefix of `key` (before it), or `key` of the term (after).
                        guard suffix.count < rest else { return nil }
                    } else if suffix[l] > k[shared + l] {
                        return nil
                    }
                    matched = shared + l
                }
                advance(&offsets, past: record)
            }
            return nil
        }
    }

    /// Number of documents holding `term` in any field.
    public func documentFrequency(_ term: [UInt8]) throws -> Int {
        try find(term)?.df ?? 0
    }

    // MARK: Postings

    /// A cursor over the postings of `term`, reporting the documents holding it in one of
    /// `fields`; nil if absent. The cursor's decode buffers come from `buffers`, which must
    /// outlive it (as must this reader).
    public func cursor(_ term: [UInt8], fields: Set<IndexField> = Set(IndexField.allCases),
                       buffers: PostingsBuffers) throws -> PostingsCursor? {
        let mask = IndexField.mask(fields)
        guard let entry = try find(term), entry.fields & mask != 0 else { return nil }
        return try PostingsCursor(segment: self, entry: entry, fields: mask, buffers: buffers)
    }

    /// The decoded postings of `term` (every field), or nil if absent.
    public func postings(_ term: [UInt8]) throws -> Postings? {
        guard let entry = try find(term) else { return nil }
        let all = try decode(entry, withPositions: false)
        return Postings(docs: all.docs, frequencies: all.frequencies, entry: entry)
    }

    /// Positions of the term in `field` (title or body; none are stored for other fields) in
    /// each document of `postings`, parallel to `postings.docs`.
    public func positions(of postings: Postings, _ field: IndexField) throws -> [[UInt32]] {
        let all = try decode(postings.entry, withPositions: true)
        var result: [[UInt32]] = []
        result.reserveCapacity(all.docs.count)
        var k = 0
        for i in all.docs.indices {
            let title = Int(all.frequency(i, .title)), body = Int(all.frequency(i, .body))
            switch field {
            case .title: result.append(Array(all.positions[k..<(k + title)]))
            case .body: result.append(Array(all.positions[(k + title)..<(k + title + body)]))
            default: result.append([])
            }
            k += title + body
        }
        return result
    }

    /// A whole term decoded: documents, per-field frequencies and (when asked) positions.
    func decode(_ entry: TermEntry, withPositions: Bool) throws -> TermPostings {
        let buffers = PostingsBuffers()
        defer { withExtendedLifetime(buffers) {} }
        var c = try PostingsCursor(segment: self, entry: entry, fields: SegmentFormat.allFields, buffers: buffers)
        var out = TermPostings()
        out.docs.reserveCapacity(entry.df)
        out.frequencies.reserveCapacity(entry.df * TermPostings.fieldCount)
        if withPositions { out.positions.reserveCapacity(entry.ttf) }
        while c.doc != PostingsCursor.exhausted {
            out.docs.append(c.doc)
            for f in 0..<TermPostings.fieldCount { out.frequencies.append(c.frequency(f)) }
            if withPositions {
                out.positions.append(contentsOf: try c.positions(.title))
                out.positions.append(contentsOf: try c.positions(.body))
            }
            c.next()
        }
        if let error = c.error { throw error }
        guard out.docs.count == entry.df else { throw corrupt("postings list \(out.docs.count) documents, the dictionary says \(entry.df)") }
        if withPositions && out.positions.count != entry.ttf {
            throw corrupt("postings hold \(out.positions.count) positions, the dictionary says \(entry.ttf)")
        }
        return out
    }
}
