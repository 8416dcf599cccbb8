import DiariumIndex
import DiariumIngest
import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumReport
import DiariumExtraction

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct ReleaseReportTests {
    static let report: ReleaseReport = {
        do {
            let scratch = try ScratchDirectory("report")
            let ingester = try Ingester(indexDirectory: scratch.path)
            _ = try ingester.ingest(paths: [repositoryRoot.appendingPathComponent("corpus").path])
            ingester.close()
            return try ReleaseReport(reader: IndexReader(directory: scratch.path))
        } catch { fatalError("\(error)") }
    }()

    func authority(_ name: String) throws -> ReleaseReport.Authority {
        try #require(ReleaseReportTests.report.authorities.first { $0.name == name })
    }

    @Test func schoolBoardsRiskAnalysisIsStale() throws {
        #expect(ReleaseReportTests.report.referenceYear == 2022)
        let gyn = try authority("Gymnasienämnden")
        #expect(gyn.latestByType["riskanalys"] == 2015)
        #expect(gyn.flags.map(\.description).contains("latest risk analysis is older than 5 years (2015)"))
    }

    @Test func technicalOfficeHas2021ClassificationsAndRiskAnalyses() throws {
        let tf = try authority("Tekniska förvaltningen")
        #expect(tf.latestByType["riskanalys"] == 2021)
        #expect(tf.latestByType["informationsklassning"] == 2021)
        #expect(!tf.flags.map(\.description).contains { $0.contains("risk analysis") || $0.contains("information classification") })
    }

    @Test func repliesAreRead() throws {
        for board in ["Byggnadsnämnden", "Kultur- och fritidsnämnden", "Överförmyndarnämnden"] {
            #expect(try authority(board).flags.map(\.description).contains("reply says no documents exist"), "\(board)")
        }
        #expect(try authority("Kommunstyrelsen").flags.map(\.description).contains("reply says the analysis is in progress"))
        for board in ["Socialnämnden", "Vård- och omsorgsnämnden"] {
            #expect(try authority(board).flags.map(\.description).contains("reply says sensitive data is kept out of the cloud"), "\(board)")
        }
        #expect(!(try authority("Tekniska förvaltningen").flags.map(\.description).contains("reply says no documents exist")))
    }

    @Test func failuresAndFormatsAreCounted() throws {
        // Its scanned protocol and its screenshot are read by OCR: no failures left.
        let kfn = try authority("Kultur- och fritidsnämnden")
        #expect(kfn.failures == 0)
        #expect(kfn.formats["pdf"] == 1)
        #expect(kfn.formats["png"] == 1)
        #expect(try authority("Överförmyndarnämnden").failures == 1)
        let total = ReleaseReportTests.report.authorities.reduce(0) { $0 + $1.files }
        #expect(total == 63)
        let tf = try authority("Tekniska förvaltningen")
        #expect(tf.formats["docx"] == 1 && tf.formats["xlsx"] == 1 && tf.formats["zip"] == 1)
    }

    @Test func documentsWithCommentsOrTrackedChangesAreCounted() throws {
        let reviewed = ReleaseReportTests.report.reviewedDocuments
        #expect(reviewed.map(\.path) == ["corpus/Tekniska förvaltningen/Informationsklassningar 2021/Informationsklassning felanmälan gata och park.docx"])
        #expect(reviewed.first?.comments == 1 && reviewed.first?.trackedChanges == 2)
        #expect(try authority("Tekniska förvaltningen").flags.map(\.description).contains("1 document still carries comments or tracked changes"))
        #expect(ReleaseReportTests.report.markdown().contains("## Comments and tracked changes left in"))
    }

    /// Duplicate detection's word splitter (a byte table for Latin-1 text, `String` for any
    /// other) gives the words `lowercased()` and `Character.isLetter`/`isNumber` give, on
    /// random texts of Swedish letters, Latin-1 oddities (ª µ ² ½ ß ÿ × NBSP), CR LF, NUL,
    /// combining marks, other scripts and broken UTF-8.
    @Test func wordsAreThoseOfStringOnAnyText() {
        func reference(_ text: [UInt8]) -> [String] {
            String(decoding: text, as: UTF8.self).lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        }
        let latin1 = ["Å", "ä", "Ö", "é", "ª", "µ", "²", "½", "ß", "ÿ", "×", "\u{A0}", "\r\n", "\0", "KS-2015/12", " ", ".", "x", "Z9",
                      "–", "—", "“", "”", "’", "•", "…", "\u{2010}", "\u{205E}"]
        let other = ["e\u{301}", "İ", "Σ", "ﬁ", "東京", "\u{200D}", "\u{2060}", "\u{2070}", "\u{20DD}", "\u{300}"]
        var random = SeededRandom(state: 42)
        var fastPath = 0
        for round in 0..<2_000 {
            let pieces = round % 2 == 0 ? latin1 : latin1 + other
            var text = Array((0..<Int(random.below(40))).map { _ in pieces[random.below(pieces.count)] }.joined().utf8)
            if round % 7 == 0, !text.isEmpty { text[random.below(text.count)] = [0xC3, 0x80, 0xFF, 0xE2][random.below(4)] }
            let words = DuplicateFamilies.Words(text)
            #expect(words.strings == reference(text), "\(text)")
            if text.allSatisfy({ $0 < 0x80 || $0 == 0xC2 || $0 == 0xC3 || $0 == 0xE2 || ($0 & 0xC0) == 0x80 }) { fastPath += 1 }
        }
        #expect(fastPath > 800)
    }

    @Test func duplicateFamilies() throws {
        let scratch = try ScratchDirectory("dup")
        let dir = scratch.path
        let ingester = try Ingester(indexDirectory: dir)
        _ = try ingester.ingest(paths: [repositoryRoot.appendingPathComponent("corpus").path])
        ingester.close()
        let result = try DuplicateFamilies(reader: IndexReader(directory: dir))
        let exact = try #require(result.families.first { $0.kind == "exact" })
        #expect(exact.members.map(\.path) == ["corpus/Kommunstyrelsen/Informationssäkerhetspolicy.html",
                                              "corpus/Vård- och omsorgsnämnden/Bilaga 1 Informationssäkerhetspolicy.html"])
        let near = try #require(result.families.first { $0.kind == "near" })
        #expect(Set(near.members.map(\.path)) == ["corpus/Kommunstyrelsen/Informationssäkerhetspolicy.html",
                                                   "corpus/Socialnämnden/Informationssäkerhetspolicy för socialnämnden 2019.html"])
        let adopted = try #require(near.members.first { $0.path.contains("Socialnämnden") })
        #expect(adopted.similarity >= 0.6 && adopted.similarity < 1)
        #expect(adopted.added.contains("antagen"))
        #expect(adopted.removed.contains("fastställd"))
        // Unrelated documents are not families.
        // Plus the two risk analyses sent again as PDFs in Tekniska förvaltningen's 2021 ZIP.
        #expect(result.families.count == 4)
    }

    @Test func citedButNotReleasedRedactionsAndSecrecy() throws {
        let r = ReleaseReportTests.report
        #expect(r.missingReferences.contains { $0.kind == "annex" && $0.reference == "bilaga 3"
            && $0.citedIn == ["corpus/Socialnämnden/Informationssäkerhetspolicy för socialnämnden 2019.html"] })
        #expect(r.missingReferences.contains { $0.kind == "case number" && $0.reference == "KS 2020/0518" })
        #expect(r.missingReferences.contains { $0.kind == "document" && $0.reference.hasPrefix("rutin för personuppgiftsincidenter") })
        // Cited documents that are in the release are not listed.
        #expect(!r.missingReferences.contains { $0.reference.hasPrefix("policy för användning av molntjänster") })
        #expect(!r.missingReferences.contains { $0.reference == "KS-2014-0389" || $0.reference == "KS 2018/0211" })
        let sn = try authority("Socialnämnden")
        #expect(sn.redactions == 2)
        #expect(sn.secrecyProvisions["osl:26:1"] == 2)
        #expect(sn.secrecyProvisions["osl:18:8"] == 1)
    }

    @Test func citationFinders() {
        #expect(Citations.secrecyProvisions(in: "enligt 26 kap. 1 § OSL och offentlighets- och sekretesslagen (2009:400) 18 kap. 8 §") == ["osl:26:1", "osl:18:8"])
        #expect(Citations.secrecyProvisions(in: "enligt 3 kap. 2 § kommunallagen").isEmpty)
        #expect(Citations.redactions(in: "Namn: XXXX XXXX, tel [maskerat], ███, XXL-storlek") == 4)
        #expect(Citations.annexes(in: "se bilaga 3 och Bilaga 12.") == [3, 12])
    }

    /// The one-pass case-number scan: every number of a line, labelled or not, in order; a
    /// line of 5,000 citations gives 5,000 (counted, not timed: the old scan searched the rest of
    /// the line again per number).
    @Test func caseNumbersOfALine() {
        #expect(Citations.caseNumbers(in: "Se KS 2019/12, vårt dnr 2020/45 och BYGG 2021-000771.\nDnr: KS-2015-0123") ==
                ["KS 2019/12", "2020/45", "BYGG 2021-000771", "KS-2015-0123"])
        #expect(Citations.caseNumbers(in: "\"title\": \"Stärkt konsumentskydd, Dnr 2024/01078\"") == ["2024/01078"])
        let line = (1...5_000).map { "riktlinje för moln\($0) samt KS \(2000 + $0 % 25)/\($0)" }.joined(separator: " ")
        let found = Citations.caseNumbers(in: line)
        #expect(found.count == 5_000)
        #expect(found.first == "KS 2001/1" && found.last == "KS 2000/5000")
    }

    /// The sorted suffix table answers "does a title contain this phrase" as a scan would.
    @Test func phraseTableAgreesWithAScan() {
        let titles = ["riktlinje för informationssäkerhet 2019", "policy för användning av molntjänster", "xriktlinje för molnet",
                      "rutin för rutin för backup", "handbok", "plan för kontinuitet och krisledning", "Bilaga 3 riktlinje för"]
            .map { $0.lowercased() }
        let table = ReleaseReport.PhraseTable(titles)
        let phrases = ["riktlinje för informationssäkerhet", "riktlinje för informationssäkerhet 2019", "riktlinje för informationssäkerhet 2020",
                       "riktlinje för moln", "riktlinje för molnet", "riktlinje för molnets", "policy för användning", "policy för",
                       "rutin för backup", "rutin för rutin", "plan för kontinuitet och krisledning", "plan för kris", "handbok för x",
                       "riktlinje för", "instruktion för larm"]
        for p in phrases { #expect(table.containsSubstring(p) == titles.contains { $0.contains(p) }, "\(p)") }
    }

    @Test func renderings() throws {
        let r = ReleaseReportTests.report
        #expect(r.markdown().contains("| Gymnasienämnden | 2015 |"))
        let html = r.html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        #expect(r.csv().hasPrefix("authority,files,documents,without_text,riskanalys,"))
    }
}
