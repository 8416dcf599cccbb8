/// One skip entry of a term's postings: the summary of one block of `SegmentFormat.postingsBlock`
/// documents, written after the block by `SegmentSerializer` and read — whole or one field at
/// a time, straight from the memory map — by `PostingsCursor` (to jump over blocks and to bound
/// a block's scores) and by `SegmentReader.verifyAll`. A term with a single block has none.
///
/// Layout: 24 bytes, little-endian —
///
///     u32 lastDoc              the block's last document
///     u32 postingsEnd          offset in the term's postings just past the block
///     u32 positionIndex        index in the term's position stream of the block's first position
///     u32 positionBlockOffset  byte offset (in the term's positions) of the position block
///                              holding `positionIndex`
///     u32 maxFrequency         the block's largest term frequency
///     u8  minNorm              the block's smallest norm byte (shortest field)
///     3 bytes zero
struct SkipEntry: Equatable, Sendable {
    /// Bytes of one entry.
    static let size = 24

    var lastDoc: UInt32
    var postingsEnd: UInt32
    var positionIndex: UInt32
    var positionBlockOffset: UInt32
    var maxFrequency: UInt32
    var minNorm: UInt8

    init(lastDoc: UInt32, postingsEnd: UInt32, positionIndex: UInt32, positionBlockOffset: UInt32,
         maxFrequency: UInt32, minNorm: UInt8) {
        self.lastDoc = lastDoc
        self.postingsEnd = postingsEnd
        self.positionIndex = positionIndex
        self.positionBlockOffset = positionBlockOffset
        self.maxFrequency = maxFrequency
        self.minNorm = minNorm
    }

    /// Appends the entry's 24 bytes.
    func write(into w: inout ByteWriter) {
        w.u32(lastDoc)
        w.u32(postingsEnd)
        w.u32(positionIndex)
        w.u32(positionBlockOffset)
        w.u32(maxFrequency)
        w.byte(minNorm)
        w.byte(0); w.byte(0); w.byte(0)
    }

    /// Reads an entry at the reader's offset (`r.failed` when fewer than 24 bytes remain).
    init(reading r: inout ByteReader) {
        lastDoc = r.u32()
        postingsEnd = r.u32()
        positionIndex = r.u32()
        positionBlockOffset = r.u32()
        maxFrequency = r.u32()
        let tail = r.bytes(4)
        minNorm = tail?[0] ?? 0
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
    @inline(__always) static func maxFrequency(_ skips: UnsafeRawBufferPointer, _ b: Int) -> UInt32 { u32(skips, b, 16) }
    @inline(__always) static func minNorm(_ skips: UnsafeRawBufferPointer, _ b: Int) -> UInt8 { skips[b &* size &+ 20] }
}
