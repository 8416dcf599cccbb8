import DiariumExtraction
import DiariumIndex
import Foundation

/// How hits are ordered.
public enum SearchOrder: String, Sendable, CaseIterable {
    /// By BM25F score (the ranking).
    case score
    /// Newest date first (the year alone when the date is unknown, below the dates of that
    /// year; documents with neither last); ties by score, then catalog id.
    case date
    /// Newest year first (unknown last); ties by score, then catalog id.
    case year
}

/// Matches counted by fast fields (`Searcher.counts`).
public struct MatchCounts: Sendable, Equatable {
    /// One table per grouping asked for.
    public var groupings: [FastFieldCounts]
    /// Number of matching documents (exact).
    public var total: Int
    /// True when no document had every word and the counts are of documents with any of them,
    /// as `search` falls back.
    public var fallback: Bool
}

extension Searcher {
    /// The matches of `node` as an iterator tree, with the OR fallback applied as `search`
    /// applies it (nil: no condition, nothing matches). The one place sorting and counting find
    /// their documents: a walk of the postings, no scored hits.
    func matches(_ node: QueryNode, _ context: inout EvaluationContext) throws -> (tree: QueryTree?, evaluator: TreeEvaluator, fallback: Bool) {
        let strict = try queryTree(node, &context, requireAll: true)
        if let strict, canFallBack(node), try !TreeEvaluator(searcher: self, context: context).anyMatch(strict),
           let loose = try queryTree(node, &context, requireAll: false) {
            let evaluator = TreeEvaluator(searcher: self, context: context)
            if try evaluator.anyMatch(loose) { return (loose, evaluator, true) }
        }
        return (strict, TreeEvaluator(searcher: self, context: context), false)
    }

    /// `search` with the hits in `order`. By score: a page of the ranking. By date or year: a
    /// top-k by the fast field over the matches — each match costs a look at its column (no
    /// catalog read, no proximity pass, no snippet), a bounded heap keeps the best
    /// `offset + limit` (`limit` 0: all), and only the page shown is read from the catalog and
    /// gets snippets. The total is exact.
    public func search(_ query: String, limit: Int, offset: Int, countTotal: Bool, order: SearchOrder) throws -> SearchResult {
        guard order != .score else { return try search(query, limit: limit, offset: offset, countTotal: countTotal) }
        let text = TextDecoding.nfc(query)
        do {
            let node = try QueryParser.validated(text)
            var context = try EvaluationContext(searcher: self)
            let (tree, evaluator, fallback) = try matches(node, &context)
            let offset = max(0, offset), limit = max(0, limit)
            let (end, overflow) = offset.addingReportingOverflow(limit)
            let (top, total) = try sortedByFastField(tree, evaluator, order: order, k: limit == 0 || overflow ? Int.max : end)
            let page = Array(top.dropFirst(offset))
            var result = SearchResult(query: text, total: total,
                                      hits: try pageHits(page.map { ($0.score, $0.id, $0.segment, $0.doc) }, firstRank: offset + 1,
                                                         terms: Snippets.markedTerms(context.highlight), joinedForms: context.joinedForms),
                                      fallback: fallback ? "or" : nil)
            result.exactTotal = nil
            return result
        } catch let e as IndexError {
            throw SearchError.index(e)
        } catch let e as QueryError {
            throw SearchError.query(e)
        }
    }

    /// The first `k` matches of `tree` in `order` (key from the fast columns, descending;
    /// then score, descending; then catalog id), best first, and the number of matches. A
    /// match is scored only when its key can place it in the heap.
    func sortedByFastField(_ tree: QueryTree?, _ evaluator: TreeEvaluator, order: SearchOrder, k: Int) throws -> (hits: [SortedHit], total: Int) {
        guard let tree else { return ([], 0) }
        var heap = BestK<SortedHit>(k: k)
        var total = 0
        for si in reader.segments.indices {
            let r = reader.segments[si].reader
            try r.withFastColumns { columns in
                try evaluator.forEachMatch(tree, segment: si) { doc, score in
                    total += 1
                    let key: UInt32
                    switch order {
                    case .date: key = DateKey.order(date: columns.date(doc), year: Int(columns.year(doc)))
                    case .year: key = UInt32(columns.year(doc))
                    case .score: key = 0
                    }
                    // Below the worst kept key: out without a score.
                    if heap.isFull, let worst = heap.worst, key < worst.key { return }
                    let s = try score()
                    // The catalog id only when the heap would take it: a load from the map.
                    if heap.isFull, let worst = heap.worst, (key, s) < (worst.key, worst.score) { return }
                    heap.insert(SortedHit(key: key, score: s, id: r.documentID(doc), segment: si, doc: doc))
                }
            }
        }
        return (heap.sorted(), total)
    }

    /// Counts the documents matching `query` by fast fields, one table per grouping (e.g.
    /// `[[.authority], [.year], [.authority, .year]]`), in one pass over the matches and
    /// without building hits: no catalog read, no scores kept, no snippets.
    public func counts(_ query: String, by groupings: [[FastField]]) throws -> MatchCounts {
        do {
            let node = try QueryParser.validated(TextDecoding.nfc(query))
            var context = try EvaluationContext(searcher: self)
            let (tree, evaluator, fallback) = try matches(node, &context)
            var docs: [[UInt32]] = []
            for si in reader.segments.indices {
                var list: [UInt32] = []
                if let tree { try evaluator.forEachMatch(tree, segment: si) { doc, _ in list.append(doc) } }
                docs.append(list)
            }
            let tables = reader.fastFieldCounts(groupings) { docs[$0] }
            return MatchCounts(groupings: tables, total: docs.reduce(0) { $0 + $1.count }, fallback: fallback)
        } catch let e as IndexError {
            throw SearchError.index(e)
        } catch let e as QueryError {
            throw SearchError.query(e)
        }
    }

    /// The hits of a page: catalog records, snippets (with `terms`, sorted and distinct as
    /// `Snippets.markedTerms` gives them, marked) and the snippet's page, ranks from
    /// `firstRank`; `snippets` false leaves the snippets out. `joinedForms`: see `passages`.
    func pageHits(_ page: [(score: Double, id: Int64, segment: Int, doc: UInt32)], firstRank: Int, terms: [[UInt8]],
                  snippets: Bool = true, joinedForms: Bool) throws -> [SearchHit] {
        // In the page's order, ids without a row left out (`hitRecordsInOrder`): the next
        // record is this hit's or a later one's. Should SQLite ever return them in another
        // order, the records are found by id instead (built once, at the first mismatch), so
        // no hit is dropped.
        let records = try reader.hitRecordsInOrder(ids: page.map(\.id))
        let passages = snippets ? try self.passages(for: page.map { ($0.segment, $0.doc) }, terms: terms, joinedForms: joinedForms) : []
        var out: [SearchHit] = []
        out.reserveCapacity(records.count)
        var next = 0
        var byId: [Int64: Int]?
        for (i, p) in page.enumerated() {
            let r: Int
            if next < records.count, records[next].id == p.id {
                r = next
                next += 1
            } else {
                if byId == nil {
                    byId = Dictionary(records.indices.map { (records[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
                }
                guard let found = byId?[p.id] else { continue }
                r = found
            }
            var snippetText = "", pageNumber: Int?
            if snippets {
                snippetText = passages[i].text
                // The page of the snippet's first matched word: a binary search of the stored starts.
                if let starts = records[r].pageStarts { pageNumber = PageMap.page(atOffset: passages[i].anchor, encoded: [UInt8](starts)) }
            }
            out.append(SearchHit(rank: firstRank + i, score: (p.score * 1000).rounded() / 1000, record: records[r],
                                 snippet: snippetText, page: pageNumber))
        }
        return out
    }
}

/// A match placed by a fast-field order.
struct SortedHit {
    var key: UInt32
    var score: Double
    var id: Int64
    var segment: Int
    var doc: UInt32
}

/// Ranked by (key, score) descending, then id ascending, in a `BestK` heap.
extension SortedHit: RankedByWorse {
    @inline(__always)
    static func worse(_ a: SortedHit, _ b: SortedHit) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.score != b.score { return a.score < b.score }
        return a.id > b.id
    }
}
