import DiariumIndex
import Foundation

/// A query in the shape block-max evaluation handles. A document's score is the sum, over the
/// query's parts in order, of the sum of the part's clause scores (the exhaustive evaluator's
/// grouping, so both give bit-identical scores). A clause is satisfied by any of its
/// alternatives, an alternative by all of its terms (and, for a phrase, by their positions);
/// a clause scores, summed over its groups, the best matching alternative of each group
/// (weight × the terms' BM25F sum): a query word is one group (typed word, synonyms, folded
/// spellings), `a OR b` one group per side. With `requireAll`, required clauses must all
/// match; otherwise any clause suffices. A document matching every clause of an `excluded`
/// conjunction is dropped; a document whose typed `proximityTerms` (two or more) stand close
/// together in the body or title gets the proximity bonus.
struct WeightedQuery {
    struct Alternative {
        var terms: [String]
        var weight: Double
        /// The fields the terms are looked up in.
        var fields: Set<IndexField>
        /// Alternatives of one group compete (the best counts); groups add up.
        var group: Int = 0
        /// For a phrase: the fields in one of which the terms must stand next to each other,
        /// in order.
        var phraseFields: [IndexField]?
    }

    struct Clause {
        var alternatives: [Alternative]
        var required: Bool
        /// The query part the clause belongs to (clause scores are summed per part first).
        var part: Int = 0
    }

    var clauses: [Clause]
    var requireAll: Bool
    /// Conjunctions of clauses (the parts of `-word`, `-"a phrase"`, `-prefix*`) that exclude a
    /// document matching all of their clauses.
    var excluded: [[Clause]] = []
    /// Distinct typed terms of the required query words, for the proximity bonus.
    var proximityTerms: [String] = []
}

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

/// Block-max top-k evaluation of a `WeightedQuery` over the segments of a snapshot: documents
/// are visited in order; before scoring one, the sum of its clauses' block maxima (from the
/// skip entries: largest term frequency and smallest norm of each block) plus the largest
/// proximity bonus is compared with the k-th best score so far, and when it cannot beat it the
/// whole window of blocks is skipped. Conjunctions are driven by leapfrogging their required
/// clauses. Two-phase: what is expensive — phrase positions, the proximity bonus — is computed
/// only for a document whose cheaper score can still enter the top k. The top k is exactly
/// what exhaustive scoring gives; the total is exact only when nothing was skipped (or
/// `countAll`).
struct BlockMaxEvaluator {
    let scoring: BM25F
    let factors: FieldFactors
    /// idf per term.
    let idf: [String: Double]

    init(scoring: BM25F, averages: FieldAverages, idf: [String: Double]) {
        self.init(scoring: scoring, factors: FieldFactors(scoring, averages: averages), idf: idf)
    }

    init(scoring: BM25F, factors: FieldFactors, idf: [String: Double]) {
        self.scoring = scoring
        self.factors = factors
        self.idf = idf
    }

    /// One term of one alternative in one segment: its cursor (`cursors[cursor]` of the
    /// segment's flat cursor buffer, −1 when the segment lacks the term in the alternative's
    /// fields) and the fields it is scored in (a mask, summed in field order as the exhaustive
    /// scorer sums them).
    struct TermScorer {
        var cursor: Int
        var fields: UInt8
        var idf: Double
    }

    struct CompiledAlternative {
        /// Indexes into the segment's scorers, in the alternative's term order.
        var terms: Range<Int>
        /// Index of the alternative's cached next candidate (`next`).
        var id: Int
        var weight: Double
        var group: Int
        /// For a phrase: the fields it may stand in, as a mask (0: not a phrase).
        var phraseFields: UInt8
    }

    /// A clause's alternatives are `alternatives` of the segment's flat list of compiled
    /// alternatives; like `CompiledAlternative`, a plain value, so the loops that score a
    /// document copy no arrays (no reference counting per document).
    struct CompiledClause {
        var alternatives: Range<Int>
        var groups: Int
        var required: Bool
        var part: Int
        var hasPhrase: Bool
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
        let proximity = query.proximityTerms.count >= 2 ? query.proximityTerms : []
        // The largest bonus: all words adjacent (span = their number).
        let proximityBound = proximity.isEmpty ? 0 : Searcher.proximityBonus(span: proximity.count, terms: proximity.count)
        for (si, segment) in segments.enumerated() {
            let r = segment.reader
            // Every term of every alternative gets its own cursor: an alternative's leapfrog
            // may move it past a document another clause still needs. One cursor per term
            // carries every field's frequencies.
            let buffers = PostingsBuffers()
            // The cursors point into `buffers`: kept alive to the end of the segment.
            defer { withExtendedLifetime(buffers) {} }
            var scorerList: [TermScorer] = []
            var cursorList: [PostingsCursor] = []
            var alternativeList: [CompiledAlternative] = []
            func compile(_ clause: WeightedQuery.Clause) throws -> CompiledClause {
                let firstAlternative = alternativeList.count
                for alt in clause.alternatives {
                    let firstTerm = scorerList.count
                    let mask = IndexField.mask(alt.fields)
                    for t in alt.terms {
                        var at = -1
                        if let c = try r.cursor(Array(t.utf8), fields: alt.fields, buffers: buffers) {
                            at = cursorList.count
                            cursorList.append(c)
                        }
                        scorerList.append(TermScorer(cursor: at, fields: mask, idf: idf[t] ?? 0))
                    }
                    alternativeList.append(CompiledAlternative(terms: firstTerm..<scorerList.count, id: alternativeList.count,
                                                               weight: alt.weight, group: alt.group,
                                                               phraseFields: alt.phraseFields.map { IndexField.mask($0) } ?? 0))
                }
                return CompiledClause(alternatives: firstAlternative..<alternativeList.count, groups: (clause.alternatives.map(\.group).max() ?? -1) + 1,
                                      required: clause.required, part: clause.part,
                                      hasPhrase: clause.alternatives.contains { $0.phraseFields != nil })
            }
            let clauses = try query.clauses.map(compile)
            let excluded = try query.excluded.map { try $0.map(compile) }
            let required = query.requireAll ? clauses.indices.filter { clauses[$0].required } : []
            var isRequired = [Bool](repeating: false, count: clauses.count)
            for ci in required { isRequired[ci] = true }
            let parts = (clauses.map(\.part).max() ?? -1) + 1
            // Proximity: a body-and-title cursor per term, advanced only for documents that can
            // enter the top k (nil: the segment lacks the term there).
            var proximityList: [PostingsCursor?] = []
            for t in proximity { proximityList.append(try r.cursor(Array(t.utf8), fields: [.body, .title], buffers: buffers)) }
            // The cursors as flat buffers mutated in place: plain values, so moving one costs
            // no reference counting (`PostingsCursor` holds no references).
            let cursors = UnsafeMutableBufferPointer<PostingsCursor>.allocate(capacity: max(cursorList.count, 1))
            _ = cursors.initialize(from: cursorList)
            let cursorCount = cursorList.count
            defer { cursors.baseAddress?.deinitialize(count: cursorCount); cursors.deallocate() }
            let proximityCursors = UnsafeMutableBufferPointer<PostingsCursor?>.allocate(capacity: max(proximityList.count, 1))
            _ = proximityCursors.initialize(from: proximityList)
            let proximityCount = proximityList.count
            defer { proximityCursors.baseAddress?.deinitialize(count: proximityCount); proximityCursors.deallocate() }
            // Fixed from here on (constants for the loops below, no exclusivity checks).
            let scorers = scorerList, alternatives = alternativeList
            let alternativeCount = alternatives.count
            let fieldCount = IndexField.allCases.count
            /// Per alternative: the first document ≥ the last target where all its terms agree.
            /// −1: not computed yet.
            var next = [Int64](repeating: -1, count: alternativeCount)
            var norms: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            var groupBest = [Double](repeating: -1, count: max(1, (clauses + excluded.joined()).map(\.groups).max() ?? 1))
            var partSums = [Double](repeating: 0, count: max(parts, 1))

            @inline(__always) func norm(_ field: Int) -> UInt8 {
                switch field { case 0: norms.0; case 1: norms.1; case 2: norms.2; default: norms.3 }
            }
            /// The first document ≥ `target` holding term `s` in its fields.
            @inline(__always) func advance(_ s: TermScorer, to target: UInt32) -> UInt32 {
                guard s.cursor >= 0 else { return PostingsCursor.exhausted }
                cursors[s.cursor].advance(to: target)
                return cursors[s.cursor].doc
            }
            /// Score of one term at `doc` (its cursor already advanced to ≥ doc).
            @inline(__always) func termScore(_ s: TermScorer, _ doc: UInt32) -> Double? {
                guard s.cursor >= 0, cursors[s.cursor].doc == doc else { return nil }
                var pf = 0.0
                for f in 0..<fieldCount where s.fields & (1 << UInt8(f)) != 0 {
                    let tf = cursors[s.cursor].frequency(f)
                    if tf > 0 { pf += Double(tf) * factors.factor(f, norm: norm(f)) }
                }
                return scoring.score(idf: s.idf, pseudoFrequency: pf)
            }
            /// Upper bound of one term's score over the block window containing `doc`, and
            /// the window's last document.
            @inline(__always) func termBound(_ s: TermScorer, _ doc: UInt32) -> (Double, UInt32) {
                guard s.cursor >= 0, let m = cursors[s.cursor].blockMaximum(containing: doc) else { return (0, PostingsCursor.exhausted) }
                var pf = 0.0
                for f in 0..<fieldCount where s.fields & (1 << UInt8(f)) != 0 {
                    let tf = m.maxFrequency(f)
                    if tf > 0 { pf += Double(tf) * factors.factor(f, norm: m.minNorm(f)) }
                }
                return (scoring.score(idf: s.idf, pseudoFrequency: pf), m.lastDoc)
            }
            /// Whether the terms of a phrase alternative (all at `doc`) stand next to each
            /// other in one of its phrase fields.
            func phraseMatches(_ alt: CompiledAlternative, _ doc: UInt32, _ fields: UInt8) throws -> Bool {
                for field in [IndexField.title, .body] where fields & field.bit != 0 {
                    var lists: [[UInt32]] = []
                    for t in alt.terms {
                        let i = scorers[t].cursor
                        guard i >= 0, cursors[i].doc == doc, cursors[i].frequency(field) > 0 else { break }
                        lists.append(try cursors[i].positions(field))
                    }
                    if lists.count == alt.terms.count && Searcher.hasPhrase(lists) { return true }
                }
                return false
            }
            /// Score of a clause at `doc`, nil when no alternative matches. Phrase alternatives
            /// count as matching unless `verify` (then their positions are checked).
            func clauseScore(_ c: CompiledClause, _ doc: UInt32, verify: Bool) throws -> Double? {
                for g in 0..<c.groups { groupBest[g] = -1 }
                var any = false
                for a in c.alternatives {
                    let alt = alternatives[a]
                    var sum = 0.0
                    var all = true
                    for t in alt.terms {
                        let s = scorers[t]
                        guard advance(s, to: doc) == doc, let v = termScore(s, doc) else { all = false; break }
                        sum += v
                    }
                    guard all else { continue }
                    if verify, alt.phraseFields != 0, !(try phraseMatches(alt, doc, alt.phraseFields)) { continue }
                    groupBest[alt.group] = max(groupBest[alt.group], sum * alt.weight)
                    any = true
                }
                guard any else { return nil }
                var total = 0.0
                for g in 0..<c.groups where groupBest[g] >= 0 { total += groupBest[g] }
                return total
            }
            /// The next document ≥ target where the clause can match (a candidate, not checked).
            func clauseNext(_ c: CompiledClause, _ target: UInt32) -> UInt32 {
                var best = PostingsCursor.exhausted
                for a in c.alternatives {
                    let alt = alternatives[a]
                    // Still ahead of the target: the alternative's next candidate is unchanged
                    // (targets only grow).
                    if next[alt.id] >= Int64(target) {
                        best = min(best, UInt32(next[alt.id]))
                        continue
                    }
                    // Leapfrog over the alternative's terms.
                    var d = target
                    var agreed = false
                    while !agreed && d != PostingsCursor.exhausted {
                        agreed = true
                        for t in alt.terms {
                            let n = advance(scorers[t], to: d)
                            if n != d { d = n; agreed = false; break }
                        }
                    }
                    next[alt.id] = Int64(d)
                    best = min(best, d)
                }
                return best
            }
            /// Upper bound of the whole score over the window at `doc`, and the window's end.
            func bound(_ doc: UInt32) -> (Double, UInt32) {
                var total = proximityBound
                var end = PostingsCursor.exhausted
                for c in clauses {
                    for g in 0..<c.groups { groupBest[g] = 0 }
                    for a in c.alternatives {
                        let alt = alternatives[a]
                        var sum = 0.0
                        for t in alt.terms {
                            let (v, e) = termBound(scorers[t], doc)
                            sum += v
                            end = min(end, e)
                        }
                        groupBest[alt.group] = max(groupBest[alt.group], sum * alt.weight)
                    }
                    for g in 0..<c.groups { total += groupBest[g] }
                }
                return (total, end)
            }
            /// Whether `doc` matches every clause of one of the exclusions.
            func isExcluded(_ doc: UInt32) throws -> Bool {
                for group in excluded {
                    var all = true
                    for c in group {
                        guard clauseNext(c, doc) == doc else { all = false; break }
                        if c.hasPhrase, try clauseScore(c, doc, verify: true) == nil { all = false; break }
                    }
                    if all { return true }
                }
                return false
            }
            /// The proximity bonus at `doc` (as `Searcher.proximityBonus` defines it).
            func proximityBonus(_ doc: UInt32) throws -> Double {
                for i in 0..<proximityCount {
                    guard proximityCursors[i] != nil else { return 0 }
                    proximityCursors[i]!.advance(to: doc)
                    guard proximityCursors[i]!.doc == doc else { return 0 }
                }
                var best = Int.max
                for field in [IndexField.body, .title] {
                    var lists: [[UInt32]] = []
                    for i in 0..<proximityCount {
                        guard proximityCursors[i]!.frequency(field) > 0 else { break }
                        lists.append(try proximityCursors[i]!.positions(field))
                    }
                    if lists.count == proximity.count { best = min(best, Searcher.shortestSpan(lists)) }
                }
                return Searcher.proximityBonus(span: best, terms: proximity.count)
            }
            /// Whether a document scoring at most `score` may still enter the top k.
            func mayEnter(_ score: Double) -> Bool {
                !top.isFull || score * (1 + 1e-9) + 1e-12 >= top.threshold
            }
            /// The document's score: per part the sum of its clauses, then the parts; nil when
            /// the document does not match.
            func documentScore(_ doc: UInt32, verify: Bool) throws -> Double? {
                for p in 0..<parts { partSums[p] = 0 }
                var any = false
                for (ci, c) in clauses.enumerated() {
                    if let v = try clauseScore(c, doc, verify: verify) {
                        partSums[c.part] += v
                        any = true
                    } else if isRequired[ci] {
                        return nil
                    }
                }
                guard any else { return nil }
                var score = 0.0
                for p in 0..<parts { score += partSums[p] }
                return score
            }
            let needsVerification = clauses.contains(where: \.hasPhrase)

            var window: (limit: Double, end: UInt32) = (0, 0)
            var haveWindow = false
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
                    // A window's bound holds for every document up to its end (each cursor's
                    // block reaches at least that far), so it is computed once per window.
                    if !haveWindow || doc > window.end {
                        window = bound(doc)
                        haveWindow = true
                    }
                    // Strictly below the k-th score (with room for rounding): nothing in the window can enter.
                    if window.limit * (1 + 1e-9) + 1e-12 < top.threshold {
                        exact = false
                        if window.end == PostingsCursor.exhausted { break }
                        target = max(window.end, doc) &+ 1
                        continue
                    }
                }
                target = doc &+ 1
                guard segment.isLive(doc), accept(si, doc), try !isExcluded(doc) else { continue }
                norms = r.normBytes(doc)
                // Phase one: the score with phrases unchecked, an upper bound of the real one.
                guard var score = try documentScore(doc, verify: false) else { continue }
                if !countAll && !mayEnter(score + proximityBound) {
                    // Cannot enter the top k; counted only when its match is certain.
                    if needsVerification { exact = false } else { matched += 1 }
                    continue
                }
                // Phase two: positions.
                if needsVerification {
                    guard let verified = try documentScore(doc, verify: true) else { continue }
                    score = verified
                }
                matched += 1
                if !proximity.isEmpty && (countAll ? mayEnter(score + proximityBound) : true) {
                    score += try proximityBonus(doc)
                }
                top.insert(ScoredDocument(score: score, id: r.documentID(doc), segment: si, doc: doc))
            }
            for i in 0..<cursorCount { if let e = cursors[i].error { throw e } }
            for i in 0..<proximityCount { if let e = proximityCursors[i]?.error { throw e } }
        }
        return Outcome(top: top.sorted(), matched: matched, exact: exact)
    }
}
