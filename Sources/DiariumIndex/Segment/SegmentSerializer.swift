/// One term's postings, decoded: ascending segment document numbers, the term's frequency in
/// each field of each document (`IndexField.allCases.count` per document, in field order), and
/// the positions of every document in a row — per document its title positions, then its body
/// positions, each ascending (`SegmentFormat.positionalFields`: no other field's are kept).
struct TermPostings {
    static let fieldCount = IndexField.allCases.count
    var docs: [UInt32] = []
    var frequencies: [UInt32] = []
    var positions: [UInt32] = []

    mutating func removeAll() {
        docs.removeAll(keepingCapacity: true)
        frequencies.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }

    /// Empties the postings and makes room for `documents` documents: `docs` and
    /// `frequencies` hold that many (zero) rows, to be written in place and cut to the rows
    /// used with `truncate(documents:)`; `positions` is empty.
    mutating func reset(documents: Int) {
        removeAll()
        docs.append(contentsOf: repeatElement(0, count: documents))
        frequencies.append(contentsOf: repeatElement(0, count: documents * Self.fieldCount))
    }

    /// Keeps the first `documents` rows of `docs` and `frequencies`.
    mutating func truncate(documents: Int) {
        docs.removeLast(docs.count - documents)
        frequencies.removeLast(frequencies.count - documents * Self.fieldCount)
    }

    /// The frequency of document `i` (an index into `docs`) in `field`.
    @inline(__always) func frequency(_ i: Int, _ field: IndexField) -> UInt32 { frequencies[i * Self.fieldCount + Int(field.rawValue)] }

    /// Positions stored for document `i`: its title and body frequencies.
    @inline(__always) func positionCount(_ i: Int) -> Int {
        Int(frequencies[i * Self.fieldCount + Int(IndexField.title.rawValue)]) + Int(frequencies[i * Self.fieldCount + Int(IndexField.body.rawValue)])
    }

    /// The fields holding the term, as a mask.
    var fields: UInt8 {
        frequencies.withUnsafeBufferPointer { f in
            var m: UInt8 = 0
            var row = 0
            while row < f.count {
                for k in 0..<Self.fieldCount where f[row + k] > 0 { m |= 1 << UInt8(k) }
                row += Self.fieldCount
            }
            return m
        }
    }
}

/// Writes a segment file front to back into an output (a file, or memory): the header at once,
/// the POSTINGS section as terms are added (flushed every `flushSize`), the other sections at
/// `finish`, and the CRC-32 computed on the way — the file image is never held whole.
/// The serializer of the segment format, shared by `SegmentBuilder` (new documents) and
/// `SegmentMerger` (merged segments); `SegmentReader` is its reader.
struct SegmentSerializer<Output: SegmentOutput> {
    private var output: Output
    private var crc = CRC32()
    /// Bytes emitted to the output.
    private var emitted = 0
    /// The unflushed end of POSTINGS, which starts at `postingsStart` of the file.
    private var postings = ByteWriter()
    private let postingsStart: Int
    private var positions = ByteWriter()
    private var skips = ByteWriter()
    private var terms = ByteWriter()
    private var indexEntries = ByteWriter()
    private var indexKeys = ByteWriter()
    private var termCount = 0
    private var previous: [UInt8] = []
    /// Each term's `TermFilter.hash`, for TERMFILTER at `finish` (8 bytes a term).
    private var termHashes: [UInt64] = []
    private var scratch = [UInt32](repeating: 0, count: BitPacking.blockSize)
    /// A term's position deltas, reused from term to term.
    private var stream: [UInt32] = []
    private var positionBlockOffsets: [Int] = []
    /// Where POSITIONS, SKIPS and TERMS wait on disk once they pass `flushSize` (merges: a
    /// merged segment's sections can be larger than the memory budget); nil keeps them in memory.
    private let spillDirectory: String?
    /// Bytes a section holds in memory before it goes to its scratch file.
    private let spillAfter: Int
    private var positionsSpill: SpillFile?
    private var skipsSpill: SpillFile?
    private var termsSpill: SpillFile?
    /// Norm bytes, doc × field, for the block maxima.
    private let norms: [UInt8]
    /// The parameters of the block maxima (`SkipEntry.maxPseudoFrequency`), written as BOUNDS.
    private let reference: BoundReference
    /// Bytes of POSTINGS held before they go to the output, and the default of `spillAfter`:
    /// 256 KiB (each of the four sections' buffers keeps its capacity from term to term, so
    /// they hold about four times this beside a merge or a flush).
    static var flushSize: Int { 256 << 10 }

    /// A serializer for a segment whose documents have these one-byte norms (doc × field),
    /// writing to `output` (the header at once). With a `spillDirectory` (the segments
    /// folder), the sections produced beside POSTINGS go to scratch files there every
    /// `spillAfter` bytes (`flushSize`; tests go lower) instead of growing in memory. With
    /// `expectedTerms` (an upper bound; a merge's sources' term counts added up), the terms'
    /// hashes are reserved at once instead of growing by doubling (old and new array both held).
    init(norms: [UInt8], output: Output, spillDirectory: String? = nil, spillAfter: Int = Self.flushSize,
         expectedTerms: Int = 0) throws {
        self.norms = norms
        termHashes.reserveCapacity(expectedTerms)
        reference = BoundReference(norms: norms)
        self.output = output
        self.spillDirectory = spillDirectory
        self.spillAfter = spillAfter
        var header = ByteWriter()
        header.raw(SegmentFormat.magic)
        header.u32(SegmentFormat.version)
        header.u32(UInt32(IndexField.allCases.count))
        postingsStart = header.count
        try emit(header.bytes)
    }

    private mutating func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { b in
            crc.update(b)
            try output.write(b)
        }
        emitted += bytes.count
    }

    /// Offset in the POSTINGS section of its next byte.
    private var postingsOffset: Int { emitted - postingsStart + postings.count }
    /// Offsets in POSITIONS, SKIPS and TERMS of their next bytes (spilled bytes included).
    private var positionsOffset: Int { (positionsSpill?.count ?? 0) + positions.count }
    private var skipsOffset: Int { (skipsSpill?.count ?? 0) + skips.count }
    private var termsOffset: Int { (termsSpill?.count ?? 0) + terms.count }

    /// Moves `writer`'s bytes to its scratch file once it holds `flushSize` (only with a
    /// spill directory).
    private static func spill(_ writer: inout ByteWriter, _ file: inout SpillFile?, directory: String?, after limit: Int) throws {
        guard let directory, writer.count >= limit else { return }
        if file == nil { file = try SpillFile(directory: directory) }
        try writer.bytes.withUnsafeBytes { try file?.append($0) }
        writer.reset()
    }

    /// Emits a section: its spilled bytes, then the rest.
    private mutating func emitSection(_ id: SegmentFormat.Section, _ file: SpillFile?, _ rest: [UInt8],
                                      into directory: inout [(SegmentFormat.Section, Int, Int)]) throws {
        let start = emitted
        try file?.replay { piece in
            crc.update(piece)
            try output.write(piece)
            emitted += piece.count
        }
        try emit(rest)
        directory.append((id, start, emitted - start))
    }

    /// Adds the next term of the dictionary (`key`: the term's bytes, strictly after the
    /// previous key) with its postings.
    mutating func addTerm(_ key: [UInt8], _ p: TermPostings) throws {
        precondition(!p.docs.isEmpty && p.docs.count * TermPostings.fieldCount == p.frequencies.count)
        if termCount % SegmentFormat.termsPerBlock == 0 {
            TermIndexEntry(blockOffset: UInt32(termsOffset), keyOffset: UInt32(indexKeys.count),
                           keyLength: UInt16(clamping: key.count)).write(into: &indexEntries)
            indexKeys.raw(key.prefix(Int(UInt16.max)))
            TermBlockHeader(postings: postingsOffset, positions: positionsOffset, skips: skipsOffset).write(into: &terms)
            previous = []
        }
        let termPostingsStart = postingsOffset, positionsStart = positions.count
        encodePositions(p)
        encodeDocs(p, termStart: termPostingsStart)
        var shared = 0
        let limit = min(previous.count, key.count)
        while shared < limit && previous[shared] == key[shared] { shared += 1 }
        TermRecord.write(shared: shared, suffix: key[shared...], fields: p.fields, df: p.docs.count, ttf: p.positions.count,
                         postingsLength: postingsOffset - termPostingsStart, positionsLength: positions.count - positionsStart,
                         into: &terms)
        previous.removeAll(keepingCapacity: true)
        previous.append(contentsOf: key)
        termHashes.append(TermFilter.hash(key))
        termCount += 1
        if postings.count >= Self.flushSize {
            try emit(postings.bytes)
            postings.reset()
        }
        try Self.spill(&positions, &positionsSpill, directory: spillDirectory, after: spillAfter)
        try Self.spill(&skips, &skipsSpill, directory: spillDirectory, after: spillAfter)
        try Self.spill(&terms, &termsSpill, directory: spillDirectory, after: spillAfter)
    }

    /// Positions: per document its title positions then its body positions, each field's
    /// first absolute and the rest as deltas, as one stream in blocks of 128 (width byte +
    /// packed values), the rest as varints.
    private mutating func encodePositions(_ p: TermPostings) {
        positionBlockOffsets.removeAll(keepingCapacity: true)
        let start = positions.count
        let total = p.positions.count
        stream.removeAll(keepingCapacity: true)
        stream.append(contentsOf: repeatElement(0, count: total))
        var k = 0
        // Through buffers: this runs for every position of every term.
        stream.withUnsafeMutableBufferPointer { out in
            p.positions.withUnsafeBufferPointer { ps in
                p.frequencies.withUnsafeBufferPointer { f in
                    let fieldCount = TermPostings.fieldCount
                    for i in 0..<p.docs.count {
                        for field in 0..<2 {
                            let raw = field == 0 ? IndexField.title.rawValue : IndexField.body.rawValue
                            let tf = Int(f[i &* fieldCount &+ Int(raw)])
                            precondition(tf <= total &- k, "positions do not match the title and body frequencies")
                            var prev: UInt32 = 0
                            for _ in 0..<tf {
                                let v = ps[k]
                                out[k] = v &- prev
                                prev = v
                                k &+= 1
                            }
                        }
                    }
                }
            }
        }
        precondition(k == total, "positions do not match the title and body frequencies")
        let full = stream.count / BitPacking.blockSize
        stream.withUnsafeBufferPointer { s in
            for b in 0..<full {
                positionBlockOffsets.append(positions.count - start)
                let block = UnsafeBufferPointer(rebasing: s[(b * BitPacking.blockSize)..<((b + 1) * BitPacking.blockSize)])
                let width = BitPacking.width(block.max() ?? 0)
                positions.byte(UInt8(width))
                BitPacking.pack(block, width: width, into: &positions)
            }
        }
        positionBlockOffsets.append(positions.count - start)  // the varint tail
        for v in stream[(full * BitPacking.blockSize)...] { positions.varint(UInt64(v)) }
    }

    /// Documents and per-field frequencies in `PostingsBlock`s; a skip entry per block when
    /// there are several, with per-field maxima.
    private mutating func encodeDocs(_ p: TermPostings, termStart: Int) {
        let n = p.docs.count
        let blockSize = BitPacking.blockSize
        let withSkips = SegmentFormat.skipCount(df: n) > 0
        let fieldCount = TermPostings.fieldCount
        var prevDoc: UInt32 = 0
        var positionIndex = 0
        var start = 0
        while start < n {
            let end = min(start + blockSize, n)
            let blockPositionIndex = positionIndex
            // Per-field maxima in fixed-size tuples (no arrays per block).
            var maxTF: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            var minNorm: (UInt8, UInt8, UInt8, UInt8) = (.max, .max, .max, .max)
            var maxPseudo = 0.0
            withUnsafeMutableBytes(of: &maxTF) { mt in
                withUnsafeMutableBytes(of: &minNorm) { mn in
                    let maxTF = mt.bindMemory(to: UInt32.self), minNorm = mn.bindMemory(to: UInt8.self)
                    for i in start..<end {
                        let d = Int(p.docs[i])
                        for f in 0..<fieldCount {
                            let tf = p.frequencies[i * fieldCount + f]
                            guard tf > 0 else { continue }
                            maxTF[f] = max(maxTF[f], tf)
                            if d * fieldCount + f < norms.count { minNorm[f] = min(minNorm[f], norms[d * fieldCount + f]) }
                        }
                        if withSkips && (d + 1) * fieldCount <= norms.count {
                            let t = i * fieldCount, o = d * fieldCount
                            let pf = reference.pseudoFrequency(
                                tf: (p.frequencies[t], p.frequencies[t + 1], p.frequencies[t + 2], p.frequencies[t + 3]),
                                norms: (norms[o], norms[o + 1], norms[o + 2], norms[o + 3]))
                            maxPseudo = max(maxPseudo, pf)
                        }
                        positionIndex += p.positionCount(i)
                    }
                }
            }
            PostingsBlock.write(docs: p.docs[start..<end], frequencies: p.frequencies[(start * fieldCount)..<(end * fieldCount)],
                                previous: prevDoc, scratch: &scratch, into: &postings)
            prevDoc = p.docs[end - 1]
            if withSkips {
                let positionBlock = blockPositionIndex / blockSize
                let m = (SkipEntry.stored(maxTF.0), SkipEntry.stored(maxTF.1), SkipEntry.stored(maxTF.2), SkipEntry.stored(maxTF.3))
                SkipEntry(lastDoc: p.docs[end - 1], postingsEnd: UInt32(postingsOffset - termStart),
                          positionIndex: UInt32(blockPositionIndex),
                          positionBlockOffset: UInt32(positionBlockOffsets[min(positionBlock, positionBlockOffsets.count - 1)]),
                          maxFrequency: m, minNorm: minNorm,
                          maxPseudoFrequency: BoundReference.stored(maxPseudo)).write(into: &skips)
            }
            start = end
        }
    }

    /// Writes the rest of the file — the other sections, the directory, the footer with the
    /// CRC-32 of every byte before it — and returns the output and the file's size.
    mutating func finish(docIDs: [Int64], fieldTotals: [UInt64], fast: FastColumnsWriter,
                         store: StoredTextWriter.Sections) throws -> (output: Output, size: Int) {
        var directory: [(SegmentFormat.Section, Int, Int)] = []
        try emit(postings.bytes)
        postings = ByteWriter()
        directory.append((.postings, postingsStart, emitted - postingsStart))
        func section(_ id: SegmentFormat.Section, _ body: [UInt8]) throws {
            directory.append((id, emitted, body.count))
            try emit(body)
        }
        try emitSection(.positions, positionsSpill, positions.bytes, into: &directory)
        positions = ByteWriter()
        positionsSpill = nil
        try emitSection(.skips, skipsSpill, skips.bytes, into: &directory)
        skips = ByteWriter()
        skipsSpill = nil
        try emitSection(.terms, termsSpill, terms.bytes, into: &directory)
        terms = ByteWriter()
        termsSpill = nil
        var w = ByteWriter()
        let blocks = (termCount + SegmentFormat.termsPerBlock - 1) / SegmentFormat.termsPerBlock
        w.u32(UInt32(blocks))  // TermIndexEntry.headerSize
        w.u32(UInt32(termCount))
        w.raw(indexEntries.bytes)
        w.raw(indexKeys.bytes)
        try section(.termIndex, w.bytes)
        w = ByteWriter()
        TermFilter(hashes: termHashes).write(into: &w)
        termHashes = []
        try section(.termFilter, w.bytes)
        try section(.norms, norms)
        w = ByteWriter()
        for t in fieldTotals { w.u64(t) }
        try section(.stats, w.bytes)
        w = ByteWriter()
        reference.write(into: &w)
        try section(.bounds, w.bytes)
        w = ByteWriter()
        fast.write(into: &w)
        try section(.fast, w.bytes)
        w = ByteWriter(capacity: docIDs.count * 8)
        for id in docIDs { w.u64(UInt64(bitPattern: id)) }
        try section(.docIDs, w.bytes)
        let storeStart = emitted
        for frame in store.frames { try emit(frame) }
        try store.spilledFrames?.replay { piece in
            crc.update(piece)
            try output.write(piece)
            emitted += piece.count
        }
        directory.append((.store, storeStart, emitted - storeStart))
        try section(.storeDictionary, store.storeDictionary)
        try section(.storeIndex, store.storeIndex)
        try section(.textPositions, store.textPositions)
        let directoryOffset = emitted
        w = ByteWriter()
        w.u32(UInt32(directory.count))
        for (id, offset, length) in directory {
            w.u32(id.rawValue)
            w.u64(UInt64(offset))
            w.u64(UInt64(length))
        }
        w.u64(UInt64(directoryOffset))
        w.u32(UInt32(docIDs.count))
        w.u32(0)  // reserved flags
        w.raw(SegmentFormat.footerMagic)
        try emit(w.bytes)
        w = ByteWriter()
        w.u32(crc.value)
        try emit(w.bytes)
        return (output, emitted)
    }
}
