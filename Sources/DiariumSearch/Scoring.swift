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

    /// The weighted, length-normalised pseudo term frequency of one term in one document.
    @inline(__always)
    public func pseudoFrequency(tf: FieldCounts, lengths: FieldCounts, averages: FieldAverages) -> Double {
        var sum = 0.0
        for f in IndexField.allCases {
            let t = tf[f]
            guard t > 0 else { continue }
            let avg = averages[f]
            let norm = 1 - b + b * (avg > 0 ? Double(lengths[f]) / avg : 1)
            sum += (weights[f] ?? 1) * Double(t) / norm
        }
        return sum
    }

    /// The score contribution of one term.
    @inline(__always)
    public func score(idf: Double, pseudoFrequency f: Double) -> Double {
        idf * f * (k1 + 1) / (k1 + f)
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
