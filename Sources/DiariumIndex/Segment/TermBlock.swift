/// The dictionary's layout: TERMS holds the terms in byte order in blocks of
/// `SegmentFormat.termsPerBlock`, each a `TermBlockHeader` followed by that many `TermRecord`s
/// (keys prefix-coded against the previous key of the block); TERMINDEX holds
/// `u32 blocks, u32 terms`, a `TermIndexEntry` per block, then the blocks' first keys back to
/// back. A lookup binary-searches the index entries' keys in the map and decodes one block.
/// `SegmentSerializer` writes these types, `SegmentReader` reads them; nothing else knows
/// their bytes.

/// One entry of TERMINDEX: where a dictionary block starts and where its first key is.
///
/// Layout: 12 bytes, little-endian — u32 block offset in TERMS, u32 key offset (in the keys
/// after the entries), u16 key length, 2 bytes zero.
struct TermIndexEntry: Equatable, Sendable {
    /// Bytes of one entry.
    static let size = 12
    /// Bytes before the first entry: u32 block count, u32 term count.
    static let headerSize = 8

    var blockOffset: UInt32
    var keyOffset: UInt32
    var keyLength: UInt16

    init(blockOffset: UInt32, keyOffset: UInt32, keyLength: UInt16) {
        self.blockOffset = blockOffset
        self.keyOffset = keyOffset
        self.keyLength = keyLength
    }

    /// Appends the entry's 12 bytes.
    func write(into w: inout ByteWriter) {
        w.u32(blockOffset)
        w.u32(keyOffset)
        w.u16(keyLength)
        w.u16(0)
    }

    /// Reads an entry at the reader's offset (`r.failed` when fewer than 12 bytes remain).
    init(reading r: inout ByteReader) {
        blockOffset = r.u32()
        keyOffset = r.u32()
        let tail = r.bytes(4)
        keyLength = tail.map { UInt16($0[0]) | UInt16($0[1]) << 8 } ?? 0
    }

    /// Entry `b` of a TERMINDEX section, read in place (the caller checked that it holds it).
    @inline(__always)
    init(_ index: UnsafeRawBufferPointer, _ b: Int) {
        let o = Self.headerSize + b * Self.size
        blockOffset = UInt32(littleEndian: index.loadUnaligned(fromByteOffset: o, as: UInt32.self))
        keyOffset = UInt32(littleEndian: index.loadUnaligned(fromByteOffset: o + 4, as: UInt32.self))
        keyLength = UInt16(littleEndian: index.loadUnaligned(fromByteOffset: o + 8, as: UInt16.self))
    }
}

/// The head of a dictionary block: where its first term's postings, positions and skip entries
/// start (each later term's follow the previous one's). Three varints.
struct TermBlockHeader: Equatable, Sendable {
    var postings: Int
    var positions: Int
    var skips: Int

    init(postings: Int, positions: Int, skips: Int) {
        self.postings = postings
        self.positions = positions
        self.skips = skips
    }

    func write(into w: inout ByteWriter) {
        w.varint(postings)
        w.varint(positions)
        w.varint(skips)
    }

    init(reading r: inout ByteReader) {
        postings = Int(clamping: r.varint())
        positions = Int(clamping: r.varint())
        skips = Int(clamping: r.varint())
    }
}

/// One term of a dictionary block —
///
///     varint shared         bytes shared with the previous key of the block (0 for the first)
///     varint suffixLength, the suffix's bytes
///     u8     fields         bit f: some document holds the term in field f (raw value)
///     varint df             documents holding the term (in any field)
///     varint ttf            positions stored (title and body occurrences)
///     varint postingsLength bytes of its postings (`PostingsBlock`s)
///     varint positionsLength bytes of its positions
///
/// Its skip entries (`SkipEntry`) are `SegmentFormat.skipCount(df:)` × 28 bytes.
struct TermRecord: Equatable, Sendable {
    var shared: Int
    /// The key's bytes after the shared prefix (reading: borrowed from the map via `suffixRange`).
    var suffix: [UInt8]
    var fields: UInt8
    var df: Int
    var ttf: Int
    var postingsLength: Int
    var positionsLength: Int

    init(shared: Int, suffix: [UInt8], fields: UInt8, df: Int, ttf: Int, postingsLength: Int, positionsLength: Int) {
        self.shared = shared
        self.suffix = suffix
        self.fields = fields
        self.df = df
        self.ttf = ttf
        self.postingsLength = postingsLength
        self.positionsLength = positionsLength
    }

    /// Appends the record.
    func write(into w: inout ByteWriter) {
        Self.write(shared: shared, suffix: suffix, fields: fields, df: df, ttf: ttf,
                   postingsLength: postingsLength, positionsLength: positionsLength, into: &w)
    }

    /// Appends a record without building one (the serializer's path).
    static func write<C: Collection>(shared: Int, suffix: C, fields: UInt8, df: Int, ttf: Int,
                                     postingsLength: Int, positionsLength: Int, into w: inout ByteWriter) where C.Element == UInt8 {
        w.varint(shared)
        w.varint(suffix.count)
        w.raw(suffix)
        w.byte(fields)
        w.varint(df)
        w.varint(ttf)
        w.varint(postingsLength)
        w.varint(positionsLength)
    }

    /// Reads a record (`r.failed` when truncated or a varint is malformed).
    init(reading r: inout ByteReader) {
        let b = Borrowed(reading: &r)
        self.init(shared: b.shared, suffix: b.suffix.map(Array.init) ?? [], fields: b.fields, df: b.df, ttf: b.ttf,
                  postingsLength: b.postingsLength, positionsLength: b.positionsLength)
    }

    /// A record read in place, its suffix lent from the reader's buffer: what a dictionary walk
    /// reads per term, with nothing copied or allocated (the one reader of the layout above).
    struct Borrowed {
        var shared: Int
        /// nil when the record is truncated (`r.failed`).
        var suffix: UnsafeRawBufferPointer?
        var fields: UInt8
        var df: Int
        var ttf: Int
        var postingsLength: Int
        var positionsLength: Int

        /// Reads a record (`r.failed` when truncated or a varint is malformed).
        @inline(__always)
        init(reading r: inout ByteReader) {
            shared = Int(r.varint32())
            let length = Int(r.varint32())
            suffix = r.bytes(length)
            fields = r.bytes(1)?[0] ?? 0
            df = Int(r.varint32())
            ttf = Int(clamping: r.varint())
            postingsLength = Int(clamping: r.varint())
            positionsLength = Int(clamping: r.varint())
        }
    }
}
