import Foundation

/// The postings of one term in one field of one segment, decoded.
public struct Postings: Sendable {
    /// Segment-local document numbers, ascending.
    public var docs: [UInt32]
    /// Term frequency per document, parallel to `docs`.
    public var frequencies: [UInt32]
    /// Where this term's positions start in the positions section (for `positions(of:)`).
    let positionRange: Range<Int>
}

/// Reads one immutable segment file through a memory map. Opening checks the magic, the
/// format version, the CRC-32 footer and every section's bounds, and loads only the term
/// block index; term blocks, postings and stored text are read on demand.
public final class SegmentReader: Sendable {
    /// The segment's file name (without directory), as listed in the catalog.
    public let name: String
    /// Number of documents in the segment, deleted ones included.
    public let documentCount: Int
    /// Number of distinct (field, term) keys.
    public let termCount: Int
    /// Sum of field lengths per field, for BM25's average field length.
    public let totalFieldLengths: [UInt64]
    /// Size of the file in bytes.
    public let byteCount: Int

    let file: MappedFile
    let sections: [UInt32: Range<Int>]
    private let blockFirstTerms: [[UInt8]]
    private let blockOffsets: [Int]

    /// Opens and verifies the segment at `path`.
    public init(path: String) throws {
        let file = try MappedFile(path: path)
        let name = (path as NSString).lastPathComponent
        func corrupt(_ reason: String) -> IndexError { .corruptSegment(file: path, reason: reason) }
        self.file = file
        self.name = name
        byteCount = file.count
        let fieldCount = IndexField.allCases.count

        let parsed: (sections: [UInt32: Range<Int>], docs: Int, firsts: [[UInt8]], offsets: [Int], terms: Int, sums: [UInt64])
        parsed = try file.withBytes { buf in
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
            let stored = buf.loadUnaligned(fromByteOffset: buf.count - 4, as: UInt32.self).littleEndian
            let actual = CRC32.checksum(UnsafeRawBufferPointer(rebasing: buf[0..<(buf.count - 4)]))
            guard stored == actual else {
                throw corrupt(String(format: "checksum mismatch (footer says %08x, content gives %08x)", stored, actual))
            }
            var footer = ByteReader(buf, offset: buf.count - SegmentFormat.footerSize)
            let directoryOffset = Int(clamping: footer.u64())
            let docs = Int(footer.u32())
            _ = footer.u32()  // reserved flags
            guard let fm = footer.bytes(4), fm.elementsEqual(SegmentFormat.footerMagic) else {
                throw corrupt("bad footer magic")
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
            guard section(.norms).count == docs * fieldCount * 4, section(.docIDs).count == docs * 8 else {
                throw corrupt("norms or document ids do not match the document count \(docs)")
            }
            var ti = ByteReader(section(.termIndex))
            let blocks = Int(ti.u32())
            let terms = Int(ti.u32())
            var firsts: [[UInt8]] = []
            var offsets: [Int] = []
            firsts.reserveCapacity(blocks)
            for _ in 0..<blocks {
                let off = Int(ti.u32())
                let len = Int(ti.varint32())
                guard let t = ti.bytes(len), off < section(.terms).count else { throw corrupt("term index is damaged") }
                firsts.append(Array(t))
                offsets.append(off)
            }
            guard !ti.failed else { throw corrupt("term index is damaged") }
            var sums = [UInt64](repeating: 0, count: fieldCount)
            let norms = section(.norms)
            for d in 0..<docs {
                for f in 0..<fieldCount {
                    sums[f] += UInt64(norms.loadUnaligned(fromByteOffset: (d * fieldCount + f) * 4, as: UInt32.self).littleEndian)
                }
            }
            return (sections, docs, firsts, offsets, terms, sums)
        }
        sections = parsed.sections
        documentCount = parsed.docs
        blockFirstTerms = parsed.firsts
        blockOffsets = parsed.offsets
        termCount = parsed.terms
        totalFieldLengths = parsed.sums
    }

    private func corrupt(_ reason: String) -> IndexError { .corruptSegment(file: file.path, reason: reason) }

    private func withSection<R>(_ s: SegmentFormat.Section, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try file.withBytes { buf in
            // Sections were bounds-checked at open.
            try body(UnsafeRawBufferPointer(rebasing: buf[sections[s.rawValue]!]))
        }
    }

    /// The field length (in tokens) of `doc`'s `field`.
    public func fieldLength(_ doc: UInt32, _ field: IndexField) -> UInt32 {
        withSection(.norms) { n in
            n.loadUnaligned(fromByteOffset: (Int(doc) * IndexField.allCases.count + Int(field.rawValue)) * 4, as: UInt32.self).littleEndian
        }
    }

    /// The catalog id of segment document `doc`.
    public func documentID(_ doc: UInt32) -> Int64 {
        withSection(.docIDs) { d in
            Int64(bitPattern: UInt64(littleEndian: d.loadUnaligned(fromByteOffset: Int(doc) * 8, as: UInt64.self)))
        }
    }

    private struct TermEntry {
        var df: Int
        var postings: Range<Int>
        var positions: Range<Int>
    }

    /// Walks the dictionary in order from the block that could hold `key` (binary search over the
    /// block index), calling `visit` with each term and its entry until it returns false.
    private func scanTerms(from key: [UInt8], _ visit: ([UInt8], TermEntry) throws -> Bool) throws {
        var lo = 0, hi = blockFirstTerms.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if blockFirstTerms[mid].lexicographicallyPrecedes(key) || blockFirstTerms[mid] == key { lo = mid + 1 } else { hi = mid }
        }
        var block = max(lo - 1, 0)
        try withSection(.terms) { terms in
            while block < blockFirstTerms.count {
                var r = ByteReader(terms, offset: blockOffsets[block])
                var postingOffset = Int(r.varint()), positionOffset = Int(r.varint())
                var current: [UInt8] = []
                let count = min(SegmentFormat.termsPerBlock, termCount - block * SegmentFormat.termsPerBlock)
                for _ in 0..<max(count, 0) {
                    let shared = Int(r.varint32()), suffix = Int(r.varint32())
                    guard shared <= current.count, let s = r.bytes(suffix) else { throw corrupt("term dictionary is damaged") }
                    current.removeSubrange(shared...)
                    current.append(contentsOf: s)
                    let df = Int(r.varint32()), pl = Int(r.varint()), ql = Int(r.varint())
                    guard !r.failed else { throw corrupt("term dictionary is damaged") }
                    let entry = TermEntry(df: df, postings: postingOffset..<(postingOffset + pl), positions: positionOffset..<(positionOffset + ql))
                    if try !visit(current, entry) { return }
                    postingOffset += pl
                    positionOffset += ql
                }
                block += 1
            }
        }
    }

    /// Finds `key` (field byte + term) in the dictionary.
    private func find(_ key: [UInt8]) throws -> TermEntry? {
        var found: TermEntry?
        try scanTerms(from: key) { term, entry in
            if term == key { found = entry; return false }
            return term.lexicographicallyPrecedes(key)
        }
        return found
    }

    /// Terms of `field` that start with `prefix`, in order, at most `limit`.
    public func terms(_ field: IndexField, prefix: [UInt8], limit: Int) throws -> [[UInt8]] {
        let key = SegmentReader.key(field, prefix)
        var out: [[UInt8]] = []
        try scanTerms(from: key) { term, _ in
            if term.starts(with: key) {
                out.append(Array(term.dropFirst()))
                return out.count < limit
            }
            return term.lexicographicallyPrecedes(key)
        }
        return out
    }

    private static func key(_ field: IndexField, _ term: [UInt8]) -> [UInt8] {
        var key = [field.rawValue]
        key.append(contentsOf: term)
        return key
    }

    /// Number of documents whose `field` contains `term`.
    public func documentFrequency(_ field: IndexField, _ term: [UInt8]) throws -> Int {
        try find(SegmentReader.key(field, term))?.df ?? 0
    }

    /// The decoded postings of `term` in `field`, or nil if absent.
    public func postings(_ field: IndexField, _ term: [UInt8]) throws -> Postings? {
        guard let entry = try find(SegmentReader.key(field, term)) else { return nil }
        return try withSection(.postings) { p -> Postings in
            guard entry.postings.upperBound <= p.count else { throw corrupt("postings offset out of range") }
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: p[entry.postings]))
            var docs = [UInt32](), tfs = [UInt32]()
            docs.reserveCapacity(entry.df)
            tfs.reserveCapacity(entry.df)
            var doc: UInt32 = 0
            for i in 0..<entry.df {
                let delta = r.varint32()
                doc = i == 0 ? delta : doc &+ delta
                tfs.append(r.varint32())
                docs.append(doc)
            }
            guard !r.failed, doc < UInt32(documentCount) || entry.df == 0 else { throw corrupt("postings are damaged") }
            return Postings(docs: docs, frequencies: tfs, positionRange: entry.positions)
        }
    }

    /// Positions of the term in each document of `postings`, parallel to `postings.docs`.
    public func positions(of postings: Postings) throws -> [[UInt32]] {
        try withSection(.positions) { p in
            guard postings.positionRange.upperBound <= p.count else { throw corrupt("positions offset out of range") }
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: p[postings.positionRange]))
            var result: [[UInt32]] = []
            result.reserveCapacity(postings.docs.count)
            for tf in postings.frequencies {
                var list = [UInt32]()
                list.reserveCapacity(Int(tf))
                var pos: UInt32 = 0
                for _ in 0..<tf {
                    pos &+= r.varint32()
                    list.append(pos)
                }
                result.append(list)
            }
            guard !r.failed else { throw corrupt("positions are damaged") }
            return result
        }
    }

    /// The stored text of segment document `doc`.
    public func storedText(_ doc: UInt32) throws -> [UInt8] {
        let block: (first: UInt32, offset: Int, size: Int, raw: Int) = try withSection(.storeIndex) { s in
            var r = ByteReader(s)
            let n = Int(r.u32())
            var found: (UInt32, Int, Int, Int)?
            for _ in 0..<n {
                let first = r.u32(), off = Int(clamping: r.u64()), size = Int(r.u32()), raw = Int(r.u32())
                if first > doc { break }
                found = (first, off, size, raw)
            }
            guard !r.failed, let found else { throw corrupt("stored-text index is damaged") }
            return found
        }
        return try withSection(.store) { s in
            guard block.offset <= s.count - block.size,
                  let raw = Zstd.decompress(UnsafeRawBufferPointer(rebasing: s[block.offset..<(block.offset + block.size)]), size: block.raw)
            else { throw corrupt("stored text block is damaged") }
            return try raw.withUnsafeBytes { rb in
                var r = ByteReader(rb)
                var d = block.first
                while true {
                    let len = Int(r.varint32())
                    guard let bytes = r.bytes(len) else { throw corrupt("stored text block is damaged") }
                    if d == doc { return Array(bytes) }
                    d += 1
                }
            }
        }
    }
}
