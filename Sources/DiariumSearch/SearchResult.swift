import Foundation
import DiariumExtraction
import DiariumIndex

/// One ranked document.
public struct SearchHit: Codable, Sendable, Equatable {
    public var rank: Int
    public var score: Double
    public var id: Int64
    public var path: String
    /// The file's absolute path where its release is now (`SearchResult.locateFiles`); nil
    /// when the index does not know where its root is.
    public var file: String? = nil
    public var title: String?
    public var authority: String?
    public var type: String?
    public var date: String?
    public var year: Int?
    public var dnr: String?
    public var format: String
    /// The page the snippet is on (1-based), for documents with pages.
    public var page: Int?
    /// For a document inside a file (a ZIP entry, an attachment): its name there
    /// (`Tekniska förvaltningen/protokoll.docx`); absent for a file itself.
    public var part: String? = nil
    /// A passage of the text with matched words between `«` and `»`.
    public var snippet: String
    /// Where the matched words are in `snippet`: `[start, end)` offsets in Unicode code points,
    /// the marks excluded.
    public var highlights: [[Int]] = []
}

/// The answer to one query.
public struct SearchResult: Codable, Sendable, Equatable {
    public var query: String
    /// Number of matching documents (all of them, not only those returned) — a lower bound
    /// when `exactTotal` is false.
    public var total: Int
    /// False when top-k evaluation skipped blocks that could not reach the page, so `total`
    /// counts only the matches it looked at; absent (nil) when `total` is exact.
    public var exactTotal: Bool?
    public var hits: [SearchHit]
    /// `or` when no document had every word and the hits are ranked by any word instead.
    public var fallback: String?

    public init(query: String, total: Int, hits: [SearchHit], fallback: String? = nil) {
        self.query = query
        self.total = total
        self.hits = hits
        self.fallback = fallback
    }

    /// Sets each hit's `file` (absolute) from the index's root folders, as `list` does: the
    /// command line and the web API call it alike.
    public mutating func locateFiles(_ roots: RootFolders) {
        for i in hits.indices { hits[i].file = roots.file(shownPath: hits[i].path) }
    }
}

extension SearchHit {
    init(rank: Int, score: Double, record: DocumentRecord, snippet: String, page: Int?) {
        self.init(rank: rank, score: score, id: record.id, path: record.path, title: record.title, authority: record.authority,
                  type: record.docType, date: record.date, year: record.year, dnr: record.dnr, format: record.format, page: page,
                  part: record.partName, snippet: snippet, highlights: SearchHit.highlights(in: snippet))
    }

    /// Offsets of the `«…»`-marked words of a snippet, in code points.
    static func highlights(in snippet: String) -> [[Int]] {
        var out: [[Int]] = []
        var start = -1
        for (i, s) in snippet.unicodeScalars.enumerated() {
            if s == "«" { start = i + 1 } else if s == "»", start >= 0 { out.append([start, i]); start = -1 }
        }
        return out
    }
}

/// How hits are ordered.
public enum SearchOrder: String, Sendable, CaseIterable {
    /// By BM25F score (the ranking).
    case score
    /// Newest date first (the year when the date is unknown); ties by rank.
    case date
    /// Newest year first; ties by rank.
    case year
}

extension Searcher {
    /// `search` with the hits in `order`: by score a page of the ranking; by date or year every
    /// match is ranked (without snippets), sorted, the page `offset..<offset+limit` (`limit` 0:
    /// all) renumbered, and snippets made for that page only.
    public func search(_ query: String, limit: Int, offset: Int, countTotal: Bool, order: SearchOrder) throws -> SearchResult {
        guard order != .score else { return try search(query, limit: limit, offset: offset, countTotal: countTotal) }
        let text = query.precomposedStringWithCanonicalMapping
        do {
            var result = try run(text, limit: 0, offset: 0, countTotal: countTotal, strategy: .automatic, snippets: false)
            func key(_ h: SearchHit) -> String {
                order == .date ? (h.date ?? h.year.map(String.init) ?? "") : (h.year.map(String.init) ?? "")
            }
            result.hits.sort { a, b in
                let ka = key(a), kb = key(b)
                return ka != kb ? ka > kb : a.rank < b.rank
            }
            let offset = max(0, offset)
            var page = limit <= 0 ? Array(result.hits.dropFirst(offset)) : Array(result.hits.dropFirst(offset).prefix(limit))
            // Snippets for the page, marking what `search` marks.
            var context = try EvaluationContext(searcher: self)
            _ = try evaluate(QueryParser.parse(text), &context, requireAll: false)
            let terms = Set(context.highlight.map { Array($0.utf8) })
            let records = try reader.documents(ids: page.map(\.id))
            for i in page.indices {
                page[i].rank = offset + i + 1
                guard let record = records[page[i].id], let stored = try reader.storedText(of: record) else { continue }
                let passage = Snippets.best(text: stored, terms: terms, analyzer: analyzer)
                page[i].snippet = passage.text
                page[i].highlights = SearchHit.highlights(in: passage.text)
                page[i].page = record.pageStarts.flatMap { PageMap.page(atOffset: passage.anchor, encoded: [UInt8]($0)) }
            }
            result.hits = page
            return result
        } catch let e as IndexError {
            throw SearchError.index(e)
        }
    }
}
