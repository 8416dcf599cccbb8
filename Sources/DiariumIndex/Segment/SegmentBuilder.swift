/// Accumulates documents in memory and serializes them as one immutable segment file.
/// The writer side of the segment format (`SegmentSerializer` encodes, `SegmentReader` reads).
struct SegmentBuilder {
    /// One term's postings while the segment is built: two streams in the builder's pool.
    private struct Postings {
        var docs: ByteSlicePool.Stream       // per doc: varint(doc delta), varint(tf)
        var positions: ByteSlicePool.Stream  // per doc: tf varints, delta-coded
        var lastDoc: UInt32 = 0
        var df: UInt32 = 0

        init(_ pool: ByteSlicePool) {
            docs = pool.makeStream()
            positions = pool.makeStream()
        }

        /// Appends document `doc` with its ascending `positions`.
        @inline(__always)
        mutating func add(doc: UInt32, positions p: UnsafeBufferPointer<UInt32>, _ pool: ByteSlicePool) {
            pool.appendVarint(df == 0 ? doc : doc - lastDoc, to: &docs)
            pool.appendVarint(UInt32(p.count), to: &docs)
            var prev: UInt32 = 0
            for v in p {
                pool.appendVarint(v - prev, to: &positions)
                prev = v
            }
            lastDoc = doc
            df += 1
        }
    }

    /// One field's terms (ids in the order first seen) and their postings, by id.
    private struct FieldIndex {
        var terms = TermTable(capacity: 1 << 14)
        var postings: [Postings] = []

        /// Adds the terms of one document's field.
        mutating func add(doc: UInt32, _ ft: FieldTerms, _ pool: ByteSlicePool) {
            let table = ft.terms
            table.arena.withUnsafeBytes { arena in
                table.starts.withUnsafeBufferPointer { starts in
                    ft.positionStarts.withUnsafeBufferPointer { ps in
                        ft.positions.withUnsafeBufferPointer { positions in
                            for t in 0..<table.count {
                                let term = UnsafeRawBufferPointer(rebasing: arena[Int(starts[t])..<Int(starts[t + 1])])
                                // The document's table hashed these bytes already, with the same function.
                                let (tid, inserted) = terms.intern(term, hash: table.hash(ofID: Int32(t)))
                                if inserted { postings.append(Postings(pool)) }
                                let occurrences = UnsafeBufferPointer(rebasing: positions[Int(ps[t])..<Int(ps[t + 1])])
                                postings[Int(tid)].add(doc: doc, positions: occurrences, pool)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The docs and positions streams of every term, in blocks (no allocation per term).
    private var pool = ByteSlicePool()
    /// Per field (by `IndexField.rawValue`): its terms and postings. The segment's dictionary
    /// key is the field byte + the term, so keys sort by field first, then by term.
    private var fieldIndexes = [FieldIndex](repeating: FieldIndex(), count: IndexField.allCases.count)
    private var norms: [UInt8] = []               // docCount × fieldCount, SmallFloat bytes
    private var fieldTotals = [UInt64](repeating: 0, count: IndexField.allCases.count)
    private var fast: [FastValues] = []
    private(set) var docIDs: [Int64] = []
    private var store = StoredTextWriter()

    var documentCount: Int { docIDs.count }

    /// Whether the postings pool nears its 4 GiB address space (a budget above that flushes here).
    var isFull: Bool { pool.isFull }

    /// Estimated heap bytes held, for the writer's memory budget.
    var memoryFootprint: Int {
        fieldIndexes.reduce(0) { $0 + $1.terms.memoryFootprint + $1.postings.capacity * MemoryLayout<Postings>.stride }
            + pool.memoryFootprint + norms.capacity + fast.capacity * MemoryLayout<FastValues>.stride + docIDs.capacity * 8
            + store.memoryFootprint
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
            fieldIndexes[Int(field.rawValue)].add(doc: doc, ft, pool)
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
        // POSITIONS, SKIPS and TERMS wait in scratch files beside the segment, not in memory: a
        // segment as large as the budget would otherwise need about a third more at its flush.
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let size = try serialize(into: file, spillDirectory: folder).size
        try file.finish()
        return size
    }

    private mutating func serialize<Output: SegmentOutput>(into output: Output, spillDirectory: String? = nil) throws -> (output: Output, size: Int) {
        // In memory a term has a list per field (one term table per field); on disk one list per
        // term with the per-field frequencies. Each field's terms sorted by bytes, merged across
        // the fields in term order, bring a term's lists together; they are merged by document here.
        var serializer = try SegmentSerializer(norms: norms, output: output, spillDirectory: spillDirectory)
        let fieldCount = TermPostings.fieldCount
        var p = TermPostings()
        var decoded: [(field: Int, docs: [UInt32], tfs: [UInt32], positions: [UInt32], starts: [Int])] = []
        let sorted = fieldIndexes.map { Self.sortedTermIDs($0.terms) }
        var cursor = [Int](repeating: 0, count: fieldIndexes.count)
        var term: [UInt8] = []
        while true {
            // The smallest term at the fields' cursors.
            var smallest: [UInt8]?
            for f in 0..<fieldIndexes.count where cursor[f] < sorted[f].count {
                let candidate = fieldIndexes[f].terms.term(sorted[f][cursor[f]])
                if smallest.map({ candidate.lexicographicallyPrecedes($0) }) ?? true { smallest = candidate }
            }
            guard let next = smallest else { break }
            term = next
            decoded.removeAll(keepingCapacity: true)
            for f in 0..<fieldIndexes.count where cursor[f] < sorted[f].count {
                let t = sorted[f][cursor[f]]
                guard fieldIndexes[f].terms.withTerm(t, { $0.elementsEqual(term) }) else { continue }
                cursor[f] += 1
                let entry = fieldIndexes[f].postings[Int(t)]
                var docs: [UInt32] = [], tfs: [UInt32] = [], pos: [UInt32] = [], starts: [Int] = []
                docs.reserveCapacity(Int(entry.df))
                var d = ByteSlicePool.Reader(entry.docs), q = ByteSlicePool.Reader(entry.positions)
                var doc: UInt32 = 0
                for i in 0..<Int(entry.df) {
                    let delta = d.varint(pool)
                    doc = i == 0 ? delta : doc &+ delta
                    let tf = d.varint(pool)
                    docs.append(doc)
                    tfs.append(tf)
                    starts.append(pos.count)
                    var position: UInt32 = 0
                    for _ in 0..<tf {
                        position &+= q.varint(pool)
                        pos.append(position)
                    }
                }
                starts.append(pos.count)
                decoded.append((f, docs, tfs, pos, starts))
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
            try serializer.addTerm(term, p)
        }
        return try serializer.finish(docIDs: docIDs, fieldTotals: fieldTotals, fast: fast, store: store.finish())
    }

    /// The ids of `terms` in byte order of their terms.
    private static func sortedTermIDs(_ terms: TermTable) -> [Int32] {
        var ids = (0..<Int32(terms.count)).map { $0 }
        terms.arena.withUnsafeBytes { a in
            terms.starts.withUnsafeBufferPointer { starts in
                ids.sort { x, y in
                    let xl = Int(starts[Int(x)]), xh = Int(starts[Int(x) + 1])
                    let yl = Int(starts[Int(y)]), yh = Int(starts[Int(y) + 1])
                    let n = min(xh - xl, yh - yl)
                    let c = n == 0 ? 0 : memcmp(a.baseAddress! + xl, a.baseAddress! + yl, n)
                    return c != 0 ? c < 0 : (xh - xl) < (yh - yl)
                }
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
