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
    @inline(__always)
    static func unpack(_ source: UnsafeRawPointer, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        guard width > 0 else {
            out.update(repeating: 0, count: blockSize)
            return
        }
        let mask: UInt64 = (1 << UInt64(width)) - 1
        let bytes = byteCount(width: width)
        // Values whose 8-byte window lies inside the block (value i starts in byte i·w/8, so
        // i·w ≤ 8·(bytes − 8) suffices) are read with one unaligned load and no branch; the
        // last few bytes' values take the byte-by-byte path.
        let fast = bytes >= 8 ? min(blockSize, 8 * (bytes - 8) / width + 1) : 0
        var bit = 0
        var i = 0
        while i < fast {
            let word = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
            out[i] = UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask)
            bit &+= width
            i &+= 1
        }
        while i < blockSize {
            let byte = bit >> 3
            var word: UInt64 = 0
            for k in 0..<min(8, bytes - byte) { word |= UInt64(source.load(fromByteOffset: byte + k, as: UInt8.self)) << UInt64(8 * k) }
            out[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            bit += width
            i += 1
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
