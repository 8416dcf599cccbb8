import DiariumIndex
import Foundation

/// A query of any shape the parser accepts, as a tree of document iterators: the same
/// semantics and the same score (bit for bit: the same terms summed in the same order) as the
/// exhaustive evaluator (`Searcher.evaluate`), but evaluated document at a time over postings
/// cursors, so a top k prunes by block maxima and a count or sort walks the postings without
/// building scored hits.
///
/// Segment-independent: `QueryTree.instantiate` turns it into one segment's iterators.
indirect enum QueryTree {
    /// A `.words` node: its query words (each a clause of alternatives). With `requireAll`
    /// the required clauses must all match, otherwise any clause suffices; a document scores
    /// the sum of its matching clauses, in order.
    case words([WeightedQuery.Clause], requireAll: Bool)
    /// One alternative on its own (a phrase: its terms, positions checked).
    case alternative(WeightedQuery.Alternative)
    /// Any of the alternatives (a prefix's expansions); the best scores.
    case clause(WeightedQuery.Clause)
    /// Any of the parts; the matching parts' scores add up, in order.
    case or([QueryTree])
    /// Every `required` part (their scores add up, in order), then at least one `optional`
    /// part when there is no required one (optional scores add up after), no `excluded` part,
    /// and every filter.
    case and(required: [QueryTree], optional: [QueryTree], excluded: [QueryTree], filters: [MetadataFilter])
    /// Every live document, scoring 0.
    case all

    /// The filters of a tree that is a bare metadata filter (`.and` of `.all` and filters).
    var isFilterOnly: Bool {
        if case let .and(required, optional, excluded, filters) = self {
            return !filters.isEmpty && optional.isEmpty && excluded.isEmpty && required.allSatisfy { if case .all = $0 { return true }; return false }
        }
        return false
    }

    /// Whether positions must be checked before a candidate's score is final (a phrase
    /// outside an exclusion).
    var hasPhrase: Bool {
        switch self {
        case let .words(clauses, _): return clauses.contains { $0.alternatives.contains { $0.phraseFields != nil } }
        case let .alternative(a): return a.phraseFields != nil
        case let .clause(c): return c.alternatives.contains { $0.phraseFields != nil }
        case let .or(parts): return parts.contains(where: \.hasPhrase)
        case let .and(required, optional, _, _): return (required + optional).contains(where: \.hasPhrase)
        case .all: return false
        }
    }
}

extension Searcher {
    /// The iterator tree of `node`, mirroring `evaluate(node, requireAll:)` case by case; nil
    /// where `evaluate` gives nil (no searchable words: no condition). Records highlight and
    /// proximity terms and idfs in `c` as `evaluate` does.
    func queryTree(_ node: QueryNode, _ c: inout EvaluationContext, requireAll: Bool) throws -> QueryTree? {
        switch node {
        case let .words(text, field):
            let plan = try plan(text)
            guard !plan.clauses.isEmpty else { return nil }
            let fields = Searcher.fields(field)
            var clauses: [WeightedQuery.Clause] = []
            for clause in plan.clauses {
                for alt in clause.alternatives {
                    c.highlight.append(contentsOf: alt.terms)
                    for t in alt.terms { _ = try idf(of: t, &c) }
                }
                if clause.required && requireAll, let typed = clause.alternatives.first, typed.terms.count == 1 {
                    c.proximityTerms.append(typed.terms[0])
                }
                clauses.append(.init(alternatives: clause.alternatives.map { .init(terms: $0.terms, weight: $0.weight, fields: fields) },
                                     required: clause.required))
            }
            return .words(clauses, requireAll: requireAll)
        case let .phrase(text, field):
            let terms = wordTerms(text)
            guard !terms.isEmpty else { return nil }
            c.highlight.append(contentsOf: terms)
            if terms.count == 1 { return try queryTree(.words(text, field: field), &c, requireAll: true) }
            for t in terms { _ = try idf(of: t, &c) }
            let fields = Searcher.phraseFields(field)
            return .alternative(.init(terms: terms, weight: 1, fields: Set(fields), phraseFields: fields))
        case let .prefix(p, field):
            let fields = Searcher.fields(field)
            let expansions = try prefixExpansions(p, fields: fields)
            c.highlight.append(contentsOf: expansions)
            for t in expansions { _ = try idf(of: t, &c) }
            return .clause(.init(alternatives: expansions.map { .init(terms: [$0], weight: 1, fields: fields) }, required: true))
        case let .filter(f):
            return .and(required: [.all], optional: [], excluded: [], filters: [f])
        case let .and(parts):
            var required: [QueryTree] = [], optional: [QueryTree] = [], excluded: [QueryTree] = []
            var filters: [MetadataFilter] = []
            for part in parts {
                if case let .not(inner) = part {
                    // Excluded words earn no proximity bonus.
                    let proximity = c.proximityTerms
                    if let t = try queryTree(inner, &c, requireAll: true) { excluded.append(t) }
                    c.proximityTerms = proximity
                    continue
                }
                if case let .filter(f) = part { filters.append(f); continue }
                guard let t = try queryTree(part, &c, requireAll: requireAll) else { continue }
                if requireAll { required.append(t) } else { optional.append(t) }
            }
            if required.isEmpty && optional.isEmpty {
                // Filters and exclusions alone: every live document passing them.
                guard !filters.isEmpty || !excluded.isEmpty else { return nil }
                required = [.all]
            }
            return .and(required: required, optional: optional, excluded: excluded, filters: filters)
        case let .or(parts):
            var trees: [QueryTree] = []
            for part in parts { if let t = try queryTree(part, &c, requireAll: true) { trees.append(t) } }
            if trees.isEmpty { return nil }
            return trees.count == 1 ? trees[0] : .or(trees)
        case let .not(inner):
            let proximity = c.proximityTerms
            defer { c.proximityTerms = proximity }
            guard let t = try queryTree(inner, &c, requireAll: true) else { return .all }
            return .and(required: [.all], optional: [], excluded: [t], filters: [])
        }
    }
}

/// How far a node evaluates a document it stands on.
enum ScoreMode {
    /// An upper bound of the score with phrase positions unchecked; nil only when the document
    /// certainly does not match.
    case candidate
    /// The score, phrase positions checked; nil when the document does not match.
    case exact
    /// Whether the document matches (phrase positions checked), no score (0).
    case matchOnly
}

/// One segment's cursors and the scoring state its iterator nodes share.
final class SegmentScoring {
    let scoring: BM25F
    let factors: FieldFactors
    let reader: SegmentReader
    /// The decode buffers of every cursor below; this object (which holds `reader` too)
    /// outlives the cursors it owns.
    let buffers = PostingsBuffers()
    /// Every term cursor of the tree (one per term occurrence, every field's frequencies),
    /// mutated in place: a copy would share the original's decode buffers.
    var cursors: [PostingsCursor] = []
    /// The norm bytes of the document being scored (set by the driver before scoring).
    var norms: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)

    init(scoring: BM25F, factors: FieldFactors, reader: SegmentReader) {
        self.scoring = scoring
        self.factors = factors
        self.reader = reader
    }

    @inline(__always) func norm(_ field: Int) -> UInt8 {
        switch field { case 0: norms.0; case 1: norms.1; case 2: norms.2; default: norms.3 }
    }
}

/// A document iterator of one segment. `next(target)` gives the first document ≥ `target`
/// that may match (phrase positions, exclusions and filters unchecked), or
/// `PostingsCursor.exhausted`; targets never decrease. `score(doc, mode)` evaluates a document
/// for which `next(doc) == doc`. `bound(doc)` is an upper bound of the score of every document
/// from `doc` up to the returned window end (block maxima of the skip entries).
class MatchNode {
    func next(_ target: UInt32) -> UInt32 { PostingsCursor.exhausted }
    func score(_ doc: UInt32, _ mode: ScoreMode) throws -> Double? { nil }
    func bound(_ doc: UInt32) -> (Double, UInt32) { (0, PostingsCursor.exhausted) }
}

/// One term over the fields of its alternative: one cursor (`shared.cursors[cursor]`, −1 when
/// the segment lacks the term there) restricted to `fields`, scored as the exhaustive evaluator
/// scores it (Σ over `fields`, in field order, of tf × field factor; then BM25 saturation).
final class TermNode: MatchNode {
    let shared: SegmentScoring
    let cursor: Int
    /// The fields the term is scored in, as a mask (`IndexField.bit`).
    let fields: UInt8
    let idf: Double
    private static let fieldCount = IndexField.allCases.count

    init(_ shared: SegmentScoring, cursor: Int, fields: UInt8, idf: Double) {
        self.shared = shared
        self.cursor = cursor
        self.fields = fields
        self.idf = idf
    }

    override func next(_ target: UInt32) -> UInt32 {
        guard cursor >= 0 else { return PostingsCursor.exhausted }
        shared.cursors[cursor].advance(to: target)
        return shared.cursors[cursor].doc
    }

    override func score(_ doc: UInt32, _ mode: ScoreMode) throws -> Double? {
        guard cursor >= 0, shared.cursors[cursor].doc == doc else { return nil }
        if mode == .matchOnly { return 0 }
        var pf = 0.0
        for f in 0..<Self.fieldCount where fields & (1 << UInt8(f)) != 0 {
            let tf = shared.cursors[cursor].frequency(f)
            if tf > 0 { pf += Double(tf) * shared.factors.factor(f, norm: shared.norm(f)) }
        }
        return shared.scoring.score(idf: idf, pseudoFrequency: pf)
    }

    override func bound(_ doc: UInt32) -> (Double, UInt32) {
        guard cursor >= 0, let m = shared.cursors[cursor].blockMaximum(containing: doc) else { return (0, PostingsCursor.exhausted) }
        var pf = 0.0
        for f in 0..<Self.fieldCount where fields & (1 << UInt8(f)) != 0 {
            let tf = m.maxFrequency(f)
            if tf > 0 { pf += Double(tf) * shared.factors.factor(f, norm: m.minNorm(f)) }
        }
        return (shared.scoring.score(idf: idf, pseudoFrequency: pf), m.lastDoc)
    }

    /// The term's positions at `doc` in `field` (title or body), nil when it is not there.
    func positions(_ doc: UInt32, in field: IndexField) throws -> [UInt32]? {
        guard cursor >= 0, shared.cursors[cursor].doc == doc, shared.cursors[cursor].frequency(field) > 0 else { return nil }
        return try shared.cursors[cursor].positions(field)
    }
}

/// Nodes whose `next` is remembered: valid for every target up to the remembered document.
class CachedNode: MatchNode {
    private var cached: Int64 = -1

    final override func next(_ target: UInt32) -> UInt32 {
        if cached >= Int64(target) { return UInt32(cached) }
        let d = compute(target)
        cached = Int64(d)
        return d
    }

    func compute(_ target: UInt32) -> UInt32 { PostingsCursor.exhausted }

    /// The first document ≥ `target` on which every node of `nodes` agrees (leapfrog).
    @inline(__always)
    static func agree(_ nodes: [MatchNode], _ target: UInt32) -> UInt32 {
        var d = target
        var agreed = false
        while !agreed && d != PostingsCursor.exhausted {
            agreed = true
            for n in nodes {
                let x = n.next(d)
                if x != d { d = x; agreed = false; break }
            }
        }
        return d
    }

    /// The smallest `next(target)` of `nodes`.
    @inline(__always)
    static func smallest(_ nodes: [MatchNode], _ target: UInt32) -> UInt32 {
        var best = PostingsCursor.exhausted
        for n in nodes { best = min(best, n.next(target)) }
        return best
    }
}

/// All terms of an alternative (× its weight); a phrase's terms also next to each other in
/// one of its phrase fields.
final class AlternativeNode: CachedNode {
    let terms: [TermNode]
    let weight: Double
    let phraseFields: [IndexField]?

    init(terms: [TermNode], weight: Double, phraseFields: [IndexField]?) {
        self.terms = terms
        self.weight = weight
        self.phraseFields = phraseFields
    }

    override func compute(_ target: UInt32) -> UInt32 { terms.isEmpty ? PostingsCursor.exhausted : CachedNode.agree(terms, target) }

    override func score(_ doc: UInt32, _ mode: ScoreMode) throws -> Double? {
        var sum = 0.0
        for t in terms {
            guard let v = try t.score(doc, mode) else { return nil }
            sum += v
        }
        if mode != .candidate, let fields = phraseFields, !(try phraseMatches(doc, fields)) { return nil }
        return sum * weight
    }

    func phraseMatches(_ doc: UInt32, _ fields: [IndexField]) throws -> Bool {
        for field in fields {
            var lists: [[UInt32]] = []
            for t in terms {
                guard let p = try t.positions(doc, in: field) else { break }
                lists.append(p)
            }
            if lists.count == terms.count && Searcher.hasPhrase(lists) { return true }
        }
        return false
    }

    override func bound(_ doc: UInt32) -> (Double, UInt32) {
        var sum = 0.0
        var end = PostingsCursor.exhausted
        for t in terms {
            let (v, e) = t.bound(doc)
            sum += v
            end = min(end, e)
        }
        return (sum * weight, end)
    }
}

/// Any of the alternatives; the best matching one scores.
final class ClauseNode: CachedNode {
    let alternatives: [AlternativeNode]

    init(_ alternatives: [AlternativeNode]) { self.alternatives = alternatives }

    override func compute(_ target: UInt32) -> UInt32 { CachedNode.smallest(alternatives, target) }

    override func score(_ doc: UInt32, _ mode: ScoreMode) throws -> Double? {
        var best: Double?
        for a in alternatives where a.next(doc) == doc {
            guard let v = try a.score(doc, mode) else { continue }
            if mode == .matchOnly { return 0 }
            best = max(best ?? 0, v)
        }
        return best
    }

    override func bound(_ doc: UInt32) -> (Double, UInt32) {
        var best = 0.0
        var end = PostingsCursor.exhausted
        for a in alternatives {
            let (v, e) = a.bound(doc)
            best = max(best, v)
            end = min(end, e)
        }
        return (best, end)
    }
}

/// Sum nodes: `.words` (clauses), `.or` (parts) and `.and` (required and optional parts,
/// exclusions, filters). Required children must all match (leapfrog); without required ones
/// at least one optional child must. The matching children's scores add up in child order.
final class SumNode: CachedNode {
    /// Children in scoring order, each with whether it is required.
    let children: [MatchNode]
    let isRequired: [Bool]
    let required: [MatchNode]
    let optional: [MatchNode]
    let excluded: [MatchNode]
    /// Filters on the segment's documents.
    let accept: [(UInt32) -> Bool]

    init(children: [MatchNode], isRequired: [Bool], excluded: [MatchNode] = [], accept: [(UInt32) -> Bool] = []) {
        self.children = children
        self.isRequired = isRequired
        required = zip(children, isRequired).filter(\.1).map(\.0)
        optional = zip(children, isRequired).filter { !$0.1 }.map(\.0)
        self.excluded = excluded
        self.accept = accept
    }

    override func compute(_ target: UInt32) -> UInt32 {
        required.isEmpty ? CachedNode.smallest(optional, target) : CachedNode.agree(required, target)
    }

    override func score(_ doc: UInt32, _ mode: ScoreMode) throws -> Double? {
        for f in accept where !f(doc) { return nil }
        for e in excluded where e.next(doc) == doc {
            if try e.score(doc, .matchOnly) != nil { return nil }
        }
        var sum = 0.0
        var any = false
        for (i, child) in children.enumerated() {
            if child.next(doc) == doc, let v = try child.score(doc, mode) {
                sum += v
                any = true
            } else if isRequired[i] {
                return nil
            }
        }
        return any ? sum : nil
    }

    override func bound(_ doc: UInt32) -> (Double, UInt32) {
        var sum = 0.0
        var end = PostingsCursor.exhausted
        for c in children {
            let (v, e) = c.bound(doc)
            sum += v
            end = min(end, e)
        }
        return (sum, end)
    }
}

/// Every document of the segment (liveness is the driver's check), scoring 0.
final class AllNode: MatchNode {
    let count: UInt32

    init(count: Int) { self.count = UInt32(clamping: count) }

    override func next(_ target: UInt32) -> UInt32 { target < count ? target : PostingsCursor.exhausted }
    override func score(_ doc: UInt32, _ mode: ScoreMode) throws -> Double? { 0 }
}

extension QueryTree {
    /// The iterators of this tree over one segment; `filter` gives a metadata filter's test
    /// for that segment.
    func instantiate(_ shared: SegmentScoring, idf: [String: Double],
                     filter: (MetadataFilter) throws -> (UInt32) -> Bool) throws -> MatchNode {
        func alternative(_ a: WeightedQuery.Alternative) throws -> AlternativeNode {
            var terms: [TermNode] = []
            let mask = IndexField.mask(a.fields)
            for t in a.terms {
                // Every term of every alternative gets its own cursor: one node's leapfrog
                // may move it past a document another node still needs.
                var at = -1
                if let c = try shared.reader.cursor(Array(t.utf8), fields: a.fields, buffers: shared.buffers) {
                    at = shared.cursors.count
                    shared.cursors.append(c)
                }
                terms.append(TermNode(shared, cursor: at, fields: mask, idf: idf[t] ?? 0))
            }
            return AlternativeNode(terms: terms, weight: a.weight, phraseFields: a.phraseFields)
        }
        func clause(_ c: WeightedQuery.Clause) throws -> ClauseNode { ClauseNode(try c.alternatives.map(alternative)) }
        func build(_ t: QueryTree) throws -> MatchNode {
            switch t {
            case let .words(clauses, requireAll):
                let nodes = try clauses.map(clause)
                // Required clauses intersect; without any (or without requireAll) any clause will do.
                let anyRequired = requireAll && clauses.contains(where: \.required)
                return SumNode(children: nodes, isRequired: clauses.map { anyRequired && $0.required })
            case let .alternative(a):
                return try alternative(a)
            case let .clause(c):
                return try clause(c)
            case let .or(parts):
                let nodes = try parts.map(build)
                return SumNode(children: nodes, isRequired: nodes.map { _ in false })
            case let .and(required, optional, excluded, filters):
                let children = try (required + optional).map(build)
                return SumNode(children: children, isRequired: required.map { _ in true } + optional.map { _ in false },
                               excluded: try excluded.map(build), accept: try filters.map(filter))
            case .all:
                return AllNode(count: shared.reader.documentCount)
            }
        }
        return try build(self)
    }
}

/// The proximity bonus of a document (`Searcher.proximityBonus`): a body-and-title cursor per
/// typed term, advanced only for documents that are scored with it.
struct ProximityScorer {
    let terms: [String]
    /// nil: the segment lacks the term in body and title. Mutated in place (a copy would share
    /// the decode buffers).
    private var cursors: [PostingsCursor?] = []

    /// The largest bonus: all words adjacent.
    var maximum: Double { terms.isEmpty ? 0 : Searcher.proximityBonus(span: terms.count, terms: terms.count) }

    /// For `terms` (no bonus unless two or more) in segment `reader`; the cursors' decode
    /// buffers come from `buffers`, which (with `reader`) must outlive this scorer.
    init(terms: [String], reader: SegmentReader, buffers: PostingsBuffers) throws {
        self.terms = terms.count >= 2 ? terms : []
        cursors = try self.terms.map { try reader.cursor(Array($0.utf8), fields: [.body, .title], buffers: buffers) }
    }

    /// The bonus at `doc` (documents in ascending order).
    mutating func bonus(_ doc: UInt32) throws -> Double {
        guard !terms.isEmpty else { return 0 }
        for i in cursors.indices {
            guard cursors[i] != nil else { return 0 }
            cursors[i]!.advance(to: doc)
            guard cursors[i]!.doc == doc else { return 0 }
        }
        var best = Int.max
        for field in [IndexField.body, .title] {
            var lists: [[UInt32]] = []
            for i in cursors.indices {
                guard cursors[i]!.frequency(field) > 0 else { break }
                lists.append(try cursors[i]!.positions(field))
            }
            if lists.count == terms.count { best = min(best, Searcher.shortestSpan(lists)) }
        }
        return Searcher.proximityBonus(span: best, terms: terms.count)
    }

    /// The first damage a cursor met.
    var error: IndexError? { cursors.lazy.compactMap { $0?.error }.first }
}

/// Block-max top-k and match walks over a `QueryTree`, segment by segment.
struct TreeEvaluator {
    let searcher: Searcher
    let factors: FieldFactors
    let idf: [String: Double]
    private let filters = FilterPredicates()

    /// An evaluator with the idfs and field factors `context` gathered while the trees were built.
    init(searcher: Searcher, context: EvaluationContext) {
        self.searcher = searcher
        factors = context.factors
        idf = context.idf
    }

    /// Each metadata filter's test, made once per query (some read the catalog).
    private final class FilterPredicates {
        var made: [(filter: MetadataFilter, test: (Int, UInt32) -> Bool)] = []

        func test(_ f: MetadataFilter, _ searcher: Searcher) throws -> (Int, UInt32) -> Bool {
            if let m = made.first(where: { $0.filter == f }) { return m.test }
            let t = try searcher.filterPredicate(f)
            made.append((f, t))
            return t
        }
    }

    /// One segment's root iterator.
    func root(_ tree: QueryTree, segment si: Int) throws -> (MatchNode, SegmentScoring) {
        let segment = searcher.reader.segments[si]
        let shared = SegmentScoring(scoring: searcher.scoring, factors: factors, reader: segment.reader)
        let node = try tree.instantiate(shared, idf: idf) { f in
            let p = try filters.test(f, searcher)
            return { p(si, $0) }
        }
        return (node, shared)
    }

    /// Whether any live document matches `tree`.
    func anyMatch(_ tree: QueryTree) throws -> Bool {
        for (si, segment) in searcher.reader.segments.enumerated() {
            let (node, shared) = try root(tree, segment: si)
            var target: UInt32 = 0
            while target != PostingsCursor.exhausted {
                let doc = node.next(target)
                guard doc != PostingsCursor.exhausted else { break }
                target = doc &+ 1
                if segment.isLive(doc), try node.score(doc, .matchOnly) != nil { return true }
            }
            if let e = shared.cursors.lazy.compactMap(\.error).first { throw e }
        }
        return false
    }

    /// The best `k` documents, with the proximity bonus for `proximityTerms` (two or more); the
    /// number of matches, exact unless a block was skipped (`countAll`: never skipped).
    func top(_ tree: QueryTree, proximityTerms: [String], k: Int, countAll: Bool) throws -> BlockMaxEvaluator.Outcome {
        var top = TopDocuments(k: max(k, 1))
        var matched = 0
        var exact = true
        let verify = tree.hasPhrase
        /// Whether a document scoring at most `score` may still enter the top k.
        func mayEnter(_ score: Double) -> Bool { !top.isFull || score * (1 + 1e-9) + 1e-12 >= top.threshold }
        for (si, segment) in searcher.reader.segments.enumerated() {
            let (node, shared) = try root(tree, segment: si)
            let r = segment.reader
            var proximity = try ProximityScorer(terms: proximityTerms, reader: r, buffers: shared.buffers)
            let proximityBound = proximity.maximum
            var window: (limit: Double, end: UInt32) = (0, 0)
            var haveWindow = false
            var target: UInt32 = 0
            while target != PostingsCursor.exhausted {
                let doc = node.next(target)
                guard doc != PostingsCursor.exhausted else { break }
                if top.isFull && !countAll {
                    // A window's bound holds for every document up to its end, so it is
                    // computed once per window.
                    if !haveWindow || doc > window.end {
                        let (b, e) = node.bound(doc)
                        window = (b + proximityBound, e)
                        haveWindow = true
                    }
                    if window.limit * (1 + 1e-9) + 1e-12 < top.threshold {
                        exact = false
                        if window.end == PostingsCursor.exhausted { break }
                        target = max(window.end, doc) &+ 1
                        continue
                    }
                }
                target = doc &+ 1
                guard segment.isLive(doc) else { continue }
                shared.norms = r.normBytes(doc)
                // Phase one: phrases unchecked, an upper bound of the score.
                guard var score = try node.score(doc, .candidate) else { continue }
                if !countAll && !mayEnter(score + proximityBound) {
                    // Cannot enter the top k; counted only when its match is certain.
                    if verify { exact = false } else { matched += 1 }
                    continue
                }
                // Phase two: positions.
                if verify {
                    guard let v = try node.score(doc, .exact) else { continue }
                    score = v
                }
                matched += 1
                if !proximity.terms.isEmpty && mayEnter(score + proximityBound) { score += try proximity.bonus(doc) }
                top.insert(ScoredDocument(score: score, id: r.documentID(doc), segment: si, doc: doc))
            }
            if let e = shared.cursors.lazy.compactMap(\.error).first { throw e }
            if let e = proximity.error { throw e }
        }
        return .init(top: top.sorted(), matched: matched, exact: exact)
    }

    /// Calls `body(doc, score)` for every live match of segment `si`, in document order:
    /// `score()` gives the document's score (without the proximity bonus) when asked. Matching
    /// costs a walk of the postings (phrase positions checked); nothing is scored unless asked.
    func forEachMatch(_ tree: QueryTree, segment si: Int, _ body: (UInt32, () throws -> Double) throws -> Void) throws {
        let segment = searcher.reader.segments[si]
        let (node, shared) = try root(tree, segment: si)
        let r = segment.reader
        var target: UInt32 = 0
        while target != PostingsCursor.exhausted {
            let doc = node.next(target)
            guard doc != PostingsCursor.exhausted else { break }
            target = doc &+ 1
            guard segment.isLive(doc), try node.score(doc, .matchOnly) != nil else { continue }
            try body(doc) {
                shared.norms = r.normBytes(doc)
                return try node.score(doc, .exact) ?? 0
            }
        }
        if let e = shared.cursors.lazy.compactMap(\.error).first { throw e }
    }
}
