/// Reading stored text through `StoreIndex` and `TextPositions` (StoredText.swift): a whole
/// text, a byte range of it (only the blocks the range touches are decompressed), and the byte
/// range that holds given body positions. Every entry read is checked before it is used;
/// damage is `IndexError.corruptSegment`, never a trap.
extension SegmentReader {
    /// Calls `body` with the store's index and the STORE section.
    private func withStore<R>(_ body: (StoreIndex, UnsafeRawBufferPointer) throws -> R) throws -> R {
        try file.withBytes { buf in
            // Sections were bounds-checked at open.
            let indexBytes = UnsafeRawBufferPointer(rebasing: buf[sections[SegmentFormat.Section.storeIndex.rawValue]!])
            guard let index = StoreIndex(reading: indexBytes), index.documentCount == documentCount else {
                throw corrupt("stored-text index is damaged")
            }
            return try body(index, UnsafeRawBufferPointer(rebasing: buf[sections[SegmentFormat.Section.store.rawValue]!]))
        }
    }

    /// Where `doc`'s text lies in the raw stream.
    private func span(_ index: StoreIndex, _ doc: UInt32) throws -> Range<UInt64> {
        guard Int(doc) < index.documentCount else { throw corrupt("stored text of document \(doc) is out of range") }
        let start = index.documentStart(Int(doc)), end = index.documentStart(Int(doc) + 1)
        // A text is at most 4 GiB (its table's offsets are 32-bit).
        guard start <= end, end <= index.rawLength, end - start <= UInt64(UInt32.max) else {
            throw corrupt("stored-text index is damaged at document \(doc)")
        }
        return start..<end
    }

    /// Block `i` decompressed: its raw size checked against the block limit before anything is
/// allocated, the frame decoded to exactly that size.
    private func decompress(_ index: StoreIndex, _ store: UnsafeRawBufferPointer, _ i: Int) throws -> (block: StoreIndex.Block, raw: [UInt8]) {
        guard let b = index.block(i), b.rawSize > 0, b.rawSize <= UInt32(StoreIndex.largestBlock), b.offset <= UInt64(store.count),
              UInt64(b.compressedSize) <= UInt64(store.count) - b.offset
        else { throw corrupt("stored text block \(i) is damaged") }
        do {
            let frame = UnsafeRawBufferPointer(rebasing: store[Int(b.offset)..<(Int(b.offset) + Int(b.compressedSize))])
            return (b, try Zstd.decompress(frame, size: Int(b.rawSize), dictionary: storeDictionary))
        } catch {
            throw corrupt("stored text block \(i) is damaged (\(error))")
        }
    }

    /// Bytes `span` of the raw stream, decompressing the blocks it touches.
    private func read(_ index: StoreIndex, _ store: UnsafeRawBufferPointer, _ span: Range<UInt64>) throws -> [UInt8] {
        var out: [UInt8] = []
        let size = span.upperBound - span.lowerBound
        out.reserveCapacity(Int(min(size, UInt64(index.blockCount) * UInt64(StoreIndex.largestBlock))))
        var x = span.lowerBound
        var i = index.block(containing: x)
        while x < span.upperBound {
            guard i < index.blockCount else { throw corrupt("stored text runs past its last block") }
            let (b, raw) = try decompress(index, store, i)
            let end = b.rawStart &+ UInt64(b.rawSize)
            guard b.rawStart <= x, x < end else { throw corrupt("stored text block \(i) is not where the index says") }
            let lo = Int(x - b.rawStart), hi = Int(min(span.upperBound, end) - b.rawStart)
            out.append(contentsOf: raw[lo..<hi])
            x = b.rawStart + UInt64(hi)
            i += 1
        }
        return out
    }

    /// The length in bytes of `doc`'s stored text.
    public func storedTextLength(_ doc: UInt32) throws -> Int {
        try withStore { index, _ in
            let s = try span(index, doc)
            return Int(s.upperBound - s.lowerBound)
        }
    }

    /// The stored text of segment document `doc`.
    public func storedText(_ doc: UInt32) throws -> [UInt8] {
        try withStore { index, store in try read(index, store, try span(index, doc)) }
    }

    /// Bytes `range` of `doc`'s stored text (clamped to the text), decompressing only the blocks
    /// the range touches.
    public func storedText(_ doc: UInt32, range: Range<Int>) throws -> [UInt8] {
        try withStore { index, store in
            let whole = try span(index, doc)
            let length = Int(whole.upperBound - whole.lowerBound)
            let lo = whole.lowerBound + UInt64(min(max(range.lowerBound, 0), length))
            let hi = whole.lowerBound + UInt64(min(max(range.upperBound, 0), length))
            return try read(index, store, lo..<max(lo, hi))
        }
    }

    /// Calls `body` with the text-positions table.
    private func withTextPositions<R>(_ body: (TextPositions) throws -> R) throws -> R {
        try withSection(.textPositions) { bytes in
            guard let table = TextPositions(reading: bytes), table.documentCount == documentCount else {
                throw corrupt("text-positions table is damaged")
            }
            return try body(table)
        }
    }

    /// The byte range of `doc`'s stored text holding the body's words at `positions`: from the
    /// checkpoint at or before the first position to the checkpoint after the last (or the end
    /// of the text), so at most `TextPositions.interval` words more on each side. nil when the
    /// document was stored without positions (or has no word). Reads two table entries.
    public func storedTextRange(_ doc: UInt32, positions: ClosedRange<UInt32>) throws -> StoredTextRegion? {
        let length = try storedTextLength(doc)
        return try withTextPositions { table -> StoredTextRegion? in
            guard Int(doc) < table.documentCount, let points = table.checkpoints(of: Int(doc)) else {
                throw corrupt("text-positions table is damaged at document \(doc)")
            }
            guard !points.isEmpty else { return nil }
            let first = min(Int(positions.lowerBound) / table.interval, points.count - 1)
            let after = Int(positions.upperBound) / table.interval + 1
            let start = Int(table.checkpoint(points.lowerBound + first))
            let end = after < points.count ? Int(table.checkpoint(points.lowerBound + after)) : length
            guard start <= end, end <= length else { throw corrupt("text-positions table is damaged at document \(doc)") }
            return StoredTextRegion(bytes: start..<end, wordsBefore: first > 0, wordsAfter: after < points.count,
                                    positions: UInt32(first * table.interval)..<UInt32(min(after, points.count) * table.interval))
        }
    }

    /// `doc`'s checkpoints (byte offsets of the words at body positions 0, k, 2k, …), as stored.
    func wordStarts(_ doc: UInt32) throws -> [UInt32] {
        try withTextPositions { table in
            guard Int(doc) < table.documentCount, let points = table.checkpoints(of: Int(doc)) else {
                throw corrupt("text-positions table is damaged at document \(doc)")
            }
            return points.map { table.checkpoint($0) }
        }
    }

    /// Calls `body` with every document's stored text in order, in pieces — one per block the
    /// text lies in (one empty piece for an empty text), `last` set on its last — decompressing
    /// each block once and holding one block at a time. Checks that the blocks are contiguous
    /// in STORE and in the raw stream and cover every document. Returns the number of blocks.
    @discardableResult
    func forEachStoredText(_ body: (_ doc: UInt32, _ piece: UnsafeRawBufferPointer, _ last: Bool) throws -> Void) throws -> Int {
        try withStore { index, store in
            let docs = index.documentCount
            var d = 0
            var expectedOffset: UInt64 = 0, expectedRaw: UInt64 = 0
            // Empty texts are given at once, wherever they fall.
            func emitEmpty() throws {
                while d < docs, try span(index, UInt32(d)).isEmpty {
                    try body(UInt32(d), UnsafeRawBufferPointer(start: nil, count: 0), true)
                    d += 1
                }
            }
            for i in 0..<index.blockCount {
                let (b, raw) = try decompress(index, store, i)
                guard b.offset == expectedOffset, b.rawStart == expectedRaw else {
                    throw corrupt("stored text block \(i) is not where the previous block ends")
                }
                expectedOffset += UInt64(b.compressedSize)
                expectedRaw += UInt64(b.rawSize)
                let blockEnd = expectedRaw
                try raw.withUnsafeBytes { rb in
                    try emitEmpty()
                    while d < docs {
                        let s = try span(index, UInt32(d))
                        guard s.lowerBound < blockEnd else { break }
                        let lo = max(s.lowerBound, b.rawStart), hi = min(s.upperBound, blockEnd)
                        guard lo < hi else { throw corrupt("stored text of document \(d) is not where the index says") }
                        let last = s.upperBound <= blockEnd
                        try body(UInt32(d), UnsafeRawBufferPointer(rebasing: rb[Int(lo - b.rawStart)..<Int(hi - b.rawStart)]), last)
                        guard last else { break }
                        d += 1
                        try emitEmpty()
                    }
                }
            }
            try emitEmpty()
            guard d == docs else { throw corrupt("stored text covers \(d) of \(docs) documents") }
            // The stream's length is written twice (the last block's end, the last document's):
            // a first document not at 0 or a last one ending short would lose text unseen.
            guard index.documentStart(0) == 0, index.documentStart(docs) == index.rawLength else {
                throw corrupt("stored-text index's documents do not span its blocks")
            }
            guard expectedOffset == UInt64(store.count) else {
                throw corrupt("stored-text section has \(UInt64(store.count) &- expectedOffset) bytes no block points at")
            }
            return index.blockCount
        }
    }
}

/// Bytes of a stored text found from body positions (`SegmentReader.storedTextRange`).
public struct StoredTextRegion: Sendable, Equatable {
    /// The byte range in the document's text; it starts at a word.
    public var bytes: Range<Int>
    /// Whether body words come before the range.
    public var wordsBefore: Bool
    /// Whether body words come after it (then it ends where the next word starts).
    public var wordsAfter: Bool
    /// The body positions of its first word and of the word it ends at (the first after it;
    /// meaningful when `wordsAfter`): a region one checkpoint wider asks for `first − 1` or `end`.
    public var positions: Range<UInt32> = 0..<0
}
