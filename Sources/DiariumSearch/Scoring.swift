import DiariumIndex
import Foundation

/// BM25F: each field's term frequency is normalised by that field's length, weighted, summed,
/// and then saturated once (Robertson & Zaragoza, "The Probabilistic Relevance Framework").
public struct BM25F: Sendable {
    /// Term-frequency saturation.
    public var k1 = 1.2
    /// Length normalisation.
    public var b = 0.75
    /// Field weights: the title counts most, then metadata, then the body; compound parts least.
    public var weights: [IndexField: Double] = [.title: 3.0, .meta: 1.5, .body: 1.0, .parts: 0.3]

    /// Default parameters.
    public init() {}

    /// Inverse document frequency (the Lucene/BM25 "+1" form, never negative).
    public func idf(documentFrequency df: Int, documentCount n: Int) -> Double {
        log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5))
    }

    /// The factor one occurrence of a term in `field` contributes to the pseudo term frequency:
    /// the field's weight over its length normalisation (written once, in
    /// `BoundReference.factor`, which the segments' block bounds use too); `FieldFactors`
    /// tabulates it per norm byte.
    @inline(__always)
    public func fieldFactor(_ field: IndexField, length: Double, average: Double) -> Double {
        BoundReference.factor(weight: weight(field), b: b, length: length, average: average)
    }

    /// The weight of `field`.
    @inline(__always)
    public func weight(_ field: IndexField) -> Double { weights[field] ?? 1 }

    /// The factor that turns a block bound of segment `reader` (`BlockBound.maxPseudoFrequency`,
    /// at the segment's `BoundReference`) into a bound of the pseudo frequency over the fields
    /// of `mask` with these parameters and `averages` (`BoundReference.scale` proves it).
    public func boundScale(_ reader: SegmentReader, averages: FieldAverages, mask: UInt8) -> Double {
        reader.boundReference.scale(weights: IndexField.allCases.map(weight), b: b,
                                    averages: IndexField.allCases.map { averages[$0] }, mask: mask)
    }

    /// The weighted, length-normalised pseudo term frequency of one term in one document:
    /// Σ over fields of tf × `fieldFactor`.
    public func pseudoFrequency(tf: FieldCounts, lengths: FieldCounts, averages: FieldAverages) -> Double {
        var sum = 0.0
        for f in IndexField.allCases {
            let t = tf[f]
            guard t > 0 else { continue }
            sum += Double(t) * fieldFactor(f, length: Double(lengths[f]), average: averages[f])
        }
        return sum
    }

    /// The score contribution of one term: idf × saturated pseudo frequency. The one place
    /// the saturation is written; every scorer (block-max, exhaustive, bounds) calls it.
    @inline(__always)
    public func score(idf: Double, pseudoFrequency f: Double) -> Double {
        f == 0 ? 0 : idf * f * (k1 + 1) / (k1 + f)
    }
}

extension BM25F {
    /// A term's score × `weight` over the fields of `fields` (a bit per `IndexField`): Σ over
    /// them of `frequency(f)` × `factor(f)` as the pseudo frequency, at most `cap`, then
    /// `score`. The one place a term's score is summed over its fields: a posting's score
    /// (`termScore`) and a block's bound (`termBound`) are both this sum, with the document's
    /// or the block's figures.
    @inline(__always)
    func fieldSum(fields: UInt8, idf: Double, weight: Double, cap: Double = .infinity,
                  frequency: (Int) -> UInt32, factor: (Int) -> Double) -> Double {
        // Field by field in field order (unrolled: each field's index is a constant, so the
        // caller's `frequency` and `factor` fold to plain loads).
        var pf = 0.0
        if fields & 1 != 0 { let tf = frequency(0); if tf > 0 { pf += Double(tf) * factor(0) } }
        if fields & 2 != 0 { let tf = frequency(1); if tf > 0 { pf += Double(tf) * factor(1) } }
        if fields & 4 != 0 { let tf = frequency(2); if tf > 0 { pf += Double(tf) * factor(2) } }
        if fields & 8 != 0 { let tf = frequency(3); if tf > 0 { pf += Double(tf) * factor(3) } }
        return score(idf: idf, pseudoFrequency: min(pf, cap)) * weight
    }

    /// The upper bound of a term's score, × `weight`, over the documents of a postings block: per
    /// field the largest frequency at the smallest norm, and at most `boundScale` × the block's
    /// largest pseudo frequency at the segment's reference (`BoundReference.scale`). Both the
    /// query tree (`SegmentMatcher.bound`) and the union engine (`TopK+Union.swift`) call it.
    @inline(__always)
    func termBound(_ m: BlockBound, fields: UInt8, idf: Double, weight: Double, boundScale: Double, factors: FieldFactors) -> Double {
        fieldSum(fields: fields, idf: idf, weight: weight, cap: boundScale * m.maxPseudoFrequency,
                 frequency: { m.maxFrequency($0) }, factor: { factors.factor($0, norm: m.minNorm($0)) })
    }

    /// A term's score × `weight` at the document `cursor` stands on, over the fields of `fields`
    /// (`norms`: the document's norm bytes, `factors`: `FieldFactors`' table, field f's factor
    /// for norm byte n at `f × 256 + n`).
    @inline(__always)
    func termScore(_ cursor: PostingsCursor, fields: UInt8, idf: Double, weight: Double,
                   factors: UnsafePointer<Double>, norms: (UInt8, UInt8, UInt8, UInt8)) -> Double {
        termScore(fields: fields, idf: idf, weight: weight, factors: factors, norms: norms, frequency: { cursor.frequency($0) })
    }

    /// `termScore` at entry `i` of a decoded block read in place (`PostingsCursor.DecodedBlock`):
    /// the same sum with that entry's frequencies, so a window scanned block by block scores
    /// bit for bit as a cursor standing on the document does.
    @inline(__always)
    func termScore(_ block: PostingsCursor.DecodedBlock, entry i: Int, fields: UInt8, idf: Double, weight: Double,
                   factors: UnsafePointer<Double>, norms: (UInt8, UInt8, UInt8, UInt8)) -> Double {
        termScore(fields: fields, idf: idf, weight: weight, factors: factors, norms: norms,
                  frequency: { block.frequencies[$0 &* PostingsCursor.DecodedBlock.fieldStride &+ i] })
    }

    /// `fieldSum` with a document's per-field factors from `factors` at its norm bytes.
    @inline(__always)
    private func termScore(fields: UInt8, idf: Double, weight: Double, factors: UnsafePointer<Double>,
                           norms: (UInt8, UInt8, UInt8, UInt8), frequency: (Int) -> UInt32) -> Double {
        fieldSum(fields: fields, idf: idf, weight: weight, frequency: frequency,
                 factor: { f in
                     let norm: UInt8
                     switch f { case 0: norm = norms.0; case 1: norm = norms.1; case 2: norm = norms.2; default: norm = norms.3 }
                     return factors[f &* 256 &+ Int(norm)]
                 })
    }
}

/// `BM25F.fieldFactor` for every field and every norm byte of one query's statistics, in one
/// flat array: scoring a posting (or bounding a block by its largest frequency and smallest
/// norm) is a table load and a multiply-add, with no dictionary lookup or division.
public struct FieldFactors: Sendable {
    /// The table (field × 256 norm bytes) in memory of its own, made once per searcher (the
    /// statistics it is made from do not change between queries): the engines score through its
    /// pointer (`table`) without copying it per query and segment.
    private final class Table: @unchecked Sendable {
        // Filled by `FieldFactors.init` right after allocation, read-only after: safe to share between threads.
        let values: UnsafeMutablePointer<Double>

        init(count: Int) {
            values = .allocate(capacity: count)
            values.initialize(repeating: 0, count: count)
        }

        deinit { values.deallocate() }
    }

    private let storage: Table
    /// The average field lengths the factors are for.
    public let averages: FieldAverages

    /// The factors for `scoring` with the collection's average field lengths.
    public init(_ scoring: BM25F, averages: FieldAverages) {
        self.averages = averages
        let fields = IndexField.allCases
        storage = Table(count: fields.count * 256)
        for (i, f) in fields.enumerated() {
            for norm in 0..<256 {
                storage.values[i * 256 + norm] = scoring.fieldFactor(f, length: Double(SegmentReader.length(ofNorm: UInt8(norm))), average: averages[f])
            }
        }
    }

    /// The factor of field `field` (its raw value) for a document with norm byte `norm`.
    @inline(__always)
    public func factor(_ field: Int, norm: UInt8) -> Double {
        storage.values[field &* 256 &+ Int(norm)]
    }

    /// The table itself, field f's factor for norm byte n at `f × 256 + n`, for loops that score
    /// many postings through a plain pointer (`BM25F.termScore`): valid while this value (or a
    /// copy of it) lives.
    public var table: UnsafePointer<Double> { UnsafePointer(storage.values) }

    /// Σ over fields of tf × factor, for a document with these per-field norm bytes.
    @inline(__always)
    public func pseudoFrequency(tf: FieldCounts, norms: (UInt8, UInt8, UInt8, UInt8)) -> Double {
        var sum = 0.0
        if tf.values.0 > 0 { sum += Double(tf.values.0) * factor(0, norm: norms.0) }
        if tf.values.1 > 0 { sum += Double(tf.values.1) * factor(1, norm: norms.1) }
        if tf.values.2 > 0 { sum += Double(tf.values.2) * factor(2, norm: norms.2) }
        if tf.values.3 > 0 { sum += Double(tf.values.3) * factor(3, norm: norms.3) }
        return sum
    }
}

/// One count per indexed field (term frequencies or field lengths).
public struct FieldCounts: Sendable, Equatable {
    public var values: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)

    /// All zero.
    public init() {}

    /// Counts in field order: title, body, meta, parts.
    public init(_ title: UInt32, _ body: UInt32, _ meta: UInt32, _ parts: UInt32 = 0) { values = (title, body, meta, parts) }

    @inline(__always)
    public subscript(_ f: IndexField) -> UInt32 {
        get {
            switch f { case .title: values.0; case .body: values.1; case .meta: values.2; case .parts: values.3 }
        }
        set {
            switch f { case .title: values.0 = newValue; case .body: values.1 = newValue; case .meta: values.2 = newValue; case .parts: values.3 = newValue }
        }
    }

    public static func == (a: FieldCounts, b: FieldCounts) -> Bool { a.values == b.values }
}

/// Average field lengths, for BM25's length normalisation.
public struct FieldAverages: Sendable {
    public var values: [Double]

    /// Averages in field order (title, body, meta, parts).
    public init(_ values: [Double]) { self.values = values + Array(repeating: 1, count: max(0, IndexField.allCases.count - values.count)) }

    @inline(__always)
    public subscript(_ f: IndexField) -> Double { values[Int(f.rawValue)] }
}
