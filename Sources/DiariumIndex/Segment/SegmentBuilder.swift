/// Accumulates documents in memory and serializes them as one immutable segment file.
/// The writer side of the segment format (`SegmentSerializer` encodes, `SegmentReader` reads).
struct SegmentBuilder {
    private struct Postings {
        var docs: [UInt8] = []       // per doc: varint(doc delta), varint(tf)
        var positions: [UInt8] = []  // per doc: tf varints, delta-coded
        var lastDoc: UInt32 = 0
        var df: UInt32 = 0
    }

    private var terms = TermTable(capacity: 1 << 16)
    private var postings: [Postings] = []
    private var norms: [UInt8] = []               // docCount × fieldCount, SmallFloat bytes
    private var fieldTotals = [UInt64](repeating: 0, count: IndexField.allCases.count)
    private var fast: [FastValues] = []
    private(set) var docIDs: [Int64] = []
    private var store = StoredTextWriter()
    private var postingBytes = 0
    private var keyBuffer: [UInt8] = []

    var documentCount: Int { docIDs.count }

    /// Estimated heap bytes held, for the writer's memory budget.
    var memoryFootprint: Int {
        terms.memoryFootprint + postingBytes + postings.count * 80 + norms.count + fast.count * 64
            + docIDs.count * 8 + store.memoryFootprint
    }

    /// Adds a document with catalog id `id`, its fields, its fast-field values and its stored text.
    mutating func add(id: Int64, fields: [IndexField: FieldTerms], fast values: FastValues, storedText: [UInt8]) {
        let doc = UInt32(docIDs.count)
        docIDs.append(id)
        fast.append(values)
        for field in IndexField.allCases {
            guard var ft = fields[field] else { norms.append(0); continue }
            ft.finish()
            norms.append(SmallFloat.encode(ft.length))
            fieldTotals[Int(field.rawValue)] += UInt64(ft.length)
            for t in 0..<ft.terms.count {
                keyBuffer.removeAll(keepingCapacity: true)
                keyBuffer.append(field.rawValue)
                ft.terms.withTerm(Int32(t)) { keyBuffer.append(contentsOf: $0) }
                let (tid, inserted) = keyBuffer.withUnsafeBytes { terms.intern($0) }
                if inserted { postings.append(Postings()) }
                let before = postings[Int(tid)].docs.capacity + postings[Int(tid)].positions.capacity
                let lo = Int(ft.positionStarts[t]), hi = Int(ft.positionStarts[t + 1])
                let delta = postings[Int(tid)].df == 0 ? doc : doc - postings[Int(tid)].lastDoc
                appendVarint(delta, to: &postings[Int(tid)].docs)
                appendVarint(UInt32(hi - lo), to: &postings[Int(tid)].docs)
                var prev: UInt32 = 0
                for i in lo..<hi {
                    let p = ft.positions[i]
                    appendVarint(p - prev, to: &postings[Int(tid)].positions)
                    prev = p
                }
                postings[Int(tid)].lastDoc = doc
                postings[Int(tid)].df += 1
                postingBytes += postings[Int(tid)].docs.capacity + postings[Int(tid)].positions.capacity - before
            }
        }
        storedText.withUnsafeBytes { store.add($0, wordStarts: fields[.body]?.wordStarts ?? []) }
    }

    /// Serializes the segment into one byte image (see `SegmentSerializer`).
    mutating func serialize() -> [UInt8] {
        // Memory output never throws.
        try! serialize(into: MemoryOutput()).output.bytes
    }

    /// Writes the segment as a new file at `path` (created with `O_EXCL`) and fsyncs it;
    /// returns its size. On failure the file is removed.
    mutating func write(to path: String) throws -> Int {
        let file = try DurableFileWriter(creating: path)
        let size = try serialize(into: file).size
        try file.finish()
        return size
    }

    private mutating func serialize<Output: SegmentOutput>(into output: Output) throws -> (output: Output, size: Int) {
        // In memory a term has a list per field (key: field byte + term); on disk one list per
        // term with the per-field frequencies. Keys sorted by (term, field) bring a term's
        // lists together; they are merged by document here.
        var serializer = try SegmentSerializer(norms: norms, output: output)
        let fieldCount = TermPostings.fieldCount
        var p = TermPostings()
        var group: [Int32] = []
        var decoded: [(field: Int, docs: [UInt32], tfs: [UInt32], positions: [UInt32], starts: [Int])] = []
        let ids = sortedTermIDs()
        var g = 0
        while g < ids.count {
            group.removeAll(keepingCapacity: true)
            let term = terms.term(ids[g]).dropFirst()
            while g < ids.count, terms.term(ids[g]).dropFirst().elementsEqual(term) {
                group.append(ids[g])
                g += 1
            }
            decoded.removeAll(keepingCapacity: true)
            for t in group {
                let entry = postings[Int(t)]
                var docs: [UInt32] = [], tfs: [UInt32] = [], pos: [UInt32] = [], starts: [Int] = []
                docs.reserveCapacity(Int(entry.df))
                entry.docs.withUnsafeBytes { docBytes in
                    entry.positions.withUnsafeBytes { posBytes in
                        var d = ByteReader(docBytes), q = ByteReader(posBytes)
                        var doc: UInt32 = 0
                        for i in 0..<Int(entry.df) {
                            let delta = d.varint32()
                            doc = i == 0 ? delta : doc &+ delta
                            let tf = d.varint32()
                            docs.append(doc)
                            tfs.append(tf)
                            starts.append(pos.count)
                            var position: UInt32 = 0
                            for _ in 0..<tf {
                                position &+= q.varint32()
                                pos.append(position)
                            }
                        }
                    }
                }
                starts.append(pos.count)
                decoded.append((Int(terms.term(t)[0]), docs, tfs, pos, starts))
            }
            // Merge the field lists by document.
            p.removeAll()
            var at = [Int](repeating: 0, count: decoded.count)
            while true {
                var doc = UInt32.max
                for (k, l) in decoded.enumerated() where at[k] < l.docs.count { doc = min(doc, l.docs[at[k]]) }
                if doc == UInt32.max { break }
                p.docs.append(doc)
                let row = p.frequencies.count
                p.frequencies.append(contentsOf: repeatElement(0, count: fieldCount))
                for field in [IndexField.title, .body, .meta, .parts] {
                    for (k, l) in decoded.enumerated() where l.field == Int(field.rawValue) && at[k] < l.docs.count && l.docs[at[k]] == doc {
                        p.frequencies[row + l.field] = l.tfs[at[k]]
                        if SegmentFormat.positionalFields & field.bit != 0 {
                            p.positions.append(contentsOf: l.positions[l.starts[at[k]]..<l.starts[at[k] + 1]])
                        }
                        at[k] += 1
                    }
                }
            }
            try serializer.addTerm(Array(term), p)
        }
        return try serializer.finish(docIDs: docIDs, fieldTotals: fieldTotals, fast: fast, store: store.finish())
    }

    /// Term ids in (term, field) order: by the key's bytes after the field byte, then by field.
    private func sortedTermIDs() -> [Int32] {
        var ids = (0..<Int32(terms.count)).map { $0 }
        terms.arena.withUnsafeBytes { a in
            let starts = terms.starts
            ids.sort { x, y in
                // Keys are field byte + term: compare the terms, then the fields.
                let xl = Int(starts[Int(x)]) + 1, xh = Int(starts[Int(x) + 1])
                let yl = Int(starts[Int(y)]) + 1, yh = Int(starts[Int(y) + 1])
                let n = min(xh - xl, yh - yl)
                let c = n == 0 ? 0 : memcmp(a.baseAddress! + xl, a.baseAddress! + yl, n)
                if c != 0 { return c < 0 }
                if xh - xl != yh - yl { return (xh - xl) < (yh - yl) }
                return a[xl - 1] < a[yl - 1]
            }
        }
        return ids
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
