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
    /// The matching documents of `node` per segment (with their BM25F scores, which the
    /// exhaustive evaluation computes anyway), with the OR fallback applied as `search`
    /// applies it. The one place sorting and counting find their documents.
    func matches(_ node: QueryNode, _ context: inout EvaluationContext) throws -> (hits: SegmentHits, fallback: Bool) {
        var hits = try evaluate(node, &context, requireAll: true)
        var fallback = false
        if let h = hits, h.allSatisfy({ $0.isEmpty }), canFallBack(node) {
            hits = try evaluate(node, &context, requireAll: false)
            fallback = !(hits?.allSatisfy { $0.isEmpty } ?? true)
        }
        return (hits ?? reader.segments.map { _ in [:] }, fallback)
    }

    /// `search` with the hits in `order`. By score: a page of the ranking. By date or year: a
    /// top-k by the fast field over the matches — each match costs a look at its column (no
    /// catalog read, no proximity pass, no snippet), a bounded heap keeps the best
    /// `offset + limit` (`limit` 0: all), and only the page shown is read from the catalog and
    /// gets snippets. The total is exact.
    public func search(_ query: String, limit: Int, offset: Int, countTotal: Bool, order: SearchOrder) throws -> SearchResult {
        guard order != .score else { return try search(query, limit: limit, offset: offset, countTotal: countTotal) }
        let text = query.precomposedStringWithCanonicalMapping
        do {
            let node = try QueryParser.validated(text)
            var context = try EvaluationContext(searcher: self)
            let (hits, fallback) = try matches(node, &context)
            let offset = max(0, offset), limit = max(0, limit)
            let (end, overflow) = offset.addingReportingOverflow(limit)
            let top = sortedByFastField(hits, order: order, k: limit == 0 || overflow ? Int.max : end)
            let page = Array(top.dropFirst(offset))
            var result = SearchResult(query: text, total: hits.reduce(0) { $0 + $1.count },
                                      hits: try pageHits(page.map { ($0.score, $0.id, $0.segment, $0.doc) }, firstRank: offset + 1,
                                                         terms: Set(context.highlight.map { Array($0.utf8) })),
                                      fallback: fallback ? "or" : nil)
            result.exactTotal = nil
            return result
        } catch let e as IndexError {
            throw SearchError.index(e)
        } catch let e as QueryError {
            throw SearchError.query(e)
        }
    }

    /// The first `k` of `hits` in `order` (key from the fast columns, descending; then score,
    /// descending; then catalog id), best first.
    func sortedByFastField(_ hits: SegmentHits, order: SearchOrder, k: Int) -> [SortedHit] {
        var heap = BestK<SortedHit>(k: k)
        for (si, segmentHits) in hits.enumerated() where !segmentHits.isEmpty {
            let r = reader.segments[si].reader
            r.withFastColumns { columns in
                for (doc, score) in segmentHits {
                    let key: UInt32
                    switch order {
                    case .date: key = DateKey.order(date: columns.date(doc), year: Int(columns.year(doc)))
                    case .year: key = UInt32(columns.year(doc))
                    case .score: key = 0
                    }
                    // The catalog id only when the heap would take it: a load from the map.
                    if heap.isFull, let worst = heap.worst, (key, score) < (worst.key, worst.score) { continue }
                    heap.insert(SortedHit(key: key, score: score, id: r.documentID(doc), segment: si, doc: doc))
                }
            }
        }
        return heap.sorted()
    }

    /// Counts the documents matching `query` by fast fields, one table per grouping (e.g.
    /// `[[.authority], [.year], [.authority, .year]]`), in one pass over the matches and
    /// without building hits: no catalog read, no scores kept, no snippets.
    public func counts(_ query: String, by groupings: [[FastField]]) throws -> MatchCounts {
        do {
            let node = try QueryParser.validated(query.precomposedStringWithCanonicalMapping)
            var context = try EvaluationContext(searcher: self)
            let (hits, fallback) = try matches(node, &context)
            let tables = reader.fastFieldCounts(groupings) { si in Array(hits[si].keys) }
            return MatchCounts(groupings: tables, total: hits.reduce(0) { $0 + $1.count }, fallback: fallback)
        } catch let e as IndexError {
            throw SearchError.index(e)
        } catch let e as QueryError {
            throw SearchError.query(e)
        }
    }

    /// The hits of a page: catalog records, snippets (with `terms` marked) and the snippet's
    /// page, ranks from `firstRank`; `snippets` false leaves the snippets out.
    func pageHits(_ page: [(score: Double, id: Int64, segment: Int, doc: UInt32)], firstRank: Int, terms: Set<[UInt8]>,
                  snippets: Bool = true) throws -> [SearchHit] {
        let records = try reader.documents(ids: page.map(\.id))
        let passages = snippets ? try self.passages(for: page.map { ($0.segment, $0.doc) }, terms: terms) : []
        var out: [SearchHit] = []
        for (i, p) in page.enumerated() {
            guard let record = records[p.id] else { continue }
            var snippetText = "", pageNumber: Int?
            if snippets {
                let snippet = passages[i]
                snippetText = snippet.text
                // The page of the snippet's first matched word: a binary search of the stored starts.
                pageNumber = record.pageStarts.flatMap { PageMap.page(atOffset: snippet.anchor, encoded: [UInt8]($0)) }
            }
            out.append(SearchHit(rank: firstRank + i, score: (p.score * 1000).rounded() / 1000, record: record,
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
