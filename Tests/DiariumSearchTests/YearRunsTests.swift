import DiariumAnalysis
import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex
@testable import DiariumSearch

/// The year filter's walk by runs (`YearRuns`, `TopK+Union.swift`) judged document by document:
/// the runs' ranges are exactly the documents the filter passes, and a year-filtered union gives
/// the same documents, scores and count with the runs as without them.
@Suite struct YearRunsTests {
    /// The filters judged: one year, a range, open below (`..b`), open above (`a..`), a year no
    /// document has — as the query parser gives them (open ends are 0 and 9999).
    static let filters = ["2013", "2012..2015", "..2014", "2016..", "1999"]

    /// An index of four segments (committed every 400 documents, merging off) whose years come in
    /// runs of 25 documents, every seventh run without a year (0), so each segment holds some;
    /// words from a small vocabulary, so most documents hold the common ones.
    static func clusteredIndex(_ scratch: ScratchDirectory) throws -> IndexReader {
        var rng = SeededRandom(state: 17)
        let writer = try IndexWriter(directory: scratch.path, memoryBudget: 64 << 20)
        writer.mergeFactor = 0
        let vocabulary = TopKPropertyTests.common + (0..<40).map { "ord\($0)" }
        for d in 0..<1500 {
            let run = d / 25
            var record = DocumentRecord(path: "doc\(d).txt", sha256: String(repeating: "0", count: 64), size: 1, mtime: 0, format: "text",
                                        status: .ok, ingestedAt: "2026-01-01T00:00:00Z")
            record.year = run % 7 == 3 ? nil : 2010 + run % 12
            let body = (0..<(5 + Int(rng.next() % 40))).map { _ in TopKPropertyTests.word(&rng, vocabulary) }
            let title = (0..<(1 + Int(rng.next() % 4))).map { _ in TopKPropertyTests.word(&rng, vocabulary) }
            _ = try writer.add(record, fields: [.title: TopKPropertyTests.fieldTerms(title), .body: TopKPropertyTests.fieldTerms(body)],
                               storedText: Array((title + body).joined(separator: " ").utf8))
            if d % 400 == 399 { try writer.commit() }
        }
        try writer.commit()
        writer.close()
        return try IndexReader(directory: scratch.path)
    }

    /// A built segment whose runs are 1 to 9 documents long, unknown years among them, and whose
    /// last document has a year.
    static func builtSegment(_ scratch: ScratchDirectory) throws -> SegmentReader {
        var rng = SeededRandom(state: 7)
        var years: [Int?] = []
        while years.count < 403 {
            let y: Int? = rng.next() % 5 == 0 ? nil : 2012 + Int(rng.next() % 4)
            years += Array(repeating: y, count: 1 + Int(rng.next() % 9))
        }
        years.append(2014)
        var builder = SegmentBuilder()
        for (d, y) in years.enumerated() {
            builder.add(id: Int64(d + 1), fields: [.body: TopKPropertyTests.fieldTerms(["ord\(d % 5)"])], fast: FastValues(year: y),
                        storedText: Array("x".utf8))
        }
        let path = scratch.path + "/runs.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        return try SegmentReader(path: path)
    }

    /// Two searchers over `reader`: one walking the year runs, one checking the filter per
    /// document (`Searcher.yearRunsEnabled` false), the judge of the walk.
    static func searchers(_ reader: IndexReader) throws -> (runs: Searcher, perDocument: Searcher) {
        let runs = try Searcher(reader: reader)
        let perDocument = try Searcher(reader: reader)
        perDocument.yearRunsEnabled = false
        return (runs, perDocument)
    }

    /// `YearRuns.ranges` per segment, flattened, equals `{d : year(d) != 0 && filter ∋ year(d)}`
    /// taken document by document — on the clustered index's segments and on a built segment
    /// with runs of 1 to 9 documents (every run kept: `minimumRun` 1). A walk that drops or adds
    /// a document (the last run ended one early, say) fails here.
    @Test func rangesAreTheDocumentsTheFilterPasses() throws {
        let scratch = try ScratchDirectory("yearruns")
        let reader = try Self.clusteredIndex(scratch)
        #expect(reader.segments.count == 4)
        let segments = reader.segments.map(\.reader) + [try Self.builtSegment(scratch)]
        var lastDocumentsPassing = 0
        for (si, segment) in segments.enumerated() {
            let runs = try #require(YearRuns(segment, minimumRun: 1))
            let years = (0..<segment.documentCount).map { segment.fastValues(UInt32($0)).year ?? 0 }
            #expect(years.contains(0), "segment \(si) has no document without a year")
            for filter in Self.filters {
                let range = try #require(QueryParser.yearRange(filter))
                let want = years.indices.filter { years[$0] != 0 && range.contains(years[$0]) }.map(UInt32.init)
                let ranges = runs.ranges(range)
                #expect(ranges.flatMap { Array($0) } == want, "segment \(si), year:\(filter)")
                // Disjoint and not adjacent: adjacent runs are joined.
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound + 1 < $1.lowerBound }, "segment \(si), year:\(filter)")
                if want.last == UInt32(segment.documentCount - 1) { lastDocumentsPassing += 1 }
            }
        }
        // The segments' last documents are among those passing for some filters.
        #expect(lastDocumentsPassing >= 3)
    }

    /// Year-filtered unions (`OR`, prefixes, a fielded union) under every filter, walked with the
    /// runs and with the filter checked per document (`Searcher.yearRunsEnabled` false), with
    /// and without counting every match: the same documents and scores, and the same count
    /// whenever both are exact (always with `countAll`, or a k above every match).
    @Test func unionsWithRunsEqualUnionsWithout() throws {
        let scratch = try ScratchDirectory("yearruns")
        let reader = try Self.clusteredIndex(scratch)
        let (runs, perDocument) = try Self.searchers(reader)
        let withRuns = reader.segments.indices.filter { runs.yearRuns(segment: $0) != nil }
        #expect(withRuns.count > 1, "year runs in \(withRuns.count) of \(reader.segments.count) segments")
        #expect(reader.segments.indices.allSatisfy { perDocument.yearRuns(segment: $0) == nil })
        // Some segment with runs ends in a document with a year (the walk's last run matters).
        #expect(withRuns.contains { reader.segments[$0].reader.fastValues(UInt32(reader.segments[$0].reader.documentCount - 1)).year != nil })
        let unions = ["(kommun OR nämnd)", "(beslut OR skola OR avtal)", "ord1*", "(kommun OR ord2*)", "(title:kommun OR beslut)", "(riskanalys OR ord7)"]
        var compared = 0
        for u in unions {
            for filter in Self.filters {
                let text = u + " year:" + filter
                let node = QueryParser.parse(text)
                var contexts = [try EvaluationContext(searcher: runs), try EvaluationContext(searcher: perDocument)]
                let a = try #require(try runs.queryTree(node, &contexts[0], requireAll: true))
                let b = try #require(try perDocument.queryTree(node, &contexts[1], requireAll: true))
                #expect(UnionQuery(a, idf: contexts[0].idf) != nil, "\"\(text)\" is not a union")
                for countAll in [false, true] {
                    for k in [1, 10, 2000] {
                        let x = try TreeEvaluator(searcher: runs, context: contexts[0]).top(a, proximityTerms: [], k: k, countAll: countAll)
                        let y = try TreeEvaluator(searcher: perDocument, context: contexts[1]).top(b, proximityTerms: [], k: k, countAll: countAll)
                        #expect(x.top.map(\.id) == y.top.map(\.id) && x.top.map(\.score) == y.top.map(\.score),
                                "\"\(text)\" k \(k) countAll \(countAll): runs vs per document")
                        // The count is exact when every match was counted (or none was pruned);
                        // otherwise the two walks may prune different blocks.
                        if countAll || k == 2000 { #expect(x.exact && y.exact) }
                        if x.exact && y.exact {
                            #expect(x.matched == y.matched, "\"\(text)\" k \(k) countAll \(countAll): count \(x.matched) vs \(y.matched)")
                        }
                        compared += 1
                    }
                }
                // The public search too: totals counted, a page.
                let x = try runs.search(text, limit: 10, countTotal: true), y = try perDocument.search(text, limit: 10, countTotal: true)
                #expect(x.total == y.total && x.hits.map(\.id) == y.hits.map(\.id) && x.hits.map(\.score) == y.hits.map(\.score), "\"\(text)\": search")
                if filter == "1999" { #expect(x.total == 0) } else { #expect(x.total > 0, "\"\(text)\" matches nothing") }
            }
        }
        #expect(compared == unions.count * Self.filters.count * 6)
    }

    /// One segment of 1,200 documents whose years come in runs of 20 (2010 to 2015 in turn, so
    /// `year:2010..2013` passes ten ranges of 80 documents), where "ord901" and "ord902" occur
    /// only in the first 60 documents and "kommun" in every one.
    static func earlyWordsIndex(_ scratch: ScratchDirectory) throws -> IndexReader {
        try TopKPropertyTests.wordsIndex(scratch, count: 1200, year: { 2010 + ($0 / 20) % 6 }) { d in
            ["kommun"] + (d < 60 ? ["ord90\(1 + d % 2)"] : []) + (d % 7 == 0 && d < 60 ? ["ord901", "ord902"] : [])
        }
    }

    /// Once every leaf's postings are behind the walk, the union engine stops: it bounds no
    /// window for the allowed year ranges left (it bounded one per range, each asking every
    /// leaf's skip entries, when the window end was clipped to the range before the check).
    /// Same documents and scores as the walk without runs.
    @Test func aWalkPastTheLastPostingsVisitsNoFurtherRange() throws {
        let scratch = try ScratchDirectory("yearruns")
        let reader = try Self.earlyWordsIndex(scratch)
        #expect(reader.segments.count == 1)
        let (runs, perDocument) = try Self.searchers(reader)
        let yearRuns = try #require(runs.yearRuns(segment: 0))
        let range = try #require(QueryParser.yearRange("2010..2013"))
        #expect(yearRuns.ranges(range).count == 10)
        let text = "(ord901 OR ord902) year:2010..2013"
        let node = QueryParser.parse(text)
        var contexts = [try EvaluationContext(searcher: runs), try EvaluationContext(searcher: perDocument)]
        let a = try #require(try runs.queryTree(node, &contexts[0], requireAll: true))
        let b = try #require(try perDocument.queryTree(node, &contexts[1], requireAll: true))
        #expect(UnionQuery(a, idf: contexts[0].idf) != nil)
        for k in [1, 3] {
            runs.unionWork = .init()
            let x = try TreeEvaluator(searcher: runs, context: contexts[0]).top(a, proximityTerms: [], k: k, countAll: false)
            let y = try TreeEvaluator(searcher: perDocument, context: contexts[1]).top(b, proximityTerms: [], k: k, countAll: false)
            #expect(x.top.map(\.id) == y.top.map(\.id) && x.top.map(\.score) == y.top.map(\.score), "k \(k)")
            #expect(x.top.count == k)
            // The words' one block each, bounded within the first range (a window per block
            // end at most), then once more to find nothing left: not once per range (10).
            #expect(runs.unionWork.cursorsOpened == 2)
            #expect(runs.unionWork.windowsBounded >= 1 && runs.unionWork.windowsBounded <= 3, "k \(k): \(runs.unionWork.windowsBounded) windows")
        }
    }

    /// A year filter that passes no document of a segment with runs opens none of the union's
    /// cursors there (it opened them, decoding their first blocks, and returned before their
    /// error check); checked per document (no runs) the cursors are opened.
    @Test func aYearFilterPassingNothingOpensNoCursor() throws {
        let scratch = try ScratchDirectory("yearruns")
        let reader = try Self.earlyWordsIndex(scratch)
        let (runs, perDocument) = try Self.searchers(reader)
        #expect(runs.yearRuns(segment: 0) != nil)
        // No document of 1999; two year filters with no year in common.
        for text in ["(ord901 OR kommun) year:1999", "(ord901 OR kommun) year:2010 year:2012"] {
            runs.unionWork = .init()
            perDocument.unionWork = .init()
            let x = try runs.search(text, limit: 10, countTotal: true), y = try perDocument.search(text, limit: 10, countTotal: true)
            #expect(x.total == 0 && y.total == 0 && x.hits.isEmpty && y.hits.isEmpty, "\(text)")
            #expect(runs.unionWork.cursorsOpened == 0, "\(text): \(runs.unionWork.cursorsOpened) cursors with runs")
            #expect(perDocument.unionWork.cursorsOpened == 2, "\(text): \(perDocument.unionWork.cursorsOpened) cursors per document")
        }
        // The unknown year (0) never passes, not even a filter open at both ends.
        #expect(!YearRuns.admits(0, 0...9999) && YearRuns.admits(2014, 0...9999) && !YearRuns.admits(2014, 2015...2015))
    }
}
