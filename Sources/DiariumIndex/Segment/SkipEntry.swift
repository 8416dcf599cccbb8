/// One skip entry of a term's postings: the summary of one block of `SegmentFormat.postingsBlock`
/// documents, written after the block by `SegmentSerializer` and read — whole or one field at
/// a time, straight from the memory map — by `PostingsCursor` (to jump over blocks and to bound
/// a block's scores) and by `SegmentReader.verifyAll`. A term with a single block has none.
///
/// Layout: 32 bytes, little-endian —
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
///     f32    maxPseudoFrequency   the largest pseudo frequency of a document of the block at the
///                                 segment's `BoundReference` (`BoundReference.pseudoFrequency`),
///                                 rounded up (`BoundReference.stored`)
///
/// A block has two upper bounds of a document's BM25F pseudo frequency (and so, BM25F rising in
/// it, of its score); the search takes the smaller:
/// - per field: Σ over fields of maxFrequency × the field's factor at minNorm. Valid for any
///   parameters, but loose: the largest frequency and the shortest field usually belong to two
///   documents, and each field's maximum to another.
/// - per document: maxPseudoFrequency, scaled from the reference to the query's parameters by
///   `BoundReference.scale` (see there for the proof). Tight: it is one document's value.
struct SkipEntry: Equatable, Sendable {
    /// Bytes of one entry.
    static let size = 32
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
    /// The block's largest pseudo frequency at the segment's reference, rounded up.
    var maxPseudoFrequency: Float

    init(lastDoc: UInt32, postingsEnd: UInt32, positionIndex: UInt32, positionBlockOffset: UInt32,
         maxFrequency: (UInt16, UInt16, UInt16, UInt16), minNorm: (UInt8, UInt8, UInt8, UInt8), maxPseudoFrequency: Float) {
        self.lastDoc = lastDoc
        self.postingsEnd = postingsEnd
        self.positionIndex = positionIndex
        self.positionBlockOffset = positionBlockOffset
        self.maxFrequency = maxFrequency
        self.minNorm = minNorm
        self.maxPseudoFrequency = maxPseudoFrequency
    }

    static func == (a: SkipEntry, b: SkipEntry) -> Bool {
        a.lastDoc == b.lastDoc && a.postingsEnd == b.postingsEnd && a.positionIndex == b.positionIndex
            && a.positionBlockOffset == b.positionBlockOffset && a.maxFrequency == b.maxFrequency && a.minNorm == b.minNorm
            && a.maxPseudoFrequency.bitPattern == b.maxPseudoFrequency.bitPattern
    }

    /// A frequency as stored in `maxFrequency` (saturated).
    @inline(__always) static func stored(_ frequency: UInt32) -> UInt16 { UInt16(clamping: frequency) }

    /// Appends the entry's 32 bytes.
    func write(into w: inout ByteWriter) {
        w.u32(lastDoc)
        w.u32(postingsEnd)
        w.u32(positionIndex)
        w.u32(positionBlockOffset)
        w.u16(maxFrequency.0); w.u16(maxFrequency.1); w.u16(maxFrequency.2); w.u16(maxFrequency.3)
        w.byte(minNorm.0); w.byte(minNorm.1); w.byte(minNorm.2); w.byte(minNorm.3)
        w.u32(maxPseudoFrequency.bitPattern)
    }

    /// Reads an entry at the reader's offset (`r.failed` when fewer than 32 bytes remain).
    init(reading r: inout ByteReader) {
        lastDoc = r.u32()
        postingsEnd = r.u32()
        positionIndex = r.u32()
        positionBlockOffset = r.u32()
        let tail = r.bytes(12).map(Array.init) ?? [UInt8](repeating: 0, count: 12)
        func u16(_ i: Int) -> UInt16 { UInt16(tail[i]) | UInt16(tail[i + 1]) << 8 }
        maxFrequency = (u16(0), u16(2), u16(4), u16(6))
        minNorm = (tail[8], tail[9], tail[10], tail[11])
        maxPseudoFrequency = Float(bitPattern: r.u32())
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
    /// The block's largest pseudo frequency at the segment's reference; a damaged value
    /// (negative or NaN) reads as no bound (+∞), never as one that would prune documents.
    @inline(__always) static func maxPseudoFrequency(_ skips: UnsafeRawBufferPointer, _ b: Int) -> Float {
        let v = Float(bitPattern: u32(skips, b, 28))
        return v >= 0 ? v : .infinity
    }
}

/// The BM25F parameters at which a segment's block bounds (`SkipEntry.maxPseudoFrequency`) are
/// computed — the field weights, the length normalisation `b` and the segment's own average
/// field lengths — stored in the segment's BOUNDS section so that a query with other parameters
/// (the collection's averages, other weights) can scale them (`scale`).
///
/// Layout (section BOUNDS): 9 little-endian f64 — b, then per field (raw value order) the
/// weight, then per field the average length.
public struct BoundReference: Sendable, Equatable {
    /// The length normalisation the bounds were computed with.
    public let b: Double
    /// Per field (raw value order).
    public let weights: [Double]
    /// Per field (raw value order): the segment's average decoded field length.
    public let averages: [Double]
    /// `factor(field, norm)` at `field × 256 + norm`.
    private let table: [Double]

    /// The weights and `b` of BM25F's defaults (`DiariumSearch.BM25F`): the bounds are tight
    /// for a query with those and valid, scaled, for any other.
    static let defaultWeights: [Double] = [3.0, 1.0, 1.5, 0.3]
    static let defaultB = 0.75
    /// Bytes of the section.
    static let size = 8 * (1 + 2 * IndexField.allCases.count)

    /// A reference with these parameters.
    init(b: Double, weights: [Double], averages: [Double]) {
        self.b = b
        self.weights = weights
        self.averages = averages
        var t: [Double] = []
        t.reserveCapacity(IndexField.allCases.count * 256)
        for f in IndexField.allCases.indices {
            for norm in 0..<256 {
                t.append(Self.factor(weight: weights[f], b: b, length: Double(SmallFloat.decode(UInt8(norm))), average: averages[f]))
            }
        }
        table = t
    }

    /// The default weights and `b` with the average decoded lengths of documents with these
    /// norm bytes (doc × field).
    init(norms: [UInt8]) {
        let n = IndexField.allCases.count
        let docs = norms.count / n
        var sums = [Double](repeating: 0, count: n)
        for d in 0..<docs { for f in 0..<n { sums[f] += Double(SmallFloat.decode(norms[d * n + f])) } }
        self.init(b: Self.defaultB, weights: Self.defaultWeights, averages: sums.map { docs == 0 ? 1 : $0 / Double(docs) })
    }

    /// BM25F's weight of one occurrence in a field of `length` words whose average is `average`:
    /// weight over the length normalisation. The one place the formula is written
    /// (`DiariumSearch.BM25F.fieldFactor` calls it).
    @inline(__always)
    public static func factor(weight: Double, b: Double, length: Double, average: Double) -> Double {
        weight / (1 - b + b * (average > 0 ? length / average : 1))
    }

    /// The pseudo frequency at this reference of a document holding the term `tf` times per
    /// field (raw value order), with these norm bytes.
    @inline(__always)
    func pseudoFrequency(tf: (UInt32, UInt32, UInt32, UInt32), norms: (UInt8, UInt8, UInt8, UInt8)) -> Double {
        table.withUnsafeBufferPointer { t in
            var sum = 0.0
            if tf.0 > 0 { sum += Double(tf.0) * t[Int(norms.0)] }
            if tf.1 > 0 { sum += Double(tf.1) * t[256 &+ Int(norms.1)] }
            if tf.2 > 0 { sum += Double(tf.2) * t[512 &+ Int(norms.2)] }
            if tf.3 > 0 { sum += Double(tf.3) * t[768 &+ Int(norms.3)] }
            return sum
        }
    }

    /// A block maximum as stored: never below `value` (a relative margin of 2⁻²⁰ covers the
    /// rounding of the sums at query time, then the conversion rounds up).
    static func stored(_ value: Double) -> Float {
        let f = Float(value * (1 + 0x1p-20))
        return Double(f) < value ? f.nextUp : f
    }

    /// The factor by which a pseudo frequency at this reference is multiplied to bound the
    /// pseudo frequency, over the fields of `mask`, of the same document with weights
    /// `weights`, normalisation `b` and averages `averages` (per field, raw value order);
    /// `.infinity` when no finite factor holds.
    ///
    /// Proof. A document's pseudo frequency is Σ_f tf_f · w_f / (1 − b + b·L_f/A_f), every term
    /// ≥ 0. For one field, the ratio of the query's term to the reference's (same tf_f, same
    /// length L_f) is (w_f / w⁰_f) · (1 − b⁰ + b⁰·L/A⁰_f) / (1 − b + b·L/A_f): a ratio of two
    /// affine functions of L ≥ 0 with positive denominator, hence monotone in L, so it lies
    /// between its values at L = 0, (1 − b⁰)/(1 − b), and as L → ∞, (b⁰/b)·(A_f/A⁰_f). Let
    /// ρ_f be w_f/w⁰_f times the larger of the two and ρ the largest ρ_f over `mask`. Then the
    /// query's pseudo frequency over `mask` ≤ Σ_{f∈mask} ρ_f · (reference term f) ≤ ρ · Σ_f
    /// (reference term f) = ρ · the reference pseudo frequency, which the stored block maximum
    /// bounds for every document of the block. A field whose reference average is 0 has only
    /// documents of length 0, where the ratio is (w_f/w⁰_f) / (1 − b). (0 < b < 1 and positive
    /// reference weights are required; otherwise the factor is infinite and the per-field bound
    /// alone is used.)
    public func scale(weights: [Double], b: Double, averages: [Double], mask: UInt8) -> Double {
        guard b > 0, b < 1, self.b >= 0, self.b < 1 else { return .infinity }
        var rho = 0.0
        for f in IndexField.allCases.indices where mask & (1 << UInt8(f)) != 0 {
            guard f < weights.count, f < averages.count, self.weights[f] > 0, averages[f] >= 0 else { return .infinity }
            let r: Double
            if self.averages[f] > 0 {
                guard averages[f] > 0 else { return .infinity }
                r = (weights[f] / self.weights[f]) * max((1 - self.b) / (1 - b), (self.b / b) * (averages[f] / self.averages[f]))
            } else {
                // Every decoded length of the segment is 0 there: the reference's normalisation
                // is 1 (`factor`), the query's 1 − b (or 1 with a zero average too).
                r = (weights[f] / self.weights[f]) * (averages[f] > 0 ? 1 / (1 - b) : 1)
            }
            rho = max(rho, r)
        }
        // Room for the rounding of the quotients above.
        return rho * (1 + 0x1p-40)
    }

    /// Appends the section's bytes.
    func write(into w: inout ByteWriter) {
        w.u64(b.bitPattern)
        for x in weights { w.u64(x.bitPattern) }
        for x in averages { w.u64(x.bitPattern) }
    }

    /// Whether the parameters can be those of a segment's bounds: `b` in [0, 1], every weight
    /// and average finite and ≥ 0. Anything else (a damaged BOUNDS section) would make the
    /// reference factors negative, infinite or NaN, and the block bounds built on them could
    /// prune documents that belong in the top k; `SegmentReader` refuses such a segment at open.
    var isValid: Bool {
        b.isFinite && b >= 0 && b <= 1
            && weights.allSatisfy { $0.isFinite && $0 >= 0 } && averages.allSatisfy { $0.isFinite && $0 >= 0 }
    }

    /// Reads the section (`r.failed` when it is short; `isValid` tells whether its values can
    /// be used).
    init(reading r: inout ByteReader) {
        let n = IndexField.allCases.count
        let b = Double(bitPattern: r.u64())
        let weights = (0..<n).map { _ in Double(bitPattern: r.u64()) }
        let averages = (0..<n).map { _ in Double(bitPattern: r.u64()) }
        self.init(b: b, weights: weights, averages: averages)
    }

    public static func == (a: BoundReference, b: BoundReference) -> Bool {
        a.b.bitPattern == b.b.bitPattern && a.weights.map(\.bitPattern) == b.weights.map(\.bitPattern)
            && a.averages.map(\.bitPattern) == b.averages.map(\.bitPattern)
    }
}
