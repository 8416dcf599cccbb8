import DiariumIndex
import Foundation

// The query engine: one block-max top-k engine for every query shape.
//
// A parsed query (`QueryNode`) becomes a `QueryTree` (segment-independent: words, phrases,
// prefixes, OR, AND with exclusions and filters, every document), and for each segment a
// `SegmentMatcher`: the tree compiled into a flat array of plain-value nodes (`PlanNode`) over
// one buffer of postings cursors. `TreeEvaluator` drives it — the ranked page (`top`), the
// walks behind sorting and counting (`forEachMatch`), the fallback test (`anyMatch`).
// `Searcher.evaluate` (Evaluation.swift) is the exhaustive reference the tests judge it by.
// A tree that is a union of single terms (OR, a prefix, a word's alternatives, under filters)
// is ranked term by term instead (`UnionQuery`, TopK+Union.swift), with the same scores.
//
// Invariants:
// - Semantics and scores are those of the exhaustive evaluator, bit for bit: every node sums
//   its children in the same order, each term is scored by `BM25F.score` over its fields in
//   field order (the formula is written once, in Scoring.swift); the compiler's collapses
//   (a one-term alternative, a one-alternative clause, a one-child sum) only drop an exact
//   `0 + x` or `x × 1`.
// - Documents are visited in ascending order, and a node is asked for `next(target)` with
//   targets that never decrease: so a node may remember its answer, and a cursor only moves
//   forward. `score(doc)` is asked only for a document its node stands on (`next(doc) == doc`).
// - Every term occurrence has its own cursor: one node's leapfrog may move a cursor past a
//   document another node still needs.
// - Block-max: `bound(doc)` is an upper bound of the score of every document from `doc` to the
//   window end it returns (the smallest block end of the cursors below; per term the smaller of
//   the skip entry's two bounds of a document's pseudo frequency — the block's largest one at
//   the segment's `BoundReference`, scaled to this query by `BM25F.boundScale`, and per field the
//   largest frequency at the smallest norm — BM25F's saturation rising in it), plus the largest
//   proximity bonus. It reads only skip entries, so a window is bounded before its blocks are
//   decoded. A window whose bound is strictly below the k-th best score (with room for
//   rounding: `TopDocuments.isBelow`) is skipped whole, and the total becomes a lower bound
//   (`exact` false); with `countAll` nothing is skipped.
// - Two-phase: phase one scores with phrase positions unchecked (an upper bound of the real
//   score); positions (phrases) and the proximity bonus are computed only for a document that
//   can still enter the top k. A document rejected in phase one counts as a match only when
//   its match is certain (no phrase to check).
// - The top k is exactly the exhaustive ranking's first k (score, then catalog id); a
//   document's catalog id is read only when it enters the heap.
// - Hot loops touch plain values only: nodes, links and cursors live in unsafe buffers owned
//   by the matcher (one object per query and segment), so moving through postings costs no
//   reference counting, hashing or dynamic dispatch. The matcher keeps the segment reader and
//   the cursors' decode buffers alive as long as the cursors.

/// A query of any shape the parser accepts, as a tree of document iterators: the same
/// semantics and the same score as the exhaustive evaluator (`Searcher.evaluate`), evaluated
/// document at a time over postings cursors (see the top of this file).
///
/// Segment-independent: `SegmentMatcher` compiles it for one segment.
indirect enum QueryTree {
    /// One way to satisfy a clause: all its terms (and, for a phrase, their positions next to
    /// each other in one of `phraseFields`), scored as the sum of the terms' BM25F × `weight`.
    struct Alternative {
        var terms: [String]
        var weight: Double
        /// The fields the terms are looked up in.
        var fields: Set<IndexField>
        /// For a phrase: the fields in one of which the terms must stand next to each other,
        /// in order.
        var phraseFields: [IndexField]?
    }

    /// A query word: any of its alternatives (the best matching one scores); a stop word's is
    /// not `required`.
    struct Clause {
        var alternatives: [Alternative]
        var required: Bool
    }

    /// A `.words` node: its query words (each a clause of alternatives). With `requireAll`
    /// the required clauses must all match, otherwise any clause suffices; a document scores
    /// the sum of its matching clauses, in order.
    case words([Clause], requireAll: Bool)
    /// One alternative on its own (a phrase: its terms, positions checked).
    case alternative(Alternative)
    /// Any of the alternatives (a prefix's expansions); the best scores.
    case clause(Clause)
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
            var clauses: [QueryTree.Clause] = []
            if plan.hasJoinedForms { c.joinedForms = true }
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
            let (expansions, found) = try prefixLookup(p, fields: fields)
            c.highlight.append(contentsOf: expansions)
            for (t, row) in zip(expansions, found) {
                // The idf from the entries found (`idf(of:)`'s document frequency, summed); the
                // entries stay in `found(_:)`'s memo for the cursors.
                _ = idf(of: t, &c) { row.reduce(0) { $0 + ($1?.documentFrequency ?? 0) } }
            }
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

/// One node of a segment's compiled tree (`SegmentMatcher`): a plain value in a flat array,
/// its children as a range of `SegmentMatcher.links`.
struct PlanNode {
    enum Kind: UInt8 {
        /// One term over some fields: cursor `cursor` (−1: the segment lacks it there),
        /// scored over `fields` (a mask), × `weight`.
        case term
        /// Every document of the segment, scoring 0.
        case all
        /// All `children` (terms) at the document, their scores summed × `weight`; for a
        /// phrase (`phraseFields` ≠ 0) next to each other in one of those fields.
        case conjunction
        /// Any of `children`; the best matching one scores.
        case best
        /// The `.words`, `.or` and `.and` nodes: every required child (`drive`, leapfrogged)
        /// or, without required ones, any child; no `excluded` child; every filter. The
        /// matching children's scores add up in child order.
        case sum
    }

    var kind: Kind
    var cursor: Int32 = -1
    var fields: UInt8 = 0
    var phraseFields: UInt8 = 0
    var idf = 0.0
    var weight = 1.0
    /// For a term: the factor from its blocks' pseudo-frequency bounds to this query's
    /// (`BM25F.boundScale`).
    var boundScale = Double.infinity
    /// Children in scoring order (indexes of `links`).
    var children: Range<Int32> = 0..<0
    /// The children that decide `next`: for a conjunction all, for a sum the required ones,
    /// cheapest first (leapfrogged); empty for a sum without required children (any child).
    var drive: Range<Int32> = 0..<0
    var excluded: Range<Int32> = 0..<0
    /// Indexes of `SegmentMatcher.filters`.
    var filters: Range<Int32> = 0..<0
    /// Documents the node may visit (its leapfrog order): a term's document frequency.
    var cost = 0
}

/// A query tree compiled for one segment: the nodes in one flat array of plain values
/// (`PlanNode`), children by index, the term cursors in one buffer mutated in place, each
/// node's remembered `next` in another. Evaluation is a `switch` on the node kind: no class
/// per node, no dynamic dispatch, no reference counting or hashing per posting.
///
/// `next(i, target)` gives the first document ≥ `target` that node `i` may match (phrase
/// positions, exclusions and filters unchecked), or `PostingsCursor.exhausted`; targets given
/// to a node never decrease, so a node's answer stands for every target up to it.
/// `score(i, doc, mode)` evaluates a document with `next(i, doc) == doc`; `bound(i, doc)` is an
/// upper bound of the node's score for every document from `doc` up to the returned window end
/// (the block maxima of the skip entries).
final class SegmentMatcher {
    let segment: LiveSegment
    private let reader: SegmentReader
    /// The cursors' decode buffers (the cursors hold no reference to them).
    private let buffers: PostingsBuffers
    private let nodes: UnsafeMutableBufferPointer<PlanNode>
    private let links: UnsafeMutableBufferPointer<Int32>
    /// Per link of a sum's children: whether that child is required.
    private let isRequired: UnsafeMutableBufferPointer<Bool>
    private let cached: UnsafeMutableBufferPointer<Int64>
    /// Per link: whether that child of the root is essential in the current window (`prune`).
    private let essential: UnsafeMutableBufferPointer<Bool>
    /// Per link: that child's bound in the current window (`prune`'s scratch).
    private let childBound: UnsafeMutableBufferPointer<Double>
    private let cursors: UnsafeMutableBufferPointer<PostingsCursor>
    private let filters: [(UInt32) -> Bool]
    /// Positions of a phrase's terms (`PhraseCheck.matches`' scratch), reused from candidate
    /// to candidate.
    private var phraseScratch: [UInt32] = []
    private let factors: FieldFactors
    /// `factors`' table (field × 256 norm bytes, shared by the searcher's queries, alive as long
    /// as `factors`): a term's score reads it through a plain pointer.
    private let factorTable: UnsafePointer<Double>
    private let scoring: BM25F
    private let normTable: UnsafeRawPointer?
    private let documentCount: UInt32
    private let hasDeletions: Bool
    /// The root node.
    let root: Int
    /// Whether positions must be checked before a candidate's score is final.
    let verifies: Bool
    /// Per term: the cursor of a node of it over (at least) the title and the body, which the
    /// proximity bonus reads instead of decoding the same blocks again (`ProximityScorer`).
    private let wideCursors: [String: Int32]
    /// Whether every phrase of the tree is required for a match (reached from the root through
    /// conjunctions and required children only, never through a `best` or an optional child):
    /// then a candidate whose positions check (`.matchOnly`) scores exactly its candidate score
    /// (the same sums in the same order), and one whose positions fail does not match at all.
    let phraseDecides: Bool
    /// Whether some node of the tree (exclusions included, conservatively) matches every
    /// document (`.all`: `NOT` alone, a bare filter), so that a window without terms (`bound`'s
    /// end `PostingsCursor.exhausted`) may still hold matches.
    let matchesWithoutTerms: Bool
    private static let fieldCount = IndexField.allCases.count

    /// Compiles `tree` for `segment`. Collapses what cannot change a score: an alternative of
    /// one term (no phrase) is that term × its weight, a clause of one alternative is that
    /// alternative, a sum of one child without exclusions or filters is that child (x + 0 = x,
    /// so the scores stay bit for bit those of the exhaustive evaluator).
    /// `entry` gives a term's dictionary entry in the segment (nil: absent; `Searcher.entry`),
    /// `boundScale` the factor of the segment's block bounds for a field mask
    /// (`Searcher.boundScale(segment:mask:)`).
    init(_ tree: QueryTree, segment: LiveSegment, scoring: BM25F, factors: FieldFactors, idf: [String: Double],
         boundScale: (UInt8) -> Double, entry: (String) throws -> FoundTerm?,
         filter: (MetadataFilter) throws -> (UInt32) -> Bool) throws {
        self.segment = segment
        reader = segment.reader
        self.scoring = scoring
        self.factors = factors
        factorTable = factors.table
        documentCount = UInt32(clamping: reader.documentCount)
        hasDeletions = segment.deletedCount > 0
        let table = reader.normTable
        normTable = table.count >= reader.documentCount * Self.fieldCount ? table.baseAddress : nil
        let buffers = PostingsBuffers()
        self.buffers = buffers
        var nodeList: [PlanNode] = []
        var linkList: [Int32] = []
        var requiredList: [Bool] = []
        var cursorList: [PostingsCursor] = []
        var filterList: [(UInt32) -> Bool] = []
        let r = reader
        func add(_ n: PlanNode) -> Int { nodeList.append(n); return nodeList.count - 1 }
        func link(_ ids: [Int], required: [Bool]? = nil) -> Range<Int32> {
            let start = Int32(linkList.count)
            linkList += ids.map { Int32($0) }
            requiredList += required ?? ids.map { _ in false }
            return start..<Int32(linkList.count)
        }
        var wide: [String: Int32] = [:]
        // The bound scale per field mask (a prefix's 64 expansions share one).
        func term(_ t: String, fields: Set<IndexField>, weight: Double) throws -> Int {
            // Every term occurrence gets its own cursor: one node's leapfrog may move it past
            // a document another node still needs.
            var n = PlanNode(kind: .term, fields: IndexField.mask(fields), idf: idf[t] ?? 0, weight: weight)
            n.boundScale = boundScale(n.fields)
            if let e = try entry(t), let c = try r.cursor(e, mask: n.fields, buffers: buffers) {
                n.cursor = Int32(cursorList.count)
                n.cost = c.documentFrequency
                cursorList.append(c)
                if c.fields & ProximityScorer.wideFields == ProximityScorer.wideFields && wide[t] == nil { wide[t] = n.cursor }
            }
            return add(n)
        }
        func cheapestFirst(_ ids: [Int]) -> [Int] { ids.sorted { nodeList[$0].cost < nodeList[$1].cost } }
        func alternative(_ a: QueryTree.Alternative) throws -> Int {
            if a.terms.count == 1 && a.phraseFields == nil { return try term(a.terms[0], fields: a.fields, weight: a.weight) }
            let terms = try a.terms.map { try term($0, fields: a.fields, weight: 1) }
            var n = PlanNode(kind: .conjunction, phraseFields: a.phraseFields.map { IndexField.mask($0) } ?? 0, weight: a.weight)
            n.children = link(terms)
            n.drive = link(cheapestFirst(terms))
            n.cost = terms.map { nodeList[$0].cost }.min() ?? 0
            return add(n)
        }
        func clause(_ c: QueryTree.Clause) throws -> Int {
            if c.alternatives.count == 1 { return try alternative(c.alternatives[0]) }
            var alternatives = try c.alternatives.map(alternative)
            // A one-term alternative the segment lacks never matches and adds nothing to the
            // best: dropped (with one left, the clause is that alternative: max(0, x) = x for a
            // score x ≥ 0). Fewer children to advance and score per document.
            let present = alternatives.filter { nodeList[$0].kind != .term || nodeList[$0].cursor >= 0 }
            if !present.isEmpty && present.count < alternatives.count {
                if present.count == 1 { return present[0] }
                alternatives = present
            }
            var n = PlanNode(kind: .best)
            n.children = link(alternatives)
            n.cost = alternatives.reduce(0) { $0 + nodeList[$1].cost }
            return add(n)
        }
        func sum(_ children: [Int], required: [Bool], excluded: [Int] = [], filters: [(UInt32) -> Bool] = []) -> Int {
            if children.count == 1 && excluded.isEmpty && filters.isEmpty { return children[0] }
            var n = PlanNode(kind: .sum)
            n.children = link(children, required: required)
            let driving = children.indices.filter { required[$0] }.map { children[$0] }
            n.drive = link(cheapestFirst(driving))
            n.excluded = link(excluded)
            let f = Int32(filterList.count)
            filterList += filters
            n.filters = f..<Int32(filterList.count)
            n.cost = driving.isEmpty ? children.reduce(0) { $0 + nodeList[$1].cost } : driving.map { nodeList[$0].cost }.min() ?? 0
            return add(n)
        }
        func build(_ t: QueryTree) throws -> Int {
            switch t {
            case let .words(clauses, requireAll):
                let nodes = try clauses.map(clause)
                // Required clauses intersect; without any (or without requireAll) any clause will do.
                let anyRequired = requireAll && clauses.contains(where: \.required)
                return sum(nodes, required: clauses.map { anyRequired && $0.required })
            case let .alternative(a):
                return try alternative(a)
            case let .clause(c):
                return try clause(c)
            case let .or(parts):
                let nodes = try parts.map(build)
                return sum(nodes, required: nodes.map { _ in false })
            case let .and(required, optional, excluded, filters):
                let children = try (required + optional).map(build)
                return sum(children, required: required.map { _ in true } + optional.map { _ in false },
                           excluded: try excluded.map(build), filters: try filters.map(filter))
            case .all:
                return add(PlanNode(kind: .all, cost: r.documentCount))
            }
        }
        root = try build(tree)
        wideCursors = wide
        verifies = tree.hasPhrase
        func hasPhraseBelow(_ i: Int) -> Bool {
            let n = nodeList[i]
            if n.kind == .conjunction && n.phraseFields != 0 { return true }
            return n.children.contains { hasPhraseBelow(Int(linkList[Int($0)])) }
        }
        func phrasesRequired(_ i: Int) -> Bool {
            let n = nodeList[i]
            switch n.kind {
            case .term, .all, .conjunction: return true
            case .best: return !hasPhraseBelow(i)
            case .sum:
                return n.children.allSatisfy { k in
                    let child = Int(linkList[Int(k)])
                    return requiredList[Int(k)] ? phrasesRequired(child) : !hasPhraseBelow(child)
                }
            }
        }
        phraseDecides = verifies && phrasesRequired(root)
        matchesWithoutTerms = nodeList.contains { $0.kind == .all }
        filters = filterList
        func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
            p.initialize(from: a, count: a.count)
            return UnsafeMutableBufferPointer(start: p, count: a.count)
        }
        nodes = copy(nodeList)
        links = copy(linkList)
        isRequired = copy(requiredList)
        cursors = copy(cursorList)
        cached = copy([Int64](repeating: -1, count: nodeList.count))
        essential = copy([Bool](repeating: true, count: linkList.count))
        childBound = copy([Double](repeating: 0, count: linkList.count))
    }

    deinit {
        // Plain values (PlanNode, Int32, Bool, Int64, PostingsCursor hold no references).
        for b in [nodes.baseAddress.map(UnsafeMutableRawPointer.init), links.baseAddress.map(UnsafeMutableRawPointer.init),
                  isRequired.baseAddress.map(UnsafeMutableRawPointer.init), cursors.baseAddress.map(UnsafeMutableRawPointer.init),
                  cached.baseAddress.map(UnsafeMutableRawPointer.init), essential.baseAddress.map(UnsafeMutableRawPointer.init),
                  childBound.baseAddress.map(UnsafeMutableRawPointer.init)] {
            b?.deallocate()
        }
        withExtendedLifetime(buffers) {}
    }

    /// The first damage a cursor met.
    var error: IndexError? {
        for c in cursors where c.error != nil { return c.error }
        return nil
    }

    /// The norm bytes of `doc` (all fields), for `score`.
    @inline(__always)
    func norms(_ doc: UInt32) -> (UInt8, UInt8, UInt8, UInt8) {
        guard let t = normTable else { return reader.normBytes(doc) }
        return SegmentReader.normBytes(doc, in: t)
    }


    // MARK: Shared cursors (the proximity bonus)

    /// The index of a cursor of `term` over the title and the body (and maybe more), if the
    /// tree has one.
    func sharedCursor(_ term: String) -> Int32? { wideCursors[term] }

    /// The cursors, for `ProximityScorer` to read the shared ones in place (it moves one only to
    /// the document being scored: every later target is past it, so no node's answer changes).
    var cursorBuffer: UnsafeMutableBufferPointer<PostingsCursor> { cursors }

    // MARK: Iteration

    /// Node `i`, read in place (not copied whole).
    @inline(__always)
    private func node(_ i: Int) -> UnsafeMutablePointer<PlanNode> { nodes.baseAddress.unsafelyUnwrapped + i }

    /// Whether `doc` is live (not replaced or removed since the segment was written).
    @inline(__always)
    func isLive(_ doc: UInt32) -> Bool { !hasDeletions || segment.isLive(doc) }

    func next(_ i: Int, _ target: UInt32) -> UInt32 {
        let n = node(i)
        switch n.pointee.kind {
        case .term:
            let c = Int(n.pointee.cursor)
            guard c >= 0 else { return PostingsCursor.exhausted }
            // Already there: no call into the cursor.
            if cursors[c].doc >= target { return cursors[c].doc }
            cursors[c].advance(to: target)
            return cursors[c].doc
        case .all:
            return target < documentCount ? target : PostingsCursor.exhausted
        case .conjunction, .best, .sum:
            if cached[i] >= Int64(target) { return UInt32(cached[i]) }
            let d: UInt32
            let drive = n.pointee.drive
            if n.pointee.kind == .best || (n.pointee.kind == .sum && drive.isEmpty) {
                d = smallest(n.pointee.children, target)
            } else {
                d = drive.isEmpty ? PostingsCursor.exhausted : agree(drive, target)
            }
            cached[i] = Int64(d)
            return d
        }
    }

    /// The first document ≥ `target` on which every node of `ids` agrees (leapfrog).
    @inline(__always)
    private func agree(_ ids: Range<Int32>, _ target: UInt32) -> UInt32 {
        var d = target
        var k = ids.lowerBound
        var agreed: Int32 = 0
        let count = ids.upperBound &- ids.lowerBound
        // Round robin from the cheapest: stop once `count` nodes in a row stood on `d`.
        while d != PostingsCursor.exhausted {
            let child = Int(links[Int(k)])
            let n = node(child)
            let x: UInt32
            if n.pointee.kind == .term {
                // A term in place (what `next` does for it, without the call).
                let c = Int(n.pointee.cursor)
                guard c >= 0 else { return PostingsCursor.exhausted }
                if cursors[c].doc < d { cursors[c].advance(to: d) }
                x = cursors[c].doc
            } else {
                x = next(child, d)
            }
            if x == d { agreed &+= 1 } else { d = x; agreed = 1 }
            if agreed >= count { return d }
            k &+= 1
            if k == ids.upperBound { k = ids.lowerBound }
        }
        return d
    }

    /// The smallest `next(target)` of the nodes `ids` (a term already at or past `target` read
    /// in place: a prefix's 64 expansions cost 64 loads, not 64 calls, per document).
    @inline(__always)
    private func smallest(_ ids: Range<Int32>, _ target: UInt32) -> UInt32 {
        var best = PostingsCursor.exhausted
        for k in ids {
            let child = Int(links[Int(k)])
            let n = node(child)
            if n.pointee.kind == .term {
                let c = Int(n.pointee.cursor)
                guard c >= 0 else { continue }
                if cursors[c].doc < target { cursors[c].advance(to: target) }
                best = min(best, cursors[c].doc)
            } else {
                best = min(best, next(child, target))
            }
        }
        return best
    }

    // MARK: Scoring

    /// Score of node `i` at `doc` (`next(i, doc) == doc`), nil when it does not match.
    func score(_ i: Int, _ doc: UInt32, _ mode: ScoreMode, _ norms: (UInt8, UInt8, UInt8, UInt8)) throws -> Double? {
        let p = node(i)
        switch p.pointee.kind {
        case .term:
            let c = Int(p.pointee.cursor)
            guard c >= 0, cursors[c].doc == doc else { return nil }
            return mode == .matchOnly ? 0 : termScore(p, c, norms)
        case .all:
            return 0
        case .conjunction:
            let n = p.pointee
            guard !n.children.isEmpty else { return nil }
            var sum = 0.0
            // The children are terms, scored in place.
            for k in n.children {
                let t = node(Int(links[Int(k)]))
                let c = Int(t.pointee.cursor)
                guard c >= 0, cursors[c].doc == doc else { return nil }
                if mode != .matchOnly { sum += termScore(t, c, norms) }
            }
            if mode != .candidate, n.phraseFields != 0, !(try phraseMatches(n, doc)) { return nil }
            return sum * n.weight
        case .best:
            var best: Double?
            for k in p.pointee.children {
                let a = Int(links[Int(k)])
                let n = node(a)
                if n.pointee.kind == .term {
                    // `next(doc)` was asked of every alternative (`smallest`): not at `doc`, no
                    // match; at `doc`, scored in place.
                    let c = Int(n.pointee.cursor)
                    guard c >= 0, cursors[c].doc == doc else { continue }
                    if mode == .matchOnly { return 0 }
                    best = max(best ?? 0, termScore(n, c, norms))
                    continue
                }
                guard next(a, doc) == doc, let v = try score(a, doc, mode, norms) else { continue }
                if mode == .matchOnly { return 0 }
                best = max(best ?? 0, v)
            }
            return best
        case .sum:
            let n = p.pointee
            for k in n.filters where !filters[Int(k)](doc) { return nil }
            var sum = 0.0
            var any = false
            for k in n.children {
                let child = Int(links[Int(k)])
                let t = node(child)
                if t.pointee.kind == .term {
                    // A term child in place: `next(child, doc)` and its score without the calls.
                    let c = Int(t.pointee.cursor)
                    if c >= 0 && cursors[c].doc < doc { cursors[c].advance(to: doc) }
                    if c >= 0 && cursors[c].doc == doc {
                        if mode != .matchOnly { sum += termScore(t, c, norms) }
                        any = true
                    } else if isRequired[Int(k)] {
                        return nil
                    }
                    continue
                }
                if next(child, doc) == doc, let v = try score(child, doc, mode, norms) {
                    sum += v
                    any = true
                } else if isRequired[Int(k)] {
                    return nil
                }
            }
            guard any else { return nil }
            for k in n.excluded {
                let e = Int(links[Int(k)])
                if next(e, doc) == doc, try score(e, doc, .matchOnly, norms) != nil { return nil }
            }
            return sum
        }
    }

    /// The score of term node `p` whose cursor `c` stands on the document with these norms:
    /// BM25F over the node's fields in field order (`BM25F.score`, the saturation written
    /// once), × the node's weight.
    @inline(__always)
    private func termScore(_ p: UnsafeMutablePointer<PlanNode>, _ c: Int, _ norms: (UInt8, UInt8, UInt8, UInt8)) -> Double {
        scoring.termScore(cursors[c], fields: p.pointee.fields, idf: p.pointee.idf, weight: p.pointee.weight,
                          factors: factorTable, norms: norms)
    }

    /// Whether the terms of conjunction `n` (all at `doc`) stand next to each other, in
    /// order, in one of its phrase fields (the title, then the body).
    private func phraseMatches(_ n: PlanNode, _ doc: UInt32) throws -> Bool {
        // Moved out of the property for the call (one exclusivity check).
        var scratch = phraseScratch
        phraseScratch = []
        defer { phraseScratch = scratch }
        if n.phraseFields & IndexField.title.bit != 0, try phraseMatches(n, doc, in: .title, &scratch) { return true }
        if n.phraseFields & IndexField.body.bit != 0, try phraseMatches(n, doc, in: .body, &scratch) { return true }
        return false
    }

    /// `phraseMatches` in one field (`PhraseCheck.matches`).
    @inline(__always)
    private func phraseMatches(_ n: PlanNode, _ doc: UInt32, in field: IndexField, _ scratch: inout [UInt32]) throws -> Bool {
        let first = Int(n.children.lowerBound)
        return try PhraseCheck.matches(cursors, terms: Int(n.children.upperBound) &- first, doc: doc, field: field, scratch: &scratch) { t in
            Int(node(Int(links[first &+ t])).pointee.cursor)
        }
    }

    /// `bound(i, target)`, and for a sum without required children (`OR`, optional words) the
    /// split of MaxScore (Turtle & Flood, "Query evaluation: strategies and optimizations",
    /// 1995): the children with the smallest window bounds whose bounds together, plus `extra`,
    /// stay strictly below `threshold` (with the rounding room of the top-k walk) are marked
    /// non-essential. A document of the window matched by non-essential children only scores
    /// at most their bounds' sum (a sum's score adds its matching children's), so it cannot
    /// enter: the window's candidates are the essential children's documents (`nextEssential`).
    /// The last value tells whether some child is non-essential. Thresholds only rise within a
    /// window, so the split stays valid to its end.
    func prune(_ i: Int, _ target: UInt32, extra: Double, threshold: Double) -> (Double, UInt32, Bool) {
        let n = node(i).pointee
        guard n.kind == .sum, n.drive.isEmpty, n.children.count > 1 else {
            let (b, e) = bound(i, target)
            return (b, e, false)
        }
        var total = 0.0
        var end = PostingsCursor.exhausted
        for k in n.children {
            let (v, e) = bound(Int(links[Int(k)]), target)
            childBound[Int(k)] = v
            essential[Int(k)] = true
            total += v
            end = min(end, e)
        }
        // Smallest bounds first (a handful of children: selection, no allocation).
        var left = extra
        var partial = false
        while true {
            var pick = -1
            for k in n.children where essential[Int(k)] && (pick < 0 || childBound[Int(k)] < childBound[pick]) { pick = Int(k) }
            guard pick >= 0, TopDocuments.isBelow(left + childBound[pick], threshold) else { break }
            left += childBound[pick]
            essential[pick] = false
            partial = true
        }
        return (total, end, partial)
    }

    /// The first document ≥ `target` of root sum `i`'s essential children (`prune`).
    func nextEssential(_ i: Int, _ target: UInt32) -> UInt32 {
        var best = PostingsCursor.exhausted
        for k in node(i).pointee.children where essential[Int(k)] {
            best = min(best, next(Int(links[Int(k)]), target))
        }
        return best
    }

    /// An upper bound of node `i`'s score over the block window containing `doc`, and the
    /// window's last document.
    func bound(_ i: Int, _ doc: UInt32) -> (Double, UInt32) {
        let n = node(i).pointee
        switch n.kind {
        case .term:
            guard n.cursor >= 0, let m = cursors[Int(n.cursor)].blockMaximum(containing: doc) else { return (0, PostingsCursor.exhausted) }
            // Two upper bounds of every document's pseudo frequency in the block (`SkipEntry`):
            // per field, and one document's at the segment's reference, scaled.
            return (scoring.termBound(m, fields: n.fields, idf: n.idf, weight: n.weight, boundScale: n.boundScale, factors: factors), m.lastDoc)
        case .all:
            return (0, PostingsCursor.exhausted)
        case .conjunction, .best, .sum:
            var total = 0.0
            var end = PostingsCursor.exhausted
            for k in n.children {
                let (v, e) = bound(Int(links[Int(k)]), doc)
                if n.kind == .best { total = max(total, v) } else { total += v }
                end = min(end, e)
            }
            return (n.kind == .conjunction ? total * n.weight : total, end)
        }
    }
}

/// The proximity bonus of a document (`Searcher.proximityBonus`): per typed term, the query
/// engine's own cursor of it when the engine has one over the title and the body (its blocks
/// are decoded already: `SegmentMatcher`'s, `TopK+Conjunction.swift`'s), or else a
/// body-and-title cursor of its own, advanced only for documents that are scored with it.
struct ProximityScorer {
    let terms: [String]
    /// Per term: the index of its cursor in `sharedCursors`, or −1.
    private var shared: [Int32] = []
    /// The engine's cursors that `shared` indexes (moved only forward, to the document being
    /// scored: every later target of the engine is past it, so no answer of the engine changes).
    private let sharedCursors: UnsafeMutableBufferPointer<PostingsCursor>?
    /// Per term without a shared cursor: its own; nil: the segment lacks the term in body and
    /// title. Mutated in place (a copy would share the decode buffers).
    private var cursors: [PostingsCursor?] = []
    /// The cursors' decode buffers.
    private let buffers = PostingsBuffers()
    /// Per term, its positions in the field being checked.
    private var lists: [[UInt32]] = []
    private static let fields: [IndexField] = [.body, .title]
    /// The fields a shared cursor must cover (title and body).
    static let wideFields: UInt8 = IndexField.title.bit | IndexField.body.bit

    /// The largest bonus: all words adjacent.
    var maximum: Double { terms.isEmpty ? 0 : Searcher.proximityBonus(span: terms.count, terms: terms.count) }

    /// For `terms` (no bonus unless two or more) in `reader`'s segment, `entry` giving a term's
    /// dictionary entry there (`Searcher.entry`); `sharing` the engine's cursors, `index` giving
    /// a term's cursor there over the title and the body (or nil). The reader and the shared
    /// cursors must outlive this scorer.
    init(terms: [String], reader: SegmentReader, entry: (String) throws -> FoundTerm?,
         sharing: UnsafeMutableBufferPointer<PostingsCursor>? = nil, index: (String) -> Int32? = { _ in nil }) throws {
        self.terms = terms.count >= 2 ? terms : []
        sharedCursors = sharing
        let buffers = self.buffers
        shared = self.terms.map { sharing == nil ? -1 : index($0) ?? -1 }
        cursors = try zip(self.terms, shared).map { t, s in
            s >= 0 ? nil : try entry(t).flatMap { try reader.cursor($0, mask: Self.wideFields, buffers: buffers) }
        }
    }

    /// For `terms` in `reader`'s segment, sharing a flat engine's `cursors`: a term reads the
    /// first cursor over the title and the body whose leaf is that term (`leafText(i)`: cursor
    /// i's term). Looked up only for a bonus of two or more terms (a prefix's 64 leaves hash
    /// nothing). The reader and the cursors must outlive this scorer.
    init(terms: [String], reader: SegmentReader, entry: (String) throws -> FoundTerm?,
         sharing cursors: UnsafeMutableBufferPointer<PostingsCursor>, leafText: (Int) -> String) throws {
        let wide = terms.count < 2 ? [] : terms.map { t in
            cursors.indices.first { cursors[$0].fields & Self.wideFields == Self.wideFields && leafText($0) == t }
        }
        try self.init(terms: terms, reader: reader, entry: entry, sharing: cursors) { t in
            terms.firstIndex(of: t).flatMap { wide[$0] }.map { Int32($0) }
        }
    }

    /// For `terms` in `matcher`'s segment, sharing its cursors; the matcher must outlive this scorer.
    init(terms: [String], matcher: SegmentMatcher, entry: (String) throws -> FoundTerm?) throws {
        try self.init(terms: terms, reader: matcher.segment.reader, entry: entry, sharing: matcher.cursorBuffer, index: matcher.sharedCursor)
    }

    /// The bonus at `doc` (documents in ascending order, each the document the engine scores).
    mutating func bonus(_ doc: UInt32) throws -> Double {
        guard !terms.isEmpty else { return 0 }
        for i in cursors.indices {
            if shared[i] >= 0, let s = sharedCursors {
                // At `doc` with no title or body occurrence: no span below (bonus 0, as a
                // body-and-title cursor passing over `doc` gives).
                let c = Int(shared[i])
                if s[c].doc < doc { s[c].advance(to: doc) }
                guard s[c].doc == doc else { return 0 }
                continue
            }
            guard cursors[i] != nil else { return 0 }
            cursors[i]!.advance(to: doc)
            guard cursors[i]!.doc == doc else { return 0 }
        }
        var best = Int.max
        // The position lists are reused from document to document (moved out of the property
        // for the loop: one exclusivity check, not one per list).
        var lists = self.lists
        self.lists = []
        defer { self.lists = lists }
        if lists.count < terms.count { lists = Array(repeating: [], count: terms.count) }
        for field in Self.fields {
            var found = 0
            for i in cursors.indices {
                if shared[i] >= 0, let s = sharedCursors {
                    let c = Int(shared[i])
                    guard s[c].frequency(field) > 0 else { break }
                    try s[c].positions(field, into: &lists[i])
                } else {
                    guard cursors[i]!.frequency(field) > 0 else { break }
                    try cursors[i]!.positions(field, into: &lists[i])
                }
                found += 1
            }
            if found == terms.count { best = min(best, Searcher.shortestSpan(lists)) }
        }
        return Searcher.proximityBonus(span: best, terms: terms.count)
    }

    /// The first damage one of its own cursors met (the shared ones report through their engine).
    var error: IndexError? { cursors.lazy.compactMap { $0?.error }.first }
}

/// Block-max top-k and match walks over a `QueryTree`, segment by segment.
/// Block-max top-k and match walks over a `QueryTree`, segment by segment: the one query
/// engine of every shape (see the top of this file).
struct TreeEvaluator {
    let searcher: Searcher
    let factors: FieldFactors
    let idf: [String: Double]
    private let filters = FilterPredicates()

    /// The best documents of a top-k walk and the number of matches seen.
    struct Outcome {
        var top: [ScoredDocument]
        /// Matching documents seen (all of them when `exact`).
        var matched: Int
        var exact: Bool
    }

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

    /// `tree` compiled for segment `si`.
    func matcher(_ tree: QueryTree, segment si: Int) throws -> SegmentMatcher {
        try SegmentMatcher(tree, segment: searcher.reader.segments[si], scoring: searcher.scoring, factors: factors, idf: idf,
                           boundScale: { [searcher] in searcher.boundScale(segment: si, mask: $0) },
                           entry: { [searcher] in try searcher.entry($0, segment: si) }) { f in
            let p = try filters.test(f, searcher)
            return { p(si, $0) }
        }
    }

    /// Whether any live document matches `tree`.
    func anyMatch(_ tree: QueryTree) throws -> Bool {
        for si in searcher.reader.segments.indices {
            let m = try matcher(tree, segment: si)
            var target: UInt32 = 0
            while target != PostingsCursor.exhausted {
                let doc = m.next(m.root, target)
                guard doc != PostingsCursor.exhausted else { break }
                target = doc &+ 1
                if m.isLive(doc), try m.score(m.root, doc, .matchOnly, (0, 0, 0, 0)) != nil { return true }
            }
            if let e = m.error { throw e }
        }
        return false
    }

    /// The best `k` documents, with the proximity bonus for `proximityTerms` (two or more); the
    /// number of matches, exact unless a block was skipped (`countAll`: never skipped).
    /// `flatConjunctions` false walks a conjunction or a lone phrase with `SegmentMatcher` (the
    /// tests compare the two walks); `unionChunk` is the union engine's scan width (the tests
    /// compare widths).
    func top(_ tree: QueryTree, proximityTerms: [String], k: Int, countAll: Bool, flatConjunctions: Bool = true,
             unionChunk: Int = TreeEvaluator.unionChunk) throws -> Outcome {
        var top = TopDocuments(k: max(k, 1))
        var matched = 0
        var exact = true
        // A union of single terms (OR, a prefix, a word's alternatives, filtered): MaxScore per term (TopK+Union.swift).
        let union = UnionQuery(tree, idf: idf, rows: searcher.rememberedRow)
        let scratch = try union.map { u in UnionScratch(u, tests: try u.filters.map { try filters.test($0, searcher) }, chunk: unionChunk) }
        // Every word required, each any of its single terms: flat leapfrog (TopK+Conjunction.swift).
        let conjunction = union == nil && flatConjunctions ? ConjunctionQuery(tree, idf: idf, rows: searcher.rememberedRow) : nil
        for si in searcher.reader.segments.indices {
            if let union, let scratch {
                try Self.unionTop(union, searcher: searcher, factors: factors, scratch: scratch, segment: si, proximityTerms: proximityTerms,
                                  countAll: countAll, into: &top, matched: &matched, exact: &exact)
                continue
            }
            if let conjunction {
                try Self.conjunctionTop(conjunction, searcher: searcher, factors: factors, segment: si, proximityTerms: proximityTerms,
                                        countAll: countAll, into: &top, matched: &matched, exact: &exact)
                continue
            }
            let m = try matcher(tree, segment: si)
            try Self.top(m, segment: si, proximityTerms: proximityTerms, entry: { [searcher] in try searcher.entry($0, segment: si) },
                         countAll: countAll, into: &top, matched: &matched, exact: &exact)
        }
        return .init(top: top.sorted(), matched: matched, exact: exact)
    }

    /// One segment's part of `top`: documents in order; a window of blocks whose bound cannot
    /// beat the k-th score is skipped whole; phase one scores with phrases unchecked, phase
    /// two checks positions and adds the proximity bonus only for a document that can still
    /// enter.
    private static func top(_ m: SegmentMatcher, segment si: Int, proximityTerms: [String], entry: (String) throws -> FoundTerm?, countAll: Bool,
                            into top: inout TopDocuments, matched: inout Int, exact: inout Bool) throws {
        let r = m.segment.reader
        let root = m.root
        let verify = m.verifies
        let phraseDecides = m.phraseDecides
        var proximity = try ProximityScorer(terms: proximityTerms, matcher: m, entry: entry)
        let proximityBound = proximity.maximum
        var threshold = top.threshold
        var full = top.isFull
        var window: (limit: Double, end: UInt32) = (0, 0)
        var haveWindow = false
        // Whether the window's candidates come from the root's essential children only (`prune`).
        var essentialOnly = false
        var target: UInt32 = 0
        while target != PostingsCursor.exhausted {
            if full && !countAll {
                // A window's bound holds for every document from `target` up to its end (each
                // cursor's block reaches at least that far), so it is computed once per window,
                // from the skip entries alone: a skipped window's blocks are never decoded.
                if !haveWindow || target > window.end {
                    let (b, e, partial) = m.prune(root, target, extra: proximityBound, threshold: threshold)
                    // No term holds a document from `target` on and no node matches without
                    // one: the segment is done, and no window was skipped (the count stays
                    // exact; bounding this empty window called it pruned).
                    if e == PostingsCursor.exhausted && !m.matchesWithoutTerms { break }
                    window = (b + proximityBound, e)
                    haveWindow = true
                    essentialOnly = partial
                }
                // Strictly below the k-th score (with room for rounding): nothing in the window can enter.
                if TopDocuments.isBelow(window.limit, threshold) {
                    exact = false
                    if window.end == PostingsCursor.exhausted { break }
                    target = max(window.end, target) &+ 1
                    continue
                }
            }
            let doc: UInt32
            if full && !countAll && essentialOnly {
                // Documents of non-essential children only are passed over, uncounted.
                exact = false
                doc = m.nextEssential(root, target)
                if doc > window.end {
                    if window.end == PostingsCursor.exhausted { break }
                    target = max(window.end, target) &+ 1
                    continue
                }
            } else {
                doc = m.next(root, target)
            }
            guard doc != PostingsCursor.exhausted else { break }
            if full && !countAll && doc > window.end {
                // Past the window: bound the one holding `doc` first.
                target = doc
                continue
            }
            target = doc &+ 1
            guard m.isLive(doc) else { continue }
            // While no candidate can be rejected by its score (the heap not full, or counting
            // all) and the phrases decide the match alone, positions come first: most
            // candidates of a phrase of common words fail them, and then are never scored.
            let positionsFirst = phraseDecides && (countAll || !full)
            if positionsFirst, try m.score(root, doc, .matchOnly, (0, 0, 0, 0)) == nil { continue }
            // Phase one: phrases unchecked, an upper bound of the score.
            guard var score = try m.score(root, doc, .candidate, m.norms(doc)) else { continue }
            if !countAll && full && TopDocuments.isBelow(score + proximityBound, threshold) {
                // Cannot enter the top k; counted only when its match is certain.
                if verify { exact = false } else { matched += 1 }
                continue
            }
            // Phase two: positions (the candidate score is the score when the phrases decide).
            if verify && !positionsFirst {
                if phraseDecides {
                    guard try m.score(root, doc, .matchOnly, (0, 0, 0, 0)) != nil else { continue }
                } else {
                    guard let v = try m.score(root, doc, .exact, m.norms(doc)) else { continue }
                    score = v
                }
            }
            matched += 1
            try top.offer(score, doc: doc, segment: si, reader: r, proximity: &proximity, bonusBound: proximityBound)
            threshold = top.threshold
            full = top.isFull
        }
        if let e = m.error { throw e }
        if let e = proximity.error { throw e }
    }

    /// Calls `body(doc, score)` for every live match of segment `si`, in document order:
    /// `score()` gives the document's score (without the proximity bonus) when asked. Matching
    /// costs a walk of the postings (phrase positions checked); nothing is scored unless asked.
    func forEachMatch(_ tree: QueryTree, segment si: Int, _ body: (UInt32, () throws -> Double) throws -> Void) throws {
        let m = try matcher(tree, segment: si)
        let root = m.root
        var target: UInt32 = 0
        while target != PostingsCursor.exhausted {
            let doc = m.next(root, target)
            guard doc != PostingsCursor.exhausted else { break }
            target = doc &+ 1
            guard m.isLive(doc), try m.score(root, doc, .matchOnly, (0, 0, 0, 0)) != nil else { continue }
            try body(doc) { try m.score(root, doc, .exact, m.norms(doc)) ?? 0 }
        }
        if let e = m.error { throw e }
    }
}

/// Whether a phrase's terms stand next to each other, in order, in one field of a document,
/// read from the query engine's cursors (`SegmentMatcher`, `TopK+Conjunction.swift`).
enum PhraseCheck {
    /// Whether the `terms` cursors (term t's at `cursors[cursor(t)]`; −1: the segment lacks it)
    /// all stand on `doc` with positions p, p + 1, … in `field`. Every term's frequency there is
    /// checked before any position is decoded; then the phrase's possible starts come from the
    /// term with the fewest occurrences there, and each other term's positions (decoded one term
    /// at a time) keep the starts `s` with `s + its offset` among them. The first term that
    /// leaves no start ends the check: the terms after it are never decoded (most candidates of
    /// a phrase of common words fail at its second term). The same answer as
    /// `Searcher.hasPhrase`. The positions go to `scratch` (reused, grown when a candidate
    /// needs more): one array access per candidate, none per position.
    @inline(__always)
    static func matches(_ cursors: UnsafeMutableBufferPointer<PostingsCursor>, terms: Int, doc: UInt32, field: IndexField,
                        scratch: inout [UInt32], cursor: (Int) -> Int) throws -> Bool {
        var anchor = 0, least = UInt32.max, most: UInt32 = 0
        for t in 0..<terms {
            let c = cursor(t)
            guard c >= 0, cursors[c].doc == doc else { return false }
            let f = cursors[c].frequency(field)
            guard f > 0 else { return false }
            if f < least { least = f; anchor = t }
            most = max(most, f)
        }
        // The starts (the anchor's positions less its offset) first, then room for the
        // positions of one more term.
        let room = Int(least), need = room + Int(most)
        if scratch.count < need { scratch.append(contentsOf: repeatElement(0, count: need &- scratch.count)) }
        return try scratch.withUnsafeMutableBufferPointer { buffer in
            guard let starts = buffer.baseAddress else { return false }
            let positions = starts + room
            let decoded = try cursors[cursor(anchor)].positions(field, writingTo: starts)
            let offset = UInt32(anchor)
            var count = 0
            for i in 0..<decoded where starts[i] >= offset {
                starts[count] = starts[i] &- offset
                count &+= 1
            }
            for t in 0..<terms where t != anchor {
                if count == 0 { return false }
                let n = try cursors[cursor(t)].positions(field, writingTo: positions)
                count = keepStarts(starts, count, followedBy: positions, n, at: UInt32(t))
            }
            return count > 0
        }
    }

    /// Keeps (in order, at the front of `starts`) those of its first `count` starts `s` with
    /// `s + offset` among the first `n` of `positions` (both ascending); returns how many.
    @inline(__always)
    private static func keepStarts(_ s: UnsafeMutablePointer<UInt32>, _ count: Int,
                                   followedBy l: UnsafeMutablePointer<UInt32>, _ n: Int, at offset: UInt32) -> Int {
        var kept = 0, i = 0
        for r in 0..<count {
            let want = s[r] &+ offset
            while i < n && l[i] < want { i &+= 1 }
            if i == n { break }
            if l[i] == want { s[kept] = s[r]; kept &+= 1 }
        }
        return kept
    }
}
