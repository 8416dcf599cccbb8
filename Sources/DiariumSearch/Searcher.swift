import DiariumAnalysis
import DiariumIndex
import Foundation

/// Failures of a search.
public enum SearchError: Error, CustomStringConvertible {
    /// Reading the index failed.
    case index(IndexError)

    public var description: String {
        switch self {
        case let .index(e): return e.description
        }
    }
}

/// Answers keyword queries over an index snapshot: every query word must match (in the title,
/// the body or the metadata, where a year also matches the document's year); hits are ranked by
/// BM25F and shown with a snippet. Not thread-safe (it owns an analyzer): one per thread.
public final class Searcher {
    /// The snapshot searched.
    public let reader: IndexReader
    /// Ranking parameters.
    public var scoring = BM25F()
    private let analyzer: Analyzer

    /// A searcher over `reader`.
    public init(reader: IndexReader) throws {
        self.reader = reader
        analyzer = try Analyzer()
    }

    /// The distinct analysed terms of `query`, in order.
    public func queryTerms(_ query: String) -> [[UInt8]] {
        var seen = Set<[UInt8]>()
        var out: [[UInt8]] = []
        analyzer.analyze(query) { t in
            let term = Array(t.term)
            if seen.insert(term).inserted { out.append(term) }
        }
        return out
    }

    /// Per-document term frequencies of one term in one segment, over the three fields.
    struct TermMatches {
        var docs: [UInt32] = []
        var tfs: [(UInt32, UInt32, UInt32)] = []
    }

    /// Runs `query`, returning hits `offset..<offset+limit` of the ranking and the total count.
    public func search(_ query: String, limit: Int = 10, offset: Int = 0) throws -> SearchResult {
        do {
            return try run(query, limit: limit, offset: offset)
        } catch let e as IndexError {
            throw SearchError.index(e)
        }
    }

    private func run(_ query: String, limit: Int, offset: Int) throws -> SearchResult {
        let terms = queryTerms(query)
        guard !terms.isEmpty else { return SearchResult(query: query, total: 0, hits: []) }
        let segments = reader.segments
        let n = max(reader.liveDocumentCount, 1)
        var totals = [UInt64](repeating: 0, count: 3)
        var docCount = 0
        for s in segments {
            for f in IndexField.allCases { totals[Int(f.rawValue)] += s.reader.totalFieldLengths[Int(f.rawValue)] }
            docCount += s.reader.documentCount
        }
        let avg = docCount == 0 ? (1.0, 1.0, 1.0)
            : (Double(totals[0]) / Double(docCount), Double(totals[1]) / Double(docCount), Double(totals[2]) / Double(docCount))

        // matches[term][segment]
        var matches: [[TermMatches]] = []
        var dfs: [Int] = []
        for term in terms {
            var perSegment: [TermMatches] = []
            var df = 0
            for s in segments {
                let m = try collect(term, in: s)
                df += m.docs.count
                perSegment.append(m)
            }
            matches.append(perSegment)
            dfs.append(df)
        }
        let idfs = dfs.map { scoring.idf(documentFrequency: $0, documentCount: n) }

        var scored: [(score: Double, id: Int64, segment: Int, doc: UInt32)] = []
        for (si, s) in segments.enumerated() {
            // Intersect, driven by the rarest term.
            let order = terms.indices.sorted { matches[$0][si].docs.count < matches[$1][si].docs.count }
            let lead = matches[order[0]][si]
            var cursors = [Int](repeating: 0, count: terms.count)
            for (li, doc) in lead.docs.enumerated() {
                var score = 0.0
                var all = true
                let lengths = (s.reader.fieldLength(doc, .title), s.reader.fieldLength(doc, .body), s.reader.fieldLength(doc, .meta))
                for t in order {
                    let m = matches[t][si]
                    var tf: (UInt32, UInt32, UInt32)
                    if t == order[0] {
                        tf = lead.tfs[li]
                    } else {
                        var c = cursors[t]
                        while c < m.docs.count && m.docs[c] < doc { c += 1 }
                        cursors[t] = c
                        guard c < m.docs.count, m.docs[c] == doc else { all = false; break }
                        tf = m.tfs[c]
                    }
                    score += scoring.score(idf: idfs[t], pseudoFrequency: scoring.pseudoFrequency(tf: tf, lengths: lengths, averages: avg))
                }
                if all { scored.append((score, s.reader.documentID(doc), si, doc)) }
            }
        }
        // Highest score first; ties by catalog id, so the order is deterministic.
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        let page = limit <= 0 ? Array(scored.dropFirst(offset)) : Array(scored.dropFirst(offset).prefix(limit))
        let records = try reader.documents(ids: page.map(\.id))
        let termSet = Set(terms)
        var hits: [SearchHit] = []
        for (i, p) in page.enumerated() {
            guard let record = records[p.id] else { continue }
            let text = try segments[p.segment].reader.storedText(p.doc)
            let snippet = Snippets.best(text: text, terms: termSet, analyzer: analyzer)
            hits.append(SearchHit(rank: offset + i + 1, score: (p.score * 1000).rounded() / 1000, record: record, snippet: snippet))
        }
        return SearchResult(query: query, total: scored.count, hits: hits)
    }

    /// Union of a term's postings over the title, body and metadata fields of one segment,
    /// live documents only.
    func collect(_ term: [UInt8], in segment: LiveSegment) throws -> TermMatches {
        let lists = try IndexField.allCases.map { try segment.reader.postings($0, term) }
        var cursors = [0, 0, 0]
        var out = TermMatches()
        while true {
            var next = UInt32.max
            for f in 0..<3 { if let l = lists[f], cursors[f] < l.docs.count { next = min(next, l.docs[cursors[f]]) } }
            if next == UInt32.max { break }
            var tf: (UInt32, UInt32, UInt32) = (0, 0, 0)
            for f in 0..<3 {
                guard let l = lists[f], cursors[f] < l.docs.count, l.docs[cursors[f]] == next else { continue }
                let v = l.frequencies[cursors[f]]
                if f == 0 { tf.0 = v } else if f == 1 { tf.1 = v } else { tf.2 = v }
                cursors[f] += 1
            }
            if segment.isLive(next) {
                out.docs.append(next)
                out.tfs.append(tf)
            }
        }
        return out
    }
}
