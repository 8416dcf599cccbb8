import Foundation
import DiariumTestSupport
import Testing
@testable import DiariumExtraction

let releasedFiles = sharedData + "/released_files"

/// All PDFs of ../shared/data/released_files, sorted.
func releasedPDFs() throws -> [String] {
    let all = try #require(FileManager.default.enumerator(atPath: releasedFiles)).compactMap { $0 as? String }
    return all.filter { $0.lowercased().hasSuffix(".pdf") }.sorted().map { releasedFiles + "/" + $0 }
}

/// poppler's own answer for one page, run directly (not through diarium), as the oracle of the
/// page bookkeeping.
func popplerPage(_ path: String, _ page: Int) throws -> String {
    let r = try ChildProcess.run(.pdftotext, arguments: ["-layout", "-enc", "UTF-8", "-f", String(page), "-l", String(page), path, "-"],
                                 limits: .init(seconds: 30))
    return PDFText.pages(r.stdout).first ?? ""
}

/// pdftotext run directly on `pdf` (standard input) with `arguments`.
func popplerRun(_ pdf: [UInt8], _ arguments: [String]) throws -> [UInt8] {
    let r = try ChildProcess.run(.pdftotext, arguments: arguments, stdin: pdf, limits: .init(seconds: 30))
    #expect(r.succeeded, "\(r.stderr)")
    return r.stdout
}

@Suite struct RealPDFTests {
    @Test func everyPageWithATextLayerIsReadAndTheScanIsFlaggedForOCR() throws {
        let pdfs = try releasedPDFs()
        #expect(pdfs.count >= 15)
        var pages = 0
        for path in pdfs {
            let name = (path as NSString).lastPathComponent
            let d = Extractor().extract(file: path, components: [name])
            #expect(d.format == "pdf" && d.failure == nil, "\(name): \(d.failure?.description ?? "")")
            #expect(d.pageCount >= 1 && PageMap.isValid(d.pageStarts, textLength: d.text.utf8.count), "\(name)")
            let info = try ChildProcess.run(.pdfinfo, arguments: [path], limits: .init(seconds: 30))
            let expectedPages = PDFText.info(info.stdout).pages
            #expect(d.pageCount == expectedPages, "\(name): \(d.pageCount) pages, pdfinfo says \(expectedPages ?? -1)")
            if name == "RA-FS-2006_6.pdf" {
                // The scan: no text layer at all, so its one page needs OCR.
                #expect(d.ocrPages == [1])
                #expect(!d.text.contains { $0.isLetter })
                continue
            }
            #expect(d.ocrPages.isEmpty, "\(name): pages \(d.ocrPages) flagged for OCR")
            for p in 1...d.pageCount {
                let page = try #require(d.text(ofPage: p))
                #expect(page.filter(\.isLetter).count >= PDFText.minLetters, "\(name) page \(p) has no text")
                // The page is exactly what poppler prints for that page alone.
                #expect(page.dropLast() == Substring(try popplerPage(path, p)), "\(name) page \(p) differs from pdftotext -f \(p) -l \(p)")
                pages += 1
            }
        }
        #expect(pages >= 30)
    }

    @Test func metadataOfTheRealPDFs() throws {
        func doc(_ relative: String) -> ExtractedDocument {
            let parts = relative.split(separator: "/").map(String.init)
            return Extractor().extract(file: releasedFiles + "/" + relative, components: ["released_files"] + parts)
        }
        let verva = doc("Verket för förvaltningsutveckling/VervaFS-2007_1.pdf")
        #expect(verva.title == "Vervas föreskrifter om statliga myndigheters elektroniska fakturor")
        #expect(verva.date == "2007-01-12" && verva.sources["date"] == .textLine(8))
        let bfs = doc("Boverket/Boverkets författningssamling/1991-36ovr61.pdf")
        #expect(bfs.authority == "Boverket" && bfs.dnr == "BFS 1991:36")
        #expect(bfs.title == "Boverkets föreskrifter om funktionskontroll av ventilationssystem")
        // `Microsoft Word - 1987-4TOB6.doc` is a program's title, never the document's.
        let bofs = doc("Boverket/Boverkets författningssamling/1987-4tob6.pdf")
        #expect(bofs.title?.hasPrefix("Bostadsstyrelsens föreskrifter och information om ändring") == true)
        #expect(bofs.authority == "Bostadsstyrelsen")
        // The scan has nothing but its information dictionary: the date comes from there.
        let scan = doc("Riksarkivet/RA-FS-2006_6.pdf")
        #expect(scan.date == "2007-02-22" && scan.sources["date"] == .pdfInfo("CreationDate"))
    }
}

@Suite struct GeneratedPDFTests {
    @Test func pagesMetadataAndNormalisation() throws {
        let pdf = MiniPDF.text([
            ["Norrvika kommun", "Kommunstyrelsen", "", "Riskanalys av e-posttjänsten", "Datum: 2015-03-02", "Dnr KS 2015/118",
             "Den officiella tjänsten omfattas av sekretess-", "lagen enligt beslut."],
            ["Norrvika kommun", "Andra sidan med ordet pelargonium.", "Sida 2 av 3"],
            ["Norrvika kommun", "Tredje sidan om åtgärder och ärenden.", "Sida 3 av 3"],
        ], info: ["Title": "Microsoft Word - Dokument1", "Author": "handlaggare", "CreationDate": "D:20190101120000+01'00'"])
        let d = Extractor().extract(bytes: pdf, components: ["riskanalys.pdf"])
        #expect(d.failure == nil && d.pageCount == 3)
        #expect(d.title == "Riskanalys av e-posttjänsten" && d.date == "2015-03-02" && d.dnr == "KS 2015/118")
        #expect(d.authority == "Kommunstyrelsen")
        // The stored text keeps the line-end hyphen (the analyzer also indexes `sekretesslagen`).
        #expect(d.text.contains("sekretess-\nlagen"))
        #expect(d.page(atOffset: d.text.utf8.count - 1) == 3)
        let second = try #require(d.text(ofPage: 2))
        #expect(second.contains("pelargonium") && !second.contains("Riskanalys"))
        // The header on every page is indexed once: on pages 2 and 3 it is blanked for indexing.
        #expect(d.repeatedLines.count == 2)
        let indexed = d.indexedText
        #expect(indexed.utf8.count == d.text.utf8.count)
        #expect(indexed.components(separatedBy: "Norrvika kommun").count == 2)
    }

    @Test func encryptedAndCopyForbiddenPDFs() throws {
        let plain = MiniPDF.text([["Protokoll fört vid sammanträde med socialnämnden", "den 4 maj 2021 om hemliga ärenden."]])
        let source = try scratchFile("plain.pdf", plain)
        // Needs a password to open: status encrypted, not a failure, with what could be read.
        let locked = Extractor().extract(bytes: try qpdf(["--encrypt", "hemligt", "agare", "256"], source), components: ["arende.pdf"])
        #expect(locked.failure == .encrypted(format: "PDF") && locked.text.isEmpty)
        #expect(locked.title == "arende")
        // Only forbids copying: read like any other.
        let noCopy = Extractor().extract(bytes: try qpdf(["--encrypt", "", "agare", "256", "--extract=n"], source), components: ["b.pdf"])
        #expect(noCopy.failure == nil && noCopy.text.contains("socialnämnden"))
    }

    /// A blank page of a born-digital PDF has nothing to recognise: not an OCR page. A page
    /// with something painted on it but no text layer (a drawing, a scan) still is, and in a
    /// document with no text layer at all (a scan) every page is, blank or not.
    @Test func blankPagesOfATextPDFAreNotSentToOCR() throws {
        let body = ["Protokoll fört vid sammanträde med byggnadsnämnden den 4 maj 2021.", "Nämnden beslutade om bygglov."]
        let pdf = MiniPDF.text([body, [], [], body], drawings: [2: "0.3 g 72 300 450 200 re f"])
        let d = Extractor().extract(bytes: pdf, components: ["protokoll.pdf"])
        #expect(d.failure == nil && d.pageCount == 4)
        #expect(d.ocrPages == [3], "\(d.ocrPages)")
        // --ocr off notes only the page that needs OCR.
        var off = ExtractionLimits()
        off.ocr = OCRSettings(mode: .off)
        #expect(Extractor(limits: off).extract(bytes: pdf, components: ["protokoll.pdf"]).ocr?.note == "1 page needs OCR, turned off (--ocr off)")
        // No text layer anywhere: a scan, whose pages are all OCR's to read.
        let scan = Extractor(limits: off).extract(bytes: MiniPDF.text([[], []], drawings: [0: "0.3 g 72 300 450 200 re f"]), components: ["skannad.pdf"])
        #expect(scan.ocrPages == [1, 2])
    }

    /// The information dictionary comes from pdftotext's HTML head, values unescaped, dates as
    /// pdfinfo -isodates prints them, the text as without -htmlmeta.
    @Test func metadataAndTextFromOneProcess() throws {
        let pdf = MiniPDF.text([["Beslut <om> & \"bygglov\" </pre> för en carport."], ["Andra sidan"]],
                               info: ["Title": "Bygglov <b>&amp; \"carport\"", "Author": "Byggnadsnämnden", "CreationDate": "D:20190101120000+01'00'"])
        let d = Extractor().extract(bytes: pdf, components: ["beslut.pdf"])
        #expect(d.failure == nil && d.pageCount == 2)
        #expect(d.text.contains("Beslut <om> & \"bygglov\" </pre> för en carport.") && d.text.contains("Andra sidan"))
        #expect(!d.text.contains("</body>") && !d.text.contains("<title>"))
        let (fields, text) = PDFText.htmlMeta(try popplerRun(pdf, PDFExtractor.arguments))
        #expect(fields["Title"] == "Bygglov <b>&amp; \"carport\"" && fields["Author"] == "Byggnadsnämnden")
        #expect(fields["CreationDate"] == "2019-01-01T12:00:00+01")
        #expect(PDFText.pages(text) == PDFText.pages(try popplerRun(pdf, ["-layout", "-enc", "UTF-8", "-", "-"])))
    }

    @Test func hostilePDFsGetAReasonWithinTheLimits() throws {
        let limits = ExtractionLimits(parseTimeLimit: 8, processMemory: 512 << 20)
        let good = MiniPDF.text([["Ett helt vanligt beslut om bygglov för en carport."]])
        let cases: [(String, [UInt8])] = [
            ("truncated", Array(MiniPDF.text([["Trasig fil"], ["andra sidan"]]).prefix(300))),
            ("page-tree-loop", MiniPDF.pageTreeLoop()),
            ("huge-xref", MiniPDF.hugeXref()),
            ("hundred-thousand-pages", MiniPDF.manyPages(100_000)),
            ("endless-content", MiniPDF.endlessContent(megabytes: 64)),
            ("zip", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 26) + Array("a.pdf".utf8) + good),
            ("good", good),
        ]
        for (name, bytes) in cases {
            let start = Date()
            let d = Extractor(limits: limits).extract(bytes: bytes, components: [name + ".pdf"])
            let seconds = Date().timeIntervalSince(start)
            #expect(seconds < 20, "\(name) took \(seconds) s")
            // Each either gives what text it has, or says why not.
            if let failure = d.failure {
                #expect(!failure.description.isEmpty)
                #expect(d.text.isEmpty)
            } else {
                #expect(PageMap.isValid(d.pageStarts, textLength: d.text.utf8.count), "\(name)")
            }
            switch name {
            case "good": #expect(d.failure == nil && d.text.contains("bygglov"))
            case "zip": #expect(d.failure?.description.contains("ZIP") == true, "\(d.failure?.description ?? "")")   // opened as an archive (issue 16)
            case "huge-xref": #expect(d.failure != nil || d.pageCount <= 1)
            case "hundred-thousand-pages":
                // Read whole (every page a near-empty layer, flagged for OCR) or stopped at the time limit.
                #expect(d.failure == .timeLimit(seconds: 8) || d.pageCount == 100_000, "\(d.failure?.description ?? "") \(d.pageCount)")
            default: break
            }
        }
    }
}

@Suite struct PDFTextTests {
    /// The byte-level `normalise` against the String walk it replaced (kept here as the oracle),
    /// on random pages of the characters it treats specially: blanks, line ends, controls, soft
    /// hyphens, BOMs, C1 controls, ligatures, no-break spaces, combining marks, invalid UTF-8
    /// and the characters of the NFKC shortcut.
    @Test func normaliseMatchesTheStringWalk() {
        func oracle(_ bytes: ArraySlice<UInt8>) -> String {
            var s = String(decoding: bytes, as: UTF8.self)
            if bytes.contains(where: { $0 >= 0x80 }) { s = s.precomposedStringWithCompatibilityMapping }
            var out = String.UnicodeScalarView(), line = String.UnicodeScalarView()
            var pendingBlank = 0
            func endLine() {
                while let last = line.last, last == " " || last == "\t" { line.removeLast() }
                if line.isEmpty {
                    if !out.isEmpty { pendingBlank += 1 }
                } else {
                    for _ in 0..<min(pendingBlank, 2) { out.append("\n") }
                    pendingBlank = 0
                    out.append(contentsOf: line)
                    out.append("\n")
                }
                line.removeAll(keepingCapacity: true)
            }
            var lastCR = false
            for u in s.unicodeScalars {
                if u == "\r" { endLine(); lastCR = true; continue }
                if u == "\n" { if !lastCR { endLine() }; lastCR = false; continue }
                lastCR = false
                if u.value == 0xAD || u.value == 0xFEFF { continue }
                if u == "\t" || u == " " { if line.isEmpty { continue }; line.append(" "); continue }
                if u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0) { continue }
                var blanks = 0
                while let last = line.last, last == " " { line.removeLast(); blanks += 1 }
                if blanks > 0 { line.append(contentsOf: blanks >= 2 ? "  ".unicodeScalars : " ".unicodeScalars) }
                line.append(u)
            }
            endLine()
            if out.last == "\n" { out.removeLast() }
            return String(out)
        }
        let pieces: [[UInt8]] = [" ", "  ", "\t", "\r", "\n", "\r\n", "a", "Z", "7", ".", "å", "Ö", "é", "ß", "×", "§", "«", "°", "–", "’", "”", "•", "€",
                                 "\u{AD}", "\u{FEFF}", "\u{FFFD}", "\u{85}", "\u{9F}", "\u{7F}", "\u{0B}", "\u{A0}", "ﬁ", "…", "\u{308}", "²", "Å\u{301}"].map { Array($0.utf8) }
            + [[0xFF], [0xC3], [0xC2], [0xE2, 0x80], [0xEF, 0xBB]]
        var rng = SeededRandom(state: 14)
        for _ in 0..<3_000 {
            var page: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) { page += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            #expect(PDFText.normalise(page[...]) == oracle(page[...]), "\(page)")
        }
    }

    @Test func formFeedsSeparatePagesAndPagesAreNormalised() {
        let out = Array("  Rubrik \r\n\n\n\nText \t  med mjuk\u{AD}bindestreck\u{1}\n\u{C}\u{C}Sida tre\u{C}".utf8)
        let pages = PDFText.pages(out)
        #expect(pages == ["Rubrik\n\n\nText  med mjukbindestreck", "", "Sida tre"])
        let paged = PDFText.assemble(pages)
        #expect(paged.pageStarts == [0, 35, 36])
        #expect(paged.ocrPages == [2, 3])
        // NFKC: a ligature is its letters, a no-break space a space.
        #expect(PDFText.pages(Array("of\u{FB01}ciella\u{A0}beslut\u{C}".utf8)) == ["officiella beslut"])
        // Output cut short keeps its last page when it has text.
        #expect(PDFText.pages(Array("a\u{C}b".utf8)) == ["a", "b"])
    }

    @Test func columnsSideBySideAreSeen() {
        #expect(PDFText.hasColumns("Gymnasienämnden  Dnr GYN 2015/112\nText"))
        #expect(!PDFText.hasColumns("Riskanalys av e-posttjänsten\nDatum: 2015-03-02\n\nText i en spalt."))
        // Only the first 60 lines are looked at.
        #expect(!PDFText.hasColumns(Substring(String(repeating: "rad\n", count: 60) + "a  b")))
    }

    @Test func garbageLayersNeedOCR() {
        let fine = "Nämnden beslutar att godkänna riskanalysen av e-posttjänsten."
        #expect(!PDFText.needsOCR(fine))
        #expect(PDFText.needsOCR("   \n 12 \n"))
        #expect(PDFText.needsOCR(String(repeating: "\u{FFFD}\u{FFFD} ab ", count: 20)))
        #expect(PDFText.needsOCR(String(repeating: "/g123 /g77 /g12 ", count: 10) + fine))
        #expect(PDFText.needsOCR(String(repeating: "(cid:12)(cid:7) ", count: 12) + fine))
        #expect(PDFText.needsOCR(String(repeating: "#% 1 2 3 4 5 6 7 ", count: 20) + "abcdefghijklmnopq"))
    }

    @Test func htmlMetaHeadAndBody() {
        let out = Array("""
            <!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">
            <head>
            <title>T &lt;b&gt;&amp;amp; &quot;q&quot; &apos;x&apos;</title>
            <meta name="Author" content="A(u)thor &lt;i&gt;"/>
            <meta name="Evil" content="x"/>
            <meta name="CreationDate" content="2019-01-01T12:00:00+01"/>
            <meta name="LastModifiedDate" content="2020-02-02T00:00:00Z"/>
            <meta name="Subject" content=""/>
            </head>
            <body>
            <pre>
            a < b & c </pre> "x"\u{C}<pre>
            sida två\u{C}</pre>
            </body>
            </html>

            """.utf8)
        let (fields, text) = PDFText.htmlMeta(out)
        #expect(fields == ["Title": "T <b>&amp; \"q\" 'x'", "Author": "A(u)thor <i>", "CreationDate": "2019-01-01T12:00:00+01",
                           "ModDate": "2020-02-02T00:00:00Z"])
        #expect(PDFText.pages(text) == ["a < b & c </pre> \"x\"", "<pre>\nsida två"])
        // Cut short by the output cap: the text that came; no <pre> at all: no text.
        let cut = Array(out.prefix(out.count - 30))
        #expect(PDFText.pages(PDFText.htmlMeta(cut).text) == ["a < b & c </pre> \"x\"", "<pre>\nsid"])
        let none = PDFText.htmlMeta(Array("<head><title>x</title>".utf8))
        #expect(none.fields.isEmpty && none.text.isEmpty)
        #expect(PDFText.mayHaveXMP(Array("1 0 obj << /Type /Metadata /Subtype /XML >>".utf8)))
        #expect(!PDFText.mayHaveXMP(Array("1 0 obj << /Type /Catalog >>".utf8)))
    }

    /// The file's own objects decide the plain blank pages without a render: a page whose
    /// content paints nothing is blank, one that fills a rectangle, shows text or draws an
    /// XObject is not, and a file this reader cannot follow exactly (object streams, a lying
    /// cross-reference table, a page count that differs) decides nothing.
    @Test func blankPagesFromTheFilesOwnObjects() throws {
        let body = ["Protokoll fört vid sammanträde med byggnadsnämnden den 4 maj 2021."]
        let pdf = MiniPDF.text([body, [], [], body, []], drawings: [2: "0.3 g 72 300 450 200 re f", 4: "q 0 0 595 842 re W n /Im1 Do Q"])
        #expect(PDFPaint.blankPages(pdf, pageCount: 5, candidates: [1, 2, 3, 4, 5]) == [2])
        // Marked content with a property dictionary, a clip and a string operand paint nothing.
        let quiet = MiniPDF.text([body, []], drawings: [1: "/Artifact << /Type /Pagination /Alt (Sida \\(1\\)) /N 2 >> BDC 0.1 w q 0 0 595 842 re W* n Q EMC"])
        #expect(PDFPaint.blankPages(quiet, pageCount: 2, candidates: [2]) == [2])
        #expect(PDFPaint.blankPages(quiet, pageCount: 3, candidates: [2]) == [])
        // A content stream past the budget (9 MiB of `q Q`): undecided, left to the render.
        let endless = MiniPDF.text([body, []], drawings: [1: String(repeating: "q Q\n", count: 9 << 18)])
        #expect(PDFPaint.blankPages(endless, pageCount: 2, candidates: [2]) == [])
        // The table points past the objects: nothing is decided.
        var shifted = pdf
        shifted.insert(contentsOf: Array("% a comment that moves every object\n".utf8), at: 15)
        #expect(PDFPaint.blankPages(shifted, pageCount: 5, candidates: [2]) == [])
        // Compressed content streams (FlateDecode) are read; object streams are not.
        let source = try scratchFile("blank.pdf", pdf)
        let compressed = try qpdf(["--compress-streams=y", "--recompress-flate", "--object-streams=disable"], source)
        #expect(ByteSearch.find(Array("/FlateDecode".utf8), in: compressed) != nil)
        #expect(PDFPaint.blankPages(compressed, pageCount: 5, candidates: [2, 3, 5]) == [2])
        #expect(PDFPaint.blankPages(try qpdf(["--object-streams=generate"], source), pageCount: 5, candidates: [2, 3, 5]) == [])
        // Through the extractor: page 5 is left to the render, which finds it blank (its
        // XObject does not exist); page 3 has a drawing.
        #expect(Extractor().extract(bytes: compressed, components: ["p.pdf"]).ocrPages == [3])
        // A real PDF's pages with text are never blank.
        for path in try releasedPDFs() {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let d = Extractor().extract(bytes: bytes, components: ["x.pdf"])
            let text = (1...max(1, d.pageCount)).filter { !(d.text(ofPage: $0) ?? "").isEmpty }
            #expect(PDFPaint.blankPages(bytes, pageCount: d.pageCount, candidates: text).isEmpty, "\(path)")
        }
    }

    @Test func blankPagesInRenderedImages() {
        func pgm(_ w: Int, _ h: Int, _ pixels: [UInt8]) -> [UInt8] { Array("P5\n\(w) \(h)\n255\n".utf8) + pixels }
        let white = [UInt8](repeating: 255, count: 12), marked = [UInt8](repeating: 255, count: 11) + [200]
        #expect(PDFText.paintedPixels(pgm(3, 4, white) + pgm(3, 4, marked) + Array("P5 # c\n3 4 255\n".utf8) + white) == [0, 1, 0])
        // Truncated, malformed or 16-bit images end the reading; what came before counts.
        #expect(PDFText.paintedPixels(pgm(3, 4, white) + pgm(3, 4, Array(white.prefix(5)))) == [0])
        #expect(PDFText.paintedPixels(Array("P5\n99999999999 2\n255\n".utf8)) == [])
        #expect(PDFText.paintedPixels(Array("P5\n2 2\n65535\n".utf8) + [UInt8](repeating: 255, count: 8)) == [])
        #expect(PDFText.paintedPixels(Array("P6\n1 1\n255\n".utf8) + [0, 0, 0]) == [])
        #expect(PDFText.clusters([2, 4, 6, 200, 201, 400], maxGap: 64) == [2...6, 200...201, 400...400])
        #expect(PDFText.clusters([3, 3, 0, 5], maxGap: 1) == [3...3, 5...5])
    }

    @Test func infoAndXMP() {
        let info = PDFText.info(Array("""
            Title:           Microsoft Word - 1987-4TOB6.doc
            Author:          mkn
            CreationDate:    2006-01-10T16:50:42+01
            Metadata Stream: yes
            Pages:           6
            Encrypted:       yes (print:yes copy:no change:no addNotes:no algorithm:AES)
            """.utf8))
        #expect(info.pages == 6 && info.encrypted && info.copyForbidden && info.hasXMP)
        #expect(info.fields["CreationDate"] == "2006-01-10T16:50:42+01")
        #expect(PDFText.isMachineTitle(info.fields["Title"] ?? ""))
        #expect(!PDFText.isMachineTitle("Riskanalys Office 365"))
        let xmp = PDFText.xmp(Array("""
            <x:xmpmeta><rdf:RDF><rdf:Description xmlns:xap="http://ns.adobe.com/xap/1.0/" xap:CreateDate="2007-01-12T15:29:12+01:00">
            <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Riskanalys &amp; sårbarhet</rdf:li></rdf:Alt></dc:title>
            <dc:creator><rdf:Seq><rdf:li>Kommunstyrelsen</rdf:li></rdf:Seq></dc:creator>
            </rdf:Description></rdf:RDF></x:xmpmeta>
            """.utf8))
        #expect(xmp["dc:title"] == "Riskanalys & sårbarhet" && xmp["dc:creator"] == "Kommunstyrelsen")
        #expect(xmp["xmp:CreateDate"] == "2007-01-12T15:29:12+01:00")
    }
}

/// qpdf's rewrite of the PDF at `source` with `arguments`, written beside it (exit status 3:
/// written, with warnings).
func qpdf(_ arguments: [String], _ source: String) throws -> [UInt8] {
    let out = source + "-\(UUID().uuidString).pdf"
    let r = try TestProcess.run(["/usr/bin/qpdf"] + arguments + ["--", source, out])
    try #require(r.status == 0 || r.status == 3, "\(r.stderrText)")
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
}
