/// Decode buffers of `PostingsCursor`s: one allocation per cursor, all freed together when the
/// owner (a query, a merge, a snippet pass) lets go of this object. Cursors hold no reference
/// to it — they are plain values — so it must outlive every cursor made with it.
public final class PostingsBuffers {
    private var chunks: [UnsafeMutablePointer<UInt32>] = []
    /// The chunks handed out since the last `recycle` (the first `handed` of `chunks`).
    private var handed = 0

    /// No buffers yet.
    public init() {}

    /// A buffer for one cursor: documents, frequencies per field, positions (128 each).
    func allocate() -> UnsafeMutablePointer<UInt32> {
        if handed < chunks.count {
            handed += 1
            return chunks[handed - 1]
        }
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsCursor.bufferSize)
        chunks.append(p)
        handed = chunks.count
        return p
    }

    /// Hands the buffers out again from the first (a query engine going on to the next
    /// segment): no cursor made with this object before the call may be read after it.
    public func recycle() { handed = 0 }

    deinit { for c in chunks { c.deallocate() } }
}

/// The bound of one postings block for block-max pruning (`SkipEntry`): its last document;
/// per field, the largest frequency (`UInt32.max`: unbounded) and the smallest norm byte among
/// its documents holding the term there; and the largest pseudo frequency of one of its
/// documents at the segment's `BoundReference`.
public struct BlockBound: Sendable {
    /// The block's last document: the bound holds up to and including it.
    public var lastDoc: UInt32
    var frequencies: (UInt32, UInt32, UInt32, UInt32)
    var norms: (UInt8, UInt8, UInt8, UInt8)
    /// The largest pseudo frequency of a document of the block at the segment's
    /// `SegmentReader.boundReference` (an upper bound; scale it with `BoundReference.scale`).
    public var maxPseudoFrequency: Double

    /// The largest frequency in field `f` (raw value); 0 when no document holds the term there.
    @inline(__always) public func maxFrequency(_ f: Int) -> UInt32 {
        switch f { case 0: frequencies.0; case 1: frequencies.1; case 2: frequencies.2; default: frequencies.3 }
    }

    /// The smallest norm byte in field `f` (raw value) among the documents holding the term there.
    @inline(__always) public func minNorm(_ f: Int) -> UInt8 {
        switch f { case 0: norms.0; case 1: norms.1; case 2: norms.2; default: norms.3 }
    }
}

/// Iterates one term's postings in one segment — every field's frequencies in one list — one
/// block of 128 documents at a time, straight from the memory map. `advance(to:)` uses the skip
/// entries to jump over blocks without decoding them; `blockMaximum(containing:)` gives the
/// block's per-field maxima for block-max pruning. A cursor restricted to some `fields` passes
/// over documents holding the term only in others.
///
/// A plain value without references (no retain or release as it moves, is stored in an array
/// or mutated in place): it points into the segment's map and into a `PostingsBuffers`, so it is
/// valid only while both its `SegmentReader` and those buffers live. Not thread-safe: one
/// cursor per query and thread. Damaged data ends the iteration and sets `error`; it never traps.
public struct PostingsCursor {
    /// `doc` once the postings are exhausted.
    public static let exhausted = UInt32.max
    /// `UInt32`s of one cursor's buffer: documents, 4 × frequencies, positions.
    static let bufferSize = BitPacking.blockSize * (2 + IndexField.allCases.count)
    private static let size = BitPacking.blockSize

    /// The current document (`exhausted` after the last).
    @inlinable public var doc: UInt32 { current }
    /// `doc`'s storage (set here and by the inlined part of `advance(to:)`).
    @usableFromInline var current: UInt32 = 0
    /// Number of documents holding the term (in any field).
    public let documentFrequency: Int
    /// The fields reported, as a mask (`IndexField.bit`).
    public let fields: UInt8
    /// Why the postings turned out damaged (the iteration then ended).
    private var failure: StaticString?

    private unowned(unsafe) let segment: SegmentReader
    private let postings: UnsafeRawBufferPointer
    private let skips: UnsafeRawBufferPointer
    private let positionBytes: UnsafeRawBufferPointer
    private let totalPositions: Int
    private let blockCount: Int
    private var block = -1
    /// The decoded block's last document: `docs[count - 1]` as decoded, never its skip entry's
    /// (a damaged skip entry could name a later one). It bounds `advance`'s unchecked scan
    /// within the block, which reads no skip entry.
    @usableFromInline var blockLast: UInt32 = 0
    /// The current entry of the decoded block (`docs[index]` is `doc` once the cursor has
    /// settled; `advanceFar` may find `index` on an entry outside the cursor's fields and move on).
    @usableFromInline var index = 0
    private var count = 0
    private var blockPositionIndex = 0
    /// Positions (title and body) of the block's entries before `summedIndex`, counted from
    /// `blockPositionIndex`: `positions` sums only the entries since its last call.
    private var summedIndex = 0
    private var summedPositions = 0
    @usableFromInline let docs: UnsafeMutablePointer<UInt32>
    /// Field f's frequencies at `frequencies[f × 128 + i]`.
    @usableFromInline let frequencies: UnsafeMutablePointer<UInt32>
    /// Whether `fields` holds every field (then every entry is one the cursor stops on).
    @usableFromInline let everyField: Bool
    // The bound of a term with a single block (no skip entries), computed from the decoded block
    // on the first `blockMaximum` (`singleReady` once it is).
    private var single = BlockBound(lastDoc: 0, frequencies: (0, 0, 0, 0), norms: (.max, .max, .max, .max), maxPseudoFrequency: 0)
    private var singleReady = false
    // Positions: the decoded position block `positionBlock` (the varint tail when it equals
    // `fullPositionBlocks`), which starts at byte `positionBlockOffset`.
    private let fullPositionBlocks: Int
    private var positionBlock = -1
    private var positionBlockOffset = 0
    private let positionValues: UnsafeMutablePointer<UInt32>

    init(segment: SegmentReader, entry: TermEntry, fields: UInt8, buffers: PostingsBuffers) throws {
        self.segment = segment
        self.fields = fields & SegmentFormat.allFields
        everyField = self.fields == SegmentFormat.allFields
        documentFrequency = entry.df
        totalPositions = entry.ttf
        func slice(_ s: SegmentFormat.Section, _ section: UnsafeRawBufferPointer, _ r: Range<Int>) throws -> UnsafeRawBufferPointer {
            guard r.lowerBound >= 0, r.upperBound <= section.count else { throw segment.corrupt("a term's \(s) lie outside their section") }
            return UnsafeRawBufferPointer(rebasing: section[r])
        }
        postings = try slice(.postings, segment.postingBytes, entry.postings)
        skips = try slice(.skips, segment.skipBytes, entry.skips)
        positionBytes = try slice(.positions, segment.positionBytes, entry.positions)
        blockCount = (entry.df + BitPacking.blockSize - 1) / BitPacking.blockSize
        fullPositionBlocks = entry.ttf / BitPacking.blockSize
        let buffer = buffers.allocate()
        docs = buffer
        frequencies = buffer + Self.size
        positionValues = buffer + Self.size * (1 + IndexField.allCases.count)
        guard entry.df > 0, entry.fields & self.fields != 0 else {
            current = PostingsCursor.exhausted
            return
        }
        guard load(0) else { return }
        settle()
    }

    /// The bound of a single-block term (`single`), from its decoded block: computed on the first
    /// `blockMaximum`, not at opening (a rare term's cursor is often never bounded: its
    /// documents enter the top k before any window is bounded; at opening it was most of a
    /// rare term's cursor's cost, callgrind). A single block is never replaced, so the
    /// buffers still hold it.
    private mutating func computeSingleBound() {
        singleReady = true
        guard count > 0, let norms = segment.normTable.baseAddress else { return }
        var m: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0), low: (UInt8, UInt8, UInt8, UInt8) = (.max, .max, .max, .max)
        var pseudo = 0.0
        let reference = segment.boundReference
        let size = Self.size
        for i in 0..<count {
            let tf = (frequencies[i], frequencies[size &+ i], frequencies[2 &* size &+ i], frequencies[3 &* size &+ i])
            let nb = SegmentReader.normBytes(docs[i], in: norms)
            if tf.0 > 0 { m.0 = max(m.0, tf.0); low.0 = min(low.0, nb.0) }
            if tf.1 > 0 { m.1 = max(m.1, tf.1); low.1 = min(low.1, nb.1) }
            if tf.2 > 0 { m.2 = max(m.2, tf.2); low.2 = min(low.2, nb.2) }
            if tf.3 > 0 { m.3 = max(m.3, tf.3); low.3 = min(low.3, nb.3) }
            pseudo = max(pseudo, reference.pseudoFrequency(tf: tf, norms: nb))
        }
        single = BlockBound(lastDoc: docs[count - 1], frequencies: m, norms: low, maxPseudoFrequency: Double(BoundReference.stored(pseudo)))
    }

    /// The damage found, naming the segment (nil while the postings read well).
    public var error: IndexError? { failure.map { segment.corrupt("\($0)") } }

    /// The current document's frequency in field `f` (raw value); 0 when it lacks the term there.
    @inline(__always)
    public func frequency(_ f: Int) -> UInt32 { frequencies[f &* Self.size &+ index] }

    /// The current document's frequency in `field`.
    @inline(__always)
    public func frequency(_ field: IndexField) -> UInt32 { frequency(Int(field.rawValue)) }

    /// The current document's frequency summed over the cursor's fields.
    public var frequency: UInt32 {
        var sum: UInt32 = 0
        for f in 0..<IndexField.allCases.count where fields & (1 << UInt8(f)) != 0 { sum &+= frequency(f) }
        return sum
    }

    // MARK: Iteration

    private mutating func fail(_ reason: StaticString) {
        if failure == nil { failure = reason }
        current = PostingsCursor.exhausted
    }

    /// Decodes block `b` and moves to its first entry (not yet checked against `fields`);
    /// false when exhausted or damaged.
    private mutating func load(_ b: Int) -> Bool {
        guard b < blockCount else { current = PostingsCursor.exhausted; return false }
        let size = min(BitPacking.blockSize, documentFrequency - b * BitPacking.blockSize)
        let start = b == 0 ? 0 : Int(SkipEntry.postingsEnd(skips, b - 1))
        let previous = b == 0 ? 0 : SkipEntry.lastDoc(skips, b - 1)
        blockPositionIndex = b == 0 ? 0 : Int(SkipEntry.positionIndex(skips, b))
        block = b
        index = 0
        count = size
        summedIndex = 0
        summedPositions = 0
        guard PostingsBlock.read(postings, at: start, count: size, previous: previous, docs: docs, frequencies: frequencies) != nil else {
            fail("a postings block is damaged or truncated")
            return false
        }
        guard docs[size - 1] < UInt32(clamping: segment.documentCount) else {
            fail("postings name a document past the segment's end")
            return false
        }
        current = docs[0]
        blockLast = docs[size - 1]
        return true
    }

    /// Whether entry `i` of the block holds the term in one of the cursor's fields.
    @inlinable @inline(__always)
    func holds(_ i: Int) -> Bool {
        var f = 0, m = fields
        while m != 0 {
            if m & 1 != 0 && frequencies[f &* DecodedBlock.fieldStride &+ i] != 0 { return true }
            m >>= 1
            f &+= 1
        }
        return false
    }

    /// Moves from entry `index` (or the next block) to the first entry in the cursor's fields.
    @inline(__always)
    private mutating func settle() {
        while true {
            if index < count {
                if everyField || holds(index) { current = docs[index]; return }
                index &+= 1
            } else if !load(block + 1) {
                return
            }
        }
    }

    /// Moves to the next document.
    @inline(__always)
    public mutating func next() {
        guard doc != PostingsCursor.exhausted else { return }
        index &+= 1
        settle()
    }

    /// Moves to the first document ≥ `target` (or to `exhausted`), skipping whole blocks by
    /// their skip entries. Inlined into the caller's loop for a target within the decoded block
    /// (most steps of a leapfrog over common words: one call less per step, callgrind); the
    /// rest is `advanceFar`.
    @inlinable @inline(__always)
    public mutating func advance(to target: UInt32) {
        guard current < target else { return }
        if target <= blockLast {
            // `docs[index]` is `current` < target ≤ the block's last document: the scan stops
            // inside the block.
            var i = index &+ 1
            while docs[i] < target { i &+= 1 }
            index = i
            if everyField || holds(i) { current = docs[i]; return }
        }
        advanceFar(to: target)
    }

    /// `advance(to:)` past the decoded block (or to an entry outside the cursor's fields).
    @usableFromInline
    mutating func advanceFar(to target: UInt32) {
        guard current < target else { return }
        if blockLast < target && blockCount > 1 {
            var b = block + 1
            while b < blockCount && SkipEntry.lastDoc(skips, b) < target { b += 1 }
            guard b < blockCount else { current = PostingsCursor.exhausted; return }
            guard load(b) else { return }
        }
        var i = index
        while i < count && docs[i] < target { i &+= 1 }
        index = i
        settle()
    }

    /// The block that holds documents up to and including the first one ≥ `target`: its last
    /// document and per-field maxima; nil when no document ≥ `target` remains. Decodes nothing.
    public mutating func blockMaximum(containing target: UInt32) -> BlockBound? {
        if blockCount == 1 {
            guard doc != PostingsCursor.exhausted else { return nil }
            if !singleReady { computeSingleBound() }
            return target <= single.lastDoc ? single : nil
        }
        var b = max(block, 0)
        while b < blockCount && SkipEntry.lastDoc(skips, b) < target { b += 1 }
        guard b < blockCount else { return nil }
        return BlockBound(lastDoc: SkipEntry.lastDoc(skips, b),
                          frequencies: (SkipEntry.maxFrequency(skips, b, field: 0), SkipEntry.maxFrequency(skips, b, field: 1),
                                        SkipEntry.maxFrequency(skips, b, field: 2), SkipEntry.maxFrequency(skips, b, field: 3)),
                          norms: (SkipEntry.minNorm(skips, b, field: 0), SkipEntry.minNorm(skips, b, field: 1),
                                  SkipEntry.minNorm(skips, b, field: 2), SkipEntry.minNorm(skips, b, field: 3)),
                          maxPseudoFrequency: Double(SkipEntry.maxPseudoFrequency(skips, b)))
    }

    // MARK: The decoded block in place

    /// The cursor's decoded block from its current entry on, read in place (no copy): for a
    /// scan over a run of documents that leaves the cursor where it stands (the union engine
    /// scores a window of documents leaf by leaf this way, `TopK+Union.swift`). Points into the
    /// cursor's buffer: valid until the cursor moves.
    public struct DecodedBlock {
        /// The block's documents, ascending: entries `start..<end`.
        public let docs: UnsafePointer<UInt32>
        /// Field f's frequency (raw value) of entry i at `frequencies[f × fieldStride + i]`,
        /// 0 where the document lacks the term in f.
        public let frequencies: UnsafePointer<UInt32>
        /// The cursor's current entry (`docs[start]` is its `doc`).
        public let start: Int
        /// Past the block's last entry.
        public let end: Int
        /// Entries per field in `frequencies`: the block size (`BitPacking.blockSize`, a test
        /// checks they agree), a literal so that scans inline it.
        @inlinable public static var fieldStride: Int { 128 }

        /// Whether entry `i` holds the term in one of the fields of `mask` (a bit per
        /// `IndexField`): the entries a cursor restricted to those fields stops on.
        @inlinable @inline(__always)
        public func holds(_ i: Int, in mask: UInt8) -> Bool {
            var m = mask, f = 0
            while m != 0 {
                if m & 1 != 0 && frequencies[f &* Self.fieldStride &+ i] != 0 { return true }
                m >>= 1
                f &+= 1
            }
            return false
        }
    }

    /// The decoded block from the current entry (nil once exhausted). Entries after the current
    /// one may lie outside the cursor's `fields` (check `DecodedBlock.holds`).
    public var decodedBlock: DecodedBlock? {
        doc == PostingsCursor.exhausted ? nil : DecodedBlock(docs: docs, frequencies: frequencies, start: index, end: count)
    }

    // MARK: Positions

    /// The positions of the term in `field` of the current document, ascending. Only the title's
    /// and the body's are stored (`SegmentFormat.positionalFields`); other fields give none.
    public mutating func positions(_ field: IndexField) throws -> [UInt32] {
        var out: [UInt32] = []
        try positions(field, into: &out)
        return out
    }

    /// `positions(field)` into `out` (its contents replaced, its capacity reused).
    public mutating func positions(_ field: IndexField, into out: inout [UInt32]) throws {
        out.removeAll(keepingCapacity: true)
        guard let first = try firstPosition(field) else { return }
        let end = first + Int(frequency(field))
        out.reserveCapacity(end - first)
        try decodePositions(first, end) { _, position in out.append(position) }
    }

    /// `positions(field)` written to `out`, which has room for at least `frequency(field)`
    /// values; returns how many were written (that frequency, or 0 for a field without
    /// positions). For a loop over many documents: no array is touched.
    public mutating func positions(_ field: IndexField, writingTo out: UnsafeMutablePointer<UInt32>) throws -> Int {
        guard let first = try firstPosition(field) else { return 0 }
        let end = first + Int(frequency(field))
        try decodePositions(first, end) { i, position in out[i] = position }
        return end - first
    }

    /// Where the current document's positions in `field` start in the term's position stream
    /// (nil: none stored for it); checks that they end within the stream.
    @inline(__always)
    private mutating func firstPosition(_ field: IndexField) throws -> Int? {
        guard doc != PostingsCursor.exhausted, SegmentFormat.positionalFields & field.bit != 0 else { return nil }
        let t = Int(IndexField.title.rawValue) * Self.size, b = Int(IndexField.body.rawValue) * Self.size
        // Entries only move forward within a block: sum from where the last call stopped (in
        // locals: the properties written back once, not at every entry).
        var i = summedIndex, sum = summedPositions
        if i > index { i = 0; sum = 0 }
        while i < index {
            sum &+= Int(frequencies[t &+ i]) &+ Int(frequencies[b &+ i])
            i &+= 1
        }
        summedIndex = i
        summedPositions = sum
        var first = blockPositionIndex + sum
        if field == .body { first += Int(frequencies[t + index]) }
        guard first + Int(frequency(field)) <= totalPositions else { throw segment.corrupt("positions run past their term") }
        return first
    }

    /// The positions at `first..<end` of the position stream, each given to `emit` with its
    /// index from 0. Block by block of the stream: a run within one decoded block is a plain
    /// prefix sum.
    @inline(__always)
    private mutating func decodePositions(_ first: Int, _ end: Int, _ emit: (Int, UInt32) -> Void) throws {
        var position: UInt32 = 0
        var j = first
        while j < end {
            let k = j / BitPacking.blockSize
            if k != positionBlock { try loadPositionBlock(k) }
            let base = k * BitPacking.blockSize
            let stop = min(end, base + BitPacking.blockSize)
            while j < stop {
                position &+= positionValues[j &- base]
                emit(j &- first, position)
                j &+= 1
            }
        }
    }

    private mutating func loadPositionBlock(_ k: Int) throws {
        // Start from the nearest known block offset at or before k.
        var at = 0, offset = 0
        if positionBlock >= 0 && positionBlock <= k {
            at = positionBlock
            offset = positionBlockOffset
        } else if blockCount > 1 {
            let anchor = Int(SkipEntry.positionIndex(skips, block)) / BitPacking.blockSize
            if anchor <= k {
                at = anchor
                offset = Int(SkipEntry.positionBlockOffset(skips, block))
            }
        }
        while at < k {
            guard at < fullPositionBlocks, offset < positionBytes.count else { throw segment.corrupt("positions are damaged") }
            offset += 1 + BitPacking.byteCount(width: Int(positionBytes[offset]))
            at += 1
        }
        guard offset <= positionBytes.count, let base = positionBytes.baseAddress else { throw segment.corrupt("positions are damaged") }
        if k < fullPositionBlocks {
            guard offset < positionBytes.count else { throw segment.corrupt("positions are damaged") }
            let width = Int(positionBytes[offset])
            guard width <= 32, offset + 1 + BitPacking.byteCount(width: width) <= positionBytes.count else {
                throw segment.corrupt("a positions block is truncated")
            }
            BitPacking.unpack(base + offset + 1, width: width, into: positionValues)
        } else {
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: positionBytes[offset...]))
            for i in 0..<(totalPositions - k * BitPacking.blockSize) { positionValues[i] = r.varint32() }
            guard !r.failed else { throw segment.corrupt("positions are truncated") }
        }
        positionBlock = k
        positionBlockOffset = offset
    }
}
