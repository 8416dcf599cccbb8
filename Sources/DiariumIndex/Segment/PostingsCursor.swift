/// Iterates the postings of one term in one field of one segment, one block of 128 documents
/// at a time, straight from the memory map. `advance(to:)` uses the skip entries to jump over
/// blocks without decoding them; `blockMaximum(containing:)` gives the block's largest term
/// frequency and smallest norm, for block-max top-k pruning. Not thread-safe: one cursor per
/// query and thread. Damaged data ends the iteration and sets `error`; it never traps.
public final class PostingsCursor {
    /// `doc` once the postings are exhausted.
    public static let exhausted = UInt32.max

    /// The current document (`exhausted` after the last).
    public private(set) var doc: UInt32 = 0
    /// Number of documents holding the term.
    public let documentFrequency: Int
    /// The field the postings belong to.
    public let field: IndexField
    /// Set when the postings turned out damaged (the iteration then ended).
    public private(set) var error: IndexError?

    private let segment: SegmentReader
    private let postings: UnsafeRawBufferPointer
    private let skips: UnsafeRawBufferPointer
    private let positionBytes: UnsafeRawBufferPointer
    private let totalPositions: Int
    private let blockCount: Int
    private var block = -1
    private var index = 0
    private var count = 0
    private var blockPositionIndex = 0
    private let docs: UnsafeMutablePointer<UInt32>
    private let frequencies: UnsafeMutablePointer<UInt32>
    // Maxima of a term with a single block (no skip entries), computed when it is decoded.
    private var singleMaxTF: UInt32 = 0
    private var singleMinNorm: UInt8 = .max
    private var singleLastDoc: UInt32 = 0
    // Positions: the decoded position block `positionBlock` (the varint tail when it equals
    // `fullPositionBlocks`), which starts at byte `positionBlockOffset`.
    private let fullPositionBlocks: Int
    private var positionBlock = -1
    private var positionBlockOffset = 0
    private let positionValues: UnsafeMutablePointer<UInt32>

    init(segment: SegmentReader, field: IndexField, entry: TermEntry) throws {
        self.segment = segment
        self.field = field
        documentFrequency = entry.df
        totalPositions = entry.ttf
        let bytes = segment.file.bytes
        func slice(_ s: SegmentFormat.Section, _ r: Range<Int>) throws -> UnsafeRawBufferPointer {
            guard let section = segment.sections[s.rawValue], r.lowerBound >= 0, r.upperBound <= section.count else {
                throw segment.corrupt("a term's \(s) lie outside their section")
            }
            return UnsafeRawBufferPointer(rebasing: bytes[(section.lowerBound + r.lowerBound)..<(section.lowerBound + r.upperBound)])
        }
        postings = try slice(.postings, entry.postings)
        skips = try slice(.skips, entry.skips)
        positionBytes = try slice(.positions, entry.positions)
        blockCount = (entry.df + BitPacking.blockSize - 1) / BitPacking.blockSize
        fullPositionBlocks = entry.ttf / BitPacking.blockSize
        docs = .allocate(capacity: BitPacking.blockSize)
        frequencies = .allocate(capacity: BitPacking.blockSize)
        positionValues = .allocate(capacity: BitPacking.blockSize)
        guard entry.df > 0 else {
            doc = PostingsCursor.exhausted
            return
        }
        load(0)
        if blockCount == 1 && doc != PostingsCursor.exhausted {
            let fields = IndexField.allCases.count
            segment.withSection(.norms) { norms in
                for i in 0..<count {
                    singleMaxTF = max(singleMaxTF, frequencies[i])
                    singleMinNorm = min(singleMinNorm, norms[Int(docs[i]) * fields + Int(field.rawValue)])
                }
            }
            singleLastDoc = docs[count - 1]
        }
    }

    deinit {
        docs.deallocate()
        frequencies.deallocate()
        positionValues.deallocate()
    }

    /// The current document's term frequency.
    public var frequency: UInt32 { frequencies[index] }

    // MARK: Skip entries

    @inline(__always) private func lastDoc(ofBlock b: Int) -> UInt32 { SkipEntry.lastDoc(skips, b) }

    // MARK: Iteration

    private func fail(_ reason: String) {
        if error == nil { error = segment.corrupt(reason) }
        doc = PostingsCursor.exhausted
    }

    /// Decodes block `b` and moves to its first document.
    private func load(_ b: Int) {
        guard b < blockCount else { doc = PostingsCursor.exhausted; return }
        let size = min(BitPacking.blockSize, documentFrequency - b * BitPacking.blockSize)
        let start = b == 0 ? 0 : Int(SkipEntry.postingsEnd(skips, b - 1))
        var base = UInt64(b == 0 ? 0 : lastDoc(ofBlock: b - 1))
        blockPositionIndex = b == 0 ? 0 : Int(SkipEntry.positionIndex(skips, b))
        block = b
        index = 0
        count = size
        guard start <= postings.count else { return fail("a postings block starts past its term") }
        if size == BitPacking.blockSize {
            guard start + 2 <= postings.count else { return fail("a postings block is truncated") }
            let dw = Int(postings[start]), tw = Int(postings[start + 1])
            let db = BitPacking.byteCount(width: dw), tb = BitPacking.byteCount(width: tw)
            guard dw <= 32, tw <= 32, start + 2 + db + tb <= postings.count, let p = postings.baseAddress else {
                return fail("a postings block is truncated")
            }
            BitPacking.unpack(p + start + 2, width: dw, into: docs)
            BitPacking.unpack(p + start + 2 + db, width: tw, into: frequencies)
            for i in 0..<size {
                base += UInt64(docs[i])
                docs[i] = UInt32(truncatingIfNeeded: base)
                frequencies[i] &+= 1
            }
        } else {
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: postings[start...]))
            for i in 0..<size {
                base += UInt64(r.varint32())
                docs[i] = UInt32(truncatingIfNeeded: base)
                frequencies[i] = r.varint32()
            }
            guard !r.failed else { return fail("a postings block is truncated") }
        }
        guard base < UInt64(segment.documentCount) else { return fail("postings name a document past the segment's end") }
        doc = docs[0]
    }

    /// Moves to the next document.
    @inline(__always)
    public func next() {
        guard doc != PostingsCursor.exhausted else { return }
        index += 1
        if index < count { doc = docs[index] } else { load(block + 1) }
    }

    /// Moves to the first document ≥ `target` (or to `exhausted`), skipping whole blocks by
    /// their skip entries.
    public func advance(to target: UInt32) {
        guard doc < target else { return }
        if blockCount > 1 && lastDoc(ofBlock: block) < target {
            var b = block + 1
            while b < blockCount && lastDoc(ofBlock: b) < target { b += 1 }
            guard b < blockCount else { doc = PostingsCursor.exhausted; return }
            load(b)
            if doc == PostingsCursor.exhausted { return }
        }
        while index < count && docs[index] < target { index += 1 }
        if index < count { doc = docs[index] } else { load(block + 1) }
    }

    /// The block that holds documents up to and including the first one ≥ `target`: its last
    /// document, largest term frequency and smallest norm byte; nil when no document ≥ `target`
    /// remains. Decodes nothing.
    public func blockMaximum(containing target: UInt32) -> (lastDoc: UInt32, maxFrequency: UInt32, minNorm: UInt8)? {
        if blockCount == 1 {
            return target <= singleLastDoc && doc != PostingsCursor.exhausted ? (singleLastDoc, singleMaxTF, singleMinNorm) : nil
        }
        var b = max(block, 0)
        while b < blockCount && lastDoc(ofBlock: b) < target { b += 1 }
        guard b < blockCount else { return nil }
        return (lastDoc(ofBlock: b), SkipEntry.maxFrequency(skips, b), SkipEntry.minNorm(skips, b))
    }

    // MARK: Positions

    /// The positions of the term in the current document, ascending.
    public func positions() throws -> [UInt32] {
        guard doc != PostingsCursor.exhausted else { return [] }
        var first = blockPositionIndex
        for i in 0..<index { first += Int(frequencies[i]) }
        let tf = Int(frequencies[index])
        guard first + tf <= totalPositions else { throw segment.corrupt("positions run past their term") }
        var out: [UInt32] = []
        out.reserveCapacity(tf)
        var position: UInt32 = 0
        for j in first..<(first + tf) {
            position &+= try positionDelta(j)
            out.append(position)
        }
        return out
    }

    /// Value `j` of the term's position stream.
    private func positionDelta(_ j: Int) throws -> UInt32 {
        let k = j / BitPacking.blockSize
        if k != positionBlock { try loadPositionBlock(k) }
        return positionValues[j - k * BitPacking.blockSize]
    }

    private func loadPositionBlock(_ k: Int) throws {
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
