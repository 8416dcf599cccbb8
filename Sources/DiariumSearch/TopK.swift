import DiariumIndex
import Foundation

/// A query in the shape block-max evaluation handles: clauses (query words), each satisfied by
/// any of its alternatives, an alternative by all of its terms. A clause scores the best of its
/// matching alternatives (weight × the terms' BM25F sum); a document scores the sum of its
/// clauses. With `requireAll`, required clauses must all match; otherwise any clause suffices.
struct WeightedQuery {
    struct Alternative {
        var terms: [String]
        var weight: Double
    }

    struct Clause {
        var alternatives: [Alternative]
        var required: Bool
        /// The fields the clause's terms are looked up in.
        var fields: Set<IndexField>
    }

    var clauses: [Clause]
    var requireAll: Bool
}

/// One scored document of a segment.
struct ScoredDocument {
    var score: Double
    var id: Int64
    var segment: Int
    var doc: UInt32
}

/// The best `k` documents, ordered by score, then catalog id (the ranking's tie rule).
struct TopDocuments {
    let k: Int
    private(set) var items: [ScoredDocument] = []  // a min-heap on (score, −id)

    init(k: Int) { self.k = k }

    /// The score a new document must beat (or tie with a smaller id) once the heap is full.
    var threshold: Double { items.count < k ? -Double.infinity : items[0].score }
    var isFull: Bool { items.count >= k }

    @inline(__always)
    private static func worse(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool {
        a.score != b.score ? a.score < b.score : a.id > b.id
    }

    mutating func insert(_ d: ScoredDocument) {
        if items.count < k {
            items.append(d)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                guard Self.worse(items[i], items[p]) else { break }
                items.swapAt(i, p)
                i = p
            }
        } else if let top = items.first, Self.worse(top, d) {
            items[0] = d
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Self.worse(items[l], items[m]) { m = l }
                if r < items.count && Self.worse(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
    }

    /// The kept documents, best first.
    func sorted() -> [ScoredDocument] { items.sorted { Self.worse($1, $0) } }
}

/// Block-max top-k evaluation of a `WeightedQuery` over the segments of a snapshot: documents
/// are visited in order; before scoring one, the sum of its clauses' block maxima (from the
/// skip entries: largest term frequency and smallest norm of each block) is compared with the
/// k-th best score so far, and when it cannot beat it the whole window of blocks is skipped.
/// Conjunctions are driven by their rarest clause. The top k is exactly what exhaustive
/// scoring gives; the total is exact only when no window was skipped (or `countAll`).
struct BlockMaxEvaluator {
    let scoring: BM25F
    let averages: FieldAverages
    /// idf per term.
    let idf: [String: Double]

    /// A term's cursors over the query's fields in one segment.
    final class TermScorer {
        let cursors: [(field: IndexField, cursor: PostingsCursor, weight: Double)]
        let idf: Double
        init(cursors: [(IndexField, PostingsCursor, Double)], idf: Double) {
            self.cursors = cursors.map { (field: $0.0, cursor: $0.1, weight: $0.2) }
            self.idf = idf
        }

        /// The first document ≥ `target` holding the term in any field.
        @inline(__always)
        func advance(to target: UInt32) -> UInt32 {
            var best = PostingsCursor.exhausted
            for c in cursors {
                c.cursor.advance(to: target)
                best = min(best, c.cursor.doc)
            }
            return best
        }

        var error: IndexError? { cursors.lazy.compactMap { $0.cursor.error }.first }
    }

    struct Outcome {
        var top: [ScoredDocument]
        /// Matching documents seen (all of them when `exact`).
        var matched: Int
        var exact: Bool
    }

    func run(_ query: WeightedQuery, segments: [LiveSegment], k: Int, countAll: Bool,
             accept: (Int, UInt32) -> Bool) throws -> Outcome {
        var top = TopDocuments(k: max(k, 1))
        var matched = 0
        var exact = true
        let k1 = scoring.k1, b = scoring.b
        for (si, segment) in segments.enumerated() {
            let r = segment.reader
            // Scorers per distinct term of this segment.
            var scorers: [String: TermScorer] = [:]
            var clauses: [[(scorers: [TermScorer], weight: Double)]] = []
            for clause in query.clauses {
                let fieldList = IndexField.allCases.filter { clause.fields.contains($0) }
                let fieldKey = fieldList.map { String($0.rawValue) }.joined()
                var alternatives: [(scorers: [TermScorer], weight: Double)] = []
                for alt in clause.alternatives {
                    var list: [TermScorer] = []
                    for t in alt.terms {
                        let key = fieldKey + "\u{0}" + t
                        if scorers[key] == nil {
                            var cs: [(IndexField, PostingsCursor, Double)] = []
                            for f in fieldList {
                                if let c = try r.cursor(f, Array(t.utf8)) { cs.append((f, c, scoring.weights[f] ?? 1)) }
                            }
                            scorers[key] = TermScorer(cursors: cs, idf: idf[t] ?? 0)
                        }
                        if let s = scorers[key] { list.append(s) }
                    }
                    alternatives.append((list, alt.weight))
                }
                clauses.append(alternatives)
            }
            let required = query.requireAll ? query.clauses.indices.filter { query.clauses[$0].required } : []
            var norms = [UInt8](repeating: 0, count: IndexField.allCases.count)

            /// Score of one term at `doc` (cursors already advanced to ≥ doc).
            func termScore(_ s: TermScorer, _ doc: UInt32) -> Double? {
                var pf = 0.0
                var found = false
                for c in s.cursors where c.cursor.doc == doc {
                    found = true
                    let avg = averages[c.field]
                    let len = Double(SegmentReader.length(ofNorm: norms[Int(c.field.rawValue)]))
                    pf += c.weight * Double(c.cursor.frequency) / (1 - b + b * (avg > 0 ? len / avg : 1))
                }
                return found ? s.idf * pf * (k1 + 1) / (k1 + pf) : nil
            }
            /// Upper bound of one term's score over the block window containing `doc`, and
            /// the window's last document.
            func termBound(_ s: TermScorer, _ doc: UInt32) -> (Double, UInt32) {
                var pf = 0.0
                var end = PostingsCursor.exhausted
                for c in s.cursors {
                    guard let m = c.cursor.blockMaximum(containing: doc) else { continue }
                    end = min(end, m.lastDoc)
                    let avg = averages[c.field]
                    let len = Double(SegmentReader.length(ofNorm: m.minNorm))
                    pf += c.weight * Double(m.maxFrequency) / (1 - b + b * (avg > 0 ? len / avg : 1))
                }
                return (pf == 0 ? 0 : s.idf * pf * (k1 + 1) / (k1 + pf), end)
            }
            /// Score of a clause at `doc`, nil when no alternative matches.
            func clauseScore(_ c: [(scorers: [TermScorer], weight: Double)], _ doc: UInt32) -> Double? {
                var best: Double?
                for alt in c {
                    var sum = 0.0
                    var all = true
                    for s in alt.scorers {
                        guard s.advance(to: doc) == doc, let v = termScore(s, doc) else { all = false; break }
                        sum += v
                    }
                    if all { best = max(best ?? 0, sum * alt.weight) }
                }
                return best
            }
            /// The next document ≥ target where the clause can match (a candidate, not checked).
            func clauseNext(_ c: [(scorers: [TermScorer], weight: Double)], _ target: UInt32) -> UInt32 {
                var best = PostingsCursor.exhausted
                for alt in c {
                    // Leapfrog over the alternative's terms.
                    var d = target
                    var agreed = false
                    while !agreed && d != PostingsCursor.exhausted {
                        agreed = true
                        for s in alt.scorers {
                            let n = s.advance(to: d)
                            if n != d { d = n; agreed = false; break }
                        }
                    }
                    best = min(best, d)
                }
                return best
            }
            /// Upper bound of the whole score over the window at `doc`, and the window's end.
            func bound(_ doc: UInt32) -> (Double, UInt32) {
                var total = 0.0
                var end = PostingsCursor.exhausted
                for c in clauses {
                    var best = 0.0
                    for alt in c {
                        var sum = 0.0
                        for s in alt.scorers {
                            let (v, e) = termBound(s, doc)
                            sum += v
                            end = min(end, e)
                        }
                        best = max(best, sum * alt.weight)
                    }
                    total += best
                }
                return (total, end)
            }

            var target: UInt32 = 0
            while target != PostingsCursor.exhausted {
                // The next candidate: agreed by every required clause, or any clause's next.
                var doc: UInt32
                if required.isEmpty {
                    doc = clauses.reduce(PostingsCursor.exhausted) { min($0, clauseNext($1, target)) }
                } else {
                    doc = target
                    var agreed = false
                    while !agreed && doc != PostingsCursor.exhausted {
                        agreed = true
                        for ci in required {
                            let n = clauseNext(clauses[ci], doc)
                            if n != doc { doc = n; agreed = false; break }
                        }
                    }
                }
                guard doc != PostingsCursor.exhausted else { break }
                if top.isFull && !countAll {
                    let (limit, end) = bound(doc)
                    // Strictly below the k-th score (with room for rounding): nothing in the window can enter.
                    if limit * (1 + 1e-9) + 1e-12 < top.threshold {
                        exact = false
                        target = end == PostingsCursor.exhausted ? end : max(end, doc) &+ 1
                        if end == PostingsCursor.exhausted { break }
                        continue
                    }
                }
                target = doc &+ 1
                guard segment.isLive(doc), accept(si, doc) else { continue }
                for f in IndexField.allCases { norms[Int(f.rawValue)] = r.normByte(doc, f) }
                var score = 0.0
                var ok = true
                var any = false
                for (ci, c) in clauses.enumerated() {
                    if let v = clauseScore(c, doc) {
                        score += v
                        any = true
                    } else if required.contains(ci) {
                        ok = false
                        break
                    }
                }
                guard ok && any else { continue }
                matched += 1
                top.insert(ScoredDocument(score: score, id: r.documentID(doc), segment: si, doc: doc))
            }
            if let e = scorers.values.lazy.compactMap(\.error).first { throw e }
        }
        return Outcome(top: top.sorted(), matched: matched, exact: exact)
    }
}
