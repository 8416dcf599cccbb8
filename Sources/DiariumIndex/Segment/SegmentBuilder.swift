/// Accumulates documents in memory and serializes them as one immutable segment file.
/// The writer side of the segment format (`SegmentSerializer` encodes, `SegmentReader` reads).
/// Serialize a builder once, and never a copy of it besides: its stored text is compressed on
/// a thread of its own (`FrameThread`), which a copy shares.
struct SegmentBuilder {
    /// One term's postings while the segment is built, all fields together (what the segment
    /// stores: one list per term with per-field frequencies): one stream in the builder's pool.
    ///
    /// The stream holds an entry per field of a document holding the term, in document order
    /// and, within a document, in `IndexField` order (a document's fields are added in that
    /// order): varint(doc delta — 0 for the document's second field on), varint(tf <<
    /// `fieldBits` | field), then for the title and body (`SegmentFormat.positionalFields`) the
    /// field's tf positions, delta-coded from 0. Read front to back, a document's title
    /// positions come before its body positions: the order the segment stores them in. So
    /// serializing a term reads its list once, with no merge of per-field lists (the field
    /// beside the frequency costs no byte below tf 32), and adding a field's occurrences
    /// touches one stream end, not two.
    private struct Postings {
        var stream: ByteSlicePool.Stream
        var lastDoc: UInt32 = 0
        /// Entries in `stream` (at least the documents: a document has one per field holding it).
        var entries: UInt32 = 0
        /// Positions in `stream`.
        var positionCount: UInt32 = 0

        init(_ pool: ByteSlicePool) {
            stream = pool.makeStream()
        }

        /// Appends the term's occurrences in `field` of document `doc` (ascending `positions`,
        /// stored when `positional`).
        @inline(__always)
        mutating func add(doc: UInt32, field: UInt32, positions p: UnsafeBufferPointer<UInt32>, positional: Bool,
                          _ pool: ByteSlicePool) {
            pool.appendVarint(UInt64(entries == 0 ? doc : doc &- lastDoc), to: &stream)
            pool.appendVarint(UInt64(p.count) << UInt64(SegmentBuilder.fieldBits) | UInt64(field), to: &stream)
            if positional {
                var prev: UInt32 = 0
                for v in p {
                    pool.appendVarint(UInt64(v &- prev), to: &stream)
                    prev = v
                }
                positionCount &+= UInt32(p.count)
            }
            lastDoc = doc
            entries &+= 1
        }
    }

    /// Bits of a docs entry's second varint that hold the field (`Postings`).
    fileprivate static let fieldBits = 2

    /// The segment's terms (ids in the order first seen, every field's in one table) and
    /// their postings, by id.
    private var terms = TermTable(capacity: 1 << 15)
    private var postings: [Postings] = []
    /// The segment's id of each of a field's terms (`add`'s scratch).
    private var ids: [Int32] = []
    /// What the warming loads read, kept so they are not optimised away.
    private var warmth: UInt64 = 0

    /// Adds the terms of one document's field: each is interned once into the segment's table
    /// (probed with the hash the document's table computed) and its occurrences appended.
    private mutating func add(doc: UInt32, field: IndexField, _ ft: FieldTerms) {
        let table = ft.terms
        let n = table.count
        let positional = SegmentFormat.positionalFields & field.bit != 0
        let f = UInt32(field.rawValue)
        let pool = self.pool
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
                    sink &+= UInt64(pool.warm(q.stream))
                }
                ft.positionStarts.withUnsafeBufferPointer { ps in
                    ft.positions.withUnsafeBufferPointer { positions in
                        for t in 0..<n {
                            let occurrences = UnsafeBufferPointer(rebasing: positions[Int(ps[t])..<Int(ps[t + 1])])
                            postings[Int(ids[t])].add(doc: doc, field: f, positions: occurrences, positional: positional, pool)
                        }
                    }
                }
            }
        }
        warmth &+= sink
    }

    /// Every term's stream (`Postings`), in blocks (no allocation per term).
    private var pool = ByteSlicePool()
    private var norms: [UInt8] = []               // docCount × fieldCount, SmallFloat bytes
    private var fieldTotals = [UInt64](repeating: 0, count: IndexField.allCases.count)
    private var fast: [FastValues] = []
    private(set) var docIDs: [Int64] = []
    private var store = StoredTextWriter()

    var documentCount: Int { docIDs.count }

    init() {
        // Checked before any entry is written: a field that does not fit a docs entry's field
        // bits would be read back as another field's frequency.
        precondition(IndexField.allCases.count <= 1 << SegmentBuilder.fieldBits, "a field does not fit a docs entry")
    }

    /// Whether the postings pool nears its 4 GiB address space (a budget above that flushes here).
    var isFull: Bool { pool.isFull }

    /// Estimated heap bytes held, for the writer's memory budget.
    var memoryFootprint: Int { footprint(store: store.memoryFootprint) }

    /// At least `memoryFootprint`, without waiting for the stored text's compression thread
    /// unless it matters (`StoredTextWriter.memoryFootprintBound`).
    var memoryFootprintBound: Int { footprint(store: store.memoryFootprintBound) }

    private func footprint(store: Int) -> Int {
        terms.memoryFootprint + postings.capacity * MemoryLayout<Postings>.stride + ids.capacity * MemoryLayout<Int32>.stride
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
        // Fields in `IndexField` order: a term's entries of one document in field order, its
        // title positions before its body positions (`Postings`).
        for field in IndexField.allCases {
            guard var ft = fields[field] else { norms.append(0); continue }
            ft.finish()
            norms.append(SmallFloat.encode(ft.length))
            fieldTotals[Int(field.rawValue)] += UInt64(ft.length)
            add(doc: doc, field: field, ft)
        }
    }

    /// Serializes the segment into one byte image (see `SegmentSerializer`).
    mutating func serialize(pipelined: Bool = false) -> [UInt8] {
        // Memory output never throws.
        try! serialize(into: MemoryOutput(), pipelined: pipelined).output.bytes
    }

    /// Writes the segment as a new file at `path` (created with `O_EXCL`) and fsyncs it;
    /// returns its size. On failure the file is removed. `pipelined` reads the terms' lists
    /// out of the pool on a second thread while this one encodes them (`TermPipe`):
    /// `IndexWriter.commit()`'s segments, not the background commits'; the file is the same
    /// either way.
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
        let readout = TermReadout(terms: terms, postings: postings, pool: pool)
        if pipelined {
            // Stage 1 (the terms sorted, their lists read out of the pool) on another thread,
            // stage 2 (encoding and writing) here.
            try TermPipe.run(produce: { emit in readout.run(emit) }, consume: { try serializer.addTerm($0, $1) })
        } else {
            var failure: (any Error)?
            readout.run { key, p in
                do { try serializer.addTerm(key, p) } catch { failure = error; return false }
                return true
            }
            if let failure { throw failure }
        }
        return try serializer.finish(docIDs: docIDs, fieldTotals: fieldTotals, fast: FastColumnsWriter(fast), store: store.finish())
    }

    /// The segment's terms in key order (bytes, then length), each with its postings read out
    /// of the pool into the form the serializer encodes (`TermPostings`): a term's list holds
    /// every field's frequencies already (`Postings`), so nothing is merged. Reads the
    /// builder's table and pool only, so it can run on another thread while the builder waits.
    private final class TermReadout: @unchecked Sendable {
        // @unchecked: read-only while `run` runs; the builder waits for it (`TermPipe.run`).
        let terms: TermTable
        let postings: [Postings]
        let pool: ByteSlicePool

        init(terms: TermTable, postings: [Postings], pool: ByteSlicePool) {
            self.terms = terms
            self.postings = postings
            self.pool = pool
        }

        /// Calls `emit` with every term (its key) and its postings, in key order, until it
        /// returns false.
        func run(_ emit: (_ key: [UInt8], _ postings: inout TermPostings) -> Bool) {
            let fieldCount = TermPostings.fieldCount
            let fieldMask = UInt64(1) << UInt64(SegmentBuilder.fieldBits) - 1
            var p = TermPostings()
            var term: [UInt8] = []
            // A local reference: read from `self` inside the closures, the pool was retained and
            // released per posting.
            let pool = self.pool
            for id in SegmentBuilder.sortedTermIDs(terms) {
                term.removeAll(keepingCapacity: true)
                terms.withTerm(id) { term.append(contentsOf: $0) }
                let q = postings[Int(id)]
                // Rows for every entry (a document has one per field holding the term), cut to
                // the documents after; no append per posting.
                let entries = Int(q.entries)
                p.reset(documents: entries)
                if q.positionCount > 0 { p.positions.append(contentsOf: repeatElement(0, count: Int(q.positionCount))) }
                var used = 0
                var reader = ByteSlicePool.Reader(q.stream, in: pool)
                p.docs.withUnsafeMutableBufferPointer { docs in
                    p.frequencies.withUnsafeMutableBufferPointer { frequencies in
                        p.positions.withUnsafeMutableBufferPointer { positions in
                            var doc: UInt32 = 0
                            var k = 0
                            for e in 0..<entries {
                                let delta = UInt32(truncatingIfNeeded: reader.varint(pool))
                                if e == 0 || delta != 0 {
                                    doc = e == 0 ? delta : doc &+ delta
                                    docs[used] = doc
                                    used &+= 1
                                }
                                let x = reader.varint(pool)
                                let field = Int(truncatingIfNeeded: x & fieldMask)
                                let tf = UInt32(truncatingIfNeeded: x >> UInt64(SegmentBuilder.fieldBits))
                                frequencies[(used &- 1) &* fieldCount &+ field] = tf
                                // A document's title positions, then its body positions, as stored.
                                if SegmentFormat.positionalFields & (1 << UInt8(field)) != 0 {
                                    var position: UInt32 = 0
                                    for _ in 0..<tf {
                                        position &+= UInt32(truncatingIfNeeded: reader.varint(pool))
                                        positions[k] = position
                                        k &+= 1
                                    }
                                }
                            }
                            // The counters cannot wrap (the pool's 4 GiB cap: an entry takes at
                            // least two bytes, a position one), so the rows were sized right.
                            assert(k == Int(q.positionCount) && used <= entries, "a term's stream does not match its counts")
                        }
                    }
                }
                p.truncate(documents: used)
                guard emit(term, &p) else { return }
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
