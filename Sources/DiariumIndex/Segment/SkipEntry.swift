/// One skip entry of a term's postings: the summary of one block of `SegmentFormat.postingsBlock`
/// documents, written after the block by `SegmentSerializer` and read — whole or one field at
/// a time, straight from the memory map — by `PostingsCursor` (to jump over blocks and to bound
/// a block's scores) and by `SegmentReader.verifyAll`. A term with a single block has none.
///
/// Layout: 28 bytes, little-endian —
///
///     u32    lastDoc              the block's last document
///     u32    postingsEnd          offset in the term's postings just past the block
///     u32    positionIndex        index in the term's position stream of the block's first position
///     u32    positionBlockOffset  byte offset (in the term's positions) of the position block
///                                 holding `positionIndex`
///     u16 ×4 maxFrequency         per field (title, body, meta, parts): the block's largest
///                                 frequency of the term in that field, 65535 standing for
///                                 65535 or more (`unbounded`)
///     u8  ×4 minNorm              per field: the smallest norm byte (shortest field) among the
///                                 block's documents holding the term there (255 when none)
///
/// BM25F's bound of a block is Σ over fields of maxFrequency × the field's factor at minNorm,
/// saturated once: at least the score of every document in the block.
struct SkipEntry: Equatable, Sendable {
    /// Bytes of one entry.
    static let size = 28
    /// A stored `maxFrequency` of this value stands for any frequency from it up.
    static let saturated: UInt16 = .max

    var lastDoc: UInt32
    var postingsEnd: UInt32
    var positionIndex: UInt32
    var positionBlockOffset: UInt32
    /// Per field (raw value order), saturated at `saturated`.
    var maxFrequency: (UInt16, UInt16, UInt16, UInt16)
    /// Per field (raw value order).
    var minNorm: (UInt8, UInt8, UInt8, UInt8)

    init(lastDoc: UInt32, postingsEnd: UInt32, positionIndex: UInt32, positionBlockOffset: UInt32,
         maxFrequency: (UInt16, UInt16, UInt16, UInt16), minNorm: (UInt8, UInt8, UInt8, UInt8)) {
        self.lastDoc = lastDoc
        self.postingsEnd = postingsEnd
        self.positionIndex = positionIndex
        self.positionBlockOffset = positionBlockOffset
        self.maxFrequency = maxFrequency
        self.minNorm = minNorm
    }

    static func == (a: SkipEntry, b: SkipEntry) -> Bool {
        a.lastDoc == b.lastDoc && a.postingsEnd == b.postingsEnd && a.positionIndex == b.positionIndex
            && a.positionBlockOffset == b.positionBlockOffset && a.maxFrequency == b.maxFrequency && a.minNorm == b.minNorm
    }

    /// A frequency as stored in `maxFrequency` (saturated).
    @inline(__always) static func stored(_ frequency: UInt32) -> UInt16 { UInt16(clamping: frequency) }

    /// Appends the entry's 28 bytes.
    func write(into w: inout ByteWriter) {
        w.u32(lastDoc)
        w.u32(postingsEnd)
        w.u32(positionIndex)
        w.u32(positionBlockOffset)
        w.u16(maxFrequency.0); w.u16(maxFrequency.1); w.u16(maxFrequency.2); w.u16(maxFrequency.3)
        w.byte(minNorm.0); w.byte(minNorm.1); w.byte(minNorm.2); w.byte(minNorm.3)
    }

    /// Reads an entry at the reader's offset (`r.failed` when fewer than 28 bytes remain).
    init(reading r: inout ByteReader) {
        lastDoc = r.u32()
        postingsEnd = r.u32()
        positionIndex = r.u32()
        positionBlockOffset = r.u32()
        let tail = r.bytes(12).map(Array.init) ?? [UInt8](repeating: 0, count: 12)
        func u16(_ i: Int) -> UInt16 { UInt16(tail[i]) | UInt16(tail[i + 1]) << 8 }
        maxFrequency = (u16(0), u16(2), u16(4), u16(6))
        minNorm = (tail[8], tail[9], tail[10], tail[11])
    }

    // Single fields of entry `b` of a term's skip entries (the caller checked that `skips`
    // holds the entry: the reader checks every term's skip range at open).

    @inline(__always) private static func u32(_ skips: UnsafeRawBufferPointer, _ b: Int, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: skips.loadUnaligned(fromByteOffset: b &* size &+ offset, as: UInt32.self))
    }
    @inline(__always) static func lastDoc(_ skips: UnsafeRawBufferPointer, _ b: Int) -> UInt32 { u32(skips, b, 0) }
    @inline(__always) static func postingsEnd(_ skips: UnsafeRawBufferPointer, _ b: Int) -> UInt32 { u32(skips, b, 4) }
    @inline(__always) static func positionIndex(_ skips: UnsafeRawBufferPointer, _ b: Int) -> UInt32 { u32(skips, b, 8) }
    @inline(__always) static func positionBlockOffset(_ skips: UnsafeRawBufferPointer, _ b: Int) -> UInt32 { u32(skips, b, 12) }
    /// The block's largest frequency in field `f` (raw value), `UInt32.max` when saturated.
    @inline(__always) static func maxFrequency(_ skips: UnsafeRawBufferPointer, _ b: Int, field f: Int) -> UInt32 {
        let v = UInt16(littleEndian: skips.loadUnaligned(fromByteOffset: b &* size &+ 16 &+ 2 &* f, as: UInt16.self))
        return v == saturated ? .max : UInt32(v)
    }
    @inline(__always) static func minNorm(_ skips: UnsafeRawBufferPointer, _ b: Int, field f: Int) -> UInt8 { skips[b &* size &+ 24 &+ f] }
}
