/// Accumulates documents in memory and serializes them as one immutable segment file.
/// The writer side of the segment format (`SegmentSerializer` encodes, `SegmentReader` reads).
/// Serialize a builder once, and never a copy of it besides: its stored text is compressed on
/// a thread of its own (`FrameThread`), which a copy shares.
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

        /// The segment's id of each of the document's terms (`add`'s scratch).
        var ids: [Int32] = []
        /// What the warming loads read, kept so they are not optimised away.
        var warmth: UInt64 = 0

        /// Adds the terms of one document's field.
        mutating func add(doc: UInt32, _ ft: FieldTerms, _ pool: ByteSlicePool) {
            let table = ft.terms
            let n = table.count
            // First the segment's ids (a new term gets its postings), then the postings, through
            // one buffer (no array access per term).
            ids.removeAll(keepingCapacity: true)
            // The probes' memory first, for all the terms: their misses overlap (`TermTable.warm`).
            var sink: UInt64 = 0
            for t in 0..<n { sink &+= terms.warm(hash: table.hash(ofID: Int32(t))) }
            table.withStorage { arena, starts in
                for t in 0..<n {
                    let term = UnsafeRawBufferPointer(start: arena + Int(starts[t]), count: Int(starts[t + 1] - starts[t]))
                    // The document's table hashed these bytes already, with the same function.
                    let (tid, inserted) = terms.intern(term, hash: table.hash(ofID: Int32(t)))
                    if inserted { postings.append(Postings(pool)) }
                    ids.append(tid)
                }
            }
            ids.withUnsafeBufferPointer { ids in
                postings.withUnsafeMutableBufferPointer { postings in
                    // The same for the terms' postings and the ends of their streams.
                    for t in 0..<n {
                        let q = postings[Int(ids[t])]
                        sink &+= UInt64(pool.warm(q.docs)) &+ UInt64(pool.warm(q.positions))
                    }
                    ft.positionStarts.withUnsafeBufferPointer { ps in
                        ft.positions.withUnsafeBufferPointer { positions in
                            for t in 0..<n {
                                let occurrences = UnsafeBufferPointer(rebasing: positions[Int(ps[t])..<Int(ps[t + 1])])
                                postings[Int(ids[t])].add(doc: doc, positions: occurrences, pool)
                            }
                        }
                    }
                }
            }
            warmth &+= sink
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
    var memoryFootprint: Int { footprint(store: store.memoryFootprint) }

    /// At least `memoryFootprint`, without waiting for the stored text's compression thread
    /// unless it matters (`StoredTextWriter.memoryFootprintBound`).
    var memoryFootprintBound: Int { footprint(store: store.memoryFootprintBound) }

    private func footprint(store: Int) -> Int {
        fieldIndexes.reduce(0) { $0 + $1.terms.memoryFootprint + $1.postings.capacity * MemoryLayout<Postings>.stride }
            + pool.memoryFootprint + norms.capacity + fast.capacity * MemoryLayout<FastValues>.stride + docIDs.capacity * 8
            + store
    }

    /// Adds a document with catalog id `id`, its fields, its fast-field values and its stored text.
    mutating func add(id: Int64, fields: [IndexField: FieldTerms], fast values: FastValues, storedText: [UInt8]) {
        let doc = UInt32(docIDs.count)
        docIDs.append(id)
        fast.append(values)
        // The text first: its closed blocks are compressed on the store's thread while the
        // postings are added here (`FrameThread`).
        storedText.withUnsafeBytes { store.add($0, wordStarts: fields[.body]?.wordStarts ?? []) }
        for field in IndexField.allCases {
            guard var ft = fields[field] else { norms.append(0); continue }
            ft.finish()
            norms.append(SmallFloat.encode(ft.length))
            fieldTotals[Int(field.rawValue)] += UInt64(ft.length)
            fieldIndexes[Int(field.rawValue)].add(doc: doc, ft, pool)
        }
    }

    /// Serializes the segment into one byte image (see `SegmentSerializer`).
    mutating func serialize(pipelined: Bool = false) -> [UInt8] {
        // Memory output never throws.
        try! serialize(into: MemoryOutput(), pipelined: pipelined).output.bytes
    }

    /// Writes the segment as a new file at `path` (created with `O_EXCL`) and fsyncs it;
    /// returns its size. On failure the file is removed. `pipelined` merges the terms' lists
    /// on a second thread while this one encodes them (`TermPipe`): `IndexWriter.commit()`'s
    /// segments, not the background commits'; the file is the same either way.
    mutating func write(to path: String, pipelined: Bool = false) throws -> Int {
        let file = try DurableFileWriter(creating: path)
        // POSITIONS, SKIPS and TERMS wait in scratch files beside the segment, not in memory: a
        // segment as large as the budget would otherwise need about a third more at its flush.
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let size = try serialize(into: file, spillDirectory: folder, pipelined: pipelined).size
        try file.finish()
        return size
    }

    private mutating func serialize<Output: SegmentOutput>(into output: Output, spillDirectory: String? = nil,
                                                           pipelined: Bool) throws -> (output: Output, size: Int) {
        var serializer = try SegmentSerializer(norms: norms, output: output, spillDirectory: spillDirectory)
        let merge = TermMerge(fieldIndexes: fieldIndexes, pool: pool)
        if pipelined {
            // Stage 1 (merging the fields' lists out of the pool) on another thread, stage 2
            // (encoding and writing) here; each about half of a serialization (`perf`).
            try TermPipe.run(produce: { emit in merge.run(emit) }, consume: { try serializer.addTerm($0, $1) })
        } else {
            var failure: (any Error)?
            merge.run { key, p in
                do { try serializer.addTerm(key, p) } catch { failure = error; return false }
                return true
            }
            if let failure { throw failure }
        }
        return try serializer.finish(docIDs: docIDs, fieldTotals: fieldTotals, fast: FastColumnsWriter(fast), store: store.finish())
    }

    /// The segment's terms in key order, each with its postings: in memory a term has a list
    /// per field (one term table per field); on disk one list per term with the per-field
    /// frequencies. Each field's terms sorted by bytes, merged across the fields in term
    /// order, bring a term's lists together; they are merged by document here. Reads the
    /// builder's tables and pool only, so it can run on another thread while the builder waits.
    private final class TermMerge: @unchecked Sendable {
        // @unchecked: read-only while `run` runs; the builder waits for it (`TermPipe.run`).
        let fieldIndexes: [FieldIndex]
        let pool: ByteSlicePool

        init(fieldIndexes: [FieldIndex], pool: ByteSlicePool) {
            self.fieldIndexes = fieldIndexes
            self.pool = pool
        }

        /// Calls `emit` with every term (its key) and its postings, in key order, until it
        /// returns false.
        func run(_ emit: (_ key: [UInt8], _ postings: inout TermPostings) -> Bool) {
            let fieldIndexes = self.fieldIndexes
            let fieldCount = fieldIndexes.count
            var p = TermPostings()
            let sorted = fieldIndexes.map { SegmentBuilder.sortedTermIDs($0.terms) }
            var cursor = [Int](repeating: 0, count: fieldCount)
            var term: [UInt8] = []
            // The current term's list in each field that holds it, read straight from the pool
            // and merged by document (no list decoded into arrays first: this loop was a fifth of
            // a `--jsonl` ingest's instructions).
            var lists: [ListCursor] = []
            var positional: [ListCursor] = []
            // A local reference: read from `self` inside the merge's closures, the pool was retained
            // and released per posting.
            let pool = self.pool
            while true {
                // The smallest term at the fields' cursors.
                var smallest = -1
                for f in 0..<fieldCount where cursor[f] < sorted[f].count {
                    if smallest < 0 || SegmentBuilder.precedes(fieldIndexes[f].terms, sorted[f][cursor[f]],
                                                               fieldIndexes[smallest].terms, sorted[smallest][cursor[smallest]]) {
                        smallest = f
                    }
                }
                guard smallest >= 0 else { break }
                term.removeAll(keepingCapacity: true)
                fieldIndexes[smallest].terms.withTerm(sorted[smallest][cursor[smallest]]) { term.append(contentsOf: $0) }
                lists.removeAll(keepingCapacity: true)
                for f in 0..<fieldCount where cursor[f] < sorted[f].count {
                    let t = sorted[f][cursor[f]]
                    let same = fieldIndexes[f].terms.withTerm(t) { x in
                        term.withUnsafeBytes { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
                    }
                    guard same else { continue }
                    cursor[f] += 1
                    var list = ListCursor(fieldIndexes[f].postings[Int(t)], field: f, pool)
                    if list.next(pool) { lists.append(list) }
                }
                // Merge the field lists by document, fields in `IndexField` order, into `p`'s
                // arrays sized for every document of every list (no append per posting).
                var room = 0
                for l in lists { room += Int(l.left) + 1 }
                p.reset(documents: room)
                var used = 0
                // The positional fields' lists, in field order: their positions are decoded after
                // the documents, in one pass into room made for all of them (no append per position).
                positional.removeAll(keepingCapacity: true)
                for l in lists where SegmentFormat.positionalFields & (1 << UInt8(l.field)) != 0 { positional.append(l) }
                var positionCount = 0
                p.docs.withUnsafeMutableBufferPointer { docs in
                    p.frequencies.withUnsafeMutableBufferPointer { frequencies in
                        if lists.count == 1 {
                            // The common case: the term is in one field.
                            var l = lists[0]
                            let f = l.field
                            repeat {
                                docs[used] = l.doc
                                frequencies[used &* fieldCount &+ f] = l.tf
                                positionCount &+= Int(l.tf)
                                used &+= 1
                            } while l.next(pool)
                            if positional.isEmpty { positionCount = 0 }
                            lists.removeAll(keepingCapacity: true)
                            return
                        }
                        while !lists.isEmpty {
                            var doc = UInt32.max
                            for l in lists { doc = min(doc, l.doc) }
                            docs[used] = doc
                            let row = used &* fieldCount
                            var k = 0
                            while k < lists.count {
                                if lists[k].doc == doc {
                                    let f = lists[k].field
                                    frequencies[row &+ f] = lists[k].tf
                                    // The other fields' positions are not stored; their streams are left unread.
                                    if SegmentFormat.positionalFields & (1 << UInt8(f)) != 0 { positionCount &+= Int(lists[k].tf) }
                                    if !lists[k].next(pool) {
                                        lists.remove(at: k)
                                        continue
                                    }
                                }
                                k += 1
                            }
                            used &+= 1
                        }
                    }
                }
                if positionCount > 0 {
                    // Each document's positions, field by field in `IndexField` order, as stored.
                    p.positions.append(contentsOf: repeatElement(0, count: positionCount))
                    p.positions.withUnsafeMutableBufferPointer { out in
                        p.frequencies.withUnsafeBufferPointer { frequencies in
                            positional.withUnsafeMutableBufferPointer { lists in
                                var k = 0
                                for d in 0..<used {
                                    for j in 0..<lists.count {
                                        var position: UInt32 = 0
                                        for _ in 0..<frequencies[d &* fieldCount &+ lists[j].field] {
                                            position &+= lists[j].positions.varint(pool)
                                            out[k] = position
                                            k &+= 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p.truncate(documents: used)
                guard emit(term, &p) else { return }
            }
        }
    }

    /// One field's list of the term being serialized, read document by document.
    private struct ListCursor {
        var docs: ByteSlicePool.Reader
        var positions: ByteSlicePool.Reader
        let field: Int
        var left: UInt32
        var doc: UInt32 = 0
        var tf: UInt32 = 0
        var started = false

        init(_ postings: Postings, field: Int, _ pool: ByteSlicePool) {
            docs = ByteSlicePool.Reader(postings.docs, in: pool)
            positions = ByteSlicePool.Reader(postings.positions, in: pool)
            self.field = field
            left = postings.df
        }

        /// Reads the next document and its frequency (its positions come in `positions`, a
        /// stream of its own, read in document order); false after the last.
        @inline(__always)
        mutating func next(_ pool: ByteSlicePool) -> Bool {
            guard left > 0 else { return false }
            left -= 1
            let delta = docs.varint(pool)
            doc = started ? doc &+ delta : delta
            started = true
            tf = docs.varint(pool)
            return true
        }
    }

    /// Whether term `x` of table `a` sorts before term `y` of table `b` (bytes, then length).
    @inline(__always)
    fileprivate static func precedes(_ a: TermTable, _ x: Int32, _ b: TermTable, _ y: Int32) -> Bool {
        a.withTerm(x) { xs in
            b.withTerm(y) { ys in
                let n = min(xs.count, ys.count)
                let c = n == 0 ? 0 : memcmp(xs.baseAddress!, ys.baseAddress!, n)
                return c != 0 ? c < 0 : xs.count < ys.count
            }
        }
    }

    /// The ids of `terms` in byte order of their terms (bytes, then length).
    ///
    /// Sorted by each term's first eight bytes as one big-endian integer (zero-padded) first,
    /// bytes compared only on a tie: when two keys differ the first differing byte decides as
    /// `memcmp` would, a term that ends there (its padding 0 against a byte above 0) being a
    /// prefix of the other, which sorts first too. A comparison was two loads of the starts, two
    /// of the arena and a `memcmp` call each (the sort was a tenth of a serialization).
    fileprivate static func sortedTermIDs(_ terms: TermTable) -> [Int32] {
        let n = terms.count
        var keyed = [(key: UInt64, id: Int32)]()
        keyed.reserveCapacity(n)
        terms.withStorage { a, starts in
            for id in 0..<n {
                let lo = Int(starts[id]), count = Int(starts[id + 1]) - lo
                var key: UInt64 = 0
                for k in 0..<8 { key = key << 8 | (k < count ? UInt64(a[lo + k]) : 0) }
                keyed.append((key, Int32(id)))
            }
            keyed.sort { x, y in
                if x.key != y.key { return x.key < y.key }
                let xl = Int(starts[Int(x.id)]), xh = Int(starts[Int(x.id) + 1])
                let yl = Int(starts[Int(y.id)]), yh = Int(starts[Int(y.id) + 1])
                let n = min(xh - xl, yh - yl)
                let c = n == 0 ? 0 : memcmp(a + xl, a + yl, n)
                return c != 0 ? c < 0 : (xh - xl) < (yh - yl)
            }
        }
        return keyed.map(\.id)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
