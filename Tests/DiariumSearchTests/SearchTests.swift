import DiariumAnalysis
import DiariumIndex
import DiariumIngest
import Foundation
import Testing
@testable import DiariumSearch

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The corpus ingested once into a scratch index, shared by the tests of this suite.
final class CorpusIndex: Sendable {
    static let shared: CorpusIndex = {
        do { return try CorpusIndex() } catch { fatalError("could not index corpus/: \(error)") }
    }()
    let directory: String
    let summary: IngestSummary

    init() throws {
        directory = NSTemporaryDirectory() + "diarium-search-" + UUID().uuidString
        let ingester = try Ingester(indexDirectory: directory)
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

    /// Every hit holds every query term in its title, text or metadata.
    @Test(arguments: ["molntjänst policy", "personuppgifter Microsoft", "informationsklassning 2021", "dataskyddsförordningen"])
    func allWordsMustMatch(query: String) throws {
        let searcher = try CorpusIndex.shared.searcher()
        let reader = searcher.reader
        let analyzer = try Analyzer()
        let terms = Set(analyzer.terms(query))
        let result = try searcher.search(query, limit: 0)
        #expect(result.total == result.hits.count)
        #expect(result.total > 0)
        var matchingByBruteForce = 0
        for record in try reader.inventory() where record.status == .ok {
            let text = String(decoding: try reader.storedText(of: record) ?? [], as: UTF8.self)
            let meta = [record.authority, record.docType, record.dnr, record.year.map(String.init), record.date].compactMap { $0 }
                + record.path.split(separator: "/").map(String.init)
            let all = Set(analyzer.terms([record.title ?? "", text, meta.joined(separator: " ")].joined(separator: "\n")))
            if terms.isSubset(of: all) { matchingByBruteForce += 1 }
        }
        #expect(result.total == matchingByBruteForce)
    }

    @Test func yearWordMatchesTheDocumentYear() throws {
        let r = try CorpusIndex.shared.searcher().search("informationsklassning 2021", limit: 0)
        let tf = r.hits.filter { $0.path.contains("Tekniska förvaltningen/Informationsklassningar 2021") }
        #expect(tf.count == 3)
    }

    @Test func titleMatchesOutrankBodyMatches() throws {
        let r = try CorpusIndex.shared.searcher().search("konsekvensbedömning", limit: 0)
        let firstBodyOnly = r.hits.firstIndex { !($0.title ?? "").lowercased().contains("konsekvensbedömning") } ?? r.hits.count
        let lastTitle = r.hits.lastIndex { ($0.title ?? "").lowercased().contains("konsekvensbedömning") } ?? -1
        #expect(lastTitle >= 0)
        #expect(lastTitle < firstBodyOnly + 2, "title hits should lead the ranking")
        #expect(r.hits.map(\.score) == r.hits.map(\.score).sorted(by: >))
    }

    @Test func pagingAndEmptyQueries() throws {
        let s = try CorpusIndex.shared.searcher()
        let all = try s.search("molntjänst", limit: 0)
        let page = try s.search("molntjänst", limit: 3, offset: 2)
        #expect(page.total == all.total)
        #expect(page.hits.map(\.id) == Array(all.hits.dropFirst(2).prefix(3)).map(\.id))
        #expect(page.hits.first?.rank == 3)
        #expect(try s.search("   ...  ").total == 0)
        #expect(try s.search("ordsomintefinns").total == 0)
    }
}

@Suite struct ScoringTests {
    @Test func bm25fSaturatesAndNormalises() {
        let s = BM25F()
        let avg = (5.0, 100.0, 10.0)
        let one = s.pseudoFrequency(tf: (0, 1, 0), lengths: (5, 100, 10), averages: avg)
        let many = s.pseudoFrequency(tf: (0, 10, 0), lengths: (5, 100, 10), averages: avg)
        let long = s.pseudoFrequency(tf: (0, 1, 0), lengths: (5, 400, 10), averages: avg)
        let title = s.pseudoFrequency(tf: (1, 0, 0), lengths: (5, 100, 10), averages: avg)
        #expect(abs(one - 1.0) < 1e-9)
        #expect(s.score(idf: 1, pseudoFrequency: many) < 10 * s.score(idf: 1, pseudoFrequency: one))
        #expect(s.score(idf: 1, pseudoFrequency: many) < s.k1 + 1)
        #expect(long < one)
        #expect(title > one)
        #expect(s.idf(documentFrequency: 1, documentCount: 100) > s.idf(documentFrequency: 50, documentCount: 100))
        #expect(s.idf(documentFrequency: 100, documentCount: 100) > 0)
    }
}
