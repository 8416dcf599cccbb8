/// TERMFILTER: a split-block Bloom filter over a segment's terms, so a lookup of a term the
/// segment lacks — a query's å/ä/ö spellings (`orebro` → `örebro`, `öräbro`, …), a rare word
/// absent from most segments — is answered by one 32-byte block instead of a binary search of
/// TERMINDEX and the decoding of a dictionary block (~5k instructions each, callgrind). A
/// term the segment holds always passes; an absent one passes about once in a hundred and is
/// then looked up as before.
///
/// Layout (little-endian): u32 block count B, then B blocks of eight u32 words (32 bytes). A
/// term's 64-bit hash (`hash(_:)`: FNV-1a over its bytes, then MurmurHash3's finaliser) picks
/// block `(hash >> 32) × B >> 32`; its low 32 bits, multiplied by each of eight odd salts,
/// give in their top 5 bits the bit set in each word — Parquet's split-block Bloom filter.
/// B is `blocks(forTerms:)`: `bitsPerTerm` bits a term (B = 0 for a segment without terms,
/// which then holds none). `SegmentSerializer` writes it, `SegmentReader` reads it, and
/// nothing else knows its bytes.
struct TermFilter: Equatable, Sendable {
    /// Bits a term, rounded up to whole blocks: ~1 % of absent terms pass.
    static let bitsPerTerm = 10
    /// Bytes of one block.
    static let blockSize = 32
    /// Bytes before the first block: u32 block count.
    static let headerSize = 4
    /// Parquet's salts (one per word of a block).
    static let salts: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x47b6_137b, 0x4497_4d91, 0x8824_ad5b, 0xa2b7_289d, 0x7054_95c7, 0x2df1_424b, 0x9efc_4947, 0x5c6b_fb31)

    /// The blocks' words, eight a block.
    private(set) var words: [UInt32]

    /// Blocks for a segment of `terms` terms.
    static func blocks(forTerms terms: Int) -> Int {
        terms == 0 ? 0 : (terms * bitsPerTerm + blockSize * 8 - 1) / (blockSize * 8)
    }

    /// A filter holding the terms whose `hash(_:)` values are `hashes`.
    init(hashes: [UInt64]) {
        let b = Self.blocks(forTerms: hashes.count)
        words = [UInt32](repeating: 0, count: b * 8)
        for h in hashes {
            let base = Self.block(h, of: b) * 8
            let m = Self.masks(h)
            words[base] |= m.0; words[base + 1] |= m.1; words[base + 2] |= m.2; words[base + 3] |= m.3
            words[base + 4] |= m.4; words[base + 5] |= m.5; words[base + 6] |= m.6; words[base + 7] |= m.7
        }
    }

    /// The filter a TERMFILTER section holds (`View`'s checks: a segment of `terms` terms).
    init?(reading section: UnsafeRawBufferPointer, terms: Int) {
        guard let v = View(section, terms: terms) else { return nil }
        words = (0..<(v.blocks * 8)).map { UInt32(littleEndian: v.bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
    }

    /// Appends the section's bytes.
    func write(into w: inout ByteWriter) {
        w.u32(UInt32(words.count / 8))
        for x in words { w.u32(x) }
    }

    /// The 64-bit hash of a term's bytes the filter is keyed by (FNV-1a, then MurmurHash3's
    /// 64-bit finaliser to spread FNV's low-entropy high bits).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// `hash` of an array of bytes.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The block a hash falls in, of `blocks` (> 0).
    @inline(__always)
    static func block(_ h: UInt64, of blocks: Int) -> Int {
        Int(truncatingIfNeeded: ((h >> 32) &* UInt64(blocks)) >> 32)
    }

    /// The bit a hash sets in each of its block's eight words.
    @inline(__always)
    static func masks(_ h: UInt64) -> (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) {
        let k = UInt32(truncatingIfNeeded: h), s = salts
        @inline(__always) func bit(_ salt: UInt32) -> UInt32 { 1 << ((k &* salt) >> 27) }
        return (bit(s.0), bit(s.1), bit(s.2), bit(s.3), bit(s.4), bit(s.5), bit(s.6), bit(s.7))
    }

    /// A TERMFILTER section read in place (the reader's map outlives it). Checked once at
    /// open: the size must be the header and whole blocks, `blocks(forTerms:)` of the
    /// segment's term count.
    struct View {
        /// The blocks' bytes (`blocks` × 32).
        let bytes: UnsafeRawBufferPointer
        let blocks: Int

        /// The section `section` of a segment of `terms` terms; nil when its size or block
        /// count does not match.
        init?(_ section: UnsafeRawBufferPointer, terms: Int) {
            guard section.count >= TermFilter.headerSize else { return nil }
            let b = Int(UInt32(littleEndian: section.loadUnaligned(as: UInt32.self)))
            guard b == TermFilter.blocks(forTerms: terms), section.count == TermFilter.headerSize + b * TermFilter.blockSize else { return nil }
            bytes = UnsafeRawBufferPointer(rebasing: section[TermFilter.headerSize...])
            blocks = b
        }

        /// Whether the segment may hold the term of bytes `key`: false means it does not.
        @inline(__always)
        func mayContain(_ key: UnsafeRawBufferPointer) -> Bool {
            guard blocks > 0 else { return false }
            let h = TermFilter.hash(key)
            let o = TermFilter.block(h, of: blocks) * TermFilter.blockSize
            let m = TermFilter.masks(h)
            @inline(__always) func has(_ i: Int, _ mask: UInt32) -> Bool {
                UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: o + i * 4, as: UInt32.self)) & mask == mask
            }
            return has(0, m.0) && has(1, m.1) && has(2, m.2) && has(3, m.3)
                && has(4, m.4) && has(5, m.5) && has(6, m.6) && has(7, m.7)
        }
    }
}
