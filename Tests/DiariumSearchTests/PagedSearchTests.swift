import DiariumExtraction
import DiariumIndex
import DiariumIngest
import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumSearch

/// Pages end to end: a PDF ingested, a hit that says its page, the page's text from the catalog,
/// and a 2,000-page document whose hit is shown from one region of its text.
@Suite(.serialized) struct PagedSearchTests {
    /// A folder in `scratch` holding `files`, ingested into an index beside it.
    static func index(_ files: [String: [UInt8]], in scratch: ScratchDirectory) throws -> (index: String, folder: String) {
        let root = scratch.path
        let folder = root + "/utlämnat"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        let ingester = try Ingester(indexDirectory: root + "/index")
        _ = try ingester.ingest(paths: [folder])
        ingester.close()
        return (root + "/index", folder)
    }

    /// Page `n` of the long document: a header, a footer and text that names its page.
    static func page(_ n: Int) -> [String] {
        var lines = ["Norrvika kommun  Protokoll kommunfullmäktige 2019", ""]
        for k in 0..<40 { lines.append("Rad \(k) på sidan \(n) om ärende och beslut i nämnden med mera text.") }
        if n == 1_537 { lines.append("Fullmäktige beslutade om pelargonkrukor vid stadshuset.") }
        lines.append("Sida \(n) av 2000")
        return lines
    }

    @Test func aHitInALongPDFSaysItsPageAndItsSnippetIsLocal() throws {
        let pdf = MiniPDF.text((1...2_000).map(Self.page))
        let scratch = try ScratchDirectory("paged")
        let (index, _) = try Self.index(["protokoll.pdf": pdf, "brev.pdf": MiniPDF.text([["Ett kort brev om pelargonkrukor."]])], in: scratch)
        let reader = try IndexReader(directory: index)
        let records = try reader.inventory(years: nil)
        let long = try #require(records.first { $0.path.hasSuffix("protokoll.pdf") })
        #expect(long.status == .ok && long.pageCount == 2_000)
        let starts = PageMap.decode([UInt8](try #require(long.pageStarts)))
        #expect(starts.count == 2_000 && PageMap.isValid(starts, textLength: Int.max))

        let result = try Searcher(reader: reader).search("pelargonkrukor", limit: 5)
        let hit = try #require(result.hits.first { $0.path.hasSuffix("protokoll.pdf") })
        #expect(hit.page == 1_537)
        #expect(hit.snippet.contains("«pelargonkrukor»"))
        let letter = try #require(result.hits.first { $0.path.hasSuffix("brev.pdf") })
        #expect(letter.page == 1)

        // The page's text is the range the stored starts give.
        let text = try #require(try reader.storedText(of: long))
        let range = try #require(PageMap.range(ofPage: 1_537, encoded: [UInt8](long.pageStarts!), textLength: text.count))
        let pageText = String(decoding: text[range], as: UTF8.self)
        #expect(pageText.contains("pelargonkrukor") && pageText.contains("Sida 1537 av 2000") && !pageText.contains("sidan 1536 "))

        // The snippet is read from the index: the document has a position table, from which the
        // bytes of a window of positions are a few hundred of its megabytes.
        let segment = try #require(reader.segments.first { $0.id == long.segmentID })
        let doc = UInt32(try #require(long.segmentDoc))
        let region = try #require(try segment.reader.storedTextRange(doc, positions: 300_000...300_040))
        #expect(text.count > 4_000_000 && region.bytes.count < 4_096, "\(region.bytes.count) bytes of \(text.count)")

        // The header on every page is indexed once: a search for it finds the document, and
        // its term frequency in the body is that of one page, not of 2,000.
        let header = try Searcher(reader: reader).search("\"Protokoll kommunfullmäktige 2019\"", limit: 5)
        #expect(header.hits.contains { $0.path.hasSuffix("protokoll.pdf") })
    }

    @Test func snippetsOfLongTextsLookOnlyNearTheTerms() {
        var text = Array(String(repeating: "Inledande text utan träffar om ingenting särskilt. ", count: 4_000).utf8)
        let at = text.count
        text += Array("Här står det om Riskanalysen för Office 365 och dess åtgärder. ".utf8)
        text += Array(String(repeating: "Avslutande text. ", count: 2_000).utf8)
        let region = Snippets.region(of: text, terms: [Array("riskanaly".utf8), Array("offic".utf8)])
        #expect(region.contains(at) && region.count <= Snippets.regionBytes + 8)
        #expect(Snippets.wordStart(Array("åtgärd".utf8), in: Array("Om ÅTGÄRDER och åtgärder".utf8), from: 0) == 3)
        #expect(Snippets.wordStart(Array("gärd".utf8), in: Array("åtgärder".utf8), from: 0) == nil)
    }
}
