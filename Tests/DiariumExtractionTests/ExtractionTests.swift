import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumExtraction

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let corpus = repositoryRoot.appendingPathComponent("corpus").path
let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data").path

/// One row of Tests/Fixtures/corpus-truth.tsv: what a careful reader says about a corpus file.
struct Truth {
    var path, format, status, title, authority, type, date, year, dnr: String

    static func load() throws -> [Truth] {
        let text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Tests/Fixtures/corpus-truth.tsv").path, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Truth(path: c[0], format: c[1], status: c[2], title: c[3], authority: c[4], type: c[5], date: c[6], year: c[7], dnr: c[8])
        }
    }
}

/// Extracts a corpus file as an ingest does, scanned pages read by OCR.
func extract(_ relative: String) -> ExtractedDocument {
    var limits = ExtractionLimits()
    limits.ocr = OCRSettings(mode: .auto, recognizer: OCREngine())
    return Extractor(limits: limits).extract(file: corpus + "/" + relative, components: ["corpus"] + relative.split(separator: "/").map(String.init))
}

/// The folder `scratchFile` writes into, removed when the test process exits.
let scratchFiles = Result { try ScratchDirectory("x") }

/// Writes `bytes` to a file called `name` in a new folder of its own; returns its path.
func scratchFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let dir = try scratchFiles.get().path + "/" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite struct CorpusGroundTruthTests {
    /// Every corpus file against the hand-written ground truth: status, format, date, year and
    /// diarienummer exactly; title, authority and type nearly always.
    @Test func metadataMatchesGroundTruth() throws {
        let truth = try Truth.load()
        #expect(truth.count >= 40)
        var titleOK = 0, authorityOK = 0, typeOK = 0
        for t in truth {
            let d = extract(t.path)
            let status = d.failure == nil ? "ok" : (d.failure == .empty ? "empty" : "unsupported")
            #expect(status == t.status, "\(t.path)")
            #expect((t.format == "binary" ? d.failure != nil : d.format == t.format), "\(t.path): format \(d.format)")
            #expect((d.date ?? "") == t.date, "\(t.path): date")
            #expect((d.year.map(String.init) ?? "") == t.year, "\(t.path): year")
            #expect((d.dnr ?? "") == t.dnr, "\(t.path): dnr")
            if (d.title ?? "") == t.title { titleOK += 1 }
            if (d.authority ?? "") == t.authority { authorityOK += 1 }
            if (d.type ?? "") == t.type { typeOK += 1 }
            if d.date != nil { #expect(d.sources["date"] != nil, "\(t.path): date without a source") }
        }
        let n = Double(truth.count)
        #expect(Double(titleOK) / n >= 0.9, "title accuracy \(titleOK)/\(truth.count)")
        #expect(Double(authorityOK) / n >= 0.95, "authority accuracy \(authorityOK)/\(truth.count)")
        #expect(Double(typeOK) / n >= 0.95, "type accuracy \(typeOK)/\(truth.count)")
    }

    @Test func windows1252TextIsDecoded() {
        let d = extract("Byggnadsnämnden/Tjänsteskrivelse molntjänster 2016.txt")
        #expect(d.encoding == "windows-1252")
        #expect(d.text.contains("Göran Åström"))
        #expect(d.text.contains("”Bygglov Online”"))
    }

    @Test func declaredLatin1HTMLIsDecoded() {
        let d = extract("Kultur- och fritidsnämnden/Tjänsteskrivelse bokningssystem 2015.htm")
        #expect(d.encoding == "iso-8859-1")
        #expect(d.text.contains("ä"))
        #expect(!d.text.contains("Ã"))
    }

    @Test func brokenHTMLStillGivesTextAndDate() {
        let d = extract("Tekniska förvaltningen/Minnesanteckningar driftmöte e-tjänstplattform 2016.htm")
        #expect(d.failure == nil)
        #expect(d.date == "2016-10-05")
        #expect(d.text.count > 200)
    }

    @Test func scriptsStylesAndNavigationAreDropped() throws {
        let html = "<html><head><title>T</title><style>.x{color:red}</style></head><body><nav>Meny Hem</nav><script>var hemligt=1;</script><p>Brödtext här</p></body></html>"
        let path = try scratchFile("a.html", Array(html.utf8))
        let d = Extractor().extract(file: path, components: ["a.html"])
        #expect(d.text == "Brödtext här")
        #expect(d.title == "T")
    }

    @Test func unreadableFilesCarryAReason() throws {
        #expect(extract("Överförmyndarnämnden/Bilaga 2.txt").failure == .empty)
        // Random bytes after a `%PDF-1.4` header: poppler's reason is kept.
        // (The corpus's file of that kind became a real scan; these bytes are a fixed hash sequence.)
        let noise = (0..<2048).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 56) }
        let garbage = try scratchFile("Skannad handling.pdf", Array("%PDF-1.4\n".utf8) + noise)
        let pdfFailure = Extractor().extract(file: garbage, components: ["Skannad handling.pdf"]).failure
        guard case .parseFailed("PDF", let why)? = pdfFailure else { Issue.record("\(String(describing: pdfFailure))"); return }
        #expect(why.contains("Syntax Error") || why.contains("trailer") || why.contains("xref"), "\(why)")
        // An image that is no image: OCR's reason.
        let broken = try scratchFile("Skannad.png", [0x89, 0x50, 0x4E, 0x47] + Array("not really a PNG".utf8))
        var limits = ExtractionLimits()
        limits.ocr = OCRSettings(mode: .auto, recognizer: OCREngine())
        let image = Extractor(limits: limits).extract(file: broken, components: ["Skannad.png"])
        guard case .parseFailed("PNG", let reason)? = image.failure else { Issue.record("\(String(describing: image.failure))"); return }
        #expect(reason.contains("tesseract failed: the image could not be read: no complete PNG, JPEG or TIFF signature"), "\(reason)")
        let big = Extractor(limits: ExtractionLimits(maxFileSize: 100)).extract(
            file: corpus + "/Gymnasienämnden/Riskanalys Office 365 (2015).html", components: ["x.html"])
        #expect(big.failure == .tooLarge(size: big.failure.map { if case let .tooLarge(s, _) = $0 { s } else { 0 } } ?? 0, limit: 100))
    }
}

@Suite struct HostileFileTests {
    /// An external entity pointing at a local file never brings that file's content in.
    @Test func externalEntitiesAreNotLoaded() throws {
        let secret = try scratchFile("secret.txt", Array("HEMLIGT-\(UUID().uuidString)".utf8))
        let marker = try String(contentsOfFile: secret, encoding: .utf8)
        for xml in [
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file://\(secret)\">]><r><titel>&xxe;</titel><p>text</p></r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"file://\(secret)\"><r>text</r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"file://\(secret)\"> %p;]><r>text</r>",
            "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"file://\(secret)\" parse=\"text\"/></r>",
        ] {
            let path = try scratchFile("xxe.xml", Array(xml.utf8))
            let d = Extractor().extract(file: path, components: ["xxe.xml"])
            let everything = [d.text, d.title ?? "", d.dnr ?? "", d.authority ?? ""].joined()
            #expect(!everything.contains(marker), "leaked through: \(xml)")
        }
        let html = "<!DOCTYPE html [<!ENTITY xxe SYSTEM \"file://\(secret)\">]><html><body><p>&xxe;</p><iframe src=\"file://\(secret)\"></iframe></body></html>"
        let d = Extractor().extract(file: try scratchFile("xxe.html", Array(html.utf8)), components: ["xxe.html"])
        #expect(!d.text.contains(marker))
    }

    /// Billion laughs (10⁹ `lol`s if expanded): entity references are never substituted, so
    /// not one `lol` reaches the text; the output stays as small as the input.
    @Test func billionLaughsIsNotExpanded() throws {
        var xml = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        for i in 1...9 { xml += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i == 1 ? "" : String(i - 1));", count: 10) + "\">" }
        xml += "]><lolz>&lol9;</lolz>"
        let d = Extractor().extract(file: try scratchFile("skratt.xml", Array(xml.utf8)), components: ["skratt.xml"])
        #expect(d.format == "xml")
        #expect(d.text.utf8.count < 10_000)
        #expect(!d.text.contains("lol"))
        #expect(!(d.title ?? "").contains("lol"))
    }

    /// A parse that outlives the time limit is given up with a reason, not waited for.
    @Test func parseTimeLimitGivesUp() throws {
        let xml = "<r>" + String(repeating: "<p>ord</p>", count: 200_000) + "</r>"
        let path = try scratchFile("big.xml", Array(xml.utf8))
        let slow = Extractor(limits: ExtractionLimits(parseTimeLimit: 0)).extract(file: path, components: ["big.xml"])
        #expect(slow.failure == .timeLimit(seconds: 0))
        #expect(slow.failure?.description.contains("--parse-time-limit") == true)
        // A limit far above any machine's parse time (the default 30 s was once exceeded by a
        // debug build under heavy load): what is checked is that a limit not yet reached lets
        // the parse finish.
        let normal = Extractor(limits: ExtractionLimits(parseTimeLimit: 3_600)).extract(file: path, components: ["big.xml"])
        #expect(normal.failure == nil)
    }

    @Test func deepNestingNULsAndTruncationDoNotCrash() throws {
        let deep = String(repeating: "<a>", count: 100_000) + "djup" + String(repeating: "</a>", count: 100_000)
        func extract(_ name: String, _ bytes: [UInt8]) throws -> ExtractedDocument {
            Extractor().extract(file: try scratchFile(name, bytes), components: [name])
        }
        // Nesting past libxml2's depth limit is recovered as far as it goes, without a crash.
        #expect(try extract("deep.xml", Array(deep.utf8)).format == "xml")
        #expect(try extract("deep.html", Array(("<html><body>" + String(repeating: "<div>", count: 50_000) + "djup").utf8)).format == "html")
        #expect(try extract("nul.txt", Array("text\u{0}med NUL".utf8)).failure == .binary)
        let truncated = try extract("trunc.xml", Array("<?xml version=\"1.0\"?><r><titel>Halv".utf8))
        #expect(truncated.text == "Halv")
        #expect(truncated.title == "Halv")
        let invalid = try extract("bad.txt", [0x48, 0x65, 0x6A, 0xFF, 0xFE, 0xC3, 0x28, 0x61])
        #expect(invalid.encoding == "windows-1252")
        #expect(invalid.text.hasPrefix("Hej"))
    }
}

@Suite struct RealDataTests {
    /// The same Swedish text in ISO-8859-1, Windows-1252 and UTF-8 extracts to the same text.
    @Test func encodingsOfOneTextAgree() throws {
        let utf8 = Extractor().extract(file: sharedData + "/encodings/uchardet/sv/utf-8.txt", components: ["utf-8.txt"])
        let latin1 = Extractor().extract(file: sharedData + "/encodings/uchardet/sv/iso-8859-1.txt", components: ["iso-8859-1.txt"])
        let cp1252 = Extractor().extract(file: sharedData + "/encodings/uchardet/sv/windows-1252.txt", components: ["windows-1252.txt"])
        #expect(utf8.encoding == "utf-8")
        #expect(latin1.encoding == "windows-1252")
        #expect(!utf8.text.isEmpty)
        // Latin-1 has no en dash; the sample writes a hyphen there.
        #expect(latin1.text == utf8.text.replacingOccurrences(of: "–", with: "-"))
        #expect(cp1252.text.contains("Mölle"))
    }

    /// An old statute page in ISO-8859-1 without a declared charset: text, type and date.
    @Test func legacyStatuteHTML() {
        let d = Extractor().extract(file: sharedData + "/ferenda/repo/sfs.legacy/source/2013-352.html", components: ["2013-352.html"])
        #expect(d.format == "html")
        #expect(d.text.contains("Förordning (2013:352) om anmälningsskyldighet"))
        #expect(d.year == 2013)
        #expect(!d.text.contains("function bet_check"))
    }
}
