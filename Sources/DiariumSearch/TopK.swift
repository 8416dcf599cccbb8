import DiariumIndex
import Foundation

/// One scored document of a segment.
struct ScoredDocument {
    var score: Double
    var id: Int64
    var segment: Int
    var doc: UInt32
}

/// The best `k` documents, ordered by score, then catalog id (the ranking's tie rule).
typealias TopDocuments = BestK<ScoredDocument>

extension ScoredDocument: RankedByWorse {
    @inline(__always)
    static func worse(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool {
        a.score != b.score ? a.score < b.score : a.id > b.id
    }
}

extension BestK where Element == ScoredDocument {
    /// The score a new document must beat (or tie with a smaller id) once the heap is full.
    var threshold: Double { items.count < k ? -Double.infinity : items[0].score }

    /// Whether an upper bound `bound` is strictly below `threshold`, with room for rounding
    /// (× (1 + 1e-9) + 1e-12: a bound summed in another order than the score may differ in the
    /// last bits): what it bounds cannot enter the top k. The one pruning test of the three
    /// engines (`QueryTree.swift`, `TopK+Conjunction.swift`, `TopK+Union.swift`), so they skip
    /// exactly the same.
    @inline(__always)
    static func isBelow(_ bound: Double, _ threshold: Double) -> Bool {
        bound * (1 + 1e-9) + 1e-12 < threshold
    }

    /// Offers a matched document of segment `segment` scored `score` before its proximity
    /// bonus: the bonus is computed only while the document can still enter with `bonusBound`
    /// more, and a document below the k-th score leaves without its catalog id being read. The
    /// one admission of the three engines (`QueryTree.swift`, `TopK+Conjunction.swift`,
    /// `TopK+Union.swift`).
    @inline(__always)
    mutating func offer(_ score: Double, doc: UInt32, segment: Int, reader: SegmentReader,
                        proximity: inout ProximityScorer, bonusBound: Double) throws {
        var s = score
        let full = isFull, threshold = self.threshold
        if !proximity.terms.isEmpty && (!full || !Self.isBelow(s + bonusBound, threshold)) {
            s += try proximity.bonus(doc)
        }
        if full && s < threshold { return }
        insert(ScoredDocument(score: s, id: reader.documentID(doc), segment: segment, doc: doc))
    }
}

/// What `BestK` ranks: `worse(a, b)` when `a` ranks below `b` (a strict order).
protocol RankedByWorse {
    static func worse(_ a: Self, _ b: Self) -> Bool
}

/// The best `k` elements inserted: a binary min-heap whose root is the worst kept, so a new
/// element costs one comparison when it cannot enter and O(log k) when it can. One heap for
/// the ranking (`TopDocuments`) and the fast-field orders (`SortedHit`).
struct BestK<Element: RankedByWorse> {
    let k: Int
    private(set) var items: [Element] = []

    init(k: Int) { self.k = max(k, 0) }

    var isFull: Bool { items.count >= k }
    /// The worst element kept (the root).
    var worst: Element? { items.first }

    mutating func insert(_ e: Element) {
        if items.count < k {
            items.append(e)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                guard Element.worse(items[i], items[p]) else { break }
                items.swapAt(i, p)
                i = p
            }
        } else if let root = items.first, Element.worse(root, e) {
            items[0] = e
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Element.worse(items[l], items[m]) { m = l }
                if r < items.count && Element.worse(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
    }

    /// The kept elements, best first.
    func sorted() -> [Element] { items.sorted { Element.worse($1, $0) } }
}
