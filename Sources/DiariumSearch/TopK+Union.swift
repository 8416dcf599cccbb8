import DiariumIndex
import Foundation

// Unions of single terms: block-max MaxScore over the terms themselves.
//
// An `OR` of words, a prefix's expansions, one word's alternatives (English stem, spellings with
// å/ä/ö) and any of these under metadata filters all score a document as a sum over clauses of
// the best matching term of each clause: Σ_clause max_{term ∈ clause, at doc} weight × BM25F.
// `SegmentMatcher` evaluates such a tree node by node: every candidate moves every child's
// cursor to it and scores it whole, and its MaxScore split (`SegmentMatcher.prune`) can only set
// a whole child aside — a word's rare spelling keeps its common form essential, and a prefix's
// 64 expansions are one child.
//
// `UnionQuery` flattens the tree into its terms (leaves, each with its clause) and evaluates one
// segment at a time (Turtle & Flood's MaxScore, with block bounds as in block-max MaxScore):
// - A window runs from the target to the smallest last document of the leaves' current blocks;
//   each leaf's bound there comes from its skip entry alone (`termBound`).
// - The leaves with the smallest bounds are set aside (non-essential) while a document matched by
//   them alone cannot reach the k-th score: Σ_clause max of their bounds (+ the largest proximity
//   bonus) stays strictly below it, with the top-k walk's room for rounding. For one clause (a
//   prefix, a word's alternatives) that is each leaf's own bound against the threshold.
// - Candidates are the essential leaves' documents. Filters are checked first (the year from the
//   fast field). A year filter also steers the walk when the segment's years come in runs
//   (`YearRuns`, documents numbered in ingest order): from the end of one run of matching years
//   the walk moves to the start of the next, and a window ends at its run's end, so postings
//   between are never decoded. The essential leaves' scores, with each clause's best non-essential bound, bound
//   the document's score; only a document that can still enter moves the non-essential cursors to
//   it (so their blocks are decoded only there).
// - Under pruning a window is scanned leaf by leaf, `unionChunk` documents at a time: each
//   essential leaf's documents in the chunk come straight from its decoded block
//   (`PostingsCursor.decodedBlock`, read in place; the window lies within the leaf's current
//   block) and are scored there (`BM25F.termScore` of a block entry) into per-document clause
//   bests and a bit per document; then the chunk's documents are taken in order with the
//   decisions above. The cursors of essential leaves are not moved by the scan (the proximity
//   bonus reads them at the document it scores). A segment holding one leaf takes its block's
//   documents in order without the clause rows; both walk a leaf's block through `eachScored`,
//   the one place a block entry is filtered and scored. Before the top k is full (or with
//   `countAll`) every leaf is essential and documents are taken one by one.
// - The room for all this (cursors, flat per-leaf values, window state, chunk rows, decode
//   buffers) is made once per query (`UnionScratch`) and reused segment by segment.
// - The score is then the one `SegmentMatcher` gives, bit for bit: per clause the largest term
//   score, the clauses summed in order from 0; the proximity bonus as in `TreeEvaluator.top`.
// - Documents matched only by non-essential leaves are never visited: the count becomes a lower
//   bound (`exact` false). With `countAll` nothing is set aside.

/// A query tree that is a union of single terms grouped in clauses (see the top of this file),
/// with metadata filters every match must pass; segment-independent.
struct UnionQuery {
    struct Leaf {
        let text: String
        let mask: UInt8
        let idf: Double
        let weight: Double
        /// The leaf's entry per segment from `Searcher.found`'s memo (`Searcher.rememberedRow`),
        /// read once per query rather than once per leaf and segment (a prefix's 64 expansions
        /// × 5 segments hashed 320 strings); nil when the memo let the term go.
        let row: [FoundTerm?]?

        init(text: String, fields: Set<IndexField>, idf: Double, weight: Double, row: [FoundTerm?]?) {
            self.text = text
            mask = IndexField.mask(fields)
            self.idf = idf
            self.weight = weight
            self.row = row
        }

        /// The leaf's cursor in segment `si` of `searcher`'s snapshot (nil: the segment lacks it
        /// there), opened from the entry `Searcher.found` keeps since planning looked it up (a
        /// prefix's expansions, every word's idf): no second dictionary search, and with `row`
        /// no hashing of the term per segment either.
        func cursor(_ searcher: Searcher, segment si: Int, buffers: PostingsBuffers) throws -> PostingsCursor? {
            guard let found = try searcher.entry(text, segment: si, row: row) else { return nil }
            return try searcher.reader.segments[si].reader.cursor(found, mask: mask, buffers: buffers)
        }
    }

    /// Leaves in clause order; `clauseStarts[c]..<clauseStarts[c + 1]` are clause c's.
    let leaves: [Leaf]
    let clauseStarts: [Int]
    let filters: [MetadataFilter]

    var clauseCount: Int { clauseStarts.count - 1 }

    /// The union form of `tree`, or nil when it has another shape (a conjunction, a phrase, an
    /// exclusion, every document, a nested sum that is not the first part of its parent).
    /// `rows` gives a term's entries per segment (`Searcher.rememberedRow`; nil: look it up).
    init?(_ tree: QueryTree, idf: [String: Double], rows: (String) -> [FoundTerm?]? = { _ in nil }) {
        var filters: [MetadataFilter] = []
        var root = tree
        if case let .and(required, optional, excluded, f) = tree {
            // Filters over one required part: the part's score (0 + x), filtered.
            guard required.count == 1, optional.isEmpty, excluded.isEmpty, !f.isEmpty else { return nil }
            root = required[0]
            filters = f
        }
        guard let clauses = Self.clauses(root), !clauses.isEmpty else { return nil }
        var leaves: [Leaf] = []
        var starts = [0]
        for c in clauses {
            for a in c {
                leaves.append(Leaf(text: a.terms[0], fields: a.fields, idf: idf[a.terms[0]] ?? 0, weight: a.weight, row: rows(a.terms[0])))
            }
            starts.append(leaves.count)
        }
        self.leaves = leaves
        clauseStarts = starts
        self.filters = filters
    }

    /// The clauses of a tree whose matches are the documents holding any of its terms, scored
    /// as the sum over clauses of each clause's best term (in `SegmentMatcher`'s order).
    private static func clauses(_ tree: QueryTree) -> [[QueryTree.Alternative]]? {
        func single(_ a: QueryTree.Alternative) -> Bool { a.terms.count == 1 && a.phraseFields == nil }
        switch tree {
        case let .alternative(a):
            return single(a) ? [[a]] : nil
        case let .clause(c):
            return !c.alternatives.isEmpty && c.alternatives.allSatisfy(single) ? [c.alternatives] : nil
        case let .words(cs, requireAll):
            let anyRequired = requireAll && cs.contains(where: \.required)
            // With a required clause the others do not make a document match: a union only
            // when that clause is alone.
            if anyRequired && cs.count != 1 { return nil }
            guard !cs.isEmpty, cs.allSatisfy({ !$0.alternatives.isEmpty && $0.alternatives.allSatisfy(single) }) else { return nil }
            return cs.map(\.alternatives)
        case let .or(parts):
            // Each part one clause: the parts' scores add up in order like the clauses'.
            var out: [[QueryTree.Alternative]] = []
            for p in parts {
                guard let c = clauses(p), c.count == 1 else { return nil }
                out.append(c[0])
            }
            return out
        case .and, .all:
            return nil
        }
    }
}

/// `unionTop`'s room for one query, made once and reused from segment to segment (each
/// segment's pass allocated its ~17 arrays and buffers anew: a rare term's query paid that in
/// every segment, callgrind): per leaf its cursor, flat values and window state, per clause the
/// set-aside bound, the chunk's bits and clause bests, the cursors' decode buffers, and the
/// filters compiled once.
final class UnionScratch {
    /// One metadata filter: the year through the segment's runs (`YearRuns`) or its fast field,
    /// the others through `Searcher.filterPredicate`'s test.
    enum Filter {
        case year(ClosedRange<Int>)
        case other((Int, UInt32) -> Bool)
    }

    let filters: [Filter]
    /// The year range every match must lie in (the intersection of the year filters), when
    /// there is one.
    let yearRange: ClosedRange<Int>?
    let chunk: Int
    let buffers = PostingsBuffers()
    /// Per leaf a segment holds (the first `n` of a segment's pass are initialised).
    let cursors: UnsafeMutableBufferPointer<PostingsCursor>
    let leaf, clauseOf, order, essentialList, asideList: UnsafeMutableBufferPointer<Int>
    let idf, weight, scale, bound: UnsafeMutableBufferPointer<Double>
    let mask: UnsafeMutableBufferPointer<UInt8>
    let essential: UnsafeMutableBufferPointer<Bool>
    /// Per clause.
    let setAside: UnsafeMutableBufferPointer<Double>
    /// Per document of a chunk: a bit, and each clause's best essential score (−1: none).
    let seen: UnsafeMutableBufferPointer<UInt64>
    let best: UnsafeMutableBufferPointer<Double>

    /// Room for `union`, whose filters' tests are `tests` (in order), scanning `chunk`
    /// documents at a time.
    init(_ union: UnionQuery, tests: [(Int, UInt32) -> Bool], chunk: Int) {
        var filters: [Filter] = []
        var years: ClosedRange<Int>?
        for (f, p) in zip(union.filters, tests) {
            if case let .year(range) = f {
                filters.append(.year(range))
                if let y = years {
                    let lo = max(y.lowerBound, range.lowerBound), hi = min(y.upperBound, range.upperBound)
                    // Disjoint ranges: nothing passes (no document's year is Int.max).
                    years = lo <= hi ? lo...hi : Int.max...Int.max
                } else {
                    years = range
                }
            } else {
                filters.append(.other(p))
            }
        }
        self.filters = filters
        yearRange = years
        self.chunk = max(chunk, 1)
        let n = max(union.leaves.count, 1), clauses = max(union.clauseCount, 1)
        cursors = .allocate(capacity: n)
        leaf = .allocate(capacity: n)
        clauseOf = .allocate(capacity: n)
        order = .allocate(capacity: n)
        essentialList = .allocate(capacity: n)
        asideList = .allocate(capacity: n)
        idf = .allocate(capacity: n)
        weight = .allocate(capacity: n)
        scale = .allocate(capacity: n)
        bound = .allocate(capacity: n)
        mask = .allocate(capacity: n)
        essential = .allocate(capacity: n)
        setAside = .allocate(capacity: clauses)
        seen = .allocate(capacity: (self.chunk + 63) / 64)
        seen.initialize(repeating: 0)
        // `best` is not initialised: a slot's row is written (−1 per clause) when its bit is
        // first set, and read only for slots whose bit is set (1,024 × clauses stores saved).
        best = .allocate(capacity: self.chunk * clauses)
    }

    deinit {
        cursors.deallocate()
        for b in [leaf, clauseOf, order, essentialList, asideList] { b.deallocate() }
        for b in [idf, weight, scale, bound, setAside, best] { b.deallocate() }
        mask.deallocate()
        essential.deallocate()
        seen.deallocate()
    }
}

extension TreeEvaluator {
    /// The documents a union's window scan takes at a time (`unionTop`): a bit and a best
    /// score per clause each, in buffers reused from chunk to chunk.
    static let unionChunk = 1024

    /// `union`'s part of `top` in segment `si` (see the top of this file): the same documents
    /// and scores as `SegmentMatcher`'s walk would give, without scoring the documents that
    /// cannot enter. The count and `exact` may differ (it sets single leaves aside and skips
    /// between year runs unbounded); both stop once no leaf holds a document.
    /// `scratch` is the query's room (`UnionScratch`), made for `union`.
    static func unionTop(_ union: UnionQuery, searcher: Searcher, factors: FieldFactors, scratch: UnionScratch,
                         segment si: Int, proximityTerms: [String], countAll: Bool,
                         into top: inout TopDocuments, matched: inout Int, exact: inout Bool) throws {
        let segment = searcher.reader.segments[si]
        let r = segment.reader
        let scoring = searcher.scoring
        let buffers = scratch.buffers
        // The cursors of the previous segment are done with.
        buffers.recycle()
        let cursors = scratch.cursors
        let leafOf = scratch.leaf, clauseOf = scratch.clauseOf
        let idf = scratch.idf, weight = scratch.weight, mask = scratch.mask, scale = scratch.scale
        // With a year filter, the documents it passes as ranges (`YearRuns`): the walk moves
        // from one to the next (nil: the filter is checked per document alone). None: no cursor
        // is opened.
        let allowed = scratch.yearRange.flatMap { y in searcher.yearRuns(segment: si).map { $0.ranges(y) } }
        if let allowed, allowed.isEmpty { return }
        // The leaves the segment holds, in clause order.
        var n = 0
        var windows = 0
        defer {
            cursors.baseAddress?.deinitialize(count: n)
            searcher.unionWork.cursorsOpened += n
            searcher.unionWork.windowsBounded += windows
        }
        for c in 0..<union.clauseCount {
            for i in union.clauseStarts[c]..<union.clauseStarts[c + 1] {
                guard let cursor = try union.leaves[i].cursor(searcher, segment: si, buffers: buffers) else { continue }
                let leaf = union.leaves[i]
                (cursors.baseAddress! + n).initialize(to: cursor)
                leafOf[n] = i
                clauseOf[n] = c
                idf[n] = leaf.idf
                weight[n] = leaf.weight
                mask[n] = leaf.mask
                scale[n] = searcher.boundScale(segment: si, mask: leaf.mask)
                n += 1
            }
        }
        guard n > 0 else { return }
        let clauses = union.clauseCount
        let filters = scratch.filters
        let fast = r.withFastColumns { $0 }
        let table = r.normTable
        let factorTable = factors.table
        let normTable = table.count >= r.documentCount * IndexField.allCases.count ? table.baseAddress : nil
        let hasDeletions = segment.deletedCount > 0
        // The bonus reads a leaf's cursor in place when it covers the title and the body: every
        // cursor stands at or past the document being scored (the candidates are the smallest
        // of the essential ones; the others are moved to it before it is scored in full).
        let shared = UnsafeMutableBufferPointer(rebasing: cursors[0..<n])
        var proximity = try ProximityScorer(terms: proximityTerms, reader: r, entry: { try searcher.entry($0, segment: si) }, sharing: shared) {
            union.leaves[leafOf[$0]].text
        }
        let extra = proximity.maximum

        // Per window: each leaf's bound, whether it is essential, each clause's largest
        // non-essential bound. (Plain buffers: the loop mutates them per window and per
        // candidate, without the uniqueness checks of arrays.)
        let bound = scratch.bound, essential = scratch.essential, setAside = scratch.setAside, order = scratch.order
        for i in 0..<n { bound[i] = 0; essential[i] = true; order[i] = i }
        for c in 0..<clauses { setAside[c] = 0 }

        var threshold = top.threshold
        var full = top.isFull
        var windowEnd: UInt32 = 0
        var haveWindow = false
        var partial = false
        var target: UInt32 = 0
        // The allowed range holding or after `target` (with `allowed`).
        var range = 0
        @inline(__always) func below(_ v: Double) -> Bool { TopDocuments.isBelow(v, threshold) }
        @inline(__always) func norms(_ doc: UInt32) -> (UInt8, UInt8, UInt8, UInt8) {
            guard let t = normTable else { return r.normBytes(doc) }
            return SegmentReader.normBytes(doc, in: t)
        }
        // The window scan's chunk (`chunk` documents from its first): per document a bit (it
        // holds an essential leaf) and each clause's best essential score (−1: none).
        let chunk = scratch.chunk
        let seen = scratch.seen, best = scratch.best
        let essentialList = scratch.essentialList, asideList = scratch.asideList
        let allFields: UInt8 = (1 << UInt8(IndexField.allCases.count)) - 1
        @inline(__always) func passes(_ doc: UInt32) -> Bool {
            for f in filters {
                switch f {
                case let .year(range):
                    guard YearRuns.admits(fast.year(doc), range) else { return false }
                case let .other(p):
                    guard p(si, doc) else { return false }
                }
            }
            return true
        }
        let filtered = !filters.isEmpty
        /// Leaf i's documents up to `last` from its cursor's decoded block (the cursor stays
        /// where it stands), those holding it in its fields that the filters pass (checked
        /// before scoring), each with its score (`BM25F.termScore` of the block entry): the one
        /// per-leaf walk of the window scan, for the chunk and for a lone leaf.
        @inline(__always) func eachScored(_ i: Int, through last: UInt32, _ body: (UInt32, Double) throws -> Void) rethrows {
            guard let block = cursors[i].decodedBlock else { return }
            let m = mask[i], every = m & allFields == allFields
            let leafIDF = idf[i], leafWeight = weight[i]
            var j = block.start
            while j < block.end {
                let d = block.docs[j]
                if d > last { return }
                if (every || block.holds(j, in: m)) && (!filtered || passes(d)) {
                    try body(d, scoring.termScore(block, entry: j, fields: m, idf: leafIDF, weight: leafWeight, factors: factorTable, norms: norms(d)))
                }
                j &+= 1
            }
        }
        /// The window `target...windowEnd` under pruning, chunk by chunk: each essential leaf's
        /// documents scored straight from its decoded block, then the chunk's documents in order
        /// with the decisions the one-by-one walk below takes — the same candidates, bounds,
        /// scores (bit for bit), count and admissions.
        func scanWindow() throws {
            var essentialCount = 0, asideCount = 0
            for i in 0..<n {
                if essential[i] { essentialList[essentialCount] = i; essentialCount &+= 1 } else { asideList[asideCount] = i; asideCount &+= 1 }
            }
            var from = target
            while true {
                // The essential cursors to `from`; the chunk starts at the first of their documents.
                var first = PostingsCursor.exhausted
                for e in 0..<essentialCount {
                    let i = essentialList[e]
                    if cursors[i].doc < from { cursors[i].advance(to: from) }
                    first = min(first, cursors[i].doc)
                }
                guard first != PostingsCursor.exhausted && first <= windowEnd else { return }
                if essentialCount == 1 && asideCount == 0 && proximity.terms.isEmpty {
                    // One leaf in the segment (a word without alternatives here, the union's
                    // usual shape, filtered or not): its documents in order, each scored as
                    // `SegmentMatcher` sums it (its clause's score alone: 0 + v; a NaN or
                    // negative one, from such weights, adds nothing as in the chunk's sum),
                    // counted and offered unless it cannot enter — without the chunk's bits
                    // and clause rows.
                    try eachScored(essentialList[0], through: windowEnd) { d, v in
                        if hasDeletions && !segment.isLive(d) { return }
                        let score = v >= 0 ? 0.0 + v : 0.0
                        matched += 1
                        if !below(score + extra) {
                            try top.offer(score, doc: d, segment: si, reader: r, proximity: &proximity, bonusBound: extra)
                            threshold = top.threshold
                            full = top.isFull
                        }
                    }
                    return
                }
                let last = windowEnd &- first >= UInt32(chunk &- 1) ? first &+ UInt32(chunk &- 1) : windowEnd
                // Each essential leaf's documents in first...last, all in its current block (the
                // window ends at or before the block's last document).
                for e in 0..<essentialCount {
                    let i = essentialList[e]
                    let c = clauseOf[i]
                    eachScored(i, through: last) { d, v in
                        let slot = Int(d &- first)
                        let word = slot &>> 6, bit = UInt64(1) &<< UInt64(slot & 63)
                        let row = slot &* clauses
                        if seen[word] & bit == 0 {
                            seen[word] |= bit
                            for k in 0..<clauses { best[row &+ k] = -1 }
                        }
                        best[row &+ c] = max(best[row &+ c], v)
                    }
                }
                // The chunk's documents in order.
                let words = (Int(last &- first) &+ 64) &>> 6
                for word in 0..<words {
                    var bits = seen[word]
                    seen[word] = 0
                    while bits != 0 {
                        let slot = word &<< 6 | bits.trailingZeroBitCount
                        bits &= bits &- 1
                        let doc = first &+ UInt32(slot)
                        if hasDeletions && !segment.isLive(doc) { continue }
                        let row = slot &* clauses
                        if partial {
                            // The essential leaves' scores and the set-aside bounds bound the document's.
                            var upper = extra
                            for c in 0..<clauses { upper += max(best[row &+ c], setAside[c]) }
                            if below(upper) {
                                // A certain match that cannot enter.
                                matched += 1
                                continue
                            }
                            for a in 0..<asideCount {
                                let i = asideList[a]
                                if cursors[i].doc < doc { cursors[i].advance(to: doc) }
                            }
                        }
                        // The score as `SegmentMatcher` sums it: per clause the best term, clauses in order.
                        let nb = norms(doc)
                        var score = 0.0
                        for c in 0..<clauses {
                            var b = best[row &+ c]
                            for a in 0..<asideCount where clauseOf[asideList[a]] == c && cursors[asideList[a]].doc == doc {
                                let i = asideList[a]
                                b = max(b, scoring.termScore(cursors[i], fields: mask[i], idf: idf[i], weight: weight[i], factors: factorTable, norms: nb))
                            }
                            if b >= 0 { score += b }
                        }
                        matched += 1
                        if below(score + extra) { continue }
                        try top.offer(score, doc: doc, segment: si, reader: r, proximity: &proximity, bonusBound: extra)
                        threshold = top.threshold
                        full = top.isFull
                    }
                }
                if last == windowEnd { return }
                from = last &+ 1
            }
        }

        while target != PostingsCursor.exhausted {
            if let allowed {
                // Into the allowed range holding `target`, or the next one's first document.
                while range < allowed.count && allowed[range].upperBound < target { range += 1 }
                guard range < allowed.count else { break }
                target = max(target, allowed[range].lowerBound)
            }
            let pruning = full && !countAll
            if pruning && (!haveWindow || target > windowEnd) {
                // The window: bounds from the skip entries alone.
                windows += 1
                windowEnd = PostingsCursor.exhausted
                for i in 0..<n {
                    if let m = cursors[i].blockMaximum(containing: target) {
                        bound[i] = scoring.termBound(m, fields: mask[i], idf: idf[i], weight: weight[i], boundScale: scale[i], factors: factors)
                        windowEnd = min(windowEnd, m.lastDoc)
                    } else {
                        bound[i] = 0
                    }
                }
                // No leaf holds a document from `target` on: the segment is done (before the
                // allowed range clips the window, which would walk every range left).
                if windowEnd == PostingsCursor.exhausted { break }
                // Not past the allowed range: the walk moves to the next one from there.
                if let allowed { windowEnd = min(windowEnd, allowed[range].upperBound) }
                haveWindow = true
                partial = false
                for c in 0..<clauses { setAside[c] = 0 }
                var anyEssential = false
                if clauses == 1 {
                    // One clause: a document of leaf i alone scores at most bound[i].
                    for i in 0..<n {
                        essential[i] = !below(bound[i] + extra)
                        if essential[i] { anyEssential = true } else { setAside[0] = max(setAside[0], bound[i]); partial = true }
                    }
                } else {
                    // Smallest bounds first, while Σ_clause max of those set aside stays below.
                    for i in 1..<n {
                        let x = order[i]
                        var j = i
                        while j > 0 && bound[order[j - 1]] > bound[x] { order[j] = order[j - 1]; j -= 1 }
                        order[j] = x
                    }
                    for i in 0..<n { essential[i] = true }
                    for o in 0..<n {
                        let x = order[o]
                        let c = clauseOf[x]
                        let old = setAside[c]
                        setAside[c] = max(old, bound[x])
                        var sum = extra
                        for k in 0..<clauses { sum += setAside[k] }
                        guard below(sum) else { setAside[c] = old; break }
                        essential[x] = false
                        partial = true
                    }
                    for i in 0..<n where essential[i] { anyEssential = true; break }
                }
                // Documents of the set-aside leaves alone are passed over, uncounted.
                if partial { exact = false }
                if !anyEssential {
                    // Nothing in the window can enter.
                    exact = false
                    if windowEnd == PostingsCursor.exhausted { break }
                    target = windowEnd &+ 1
                    continue
                }
            }
            if pruning {
                try scanWindow()
                if windowEnd == PostingsCursor.exhausted { break }
                target = windowEnd &+ 1
                continue
            }
            // Not pruning (the top k not yet full, or every match counted): the next document
            // of any leaf, scored whole.
            var doc = PostingsCursor.exhausted
            for i in 0..<n {
                if cursors[i].doc < target { cursors[i].advance(to: target) }
                doc = min(doc, cursors[i].doc)
            }
            guard doc != PostingsCursor.exhausted else { break }
            target = doc &+ 1
            if let allowed, doc > allowed[range].upperBound { target = doc; continue }
            if hasDeletions && !segment.isLive(doc) { continue }
            guard passes(doc) else { continue }
            let nb = norms(doc)
            // The score as `SegmentMatcher` sums it: per clause the best term, clauses in order.
            var score = 0.0
            var i = 0
            for c in 0..<clauses {
                var best = -1.0
                while i < n && clauseOf[i] == c {
                    if cursors[i].doc == doc {
                        best = max(best, scoring.termScore(cursors[i], fields: mask[i], idf: idf[i], weight: weight[i], factors: factorTable, norms: nb))
                    }
                    i += 1
                }
                if best >= 0 { score += best }
            }
            matched += 1
            try top.offer(score, doc: doc, segment: si, reader: r, proximity: &proximity, bonusBound: extra)
            threshold = top.threshold
            full = top.isFull
        }
        for i in 0..<n { if let e = cursors[i].error { throw e } }
        if let e = proximity.error { throw e }
    }
}
