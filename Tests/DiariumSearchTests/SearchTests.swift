import DiariumAnalysis
import DiariumIndex
import DiariumIngest
import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumSearch

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The corpus ingested once into a scratch index, shared by the tests of this suite.
final class CorpusIndex: Sendable {
    static let shared: CorpusIndex = {
        do { return try CorpusIndex() } catch { fatalError("could not index corpus/: \(error)") }
    }()
    let scratch: ScratchDirectory
    var directory: String { scratch.path }
    let summary: IngestSummary

    init() throws {
        scratch = try ScratchDirectory("search")
        let ingester = try Ingester(indexDirectory: scratch.path)
        summary = try ingester.ingest(paths: [repositoryRoot.appendingPathComponent("corpus").path])
        ingester.close()
    }

    func searcher() throws -> Searcher { try Searcher(reader: IndexReader(directory: directory)) }
}

@Suite struct SearchTests {
    @Test func officeRiskAnalysisRanksFirst() throws {
        let r = try CorpusIndex.shared.searcher().search("riskanalys 2015 Office 365")
        let first = try #require(r.hits.first)
        #expect(first.path == "corpus/Gymnasienämnden/Riskanalys Office 365 (2015).html")
        #expect(first.authority == "Gymnasienämnden")
        #expect(first.type == "riskanalys")
        #expect(first.year == 2015)
        #expect(first.snippet.contains("«"))
    }

    /// The hits are exactly the documents that, for every required query word, hold all terms
    /// of one of its alternatives (the word, a synonym, …) in their title, text or metadata —
    /// checked against a brute-force scan of every document.
    @Test(arguments: ["molntjänst policy", "personuppgifter Microsoft", "informationsklassning 2021", "dataskyddsförordningen",
                      "risk- och sårbarhetsanalys", "e-post till registrator"])
    func allWordsMustMatch(query: String) throws {
        let searcher = try CorpusIndex.shared.searcher()
        let reader = searcher.reader
        let analyzer = try Analyzer()
        let plan = try searcher.plan(query)
        let result = try searcher.search(query, limit: 0)
        #expect(result.total == result.hits.count)
        #expect(result.total > 0)
        var matchingByBruteForce = 0
        for record in try reader.inventory() where record.status == .ok {
            let text = String(decoding: try reader.storedText(of: record) ?? [], as: UTF8.self)
            let meta = [record.authority, record.docType, record.dnr, record.year.map(String.init), record.date].compactMap { $0 }
                + record.path.split(separator: "/").map(String.init)
            let all = Set(analyzer.terms([record.title ?? "", text, meta.joined(separator: "\n")].joined(separator: "\n")))
            let matches = plan.clauses.filter(\.required).allSatisfy { clause in
                clause.alternatives.contains { Set($0.terms).isSubset(of: all) }
            }
            if matches { matchingByBruteForce += 1 }
        }
        #expect(result.total == matchingByBruteForce)
    }

    @Test func yearWordMatchesTheDocumentYear() throws {
        let r = try CorpusIndex.shared.searcher().search("informationsklassning 2021", limit: 0)
        let tf = r.hits.filter { $0.path.contains("Tekniska förvaltningen/Informationsklassningar 2021") }
        #expect(tf.count == 4)
    }

    @Test func titleMatchesOutrankBodyMatches() throws {
        let r = try CorpusIndex.shared.searcher().search("informationsklassning", limit: 0)
        let firstBodyOnly = r.hits.firstIndex { !($0.title ?? "").lowercased().contains("informationsklassning") } ?? r.hits.count
        let lastTitle = r.hits.lastIndex { ($0.title ?? "").lowercased().contains("informationsklassning") } ?? -1
        #expect(lastTitle >= 0)
        #expect(lastTitle < firstBodyOnly + 2, "title hits should lead the ranking")
        #expect(r.hits.map(\.score) == r.hits.map(\.score).sorted(by: >))
    }

    @Test func pagingAndEmptyQueries() throws {
        let s = try CorpusIndex.shared.searcher()
        let all = try s.search("molntjänst", limit: 0)
        // Counted: a top-k page's total is otherwise a lower bound (the corpus index has several
        // segments once its OCR pass has replaced the scanned documents).
        let page = try s.search("molntjänst", limit: 3, offset: 2, countTotal: true)
        #expect(page.total == all.total)
        #expect(page.hits.map(\.id) == Array(all.hits.dropFirst(2).prefix(3)).map(\.id))
        #expect(page.hits.first?.rank == 3)
        #expect(try s.search("   ...  ").total == 0)
        #expect(try s.search("ordsomintefinns").total == 0)
    }
}

@Suite struct QueryPlanTests {
    @Test func synonymsStopwordsAndFolding() throws {
        let s = try CorpusIndex.shared.searcher()
        let plan = try s.plan("DPIA för Office 365")
        #expect(plan.clauses.map(\.text) == ["dpia", "för", "office 365"])
        #expect(plan.clauses.map(\.required) == [true, false, true])
        #expect(plan.clauses[0].alternatives.contains { $0.terms == ["konsekvensbedömning"] && $0.reason == .synonym })
        #expect(plan.clauses[2].alternatives.contains { $0.terms == ["o365"] })
        #expect(plan.clauses[2].alternatives.contains { $0.terms == ["microsoft", "365"] })
        // Typed without å/ä/ö: the spelling the corpus has is an alternative, ranked lower.
        let folded = try s.plan("atgarder")
        let alt = try #require(folded.clauses.first?.alternatives.first { $0.reason == .folded })
        #expect(alt.terms == ["åtgärd"])
        #expect(alt.weight < 1)
        #expect(try s.search("atgarder").total == s.search("åtgärder").total)
    }

    @Test func inflectionsAndHyphenatedFormsMeet() throws {
        let s = try CorpusIndex.shared.searcher()
        // riskanalys / riskanalysen / riskanalyser index as one term.
        let a = Set(try s.search("riskanalys", limit: 0).hits.map(\.id))
        #expect(a == Set(try s.search("riskanalysen", limit: 0).hits.map(\.id)))
        #expect(a.contains(try #require(try s.search("riskanalys 2015 Office 365").hits.first?.id)))
        // PUL-bedömning is found as one word too.
        #expect(try s.search("pulbedömning").total >= 1)
        #expect(try s.search("PUL-bedömning").hits.first?.path.contains("PUL-bedömning") == true)
    }

    @Test func compoundPartsAreFoundButRankBelowTheWordItself() throws {
        let hits = try CorpusIndex.shared.searcher().search("riskanalys", limit: 0).hits.map(\.path)
        #expect(hits.contains("corpus/Miljö- och hälsoskyddsnämnden/Risk- och sårbarhetsanalys 2019.html"))
        // Two documents: one has the word, one only a compound holding it.
        let scratch = try ScratchDirectory("compound")
        let dir = scratch.path
        try FileManager.default.createDirectory(atPath: dir + "/batch", withIntermediateDirectories: true)
        try "Informationssäkerhetsarbetet i nämnden fortsätter under året.".write(toFile: dir + "/batch/a.txt", atomically: true, encoding: .utf8)
        try "Arbete i nämnden fortsätter under året.".write(toFile: dir + "/batch/b.txt", atomically: true, encoding: .utf8)
        let ingester = try Ingester(indexDirectory: dir + "/index")
        _ = try ingester.ingest(paths: [dir + "/batch"])
        ingester.close()
        let r = try Searcher(reader: IndexReader(directory: dir + "/index")).search("arbete", limit: 0)
        #expect(r.hits.map(\.path) == ["batch/b.txt", "batch/a.txt"])
        #expect(r.hits[0].score > r.hits[1].score)
    }

    @Test func nothingMatchingEveryWordFallsBackToAnyWord() throws {
        let r = try CorpusIndex.shared.searcher().search("trafiksignalstyrning zebrafinkar")
        #expect(r.fallback == "or")
        #expect(r.total > 0)
        #expect(try CorpusIndex.shared.searcher().search("trafiksignalstyrning").fallback == nil)
    }
}

@Suite struct ScoringTests {
    @Test func bm25fSaturatesAndNormalises() {
        let s = BM25F()
        let avg = FieldAverages([5, 100, 10, 20])
        let lengths = FieldCounts(5, 100, 10, 20)
        let one = s.pseudoFrequency(tf: FieldCounts(0, 1, 0), lengths: lengths, averages: avg)
        let many = s.pseudoFrequency(tf: FieldCounts(0, 10, 0), lengths: lengths, averages: avg)
        let long = s.pseudoFrequency(tf: FieldCounts(0, 1, 0), lengths: FieldCounts(5, 400, 10, 20), averages: avg)
        let title = s.pseudoFrequency(tf: FieldCounts(1, 0, 0), lengths: lengths, averages: avg)
        let part = s.pseudoFrequency(tf: FieldCounts(0, 0, 0, 1), lengths: lengths, averages: avg)
        #expect(part < one)
        #expect(abs(one - 1.0) < 1e-9)
        #expect(s.score(idf: 1, pseudoFrequency: many) < 10 * s.score(idf: 1, pseudoFrequency: one))
        #expect(s.score(idf: 1, pseudoFrequency: many) < s.k1 + 1)
        #expect(long < one)
        #expect(title > one)
        #expect(s.idf(documentFrequency: 1, documentCount: 100) > s.idf(documentFrequency: 50, documentCount: 100))
        #expect(s.idf(documentFrequency: 100, documentCount: 100) > 0)
    }

    /// `fieldSum` is unrolled for the fields there are: over every field mask it equals the
    /// score of the pseudo frequency summed field by field over `IndexField.allCases`, so a
    /// field added to `IndexField` but not to the unrolled sum fails here.
    @Test func unrolledFieldSumCoversEveryField() {
        let s = BM25F()
        let frequency: (Int) -> UInt32 = { UInt32($0 + 1) }
        let factor: (Int) -> Double = { 0.5 + Double($0) * 0.25 }
        let all = IndexField.allCases.reduce(UInt8(0)) { $0 | $1.bit }
        for mask in 0...all {
            var pf = 0.0
            for f in IndexField.allCases where mask & f.bit != 0 {
                pf += Double(frequency(Int(f.rawValue))) * factor(Int(f.rawValue))
            }
            let unrolled = s.fieldSum(fields: mask, idf: 2, weight: 3, frequency: frequency, factor: factor)
            #expect(abs(unrolled - s.score(idf: 2, pseudoFrequency: pf) * 3) < 1e-12, "mask \(mask)")
        }
    }
}

/// The joined-form flag that widens the snippet region is the plan's, on both search paths.
@Suite struct JoinedFormPlanTests {
    /// `evaluate` (the exhaustive path) and `queryTree` (the automatic path) record a joined
    /// form typed as a query word alike, and neither records one for plain words; the two
    /// paths' snippets of joined-form queries are the same.
    @Test func bothPathsRecordAJoinedFormTyped() throws {
        let searcher = try CorpusIndex.shared.searcher()
        for (query, joined) in [("e-post", true), ("KS 2018/0211 beslut", true), ("pul-bedömning", true), ("riskanalys Office", false)] {
            let node = QueryNode.words(query, field: nil)
            #expect(try searcher.plan(query).hasJoinedForms == joined, "\(query)")
            var exhaustive = try EvaluationContext(searcher: searcher)
            _ = try searcher.evaluate(node, &exhaustive, requireAll: true)
            var automatic = try EvaluationContext(searcher: searcher)
            _ = try searcher.queryTree(node, &automatic, requireAll: true)
            #expect(exhaustive.joinedForms == joined, "\(query)")
            #expect(automatic.joinedForms == joined, "\(query)")
            let fast = try searcher.search(query, limit: 0)
            let slow = try searcher.search(query, limit: 0, strategy: .exhaustive)
            // By catalog id: equal scores may be summed in another order on the two paths.
            let bySlow = Dictionary(uniqueKeysWithValues: slow.hits.map { ($0.id, $0.snippet) })
            #expect(!fast.hits.isEmpty, "\(query)")
            for h in fast.hits { #expect(bySlow[h.id] == h.snippet, "\(query): \(h.path)") }
        }
    }
}
