import DiariumIndex
import Foundation

/// BM25F: each field's term frequency is normalised by that field's length, weighted, summed,
/// and then saturated once (Robertson & Zaragoza, "The Probabilistic Relevance Framework").
public struct BM25F: Sendable {
    /// Term-frequency saturation.
    public var k1 = 1.2
    /// Length normalisation.
    public var b = 0.75
    /// Field weights: the title counts most, then metadata, then the body.
    public var weights: [IndexField: Double] = [.title: 3.0, .meta: 1.5, .body: 1.0]

    /// Default parameters.
    public init() {}

    /// Inverse document frequency (the Lucene/BM25 "+1" form, never negative).
    public func idf(documentFrequency df: Int, documentCount n: Int) -> Double {
        log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5))
    }

    /// The weighted, length-normalised pseudo term frequency of one term in one document.
    @inline(__always)
    public func pseudoFrequency(tf: (UInt32, UInt32, UInt32), lengths: (UInt32, UInt32, UInt32), averages: (Double, Double, Double)) -> Double {
        func part(_ tf: UInt32, _ len: UInt32, _ avg: Double, _ w: Double) -> Double {
            guard tf > 0 else { return 0 }
            let norm = 1 - b + b * (avg > 0 ? Double(len) / avg : 1)
            return w * Double(tf) / norm
        }
        return part(tf.0, lengths.0, averages.0, weights[.title] ?? 1)
            + part(tf.1, lengths.1, averages.1, weights[.body] ?? 1)
            + part(tf.2, lengths.2, averages.2, weights[.meta] ?? 1)
    }

    /// The score contribution of one term.
    @inline(__always)
    public func score(idf: Double, pseudoFrequency f: Double) -> Double {
        idf * f * (k1 + 1) / (k1 + f)
    }
}
