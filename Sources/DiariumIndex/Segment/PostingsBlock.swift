/// One block of a term's postings: up to `SegmentFormat.postingsBlock` documents with the
/// term's frequency in each field. A term has one postings list, whatever fields hold it (BM25F
/// sums the fields per document); its full blocks of 128 are bit-packed, the rest (fewer than
/// 128) is varint-coded. Written by `SegmentSerializer`, read by `PostingsCursor`; the verifier
/// and the merger read through the cursor.
///
/// A full block (128 documents), little-endian —
///
///     u8  docWidth      bits of each packed document delta
///     u8  fields        bit f: some document holds the term in field f (raw value);
///                       bit 4 + f: every document does (its frequencies are stored minus one)
///     packed            128 document deltas at docWidth (the first from the previous block's
///                       last document, or from 0)
///     per field f with bit f, in field order, whichever is smaller:
///       packed: u8 width (≤ 32), 128 frequencies at width (0: not in that field)
///       sparse: u8 0x80, u8 k − 1, k u8 indexes in the block (ascending), k varint
///               frequencies — for a field few documents of the block hold
///
/// The rest, per document: varint((delta << 1) | general); a document holding the term in the
/// body alone, once (most postings), ends there; a `general` one continues with u8 mask (the
/// fields holding the term) and a varint frequency (≥ 1) per field of the mask, in field order.
enum PostingsBlock {
    static let size = BitPacking.blockSize
    static let fieldCount = IndexField.allCases.count

    /// Appends the block of `docs.count` documents (`size`: packed; fewer: varints).
    /// `frequencies` holds `fieldCount` per document, in field order; `previous` is the last
    /// document before the block (0 for the first block).
    static func write(docs: ArraySlice<UInt32>, frequencies: ArraySlice<UInt32>, previous: UInt32,
                      scratch: inout [UInt32], into w: inout ByteWriter) {
        precondition(docs.count >= 1 && docs.count <= size && frequencies.count == docs.count * fieldCount)
        if scratch.count < size { scratch = [UInt32](repeating: 0, count: size) }
        docs.withUnsafeBufferPointer { d in
            frequencies.withUnsafeBufferPointer { f in
                scratch.withUnsafeMutableBufferPointer { s in
                    write(docs: d, frequencies: f, previous: previous, scratch: s.baseAddress!, into: &w)
                }
            }
        }
    }

    /// `write` over buffers (checked by the caller); `scratch` has room for `size` values.
    private static func write(docs: UnsafeBufferPointer<UInt32>, frequencies: UnsafeBufferPointer<UInt32>, previous: UInt32,
                              scratch: UnsafeMutablePointer<UInt32>, into w: inout ByteWriter) {
        let n = docs.count
        if n < size {
            let body = Int(IndexField.body.rawValue)
            var prev = previous
            for i in 0..<n {
                let row = i &* fieldCount
                var mask: UInt8 = 0
                for f in 0..<fieldCount where frequencies[row &+ f] > 0 { mask |= 1 << UInt8(f) }
                let plain = mask == IndexField.body.bit && frequencies[row &+ body] == 1
                w.varint(UInt64(docs[i] &- prev) << 1 | (plain ? 0 : 1))
                if !plain {
                    w.byte(mask)
                    for f in 0..<fieldCount where frequencies[row &+ f] > 0 { w.varint(UInt64(frequencies[row &+ f])) }
                }
                prev = docs[i]
            }
            return
        }
        let values = UnsafeBufferPointer(start: UnsafePointer(scratch), count: size)
        var fields: UInt8 = 0
        var prev = previous, deltaMax: UInt32 = 0
        for i in 0..<size {
            scratch[i] = docs[i] &- prev
            deltaMax = max(deltaMax, scratch[i])
            prev = docs[i]
        }
        for f in 0..<fieldCount {
            var some = false, every = true
            for i in 0..<size {
                if frequencies[i &* fieldCount &+ f] > 0 { some = true } else { every = false }
            }
            if some { fields |= 1 << UInt8(f) }
            if every { fields |= 1 << UInt8(4 + f) }
        }
        let dw = BitPacking.width(deltaMax)
        w.byte(UInt8(dw))
        w.byte(fields)
        BitPacking.pack(values, width: dw, into: &w)
        for f in 0..<fieldCount where fields & (1 << UInt8(f)) != 0 {
            let minus: UInt32 = fields & (1 << UInt8(4 + f)) != 0 ? 1 : 0
            var m: UInt32 = 0, k = 0, sparseBytes = 2
            for i in 0..<size {
                let tf = frequencies[i &* fieldCount &+ f]
                scratch[i] = tf &- minus
                m = max(m, scratch[i])
                if tf > 0 {
                    k += 1
                    sparseBytes += 1 + (tf < 0x80 ? 1 : tf < 0x4000 ? 2 : 5)
                }
            }
            let width = BitPacking.width(m)
            if minus == 0 && sparseBytes < 1 + BitPacking.byteCount(width: width) {
                w.byte(sparseMarker)
                w.byte(UInt8(k - 1))
                for i in 0..<size where scratch[i] > 0 { w.byte(UInt8(i)) }
                for i in 0..<size where scratch[i] > 0 { w.varint(UInt64(scratch[i])) }
            } else {
                w.byte(UInt8(width))
                BitPacking.pack(values, width: width, into: &w)
            }
        }
    }

    /// The width byte of a field stored sparse in a full block.
    static let sparseMarker: UInt8 = 0x80

    /// Reads a block of `count` documents starting at byte `offset` of `bytes` (a term's
    /// postings): absolute document numbers into `docs` (`count` values) and the frequencies
    /// field-major into `frequencies` (`size` per field: field f's at `f × size + i`, zero where
    /// the document lacks the term in f). Returns the offset past the block and the union of
    /// the fields present, or nil when the bytes are damaged (truncated, a width over 32, a
    /// document without a field, a document past `UInt32.max`). Never reads outside `bytes`; the
    /// documents it returns never go down and none is below `previous`.
    @inline(__always)
    static func read(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int, previous: UInt32,
                     docs: UnsafeMutablePointer<UInt32>, frequencies: UnsafeMutablePointer<UInt32>) -> (end: Int, fields: UInt8)? {
        guard count >= 1, count <= size, offset >= 0, offset <= bytes.count, let base = bytes.baseAddress else { return nil }
        var at = offset
        var doc = UInt64(previous)
        if count < size {
            var r = ByteReader(bytes, offset: offset)
            var union: UInt8 = 0
            for f in 0..<fieldCount { (frequencies + f &* size).update(repeating: 0, count: count) }
            let body = Int(IndexField.body.rawValue) &* size
            for i in 0..<count {
                let v = r.varint()
                doc &+= v >> 1
                // Checked at every step, not only at the end: a delta near 2^63 twice wraps the
                // sum back into range, and the documents would go down (the union's window scan
                // indexes by `doc - first` and relies on them ascending from `previous`).
                guard doc <= UInt64(UInt32.max) else { return nil }
                docs[i] = UInt32(truncatingIfNeeded: doc)
                guard v & 1 != 0 else {
                    frequencies[body &+ i] = 1
                    union |= IndexField.body.bit
                    continue
                }
                let mask = r.bytes(1)?[0] ?? 0
                guard mask != 0, mask & ~SegmentFormat.allFields == 0 else { return nil }
                union |= mask
                var m = mask, f = 0
                while m != 0 {
                    if m & 1 != 0 {
                        let tf = r.varint32()
                        guard tf != 0 else { return nil }
                        frequencies[f &* size &+ i] = tf
                    }
                    m >>= 1
                    f &+= 1
                }
            }
            guard !r.failed, doc <= UInt64(UInt32.max) else { return nil }
            return (r.offset, union)
        }
        guard at + 2 <= bytes.count else { return nil }
        let dw = Int(bytes[at]), fields = bytes[at + 1]
        at += 2
        guard dw <= 32, fields & 0xF != 0 else { return nil }
        let db = BitPacking.byteCount(width: dw)
        guard at + db <= bytes.count else { return nil }
        BitPacking.unpack(base + at, width: dw, into: docs)
        at += db
        for i in 0..<size {
            doc &+= UInt64(docs[i])
            docs[i] = UInt32(truncatingIfNeeded: doc)
        }
        guard doc <= UInt64(UInt32.max) else { return nil }
        for f in 0..<fieldCount {
            let out = frequencies + f &* size
            guard fields & (1 << UInt8(f)) != 0 else {
                guard fields & (1 << UInt8(4 + f)) == 0 else { return nil }
                out.update(repeating: 0, count: size)
                continue
            }
            guard at < bytes.count else { return nil }
            if bytes[at] == sparseMarker {
                guard fields & (1 << UInt8(4 + f)) == 0, at + 1 < bytes.count else { return nil }
                let k = Int(bytes[at + 1]) + 1
                at += 2
                guard at + k <= bytes.count else { return nil }
                out.update(repeating: 0, count: size)
                var r = ByteReader(bytes, offset: at + k)
                var last = -1
                for j in 0..<k {
                    let i = Int(bytes[at + j])
                    let tf = r.varint32()
                    guard i > last, i < size, tf != 0 else { return nil }
                    out[i] = tf
                    last = i
                }
                guard !r.failed else { return nil }
                at = r.offset
                continue
            }
            let width = Int(bytes[at])
            at += 1
            let fb = BitPacking.byteCount(width: width)
            guard width <= 32, at + fb <= bytes.count else { return nil }
            BitPacking.unpack(base + at, width: width, into: out)
            at += fb
            if fields & (1 << UInt8(4 + f)) != 0 {
                // Stored minus one: below 32 bits, so every value read back is ≥ 1.
                guard width < 32 else { return nil }
                for i in 0..<size { out[i] &+= 1 }
            }
        }
        // Every document holds the term in some field (certain when a field says every
        // document holds it there, its frequencies stored minus one).
        // (The smallest of the documents' unions over the four fields the `fields` byte has
        // room for, no branch per document: a loop the compiler vectorises.)
        if fields & 0xF0 == 0 {
            // Four slices: as many fields as the `fields` byte has bits for (checked by
            // PostingsLayoutTests; written out so the compiler vectorises the loop).
            assert(fieldCount == 4)
            var least = UInt32.max
            for i in 0..<size {
                least = min(least, frequencies[i] | frequencies[size &+ i] | frequencies[2 &* size &+ i] | frequencies[3 &* size &+ i])
            }
            guard least != 0 else { return nil }
        }
        return (at, fields & 0xF)
    }
}
