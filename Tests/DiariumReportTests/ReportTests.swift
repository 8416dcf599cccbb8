import DiariumIndex
import DiariumIngest
import Foundation
import Testing
@testable import DiariumReport
import DiariumExtraction

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct ReleaseReportTests {
    static let report: ReleaseReport = {
        do {
            let dir = NSTemporaryDirectory() + "diarium-report-" + UUID().uuidString
            let ingester = try Ingester(indexDirectory: dir)
            _ = try ingester.ingest(paths: [repositoryRoot.appendingPathComponent("corpus").path])
            ingester.close()
            return try ReleaseReport(reader: IndexReader(directory: dir))
        } catch { fatalError("\(error)") }
    }()

    func authority(_ name: String) throws -> ReleaseReport.Authority {
        try #require(ReleaseReportTests.report.authorities.first { $0.name == name })
    }

    @Test func schoolBoardsRiskAnalysisIsStale() throws {
        #expect(ReleaseReportTests.report.referenceYear == 2022)
        let gyn = try authority("Gymnasienämnden")
        #expect(gyn.latestByType["riskanalys"] == 2015)
        #expect(gyn.flags.contains("latest risk analysis is older than 5 years (2015)"))
    }

    @Test func technicalOfficeHas2021ClassificationsAndRiskAnalyses() throws {
        let tf = try authority("Tekniska förvaltningen")
        #expect(tf.latestByType["riskanalys"] == 2021)
        #expect(tf.latestByType["informationsklassning"] == 2021)
        #expect(!tf.flags.contains { $0.contains("risk analysis") || $0.contains("information classification") })
    }

    @Test func repliesAreRead() throws {
        for board in ["Byggnadsnämnden", "Kultur- och fritidsnämnden", "Överförmyndarnämnden"] {
            #expect(try authority(board).flags.contains("reply says no documents exist"), "\(board)")
        }
        #expect(try authority("Kommunstyrelsen").flags.contains("reply says the analysis is in progress"))
        for board in ["Socialnämnden", "Vård- och omsorgsnämnden"] {
            #expect(try authority(board).flags.contains("reply says sensitive data is kept out of the cloud"), "\(board)")
        }
        #expect(!(try authority("Tekniska förvaltningen").flags.contains("reply says no documents exist")))
    }

    @Test func failuresAndFormatsAreCounted() throws {
        // Its scanned protocol and its screenshot are read by OCR: no failures left.
        let kfn = try authority("Kultur- och fritidsnämnden")
        #expect(kfn.failures == 0)
        #expect(kfn.formats["pdf"] == 1)
        #expect(kfn.formats["png"] == 1)
        #expect(try authority("Överförmyndarnämnden").failures == 1)
        let total = ReleaseReportTests.report.authorities.reduce(0) { $0 + $1.files }
        #expect(total == 57)
    }

    @Test func duplicateFamilies() throws {
        let dir = NSTemporaryDirectory() + "diarium-dup-" + UUID().uuidString
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
        #expect(result.families.count == 2)
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
