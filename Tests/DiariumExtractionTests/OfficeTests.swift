@testable import DiariumExtraction
import DiariumTestSupport
import Foundation
import Testing

/// A raw deflate stream (fixed Huffman) of one zero byte and then `repeats` copies of the
/// previous 258 bytes, without an end: it inflates to 258 × `repeats` + 1 zero bytes and on.
func zeroBomb(repeats: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(repeats * 13 / 8 + 16)
    var acc: UInt64 = 0, n = 0
    func bits(_ v: UInt64, _ count: Int) { acc |= v << UInt64(n); n += count; while n >= 8 { out.append(UInt8(acc & 0xFF)); acc >>= 8; n -= 8 } }
    func huffman(_ code: UInt64, _ length: Int) { var r: UInt64 = 0; for i in 0..<length { r |= ((code >> UInt64(i)) & 1) << UInt64(length - 1 - i) }; bits(r, length) }
    bits(0, 1); bits(1, 2)          // not final, fixed Huffman
    huffman(0x30, 8)                // literal 0
    // length 258 (code 285: 11000101) + distance 1 (code 0: 00000), reversed once.
    var pair: UInt64 = 0
    for i in 0..<8 { pair |= ((0xC5 >> UInt64(i)) & 1) << UInt64(7 - i) }
    for _ in 0..<repeats { bits(pair, 13) }
    if n > 0 { out.append(UInt8(acc & 0xFF)) }
    return out
}

let officeCorpus = repositoryRoot.appendingPathComponent("corpus").path

func extractCorpus(_ relative: String, limits: ExtractionLimits = ExtractionLimits()) -> ExtractedDocument {
    Extractor(limits: limits).extract(file: officeCorpus + "/" + relative, components: ["corpus"] + relative.split(separator: "/").map(String.init))
}

@Suite struct OfficeTests {
    @Test func docxKeepsCommentsAndTrackedChangesAsMarks() throws {
        let d = extractCorpus("Tekniska förvaltningen/Informationsklassningar 2021/Informationsklassning felanmälan gata och park.docx")
        #expect(d.failure == nil && d.format == "docx")
        #expect(d.text.contains("Leverantören ska radera foton efter [Borttaget av Anna Berg: 24][Infogat av Anna Berg: 12] månader."))
        #expect(d.text.contains("Sammanvägd klassning: K2 R3 T2. [Kommentar av Anna Berg: Ska riktigheten verkligen vara 3?"))
        #expect(d.revisions == RevisionCounts(comments: 1, insertions: 1, deletions: 1))
        // Table rows as tab-separated cells.
        #expect(d.text.contains("Ärendehistorik\t1\t3\t2"))
        // The template's title and creation date are properties, ranked below the text.
        #expect(d.properties["title"] == "Mall – protokoll informationsklassning")
        #expect(d.properties["lastModifiedBy"] == "Anna Berg" && d.properties["company"] == "Norrvika kommun")
        #expect(d.title == "Protokoll informationsklassning – E-tjänst för felanmälan gata och park")
        #expect(d.date == "2021-06-14" && d.dnr == "TF 2021/0518")
    }

    @Test func xlsxSheetsDatesAndBooleans() {
        let d = extractCorpus("Tekniska förvaltningen/Registerförteckning Tekniska förvaltningen 2021.xlsx")
        #expect(d.failure == nil && d.format == "xlsx")
        #expect(d.text.hasPrefix("Blad: Behandlingar\n"))
        #expect(d.text.contains("\nBlad: Anteckningar\n"))
        // Serial numbers under the built-in date format 14 and a custom yyyy-mm-dd.
        #expect(d.text.contains("Felanmälan gata och park\tTa emot och åtgärda felanmälningar\tNamn, kontaktuppgifter, position, foton\tE-tjänst felanmälan\tSANT\t2021-06-14\t2021-11-30"))
        #expect(d.text.contains("Trafiksignalstyrning") && d.text.contains("FALSKT"))
        #expect(d.text.contains("Antal behandlingar\t4"))
        #expect(d.date == "2021-12-06")
    }

    @Test func excelDatesAndFormats() {
        #expect(ExcelDate.iso(44361, date1904: false, withTime: false) == "2021-06-14")
        #expect(ExcelDate.iso(1, date1904: false, withTime: false) == "1900-01-01")
        #expect(ExcelDate.iso(59, date1904: false, withTime: false) == "1900-02-28")
        #expect(ExcelDate.iso(0, date1904: true, withTime: false) == "1904-01-01")
        #expect(ExcelDate.iso(44361.75, date1904: false, withTime: true) == "2021-06-14 18:00")
        #expect(NumberStyles.classify("yyyy\\-mm\\-dd;@").isDate)
        #expect(NumberStyles.classify("[$-41D]d mmmm yyyy").isDate)
        #expect(!NumberStyles.classify("[h]:mm:ss").isDate)
        #expect(!NumberStyles.classify("General").isDate)
        #expect(!NumberStyles.classify("#,##0.00 \"kr\"").isDate)
    }

    @Test func odtFromTheCorpusAndTheRealReleases() throws {
        let d = extractCorpus("Miljö- och hälsoskyddsnämnden/Informationssäkerhetspolicy 2020.odt")
        #expect(d.failure == nil && d.format == "odt")
        #expect(d.title == "Informationssäkerhetspolicy för miljö- och hälsoskyddsnämnden")
        #expect(d.properties["title"] == "Informationssäkerhetspolicy för miljö- och hälsoskyddsnämnden")
        // The real OpenDocument files of ../shared/data: every one read, the template's title a property only.
        let root = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/released_files").path
        let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".odt") }
        for f in files {
            let r = Extractor().extract(file: root + "/" + f, components: f.split(separator: "/").map(String.init))
            #expect(r.failure == nil && r.text.count > 1000, "\(f)")
            #expect(r.properties["application"]?.hasPrefix("OpenOffice.org") == true, "\(f)")
            #expect(r.title != "Verva - grunddokument", "\(f)")
        }
    }

    @Test func outlookMessageWithAttachment() {
        let d = extractCorpus("Socialnämnden/Sv Komplettering begäran om allmän handling.msg")
        #expect(d.failure == nil && d.format == "msg")
        #expect(d.text.hasPrefix("Från: Socialnämnden Norrvika kommun <socialnamnden@norrvika.se>\nTill: Anders Nyberg <anders.nyberg@example.se>\nDatum: 2022-03-18 09:42\nÄmne: Sv: Komplettering – begäran om allmän handling\nBilagor: Förteckning över personuppgiftsbiträdesavtal 2022.docx"))
        #expect(d.title == "Sv: Komplettering – begäran om allmän handling" && d.type == "e-post" && d.date == "2022-03-18")
        #expect(d.authority == "Socialnämnden")
        let part = try? #require(d.parts.first)
        #expect(d.parts.count == 1)
        #expect(part?.partName == "Förteckning över personuppgiftsbiträdesavtal 2022.docx" && part?.format == "docx")
        #expect(part?.text.contains("Verksamhetssystem IFO\tLeverantör A\t2019-06-01") == true)
    }

    @Test func oldWordThroughCatdoc() {
        let d = extractCorpus("Byggnadsnämnden/Tjänsteskrivelse digital bygglovshantering 2008.doc")
        #expect(d.failure == nil && d.format == "doc")
        #expect(d.text.contains("Byggnadskontoret föreslår att bygglovsansökningar"))
        #expect(d.dnr == "BN 2008/0112" && d.date == "2008-04-09")
    }

    @Test func zipEntriesArePartsNamedByTheirPath() {
        let d = extractCorpus("Tekniska förvaltningen/Utlämnade handlingar 2021.zip")
        #expect(d.format == "zip" && d.failure == nil && d.title == "Utlämnade handlingar 2021")
        #expect(d.parts.map(\.partName) == ["Tekniska förvaltningen/Följebrev utlämnande 2021-10-05.docx",
                                           "Tekniska förvaltningen/Riskanalyser 2021/Rapport riskanalys parkeringsövervakning.pdf",
                                           "Tekniska förvaltningen/Riskanalyser 2021/Riskanalys e-signering av anställningsavtal.pdf"])
        #expect(d.parts[0].dnr == "TF 2021/0733" && d.parts[0].format == "docx")
        #expect(d.parts.allSatisfy { $0.authority == "Tekniska förvaltningen" })
    }

    @Test func flatODFWithTrackedChangesAndAnnotation() {
        let fodt = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:mimetype="application/vnd.oasis.opendocument.text">
          <office:meta><dc:title>Mall</dc:title><meta:initial-creator>Jonas Wallin</meta:initial-creator><dc:date>2021-06-16T08:00:00</dc:date></office:meta>
          <office:master-styles><style:master-page style:name="Standard"><style:header><text:p>Tekniska förvaltningen</text:p></style:header></style:master-page></office:master-styles>
          <office:body>
            <office:text>
              <text:tracked-changes>
                <text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>Anna Berg</dc:creator><dc:date>2021-06-15T10:12:00</dc:date></office:change-info><text:p>24</text:p></text:deletion></text:changed-region>
                <text:changed-region text:id="ct2"><text:insertion><office:change-info><dc:creator>Anna Berg</dc:creator><dc:date>2021-06-15T10:12:00</dc:date></office:change-info></text:insertion></text:changed-region>
              </text:tracked-changes>
              <text:h>Protokoll   felanmälan</text:h>
              <text:p>Foton raderas efter <text:change text:change-id="ct1"/><text:change-start text:change-id="ct2"/>12<text:change-end text:change-id="ct2"/> månader.<office:annotation><dc:creator>Anna Berg</dc:creator><dc:date>2021-06-15</dc:date><text:p>Stäm av med gatuchefen.</text:p></office:annotation></text:p>
            </office:text>
          </office:body>
        </office:document>
        """#
        let d = Extractor().extract(bytes: Array(fodt.utf8), components: ["Protokoll.fodt"])
        #expect(d.format == "fodt" && d.failure == nil)
        #expect(d.text == "Tekniska förvaltningen\n\nProtokoll felanmälan\nFoton raderas efter [Borttaget av Anna Berg: 24][Infogat av Anna Berg: 12] månader. [Kommentar av Anna Berg: Stäm av med gatuchefen.]", "\(d.text)")
        #expect(d.revisions == RevisionCounts(comments: 1, insertions: 1, deletions: 1))
        #expect(d.properties["creator"] == "Jonas Wallin" && d.properties["title"] == "Mall")
        #expect(d.title == "Protokoll felanmälan")
    }

    @Test func pptxSlidesInOrderWithNotes() {
        var z = TestZip()
        let p = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        z.add("[Content_Types].xml", #"<Types><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#)
        z.add("_rels/.rels", "<Relationships><Relationship Id=\"r1\" Type=\"\(p)/officeDocument\" Target=\"ppt/presentation.xml\"/></Relationships>")
        z.add("ppt/presentation.xml", #"<p:presentation xmlns:p="p" xmlns:r="r"><p:sldIdLst><p:sldId id="256" r:id="rB"/><p:sldId id="257" r:id="rA"/></p:sldIdLst></p:presentation>"#)
        z.add("ppt/_rels/presentation.xml.rels", "<Relationships><Relationship Id=\"rA\" Type=\"\(p)/slide\" Target=\"slides/slide1.xml\"/><Relationship Id=\"rB\" Type=\"\(p)/slide\" Target=\"slides/slide2.xml\"/></Relationships>")
        z.add("ppt/slides/slide2.xml", #"<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>Molntjänster i Norrvika</a:t></a:r></a:p><a:p><a:r><a:t>Riskanalys </a:t></a:r><a:r><a:t>2021</a:t></a:r></a:p></p:sld>"#)
        z.add("ppt/slides/_rels/slide2.xml.rels", "<Relationships><Relationship Id=\"n\" Type=\"\(p)/notesSlide\" Target=\"../notesSlides/notesSlide1.xml\"/></Relationships>")
        z.add("ppt/notesSlides/notesSlide1.xml", #"<p:notes xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>Säg något om sekretessen.</a:t></a:r></a:p><a:p><a:fld type="slidenum"><a:t>1</a:t></a:fld></a:p></p:notes>"#)
        z.add("ppt/slides/slide1.xml", #"<p:sld xmlns:p="p" xmlns:a="a"><a:tbl><a:tr><a:tc><a:txBody><a:p><a:r><a:t>K</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>3</a:t></a:r></a:p></a:txBody></a:tc></a:tr></a:tbl></p:sld>"#)
        let d = Extractor().extract(bytes: z.bytes(), components: ["presentation.pptx"])
        #expect(d.format == "pptx" && d.failure == nil)
        #expect(d.text == "Bild 1\nMolntjänster i Norrvika\nRiskanalys 2021\nAnteckningar: Säg något om sekretessen.\n\nBild 2\nK\t3", "\(d.text)")
    }

    @Test func zipInsideAnEmail() {
        var zip = TestZip()
        zip.add("Tekniska förvaltningen/Protokoll 2021-03-15.txt", "Protokoll informationsklassning\nDnr TF 2021/0345")
        let b64 = Data(zip.bytes()).base64EncodedString(options: .lineLength76Characters)
        let eml = "From: Registrator <reg@norrvika.se>\r\nSubject: Handlingar\r\nDate: Thu, 10 Mar 2022 13:47:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe bilaga.\r\n--b\r\nContent-Type: application/zip; name=\"svar.zip\"\r\nContent-Disposition: attachment; filename=\"svar.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\(b64)\r\n--b--\r\n"
        let d = Extractor().extract(bytes: Array(eml.utf8), components: ["svar.eml"])
        #expect(d.format == "email")
        #expect(d.parts.map(\.partName) == ["svar.zip", "svar.zip/Tekniska förvaltningen/Protokoll 2021-03-15.txt"])
        #expect(d.parts.last?.dnr == "TF 2021/0345" && d.parts.last?.authority == "Tekniska förvaltningen")
    }

    @Test func rtfAndCompressedRTF() throws {
        let rtf = Array(#"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\*\generator x;}\pard Beslut om molntj\'e4nster\par N\u228?mnden \{beslutar\}\tab idag.\par}"#.utf8)
        #expect(RTFReader.text(rtf) == "Beslut om molntjänster\nNämnden {beslutar}\tidag.")
        let d = Extractor().extract(bytes: rtf, components: ["beslut.doc"])
        #expect(d.format == "rtf" && d.text.hasPrefix("Beslut om molntjänster"))
        // MS-OXRTFCP's own example: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n" compressed.
        let compressed: [UInt8] = [0x2D, 0x00, 0x00, 0x00, 0x2B, 0x00, 0x00, 0x00, 0x4C, 0x5A, 0x46, 0x75, 0xF1, 0xC5, 0xC7, 0xA7,
                                   0x03, 0x00, 0x0A, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0A, 0xF3, 0x20,
                                   0x68, 0x65, 0x6C, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xB0, 0x6C, 0x64, 0x7D, 0x0A, 0x80, 0x0F, 0xA0]
        let raw = try CompressedRTF.decompress(compressed, limit: 1 << 20)
        #expect(String(decoding: raw, as: UTF8.self) == "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n")
        #expect(CompressedRTF.prefix.count == 207)
    }
}

/// Hostile containers, generated here: each gets a reason, nothing is read or written outside
/// the bytes given, memory stays bounded.
@Suite struct HostileContainerTests {
    static func maxRSS() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    @Test func singleHugeEntryStopsAtTheBudget() {
        // Claims 10 GB (ZIP64); the stream really inflates to ~800 MB and would go on.
        var zip = TestZip()
        zip.items.append(.init(name: "huge.txt", data: zeroBomb(repeats: 3_000_000), method: 8, claimedSize: 10 << 30))
        zip.add("after.txt", "Texten efter bomben läses ändå.")
        var limits = ExtractionLimits()
        limits.maxArchiveBytes = 64 << 20
        let before = HostileContainerTests.maxRSS()
        let d = Extractor(limits: limits).extract(bytes: zip.bytes(), components: ["bomb.zip"])
        #expect(HostileContainerTests.maxRSS() - before < 400 << 20)
        #expect(d.parts.first?.failure?.description.contains("inflates to more than 67108864 bytes in all") == true, "\(String(describing: d.parts.first?.failure))")
        #expect(d.failure?.description.contains("unpacking stopped") == true)
    }

    @Test func aBudgetSpentInsideANestedArchiveStopsTheNextEntry() {
        var inner = TestZip()
        inner.items.append(.init(name: "zeros.bin", data: zeroBomb(repeats: 400_000), method: 8))
        var outer = TestZip()
        outer.add("inre.zip", inner.bytes())
        outer.items.append(.init(name: "nästa.bin", data: zeroBomb(repeats: 1000), method: 8))
        var limits = ExtractionLimits()
        limits.maxArchiveBytes = 16 << 20
        let d = Extractor(limits: limits).extract(bytes: outer.bytes(), components: ["yttre.zip"])
        #expect(d.parts.map(\.partName) == ["inre.zip", "inre.zip/zeros.bin", "nästa.bin"])
        #expect(d.parts.last?.failure?.description.contains("more than 16777216 bytes in all") == true)
    }

    @Test func compressionRatioIsLimited() {
        var zip = TestZip()
        zip.items.append(.init(name: "zeros.bin", data: zeroBomb(repeats: 200_000), method: 8))
        zip.add("notes.txt", "Anteckningar.")
        var limits = ExtractionLimits()
        limits.maxCompressionRatio = 20
        let d = Extractor(limits: limits).extract(bytes: zip.bytes(), components: ["ratio.zip"])
        #expect(d.parts.first?.failure?.description.contains("more than 20 times its compressed size") == true)
        // The budget was not spent: the next entry is read.
        #expect(d.parts.last?.text == "Anteckningar.")
    }

    @Test func nestedArchivesAreBoundedByDepthAndEntries() {
        var inner = Array("Längst in.".utf8)
        for level in 0..<7 {
            var z = TestZip()
            z.add("level\(level).zip", inner)
            z.add("level\(level)-b.zip", inner)
            if level == 0 { z = TestZip(); z.add("a.txt", inner); z.add("b.txt", inner) }
            inner = z.bytes()
        }
        let d = Extractor().extract(bytes: inner, components: ["42.zip"])
        #expect(d.parts.contains { $0.failure?.description.contains("archives nested more than 4 deep") == true })
        #expect(d.parts.count < 200)
        // Ten by ten by ten entries: the entry budget stops it.
        var leaf = TestZip()
        for i in 0..<10 { leaf.add("f\(i).txt", "fil \(i)") }
        var mid = TestZip()
        for i in 0..<10 { mid.add("m\(i).zip", leaf.bytes()) }
        var top = TestZip()
        for i in 0..<10 { top.add("t\(i).zip", mid.bytes()) }
        var limits = ExtractionLimits()
        limits.maxArchiveEntries = 500
        let wide = Extractor(limits: limits).extract(bytes: top.bytes(), components: ["wide.zip"])
        #expect(wide.failure?.description.contains("more than 500 entries in all") == true, "\(String(describing: wide.failure))")
    }

    @Test func hundredThousandEntries() {
        var zip = TestZip()
        for i in 0..<100_000 { zip.items.append(.init(name: "e\(i).txt", data: [])) }
        let d = Extractor().extract(bytes: zip.bytes(), components: ["many.zip"])
        #expect(d.failure?.description == "unpacking stopped: the archive has more than 10000 entries")
        #expect(d.parts.isEmpty)
    }

    @Test func entryNamesAreNeverPaths() {
        var zip = TestZip()
        zip.add("../../etc/passwd", "root:x:0:0")
        zip.add("/etc/shadow", "hemligt")
        zip.add("C:\\Windows\\system.ini", "ini")
        zip.add("Tekniska förvaltningen/./protokoll.txt", "Protokoll")
        let d = Extractor().extract(bytes: zip.bytes(), components: ["names.zip"])
        #expect(d.parts.map(\.partName) == ["etc/passwd", "etc/shadow", "Windows/system.ini", "Tekniska förvaltningen/protokoll.txt"])
        #expect(d.parts[0].text == "root:x:0:0")
        #expect(d.parts[3].authority == "Tekniska förvaltningen")
    }

    static func docx(document: String, sharedStrings: String? = nil) -> [UInt8] {
        var z = TestZip()
        z.add("[Content_Types].xml", #"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#)
        if let sharedStrings {
            z.add("_rels/.rels", #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)
            z.add("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="Blad1" r:id="s1"/></sheets></workbook>"#)
            z.add("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="s1" Type="x/worksheet" Target="sheet1.xml"/><Relationship Id="s2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#)
            z.add("xl/sheet1.xml", #"<worksheet><sheetData><row><c t="s"><v>0</v></c></row></sheetData></worksheet>"#)
            z.add("xl/sharedStrings.xml", sharedStrings)
        } else {
            z.add("_rels/.rels", #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#)
            z.add("word/document.xml", document)
        }
        return z.bytes()
    }

    @Test func externalEntitiesInDocumentXMLAreNotLoaded() {
        let xxe = #"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY web SYSTEM "http://127.0.0.1:9/x">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Före &xxe;&web; efter</w:t></w:r></w:p></w:body></w:document>"#
        let d = Extractor().extract(bytes: HostileContainerTests.docx(document: xxe), components: ["xxe.docx"])
        #expect(d.format == "docx" && d.failure == nil)
        #expect(d.text.contains("Före") && d.text.contains("efter"))
        #expect(!d.text.contains("root:"))
    }

    @Test func billionLaughsInSharedStrings() {
        var dtd = #"<!ENTITY lol0 "lol">"#
        for i in 1...9 { dtd += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">" }
        let sst = "<?xml version=\"1.0\"?><!DOCTYPE sst [\(dtd)]><sst><si><t>Start &lol9; slut</t></si></sst>"
        let before = HostileContainerTests.maxRSS()
        let d = Extractor().extract(bytes: HostileContainerTests.docx(document: "", sharedStrings: sst), components: ["laughs.xlsx"])
        #expect(d.format == "xlsx")
        #expect(d.text.utf8.count < 10_000)
        #expect(HostileContainerTests.maxRSS() - before < 200 << 20)
    }

    static func corpusMessage() throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: officeCorpus + "/Socialnämnden/Sv Komplettering begäran om allmän handling.msg")))
    }

    @Test func truncatedMessage() throws {
        let msg = try HostileContainerTests.corpusMessage()
        for cut in [600, 3000, msg.count / 2, msg.count - 700] {
            let d = Extractor().extract(bytes: Array(msg.prefix(cut)), components: ["cut.msg"])
            #expect(d.failure != nil || d.parts.contains { $0.failure != nil } || d.text.count < 2000, "cut at \(cut)")
            if let f = d.failure { #expect(f.description.count > 10) }
        }
    }

    @Test func sectorLoopIsAnError() throws {
        var msg = try HostileContainerTests.corpusMessage()
        // Point the directory's first FAT entry at itself.
        let fatSector = Int(msg[0x4C]) | Int(msg[0x4D]) << 8
        let dirSector = Int(msg[0x30]) | Int(msg[0x31]) << 8
        let at = (fatSector + 1) * 512 + 4 * dirSector
        msg.replaceSubrange(at..<(at + 4), with: [UInt8(dirSector & 0xFF), UInt8(dirSector >> 8), 0, 0])
        let d = Extractor().extract(bytes: msg, components: ["loop.msg"])
        #expect(d.failure?.description.contains("loops") == true, "\(String(describing: d.failure))")
    }

    @Test func deeplyNestedRTF() {
        let rtf = Array(("{\\rtf1 " + String(repeating: "{", count: 100_000) + "djupt" + String(repeating: "}", count: 100_000) + " slut}").utf8)
        let d = Extractor().extract(bytes: rtf, components: ["deep.rtf"])
        #expect(d.format == "rtf" && d.text == "slut")
    }

    @Test func encryptedEntryIsAStatus() {
        var zip = TestZip()
        zip.items.append(.init(name: "lösenord.docx", data: [UInt8](repeating: 0x5A, count: 64), flags: 0x801))
        zip.add("öppen.txt", "Öppen text.")
        let d = Extractor().extract(bytes: zip.bytes(), components: ["svar.zip"])
        #expect(d.failure == nil)
        #expect(d.parts.first?.failure == .encrypted(format: "ZIP entry") && d.parts.first?.format == "docx")
        #expect(d.parts.last?.text == "Öppen text.")
    }

    @Test func encryptedODFIsAStatusWithItsProperties() {
        var zip = TestZip()
        zip.add("mimetype", "application/vnd.oasis.opendocument.text")
        zip.add("META-INF/manifest.xml", #"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>"#)
        zip.add("meta.xml", #"<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><meta:initial-creator>Jonas Wallin</meta:initial-creator><dc:date>2021-05-02T10:00:00</dc:date></office:meta></office:document-meta>"#)
        zip.add("content.xml", [UInt8](repeating: 0xA5, count: 200))
        let d = Extractor().extract(bytes: zip.bytes(), components: ["Tekniska förvaltningen", "skyddad.odt"])
        #expect(d.format == "odt" && d.failure == .encrypted(format: "ODT file"))
        #expect(d.properties["creator"] == "Jonas Wallin")
        #expect(d.date == "2021-05-02" && d.sources["date"]?.description == "odf-meta:dc:date")
    }

    @Test func encryptedOOXMLIsAStatus() {
        // A compound file holding EncryptionInfo and EncryptedPackage, as Office writes a
        // password-protected .docx. Built from the corpus message by renaming two streams.
        guard var msg = try? HostileContainerTests.corpusMessage(), let file = try? CompoundFile(msg) else { Issue.record("no message"); return }
        let names = file.entries[0].children.map { file.entries[$0].name }
        #expect(names.contains("__substg1.0_0037001F"))
        func rename(_ old: String, _ new: String) {
            let o = Array(old.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            guard let at = (0..<(msg.count - o.count)).first(where: { msg[$0..<($0 + o.count)].elementsEqual(o) }) else { return }
            var n: [UInt8] = []
            for u in new.utf16 { n.append(UInt8(u & 0xFF)); n.append(UInt8(u >> 8)) }
            n += [UInt8](repeating: 0, count: 64 - n.count)
            for k in 0..<64 { msg[at + k] = n[k] }
            msg[at + 64] = UInt8((new.utf16.count + 1) * 2)
        }
        rename("__properties_version1.0", "EncryptionInfo")
        rename("__substg1.0_0037001F", "EncryptedPackage")
        rename("__nameid_version1.0", "DataSpaces")
        for n in names where n.hasPrefix("__substg1.0_") && n != "__substg1.0_0037001F" { rename(n, "X" + n.dropFirst(12)) }
        let d = Extractor().extract(bytes: msg, components: ["skyddad.docx"])
        #expect(d.failure == .encrypted(format: "Office document"), "\(String(describing: d.failure))")
    }
}
