import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import DiariumSearch
import Foundation

/// The fuzz targets: one function per kind of untrusted input, taking the raw bytes libFuzzer
/// hands over. The libFuzzer driver (`Fuzz/`, built with `-sanitize=fuzzer,address`) calls them,
/// and so does the regression test (`Tests/DiariumFuzzTests`), which replays every input kept
/// under `Tests/Fixtures/fuzz/<target>/` through the same function without a sanitizer.
///
/// Each target must never crash, and checks a few invariants with `precondition` (a broken
/// invariant is a crash to libFuzzer, so it keeps the input).
public enum FuzzTargets {
    /// The target names, as used by `scripts/fuzz.sh --targets` and the fixture folders.
    public static let names = ["html", "xml", "email", "text", "tokenizer", "query", "pdf", "ocr", "zip", "cfb", "rtf", "segment", "catalog"]

    /// Runs the target `name` on `data`; false for an unknown name.
    @discardableResult
    public static func run(_ name: String, _ data: UnsafeRawBufferPointer) -> Bool {
        switch name {
        case "html": html(data)
        case "xml": xml(data)
        case "email": email(data)
        case "text": text(data)
        case "tokenizer": tokenizer(data)
        case "query": query(data)
        case "pdf": pdf(data)
        case "ocr": ocr(data)
        case "zip": container(data, magic: [0x50, 0x4B, 0x03, 0x04], name: "f.zip")
        case "cfb": container(data, magic: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], name: "f.msg")
        case "rtf": container(data, magic: Array("{\\rtf".utf8), name: "f.rtf")
        case "segment": segment(data)
        case "catalog": catalog(data)
        default: return false
        }
        return true
    }

    /// Runs the target `name` on `bytes`.
    @discardableResult
    public static func run(_ name: String, bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { run(name, $0) }
    }

    // MARK: Extractors

    /// A shorter parse-time limit than the default 30 s, below libFuzzer's `-timeout`, so a slow
    /// parse shows up as the extractor giving up, and a hang past it as a libFuzzer timeout.
    static let extractor = Extractor(limits: ExtractionLimits(maxFileSize: 16 << 20, parseTimeLimit: 10))

    /// The HTML path: a file named `.html` is always parsed as HTML.
    public static func html(_ data: UnsafeRawBufferPointer) {
        check(extractor.extract(bytes: Array(data), components: ["fuzz", "f.html"]))
    }

    /// The XML path (records, XML metadata, XHTML handed on to HTML).
    public static func xml(_ data: UnsafeRawBufferPointer) {
        check(extractor.extract(bytes: Array(data), components: ["fuzz", "f.xml"]))
    }

    /// The e-mail path (MIME, encoded words, quoted-printable, base64, attachments).
    public static func email(_ data: UnsafeRawBufferPointer) {
        check(extractor.extract(bytes: Array(data), components: ["fuzz", "f.eml"]))
    }

    /// Plain text, Markdown, and a name without an extension (format sniffing: the input may
    /// be taken for HTML, XML, e-mail, text or binary).
    public static func text(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        for name in ["f.txt", "f.md", "f"] { check(extractor.extract(bytes: bytes, components: ["fuzz", name])) }
    }

    /// The ZIP walk (archives, OOXML and ODF packages), the compound-file reader (.msg, old
    /// Office, encrypted OOXML) and the RTF reader: the input, given the format's signature
    /// when it lacks it, so every input reaches the reader. Small limits keep a run short.
    public static func container(_ data: UnsafeRawBufferPointer, magic: [UInt8], name: String) {
        var bytes = Array(data)
        if !bytes.starts(with: magic) { bytes = magic + bytes }
        var limits = ExtractionLimits(maxFileSize: 16 << 20, parseTimeLimit: 10)
        limits.maxArchiveBytes = 64 << 20
        limits.maxArchiveEntries = 2000
        check(Extractor(limits: limits).extract(bytes: bytes, components: ["fuzz", name]))
    }

    static func check(_ doc: ExtractedDocument) {
        precondition(!doc.format.isEmpty, "a document without a format")
        precondition(doc.failure == nil || doc.text.isEmpty, "a failed extraction with text")
        if let date = doc.date {
            precondition(date.utf8.count == 10 && doc.year == Int(date.prefix(4)), "date \(date), year \(doc.year ?? 0)")
        }
        for part in doc.parts { check(part) }
    }

    // MARK: PDF: poppler's output and the page bookkeeping

    /// The input as what poppler printed: `pdftotext` output (pages split at form feeds,
    /// normalised, joined with page starts, OCR flags and repeated lines), `pdfinfo` output and
    /// an XMP packet; then the page map against a linear scan, its stored form, page texts and
    /// the letterhead heuristics on page 1. The same bytes as a PDF file for the blank-page
    /// reader (`PDFPaint`): it answers only among the candidate pages.
    public static func pdf(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        let paged = PDFText.assemble(PDFText.pages(bytes))
        let length = paged.text.utf8.count
        let starts = paged.pageStarts
        precondition(PageMap.isValid(starts, textLength: length), "page starts \(starts.prefix(8)) for \(length) bytes")
        precondition(paged.ocrPages.allSatisfy { $0 >= 1 && $0 <= starts.count }, "an OCR page outside the document")
        precondition(zip(paged.ocrPages, paged.ocrPages.dropFirst()).allSatisfy { $0 < $1 }, "OCR pages not ascending")
        let text = Array(paged.text.utf8)
        for r in paged.repeatedLines {
            precondition(r.lowerBound >= 0 && r.upperBound <= length && !r.isEmpty, "repeated line \(r) outside the text")
            precondition(r.lowerBound == 0 || text[r.lowerBound - 1] == 0x0A, "a repeated line that does not start a line")
        }
        let encoded = PageMap.encode(starts)
        precondition(PageMap.decode(encoded) == starts, "page starts do not survive their stored form")
        // Every page's text ends with its line feed and the pages tile the text.
        var covered = 0
        for p in 0..<starts.count {
            guard let r = PageMap.range(ofPage: p + 1, encoded: encoded, textLength: length) else { preconditionFailure("page \(p + 1) missing") }
            precondition(r.lowerBound == covered && r.upperBound > r.lowerBound && text[r.upperBound - 1] == 0x0A, "page \(p + 1) at \(r)")
            covered = r.upperBound
        }
        precondition(covered == length, "the pages do not cover the text")
        for offset in Set([0, length / 3, length / 2, max(0, length - 1), length]) {
            let linear = starts.lastIndex { $0 <= offset }.map { $0 + 1 }
            precondition(PageMap.page(atOffset: offset, in: starts) == linear, "page of offset \(offset)")
            precondition(PageMap.page(atOffset: offset, encoded: encoded) == linear, "stored page of offset \(offset)")
        }
        _ = PDFText.info(bytes)
        _ = PDFText.xmp(bytes)
        let meta = PDFText.htmlMeta(bytes)
        precondition(meta.text.startIndex >= 0 && meta.text.endIndex <= bytes.count, "htmlmeta body outside the output")
        precondition(meta.fields.values.allSatisfy { !$0.isEmpty && $0.count <= 2_000 }, "an htmlmeta value out of bounds")
        _ = PDFText.pages(meta.text)
        precondition(PDFText.paintedPixels(bytes).allSatisfy { $0 >= 0 && $0 <= bytes.count }, "painted pixels")
        let candidates = [1, 2, 3, 5, 8]
        precondition(PDFPaint.blankPages(bytes, pageCount: 8, candidates: candidates).isSubset(of: candidates), "a blank page that was not asked about")
        let doc = Extractor.pdfDocument(pdftotextOutput: bytes, components: ["fuzz", "f.pdf"])
        precondition(doc.text == paged.text && doc.pageStarts == starts, "the extractor's paging differs")
        precondition(doc.indexedText.utf8.count == length, "the indexed text moved offsets")
        check(doc)
    }

    /// What diarium reads of OCR's and an image's bytes: tesseract's TSV output (pages, words,
    /// confidences) and a TIFF's chain of frames.
    public static func ocr(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        let pages = TesseractTSV.parse(bytes)
        precondition(!pages.isEmpty && pages.count <= 100_000, "\(pages.count) pages")
        for p in pages {
            precondition(p.words >= 0 && p.confidenceSum >= 0 && p.confidenceSum <= 100 * Double(p.words), "confidences of a page")
            precondition(p.words > 0 || p.text.isEmpty, "text without words")
            if let m = p.meanConfidence { precondition(m >= 0 && m <= 100, "mean confidence \(m)") }
        }
        _ = TesseractTSV.hasPage(bytes)
        let frames = ImageFile.pageCount(bytes, format: "tiff")
        precondition(frames >= 1 && frames <= 10_000, "\(frames) TIFF frames")
    }

    // MARK: Tokenizer and analyzer

    nonisolated(unsafe) static var rawTokenizer = Tokenizer()
    nonisolated(unsafe) static var analyzer: Analyzer? = try? Analyzer()

    /// The tokenizer on the raw bytes (any bytes, not only UTF-8), then the whole analyzer
    /// (tokenizer, stemmer, compound splitter) on the bytes read as UTF-8.
    public static func tokenizer(_ data: UnsafeRawBufferPointer) {
        let n = data.count
        rawTokenizer.tokenize(data) { t in
            precondition(t.start >= 0 && t.start <= t.end && t.end <= n, "token \(t.start)..<\(t.end) of \(n) bytes")
        }
        let text = String(decoding: data, as: UTF8.self)
        let utf8Count = text.utf8.count
        analyzer?.analyze(text) { t in
            precondition(t.start >= 0 && t.start <= t.end && t.end <= utf8Count, "analysed token out of bounds")
            precondition(String(validating: t.term, as: UTF8.self) != nil, "a term that is not UTF-8")
        }
    }

    // MARK: Query parser and search

    /// The searcher of the query target, over the index named by `useIndex(directory:)` or by
    /// `DIARIUM_FUZZ_INDEX` (scripts/fuzz.sh builds one of `corpus/`). Without an index the
    /// query target only parses.
    nonisolated(unsafe) static var searcher: Searcher? = ProcessInfo.processInfo.environment["DIARIUM_FUZZ_INDEX"]
        .flatMap { try? Searcher(reader: IndexReader(directory: $0)) }

    /// Searches the index at `directory` in the query target from now on.
    public static func useIndex(directory: String) throws {
        searcher = try Searcher(reader: IndexReader(directory: directory))
    }

    /// Whether the query target searches an index.
    public static var hasIndex: Bool { searcher != nil }

    /// The query language: parse, and (with an index) plan, explain and run the query (the
    /// first 1,000 bytes, read as UTF-8).
    public static func query(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: data.prefix(1000)), as: UTF8.self)
        _ = QueryParser.parse(text)
        guard let searcher else { return }
        do {
            _ = try searcher.plan(text)
            _ = try searcher.explain(text)
            let result = try searcher.search(text, limit: 5)
            precondition(result.total >= result.hits.count, "total below the hits shown")
        } catch SearchError.query(.tooDeep) {
            // Refused with a message: parentheses nested beyond QueryParser.maxDepth.
        } catch {
            preconditionFailure("search failed on a healthy index: \(error)")
        }
    }
}
