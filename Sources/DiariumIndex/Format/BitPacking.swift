/// Fixed-width bit packing of blocks of `BitPacking.blockSize` unsigned integers, the encoding
/// of full postings and positions blocks. A block of width `w` takes `16 × w` bytes: value `i`
/// sits at bits `i·w ..< (i+1)·w`, little-endian.
enum BitPacking {
    /// Values per packed block.
    static let blockSize = 128

    /// Bits needed to hold `maxValue`.
    @inline(__always)
    static func width(_ maxValue: UInt32) -> Int { 32 - maxValue.leadingZeroBitCount }

    /// Bytes of one packed block of width `width`.
    @inline(__always)
    static func byteCount(width: Int) -> Int { blockSize * width / 8 }

    /// Appends the `blockSize` values at `values` packed at `width` bits each.
    static func pack(_ values: UnsafeBufferPointer<UInt32>, width: Int, into w: inout ByteWriter) {
        precondition(values.count == blockSize && width <= 32)
        guard width > 0 else { return }
        w.append(count: byteCount(width: width)) { out in
            var acc: UInt64 = 0
            var bits = 0
            var at = 0
            for v in values {
                acc |= UInt64(v) << UInt64(bits)
                bits &+= width
                while bits >= 8 {
                    out[at] = UInt8(truncatingIfNeeded: acc)
                    at &+= 1
                    acc >>= 8
                    bits &-= 8
                }
            }
            // 128 × width is a multiple of 8: nothing is left over, and `at` is the byte count.
        }
    }

    /// Unpacks one block of width `width` from `source` into `out` (`blockSize` values). The
    /// caller guarantees `byteCount(width:)` readable bytes at `source`.
    ///
    /// One specialised loop per width (the `switch`): eight values take exactly `width` bytes,
    /// so with the width a constant every value of a group is one unaligned 8-byte load at a
    /// constant offset, a constant shift and a mask — no branch and no running bit counter.
    static func unpack(_ source: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        switch width {
        case 1: unpackGroups(source, out, width: 1)
        case 2: unpackGroups(source, out, width: 2)
        case 3: unpackGroups(source, out, width: 3)
        case 4: unpackGroups(source, out, width: 4)
        case 5: unpackGroups(source, out, width: 5)
        case 6: unpackGroups(source, out, width: 6)
        case 7: unpackGroups(source, out, width: 7)
        case 8: unpackGroups(source, out, width: 8)
        case 9: unpackGroups(source, out, width: 9)
        case 10: unpackGroups(source, out, width: 10)
        case 11: unpackGroups(source, out, width: 11)
        case 12: unpackGroups(source, out, width: 12)
        case 13: unpackGroups(source, out, width: 13)
        case 14: unpackGroups(source, out, width: 14)
        case 15: unpackGroups(source, out, width: 15)
        case 16: unpackGroups(source, out, width: 16)
        case 17: unpackGroups(source, out, width: 17)
        case 18: unpackGroups(source, out, width: 18)
        case 19: unpackGroups(source, out, width: 19)
        case 20: unpackGroups(source, out, width: 20)
        case 21: unpackGroups(source, out, width: 21)
        case 22: unpackGroups(source, out, width: 22)
        case 23: unpackGroups(source, out, width: 23)
        case 24: unpackGroups(source, out, width: 24)
        case 25: unpackGroups(source, out, width: 25)
        case 26: unpackGroups(source, out, width: 26)
        case 27: unpackGroups(source, out, width: 27)
        case 28: unpackGroups(source, out, width: 28)
        case 29: unpackGroups(source, out, width: 29)
        case 30: unpackGroups(source, out, width: 30)
        case 31: unpackGroups(source, out, width: 31)
        case 32: unpackGroups(source, out, width: 32)
        default: out.update(repeating: 0, count: blockSize)
        }
    }

    /// `unpack` at one width, eight values (`width` bytes) at a time, each value one unaligned
    /// 8-byte load. The groups whose last load would end past the block's `byteCount(width:)`
    /// bytes (the last one to seven, for small widths) read a zero-padded copy of the block's
    /// tail instead, so nothing past the block is read. (They were read byte by byte: for the
    /// small widths of frequencies and document gaps most of `unpack`'s instructions, callgrind.)
    @inline(__always)
    private static func unpackGroups(_ source: UnsafeRawPointer, _ out: UnsafeMutablePointer<UInt32>, width: Int) {
        let mask: UInt64 = (1 << UInt64(width)) - 1
        let groups = blockSize / 8
        let total = byteCount(width: width)
        // Group g's last load reads bytes g·w + ⌊7w/8⌋ ..< that + 8.
        let safe = min(groups, (total &- 8 &- (7 &* width) &>> 3) / width &+ 1)
        for g in 0..<safe { unpackGroup(source + g &* width, out + g &* 8, width: width, mask: mask) }
        guard safe < groups else { return }
        // The tail: at most 32 bytes (one group of width 32; seven of width 1: 7 bytes), and
        // its loads reach at most 8 bytes past it: 64 bytes of padding hold them.
        var pad: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &pad) { raw in
            guard let copy = raw.baseAddress else { return }
            let from = safe &* width
            copy.copyMemory(from: source + from, byteCount: total &- from)
            for g in 0..<(groups &- safe) {
                unpackGroup(UnsafeRawPointer(copy) + g &* width, out + (safe &+ g) &* 8, width: width, mask: mask)
            }
        }
    }

    /// Eight values of `width` bits from the `width` bytes at `src` (8 readable bytes past each
    /// value's first byte) into `o`.
    @inline(__always)
    private static func unpackGroup(_ src: UnsafeRawPointer, _ o: UnsafeMutablePointer<UInt32>, width: Int, mask: UInt64) {
        for j in 0..<8 {
            let bit = j &* width
            let word = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
            o[j] = UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask)
        }
    }
}

/// Lucene's lossy one-byte encoding of field lengths ("SmallFloat.intToByte4"): lengths below
/// 24 are exact; larger ones keep four significant bits, so the decoded length is at most the
/// true one and within 1/8 of it. BM25 uses the decoded length.
enum SmallFloat {
    private static let exact: UInt32 = 24

    /// The byte for field length `length`.
    static func encode(_ length: UInt32) -> UInt8 {
        if length < exact { return UInt8(length) }
        let i = UInt64(length - exact)
        let bits = 64 - i.leadingZeroBitCount
        if bits < 4 { return UInt8(exact + UInt32(i)) }
        let shift = bits - 4
        let encoded = (i >> UInt64(shift)) & 0x07 | UInt64(shift + 1) << 3
        return UInt8(clamping: UInt64(exact) + encoded)
    }

    /// The field length a byte stands for.
    static func decode(_ byte: UInt8) -> UInt32 {
        let b = UInt32(byte)
        if b < exact { return b }
        let i = b - exact
        let bits = UInt64(i & 0x07)
        let shift = Int(i >> 3) - 1
        let value: UInt64 = shift < 0 ? bits : (bits | 0x08) << UInt64(shift)
        return UInt32(clamping: UInt64(exact) + value)
    }
}
