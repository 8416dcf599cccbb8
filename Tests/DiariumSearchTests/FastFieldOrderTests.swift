import DiariumAnalysis
import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex
@testable import DiariumSearch

/// Sorting by date or year and counting by fast fields (over the iterator tree's matches),
/// judged by brute force over every hit: the matched documents are those of the exhaustive
/// evaluation and ranking (`search` with limit 0), their
/// keys come from the catalog records (the text `date ?? year`, compared as text, as the sort
/// was defined before it moved to the fast fields), and ties go by BM25F score, then id.
@Suite struct FastFieldOrderTests {
    /// The sort key of the catalog: the date, else the year, as text.
    static func textKey(_ r: DocumentRecord, _ order: SearchOrder) -> String {
        order == .date ? (r.date ?? r.year.map(String.init) ?? "") : (r.year.map(String.init) ?? "")
    }

    /// Every hit of `query` (ids and BM25F scores of the exhaustive evaluation, fallback applied).
    static func allHits(_ searcher: Searcher, _ query: String) throws -> (scores: [Int64: Double], fallback: Bool) {
        var context = try EvaluationContext(searcher: searcher)
        let node = try QueryParser.validated(query)
        var hits = try searcher.evaluate(node, &context, requireAll: true)
        var fallback = false
        if let h = hits, h.allSatisfy(\.isEmpty), searcher.canFallBack(node) {
            hits = try searcher.evaluate(node, &context, requireAll: false)
            fallback = !(hits?.allSatisfy(\.isEmpty) ?? true)
        }
        var out: [Int64: Double] = [:]
        for (si, h) in (hits ?? []).enumerated() { for (d, s) in h { out[searcher.reader.segments[si].reader.documentID(d)] = s } }
        return (out, fallback)
    }

    /// Checks `search(order:)` and `counts` for `query` against brute force; returns the number of hits.
    @discardableResult
    static func check(_ searcher: Searcher, _ query: String, pages: [(offset: Int, limit: Int)]) throws -> Int {
        let ranking = try searcher.search(query, limit: 0, strategy: .exhaustive)
        let (scores, fallback) = try allHits(searcher, query)
        // The matches sorting and counting use are the ranking's matches.
        #expect(Set(scores.keys) == Set(ranking.hits.map(\.id)), "\(query)")
        #expect(fallback == (ranking.fallback == "or"), "\(query)")
        let records = try searcher.reader.documents(ids: Array(scores.keys))
        for order in [SearchOrder.date, .year] {
            let expected = scores.keys.sorted { a, b in
                let ka = textKey(records[a]!, order), kb = textKey(records[b]!, order)
                if ka != kb { return ka > kb }
                if scores[a]! != scores[b]! { return scores[a]! > scores[b]! }
                return a < b
            }
            for (offset, limit) in pages {
                let r = try searcher.search(query, limit: limit, offset: offset, countTotal: false, order: order)
                let want = limit == 0 ? Array(expected.dropFirst(offset)) : Array(expected.dropFirst(offset).prefix(limit))
                #expect(r.hits.map(\.id) == want, "\(query) --sort \(order) --offset \(offset) --limit \(limit)")
                #expect(r.hits.map(\.rank) == Array((offset + 1)..<(offset + 1 + want.count)), "\(query)")
                #expect(r.total == scores.count && r.exactTotal == nil, "\(query)")
                #expect(r.fallback == ranking.fallback, "\(query)")
                // Snippets for the page shown, as the ranking makes them.
                for h in r.hits { #expect(h.snippet == ranking.hits.first { $0.id == h.id }?.snippet, "\(query) \(h.id)") }
            }
        }
        // Counts by every fast field and by authority × year, against the records of every hit.
        let groupings: [[FastField]] = [[.authority], [.year], [.type], [.format], [.authority, .year]]
        let counted = try searcher.counts(query, by: groupings)
        #expect(counted.total == scores.count && counted.fallback == fallback, "\(query)")
        for (g, fields) in groupings.enumerated() {
            var want: [[String?]: Int] = [:]
            for r in records.values {
                let key: [String?] = fields.map { f in
                    switch f {
                    case .authority: return r.authority
                    case .year: return r.year.map(String.init)
                    case .type: return r.docType
                    case .format: return r.format
                    }
                }
                want[key, default: 0] += 1
            }
            let got = Dictionary(uniqueKeysWithValues: counted.groupings[g].rows.map { ($0.values, $0.count) })
            #expect(got == want, "\(query) by \(fields)")
            #expect(counted.groupings[g].total == scores.count)
        }
        return scores.count
    }

    @Test func corpusSortsAndCountsLikeBruteForce() throws {
        let searcher = try CorpusIndex.shared.searcher()
        var matched = 0
        for q in ["molntjänst", "riskanalys", "riskanalys 2015 Office 365", "informationsklassning OR konsekvensbedömning",
                  "\"Office 365\"", "risk*", "riskanalys -molntjänst", "year:2015..2021", "org:teknisk", "type:protokoll",
                  "personuppgifter xyzzyq", "nämnd", "-molntjänst", "year:2015..2021 -riskanalys", "riskanalys molntjänst OR protokoll",
                  "(riskanalys OR protokoll) (molntjänst OR \"Office 365\")", "NOT (riskanalys OR protokoll) org:teknisk"] {
            matched += try Self.check(searcher, q, pages: [(0, 10), (0, 0), (3, 5), (1000, 10)])
        }
        #expect(matched > 100, "the corpus queries should match many documents")
    }

    @Test func seededRandomIndexSortsAndCountsLikeBruteForce() throws {
        var rng = SeededRandom(state: 1717)
        let analyzer = try Analyzer(splitCompounds: false)
        let vocabulary = TopKPropertyTests.common + (0..<200).map { "ord\($0)" }
        let scratch = try ScratchDirectory("sort")
        let directory = scratch.path
        let writer = try IndexWriter(directory: directory, memoryBudget: 32 << 10)
        writer.mergeFactor = 3
        func add(_ path: String) throws {
            let body = TopKPropertyTests.terms((0..<(3 + Int(rng.next() % 80))).map { _ in TopKPropertyTests.word(&rng, vocabulary) }, analyzer)
            let title = TopKPropertyTests.terms((0..<(1 + Int(rng.next() % 4))).map { _ in TopKPropertyTests.word(&rng, vocabulary) }, analyzer)
            var record = DocumentRecord(path: path, sha256: String(repeating: "0", count: 64), size: 1, mtime: 0,
                                        format: ["text", "html", "pdf"][Int(rng.next() % 3)], status: .ok, ingestedAt: "2026-01-01T00:00:00Z")
            // Years with and without dates, dates without years' help, and neither: every branch of the key.
            let year = 2010 + Int(rng.next() % 8)
            switch rng.next() % 5 {
            case 0: break
            case 1: record.year = year
            default:
                record.year = year
                record.date = String(format: "%04d-%02d-%02d", year, 1 + Int(rng.next() % 12), 1 + Int(rng.next() % 28))
            }
            if rng.next() % 6 != 0 { record.authority = "Nämnd \(rng.next() % 4)" }
            if rng.next() % 3 != 0 { record.docType = ["protokoll", "beslut", "policy"][Int(rng.next() % 3)] }
            let meta = TopKPropertyTests.terms([record.authority ?? "", record.year.map(String.init) ?? ""], analyzer)
            try writer.add(record, fields: [.title: TopKPropertyTests.fieldTerms(title), .body: TopKPropertyTests.fieldTerms(body),
                                             .meta: TopKPropertyTests.fieldTerms(meta)],
                           storedText: Array((title + body).joined(separator: " ").utf8))
            try writer.commitIfOverBudget()
        }
        for i in 0..<600 { try add("doc\(i).txt") }
        for _ in 0..<80 { try add("doc\(rng.next() % 600).txt") }
        try writer.commit()
        try writer.waitForMerges()
        // Replacements with merging off: deleted documents stay in the segments.
        writer.mergeFactor = 0
        for _ in 0..<60 { try add("doc\(rng.next() % 600).txt") }
        try writer.commit()
        writer.close()
        let reader = try IndexReader(directory: directory)
        #expect(reader.segments.count > 1)
        #expect(reader.segments.contains { $0.deletedCount > 0 })
        let searcher = try Searcher(reader: reader)
        for _ in 0..<40 {
            let words = (0..<(1 + Int(rng.next() % 2))).map { _ in TopKPropertyTests.word(&rng, vocabulary) }
            var q = words.joined(separator: " ")
            let other = TopKPropertyTests.word(&rng, vocabulary)
            switch rng.next() % 8 {
            case 0: q += " year:2012..2015"
            case 1: q = words.joined(separator: " OR ")
            case 2: q += " xyzzy"
            case 3: q = "-" + words[0] + (rng.next() % 2 == 0 ? " year:2012..2015" : "")
            case 4: q += " OR " + other
            case 5: q = "(" + words[0] + " OR " + other + " xyzzy) -" + (words.last ?? other)
            default: break
            }
            let offset = Int(rng.next() % 20), limit = [1, 5, 10, 0][Int(rng.next() % 4)]
            try Self.check(searcher, q, pages: [(0, 10), (offset, limit)])
        }
        // Every live document counted when no query narrows them (the inventory's `list --by`).
        let all = reader.fastFieldCounts([[.year]])[0]
        #expect(all.total == reader.liveDocumentCount)
    }

    @Test func dateKeysSortAsTheirText() {
        let texts = ["2015-03-12", "2015-03-02", "2014-12-31", "2016-01-01", "1999-07-04"]
        let keys = texts.map { DateKey.pack($0) }
        #expect(keys.allSatisfy { $0 != 0 })
        #expect(zip(texts, keys).allSatisfy { DateKey.text($1) == $0 })
        for (a, ka) in zip(texts, keys) { for (b, kb) in zip(texts, keys) { #expect((a < b) == (ka < kb)) } }
        // A year alone sorts below the dates of that year and above those of earlier years, as its text does.
        #expect(DateKey.order(date: 0, year: 2015) < DateKey.pack("2015-01-01"))
        #expect(DateKey.order(date: 0, year: 2015) > DateKey.pack("2014-12-31"))
        #expect(DateKey.order(date: 0, year: nil) == 0)
        for bad in ["2015-13-01", "2015-00-10", "15-03-2015", "2015-3-12", "", "2015-03-1x"] { #expect(DateKey.pack(bad) == 0, "\(bad)") }
    }
}
