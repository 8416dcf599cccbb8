import DiariumAnalysis
import DiariumIndex
import Foundation
import DiariumTestSupport
import Testing
@testable import DiariumSearch

@Suite struct QueryParserTests {
    @Test func parsesOperatorsFieldsAndGroups() {
        #expect(QueryParser.parse("riskanalys 2015") == .and([.words("riskanalys", field: nil), .words("2015", field: nil)]))
        #expect(QueryParser.parse("\"Office 365\"") == .phrase("Office 365", field: nil))
        #expect(QueryParser.parse("policy OR riktlinje") == .or([.words("policy", field: nil), .words("riktlinje", field: nil)]))
        #expect(QueryParser.parse("moln -policy") == .and([.words("moln", field: nil), .not(.words("policy", field: nil))]))
        #expect(QueryParser.parse("moln NOT policy") == .and([.words("moln", field: nil), .not(.words("policy", field: nil))]))
        #expect(QueryParser.parse("riskanal*") == .prefix("riskanal", field: nil))
        #expect(QueryParser.parse("year:2015..2021") == .filter(.year(2015...2021)))
        #expect(QueryParser.parse("year:>=2018") == .filter(.year(2018...9999)))
        #expect(QueryParser.parse("year:2015") == .filter(.year(2015...2015)))
        #expect(QueryParser.parse("org:\"Tekniska förvaltningen\"") == .filter(.authority("Tekniska förvaltningen")))
        #expect(QueryParser.parse("dnr:\"KS 2015/123\"") == .filter(.dnr("KS 2015/123")))
        #expect(QueryParser.parse("title:\"risk och\"") == .phrase("risk och", field: .title))
        #expect(QueryParser.parse("(a OR b) c") == .and([.or([.words("a", field: nil), .words("b", field: nil)]), .words("c", field: nil)]))
    }

    /// Nesting that used to overflow the stack: 50,000 parentheses, 32,000 NOTs, and NOT and
    /// parentheses alternating. `parse` reads them (NOT by parity, parentheses beyond the
    /// limit as absent); `validated` refuses too deep a nesting with a message.
    @Test func deepNestingNeitherCrashesNorRunsSilently() throws {
        let deep = String(repeating: "(", count: 50_000) + "x" + String(repeating: ")", count: 50_000)
        #expect(QueryParser.parse(deep) == .words("x", field: nil))
        #expect(throws: QueryError.tooDeep(depth: 50_000)) { try QueryParser.validated(deep) }
        #expect(QueryError.tooDeep(depth: 50_000).description.contains("at most \(QueryParser.maxDepth) levels"))
        #expect(QueryParser.parse(String(repeating: "NOT ", count: 32_000) + "x") == .words("x", field: nil))
        #expect(QueryParser.parse(String(repeating: "NOT ", count: 32_001) + "x") == .not(.words("x", field: nil)))
        #expect(try QueryParser.validated(String(repeating: "NOT ", count: 32_001) + "x y") == .and([.not(.words("x", field: nil)), .words("y", field: nil)]))
        let alternating = String(repeating: "NOT (", count: 40_000) + "x"
        _ = QueryParser.parse(alternating)
        #expect(throws: QueryError.tooDeep(depth: 40_000)) { try QueryParser.validated(alternating) }
        // Up to the limit, groups are groups.
        let ok = String(repeating: "(", count: QueryParser.maxDepth) + "a OR b" + String(repeating: ")", count: QueryParser.maxDepth) + " c"
        #expect(try QueryParser.validated(ok) == .and([.or([.words("a", field: nil), .words("b", field: nil)]), .words("c", field: nil)]))
    }

    @Test func readsBrokenSyntaxLiterally() {
        #expect(QueryParser.parse("\"unclosed phrase") == .phrase("unclosed phrase", field: nil))
        #expect(QueryParser.parse("((a b") == .and([.words("a", field: nil), .words("b", field: nil)]))
        #expect(QueryParser.parse("a ) b") == .and([.words("a", field: nil), .words("b", field: nil)]))
        #expect(QueryParser.parse("foo:bar") == .words("foo:bar", field: nil))
        #expect(QueryParser.parse("OR AND") == .and([]))
        #expect(QueryParser.parse("KS 2015/123") == .and([.words("KS", field: nil), .words("2015/123", field: nil)]))
        #expect(QueryParser.parse("year:tjugo") == .words("tjugo", field: nil))
    }

    @Test func shortestSpanOfPositions() {
        #expect(Searcher.shortestSpan([[1, 10], [12], [3, 14]]) == 5)
        #expect(Searcher.shortestSpan([[4], [5]]) == 2)
        #expect(Searcher.shortestSpan([[7], [2, 40]]) == 6)
        #expect(Searcher.shortestSpan([[3, 9], []]) == Int.max)
        #expect(Searcher.shortestSpan([[5, 8], [5, 8]]) == 1)
    }

    /// The one-pass window equals the smallest span over every choice of one position per list
    /// (brute force), on seeded random ascending lists of 1–4 words (some empty, some sharing
    /// positions, as one word typed twice does).
    @Test func shortestSpanEqualsBruteForce() {
        var rng = SeededRandom(state: 17)
        for _ in 0..<400 {
            let n = Int.random(in: 1...4, using: &rng)
            var lists: [[UInt32]] = []
            for _ in 0..<n {
                let count = Int.random(in: 0...6, using: &rng)
                lists.append(Set((0..<count).map { _ in UInt32.random(in: 0..<40, using: &rng) }).sorted())
            }
            var best = Int.max
            func choose(_ i: Int, _ low: UInt32, _ high: UInt32) {
                guard i < lists.count else { best = min(best, Int(high - low) + 1); return }
                for p in lists[i] { choose(i + 1, i == 0 ? p : min(low, p), i == 0 ? p : max(high, p)) }
            }
            choose(0, 0, 0)
            #expect(Searcher.shortestSpan(lists) == best, "\(lists)")
        }
    }

    @Test func caseNumbersMatchHoweverWritten() {
        let k = CaseNumbers.key("KS 2015/123")
        #expect(CaseNumbers.key("KS-2015-0123") == k)
        #expect(CaseNumbers.key("Dnr KS 2015/123") == k)
        #expect(CaseNumbers.key("ks 2015/0123") == k)
        #expect(CaseNumbers.key("KS 2015/124") != k)
    }
}

@Suite struct QueryLanguageTests {
    func paths(_ q: String) throws -> [String] {
        try CorpusIndex.shared.searcher().search(q, limit: 0).hits.map { $0.path.replacingOccurrences(of: "corpus/", with: "") }
    }

    @Test func phraseNeedsAdjacentWords() throws {
        let phrase = try paths("\"Office 365\"")
        #expect(phrase.contains("Gymnasienämnden/Riskanalys Office 365 (2015).html"))
        #expect(Set(phrase).isSubset(of: Set(try paths("Office 365"))))
        #expect(try paths("\"365 Office\"").isEmpty)
    }

    @Test func fieldsAndFilters() throws {
        let y2021 = try paths("year:2021")
        // Eight 2021 files of the text formats, the DOCX protocol, the XLSX register, the ZIP and
        // its DOCX letter (its two PDF entries have no text to search on this branch).
        #expect(y2021.count == 14)   // and, with the PDF reader, its two PDF entries
        #expect(try paths("riskanalys year:2021").allSatisfy { y2021.contains($0) })
        #expect(try paths("org:teknisk type:informationsklassning").count == 4)
        // The risk analysis as sent twice: its HTML and its PDF.
        #expect(Set(try paths("dnr:\"GYN 2015/112\"")) == ["Gymnasienämnden/Riskanalys Office 365 (2015).html", "Gymnasienämnden/Riskanalys Office 365 (2015).pdf"])
        #expect(try paths("format:pdf dnr:\"GYN 2015/112\"") == ["Gymnasienämnden/Riskanalys Office 365 (2015).pdf"])
        // The classification, and the risk analysis in the 2021 ZIP that cites it.
        #expect(try paths("dnr:TN-2021-87").contains("Tekniska förvaltningen/Informationsklassningar 2021/Informationsklassning parkeringsövervakning.xml"))
        #expect(try paths("dnr:TN-2021-87").allSatisfy { $0.hasSuffix(".xml") || $0.hasSuffix(".zip") })
        #expect(try paths("format:xml").allSatisfy { $0.hasSuffix(".xml") })
        #expect(try paths("title:riktlinje").count == 4)
        #expect(try paths("year:2014..2015").count == 7)
        #expect(try paths("year:>=2022 type:e-post").allSatisfy { $0.hasSuffix(".eml") || $0.hasSuffix(".msg") })
        #expect(try paths("year:>=2022 type:e-post").count == 11)
        #expect(try paths("path:Socialnämnden").allSatisfy { $0.hasPrefix("Socialnämnden/") })
    }

    @Test func booleanOperators() throws {
        let policy = Set(try paths("policy"))
        let riktlinje = Set(try paths("riktlinje"))
        #expect(Set(try paths("policy OR riktlinje")) == policy.union(riktlinje))
        #expect(Set(try paths("policy -riktlinje")) == policy.subtracting(riktlinje))
        #expect(Set(try paths("policy NOT riktlinje")) == policy.subtracting(riktlinje))
        #expect(Set(try paths("policy AND riktlinje")) == policy.intersection(riktlinje))
        #expect(Set(try paths("(policy OR riktlinje) year:2017..2019")).isSubset(of: policy.union(riktlinje)))
    }

    /// A minus before a field filter, a phrase or a group excludes it as `NOT` does
    /// (`-org:x` was read as NOT of the words `org:x`).
    @Test func minusBeforeAFieldIsNot() throws {
        #expect(QueryParser.parse("-org:teknisk") == .not(.filter(.authority("teknisk"))))
        #expect(QueryParser.parse("riskanalys -org:\"Tekniska förvaltningen\"") == QueryParser.parse("riskanalys NOT org:\"Tekniska förvaltningen\""))
        #expect(QueryParser.parse("moln -title:policy") == QueryParser.parse("moln NOT title:policy"))
        #expect(QueryParser.parse("moln -\"Office 365\"") == .and([.words("moln", field: nil), .not(.phrase("Office 365", field: nil))]))
        #expect(QueryParser.parse("moln -(policy OR riktlinje)") == QueryParser.parse("moln NOT (policy OR riktlinje)"))
        // A minus before a digit is not an operator; one standing alone is a word.
        #expect(QueryParser.parse("-2015") == .words("-2015", field: nil))
        #expect(QueryParser.parse("moln - policy") == .and([.words("moln", field: nil), .words("-", field: nil), .words("policy", field: nil)]))
        // The same documents on the corpus.
        let riskanalys = Set(try paths("riskanalys"))
        let teknisk = Set(try paths("riskanalys org:teknisk"))
        #expect(!teknisk.isEmpty && teknisk.count < riskanalys.count)
        #expect(Set(try paths("riskanalys -org:teknisk")) == riskanalys.subtracting(teknisk))
        #expect(try paths("riskanalys -org:teknisk") == (try paths("riskanalys NOT org:teknisk")))
        #expect(try paths("policy -year:2019") == (try paths("policy NOT year:2019")))
    }

    @Test func secrecyCitationsAreSearchable() throws {
        let p = try paths("osl:26:1")
        #expect(p.contains("Socialnämnden/Informationssäkerhetspolicy för socialnämnden 2019.html"))
        #expect(try paths("osl:32:4").count == 1)
    }

    @Test func prefixes() throws {
        let p = try paths("informationsklass*")
        #expect(Set(p).isSuperset(of: Set(try paths("informationsklassning"))))
    }

    /// Thousands of random strings and punctuation mixes: every one gives results or none,
    /// never an error.
    @Test func fuzzedQueriesNeverFail() throws {
        var rng = SystemRandomNumberGenerator()
        let searcher = try CorpusIndex.shared.searcher()
        let pieces = ["\"", "(", ")", "-", "*", ":", "OR", "AND", "NOT", "year:", "dnr:", "org:", "title:", "..", ">=", "/", "\\",
                      "riskanalys", "2015", "Office", "365", "å", "ö", "«", "\u{0}", "\u{FFFD}", " ", "  ", "KS", "-2015-", "@", "http://x"]
        for i in 0..<3000 {
            var q = ""
            if i % 3 == 0 {
                let bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                q = String(decoding: bytes, as: UTF8.self)
            } else {
                for _ in 0..<Int.random(in: 1...8, using: &rng) { q += pieces.randomElement(using: &rng)! }
            }
            _ = try searcher.search(q, limit: 3)
        }
    }
}
