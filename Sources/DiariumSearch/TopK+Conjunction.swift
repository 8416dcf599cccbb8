import DiariumIndex
import Foundation

// Conjunctions of words: every typed word required, each word any of its single-term
// alternatives (`överens anna`, `kvinna lärare`: the AND classes' common shape).
//
// `SegmentMatcher` evaluates such a tree as a sum node over one `best` node per word (or the
// word's one term): every leapfrog step and every scored document goes through `next` and
// `score` node by node (a call, a switch, a remembered answer, an optional per node). With two
// common words nearly every document holding both is scored (block bounds of common words are
// rarely below the k-th score: each block of 128 holds some document with the word in its
// title), so that per-document walk is the query's cost. `ConjunctionQuery` runs the same
// top-k walk over flat arrays: the words' cursors grouped per word, leapfrogged cheapest word
// first, each word's document the smallest of its terms'.
//
// The same documents, scores, count and `exact` as `TreeEvaluator.top` over the tree (the
// brute-force judge, TopKPropertyTests, checks both against the exhaustive evaluator):
// - a window's bound is the tree's: per word the largest of its terms' block bounds
//   (`BM25F.termBound`; a term the segment lacks adds nothing), the words summed in order from
//   0, plus the largest proximity bonus; its end the smallest block end;
// - a document's score is the tree's sum, bit for bit: per word the largest of its terms'
//   scores at the document, the words added in order from 0 (the tree's nested sums of a first
//   `.words` node's clauses add in that same order: 0 + x is exact);
// - phase one rejects a document whose score plus the largest bonus cannot enter; the bonus is
//   computed only for one that can (`ProximityScorer`).

/// A conjunction of words (see the top of this file); segment-independent.
struct ConjunctionQuery {
    /// Leaves in word order; `wordStarts[w]..<wordStarts[w + 1]` are word w's alternatives.
    let leaves: [UnionQuery.Leaf]
    let wordStarts: [Int]
    /// For a phrase (each of its terms one word): the fields in one of which the terms must
    /// stand next to each other, as a mask (0: no phrase); its weight multiplies the sum.
    let phraseFields: UInt8
    let weight: Double

    var wordCount: Int { wordStarts.count - 1 }

    /// The conjunction form of `tree`, or nil for another shape. Accepted: `.words` whose clauses
    /// are all required (two or more), or an `.and` of such `.words` nodes without optional or
    /// excluded parts or filters, where every part after the first is one word (a later part's
    /// own sum would add in another order). `rows` gives a term's entries per segment
    /// (`Searcher.rememberedRow`; nil: look it up).
    init?(_ tree: QueryTree, idf: [String: Double], rows: (String) -> [FoundTerm?]? = { _ in nil }) {
        var words: [QueryTree.Clause] = []
        var phrase: UInt8 = 0, weight = 1.0
        func single(_ a: QueryTree.Alternative) -> Bool { a.terms.count == 1 && a.phraseFields == nil }
        func accept(_ t: QueryTree, first: Bool) -> Bool {
            guard case let .words(clauses, requireAll) = t, requireAll, !clauses.isEmpty,
                  first || clauses.count == 1,
                  clauses.allSatisfy({ $0.required && !$0.alternatives.isEmpty && $0.alternatives.allSatisfy(single) })
            else { return false }
            words += clauses
            return true
        }
        switch tree {
        case let .alternative(a):
            // A phrase: its terms, each one word of one term (the tree's conjunction node).
            guard let fields = a.phraseFields, a.terms.count >= 2 else { return nil }
            words = a.terms.map { .init(alternatives: [.init(terms: [$0], weight: 1, fields: a.fields)], required: true) }
            phrase = IndexField.mask(fields)
            weight = a.weight
        case .words:
            guard accept(tree, first: true) else { return nil }
        case let .and(required, optional, excluded, filters):
            guard optional.isEmpty, excluded.isEmpty, filters.isEmpty, !required.isEmpty else { return nil }
            for (i, part) in required.enumerated() where !accept(part, first: i == 0) { return nil }
        default:
            return nil
        }
        // One word alone is a union of its alternatives (`UnionQuery`).
        guard words.count >= 2 else { return nil }
        var leaves: [UnionQuery.Leaf] = []
        var starts = [0]
        for w in words {
            for a in w.alternatives {
                leaves.append(UnionQuery.Leaf(text: a.terms[0], fields: a.fields, idf: idf[a.terms[0]] ?? 0, weight: a.weight,
                                              row: rows(a.terms[0])))
            }
            starts.append(leaves.count)
        }
        self.leaves = leaves
        wordStarts = starts
        phraseFields = phrase
        self.weight = weight
    }
}

extension TreeEvaluator {
    /// `conjunction`'s part of `top` in segment `si` (see the top of TopK+Conjunction.swift): the
    /// documents, scores, count and `exact` of `SegmentMatcher`'s walk over the same tree.
    static func conjunctionTop(_ conjunction: ConjunctionQuery, searcher: Searcher, factors: FieldFactors,
                               segment si: Int, proximityTerms: [String], countAll: Bool,
                               into top: inout TopDocuments, matched: inout Int, exact: inout Bool) throws {
        let segment = searcher.reader.segments[si]
        let r = segment.reader
        let scoring = searcher.scoring
        let buffers = PostingsBuffers()
        // The leaves the segment holds, grouped per word in word order.
        var cursorList: [PostingsCursor] = []
        var leafList: [Int] = []
        var starts = [0]
        var costs: [Int] = []
        for w in 0..<conjunction.wordCount {
            var cost = 0
            for i in conjunction.wordStarts[w]..<conjunction.wordStarts[w + 1] {
                guard let c = try conjunction.leaves[i].cursor(searcher, segment: si, buffers: buffers) else { continue }
                cursorList.append(c)
                leafList.append(i)
                cost += c.documentFrequency
            }
            // A word the segment lacks has no cursor: nothing here matches, but the windows
            // are bounded (and skipped) as the tree bounds them, so `exact` is the tree's.
            starts.append(cursorList.count)
            costs.append(cost)
        }
        let words = conjunction.wordCount
        let n = cursorList.count
        // Flat per-leaf values, per-word ranges, the leapfrog order (cheapest word first).
        let idf = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let weight = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let scale = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let mask = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: n)
        let wordStart = UnsafeMutableBufferPointer<Int>.allocate(capacity: words + 1)
        let order = UnsafeMutableBufferPointer<Int>.allocate(capacity: words)
        let cursors = UnsafeMutableBufferPointer<PostingsCursor>.allocate(capacity: n)
        defer {
            idf.deallocate(); weight.deallocate(); scale.deallocate(); mask.deallocate()
            wordStart.deallocate(); order.deallocate(); cursors.deallocate()
        }
        for (k, i) in leafList.enumerated() {
            let leaf = conjunction.leaves[i]
            idf[k] = leaf.idf
            weight[k] = leaf.weight
            mask[k] = leaf.mask
            scale[k] = searcher.boundScale(segment: si, mask: leaf.mask)
        }
        _ = wordStart.initialize(from: starts)
        _ = order.initialize(from: (0..<words).sorted { costs[$0] < costs[$1] })
        _ = cursors.initialize(from: cursorList)
        let factorTable = factors.table
        let table = r.normTable
        let normTable = table.count >= r.documentCount * IndexField.allCases.count ? table.baseAddress : nil
        let hasDeletions = segment.deletedCount > 0
        // The bonus reads a word's cursor in place when it covers the title and the body.
        var proximity = try ProximityScorer(terms: proximityTerms, reader: r, entry: { try searcher.entry($0, segment: si) }, sharing: cursors) {
            conjunction.leaves[leafList[$0]].text
        }
        let proximityBound = proximity.maximum
        let phrase = conjunction.phraseFields

        /// Word w's first document ≥ `target`: the smallest of its terms'.
        @inline(__always) func wordNext(_ w: Int, _ target: UInt32) -> UInt32 {
            var best = PostingsCursor.exhausted
            var k = wordStart[w]
            let end = wordStart[w &+ 1]
            while k < end {
                if cursors[k].doc < target { cursors[k].advance(to: target) }
                best = min(best, cursors[k].doc)
                k &+= 1
            }
            return best
        }
        /// The first document ≥ `target` every word holds (round robin from the cheapest word,
        /// until all words in a row stand on it).
        @inline(__always) func agree(_ target: UInt32) -> UInt32 {
            var d = target
            var j = 0, agreed = 0
            while d != PostingsCursor.exhausted {
                let x = wordNext(order[j], d)
                if x == d { agreed &+= 1 } else { d = x; agreed = 1 }
                if agreed >= words { return d }
                j &+= 1
                if j == words { j = 0 }
            }
            return d
        }
        /// The window's bound (without the bonus) and end: per word the largest block bound of
        /// its terms, summed in word order.
        @inline(__always) func bound(_ target: UInt32) -> (Double, UInt32) {
            var total = 0.0
            var end = PostingsCursor.exhausted
            for w in 0..<words {
                var best = 0.0
                for k in wordStart[w]..<wordStart[w &+ 1] {
                    guard let m = cursors[k].blockMaximum(containing: target) else { continue }
                    best = max(best, scoring.termBound(m, fields: mask[k], idf: idf[k], weight: weight[k], boundScale: scale[k], factors: factors))
                    end = min(end, m.lastDoc)
                }
                total += best
            }
            return (phrase != 0 ? total * conjunction.weight : total, end)
        }
        /// The score at `doc` (every word holds it; each word's cursors are at or past it).
        @inline(__always) func score(_ doc: UInt32) -> Double {
            let norms = normTable.map { SegmentReader.normBytes(doc, in: $0) } ?? r.normBytes(doc)
            var sum = 0.0
            for w in 0..<words {
                var best = 0.0
                for k in wordStart[w]..<wordStart[w &+ 1] where cursors[k].doc == doc {
                    best = max(best, scoring.termScore(cursors[k], fields: mask[k], idf: idf[k], weight: weight[k],
                                                       factors: factorTable, norms: norms))
                }
                sum += best
            }
            return phrase != 0 ? sum * conjunction.weight : sum
        }
        /// Whether the phrase's terms (one cursor each, in order) stand next to each other at
        /// `doc` in one of its fields: the title, then the body (`SegmentMatcher`'s order).
        var scratch: [UInt32] = []
        func phraseMatches(_ doc: UInt32) throws -> Bool {
            if phrase & IndexField.title.bit != 0,
               try PhraseCheck.matches(cursors, terms: words, doc: doc, field: .title, scratch: &scratch, cursor: { wordStart[$0] }) { return true }
            if phrase & IndexField.body.bit != 0,
               try PhraseCheck.matches(cursors, terms: words, doc: doc, field: .body, scratch: &scratch, cursor: { wordStart[$0] }) { return true }
            return false
        }

        var threshold = top.threshold
        var full = top.isFull
        var window: (limit: Double, end: UInt32) = (0, 0)
        var haveWindow = false
        var target: UInt32 = 0
        while target != PostingsCursor.exhausted {
            if full && !countAll {
                if !haveWindow || target > window.end {
                    let (b, e) = bound(target)
                    // No term holds a document from `target` on: the segment is done, and no
                    // window was skipped (the count stays exact).
                    if e == PostingsCursor.exhausted { break }
                    window = (b + proximityBound, e)
                    haveWindow = true
                }
                if TopDocuments.isBelow(window.limit, threshold) {
                    exact = false
                    if window.end == PostingsCursor.exhausted { break }
                    target = max(window.end, target) &+ 1
                    continue
                }
            }
            let doc = agree(target)
            guard doc != PostingsCursor.exhausted else { break }
            if full && !countAll && doc > window.end {
                target = doc
                continue
            }
            target = doc &+ 1
            if hasDeletions && !segment.isLive(doc) { continue }
            if phrase != 0 {
                // `TreeEvaluator.top`'s phrase order (the phrase decides the match): positions
                // first while no candidate can be rejected by its score; else phase one scores,
                // and only a candidate that can still enter has its positions checked (one
                // rejected before its positions are known is not counted: `exact` false).
                let positionsFirst = countAll || !full
                if positionsFirst, try !phraseMatches(doc) { continue }
                let s = score(doc)
                if !countAll && full && TopDocuments.isBelow(s + proximityBound, threshold) { exact = false; continue }
                if !positionsFirst, try !phraseMatches(doc) { continue }
                matched += 1
                try top.offer(s, doc: doc, segment: si, reader: r, proximity: &proximity, bonusBound: proximityBound)
                threshold = top.threshold
                full = top.isFull
                continue
            }
            let s = score(doc)
            matched += 1
            if !countAll && full && TopDocuments.isBelow(s + proximityBound, threshold) { continue }
            try top.offer(s, doc: doc, segment: si, reader: r, proximity: &proximity, bonusBound: proximityBound)
            threshold = top.threshold
            full = top.isFull
        }
        withExtendedLifetime(buffers) {}
        for i in 0..<n { if let e = cursors[i].error { throw e } }
        if let e = proximity.error { throw e }
    }
}
