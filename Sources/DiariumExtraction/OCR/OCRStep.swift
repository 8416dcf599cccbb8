import Foundation

/// When pages are read by OCR (`--ocr`).
public enum OCRMode: String, Sendable, CaseIterable {
    /// The pages whose text layer is empty or garbage (`ExtractedDocument.ocrPages`), and images.
    case auto
    /// None: scanned pages keep what their text layer had; images are not read.
    case off
    /// Every page of every PDF, and images.
    case force
}

/// Pages of one document (a file, or a PDF inside an e-mail or a ZIP) that OCR should read.
public struct OCRRequest: Sendable {
    /// The document's bytes: a PDF, or an image (PNG, JPEG, TIFF).
    public var bytes: [UInt8]
    /// `pdf`, `png`, `jpeg` or `tiff`.
    public var format: String
    /// 1-based pages to read, ascending.
    public var pages: [Int]
    /// Pages the document has.
    public var pageCount: Int
}

/// What a `PageRecognizer` gave for an `OCRRequest`: every requested page is in exactly one of
/// `pages`, `pending` and `failures`.
public struct OCRAnswer: Sendable {
    /// Pages read, now or earlier (from a cache).
    public var pages: [Int: RecognizedPage] = [:]
    /// Pages left for later (the OCR pass of an ingest).
    public var pending: [Int] = []
    /// Pages OCR could not read, with the reason.
    public var failures: [Int: OCRFailure] = [:]

    public init(pages: [Int: RecognizedPage] = [:], pending: [Int] = [], failures: [Int: OCRFailure] = [:]) {
        self.pages = pages
        self.pending = pending
        self.failures = failures
    }
}

/// Reads pages by OCR for the `Extractor`. The ingest's recognizer answers from its cache
/// during the text pass and runs OCR in the OCR pass; `OCREngine` itself reads every page at once.
public protocol PageRecognizer: Sendable {
    func recognize(_ request: OCRRequest) -> OCRAnswer
}

extension OCREngine: PageRecognizer {
    /// Reads every requested page now, one after the other.
    public func recognize(_ request: OCRRequest) -> OCRAnswer {
        var answer = OCRAnswer()
        if request.format == "pdf" {
            for p in request.pages {
                do { answer.pages[p] = try recognizePDFPage(request.bytes, page: p) } catch { answer.failures[p] = error }
            }
        } else {
            do {
                let frames = try recognizeImage(request.bytes, frames: request.pageCount)
                for p in request.pages { answer.pages[p] = p <= frames.count ? frames[p - 1] : RecognizedPage(text: "", words: 0, confidenceSum: 0) }
            } catch {
                for p in request.pages { answer.failures[p] = error }
            }
        }
        return answer
    }
}

/// How the `Extractor` uses OCR.
public struct OCRSettings: Sendable {
    public var mode: OCRMode
    /// Pages read by OCR per document at most (`--ocr-max-pages`); the rest keep their text
    /// layer and the document gets a note.
    public var maxPages: Int
    /// Who reads the pages; nil leaves every page that needs OCR pending.
    public var recognizer: (any PageRecognizer)?

    public init(mode: OCRMode = .auto, maxPages: Int = 500, recognizer: (any PageRecognizer)? = nil) {
        self.mode = mode
        self.maxPages = maxPages
        self.recognizer = recognizer
    }
}

/// What OCR did for one document: recorded in the catalog (`show` prints it).
public struct OCRStatus: Sendable, Equatable {
    /// Pages whose text is OCR's.
    public var pages = 0
    /// Words OCR read on them.
    public var words = 0
    /// Sum of those words' confidences (0–100 each).
    public var confidenceSum = 0.0
    /// 1-based pages waiting for the OCR pass.
    public var pending: [Int] = []
    /// Why pages that needed OCR were not read (a limit, a failure, `--ocr off`).
    public var notes: [String] = []

    public init() {}

    /// The mean confidence of the words OCR read (0–100), nil when it read none.
    public var meanConfidence: Double? { words > 0 ? confidenceSum / Double(words) : nil }
    /// The notes as one line, nil when there are none.
    public var note: String? { notes.isEmpty ? nil : notes.joined(separator: "; ") }
}

/// Puts OCR text into a document's pages: asks the recognizer for the pages that need it and
/// replaces those pages' text, keeping `pageStarts` right. Runs before the metadata is filled,
/// so a scanned letter's letterhead gives its authority, date and diarienummer.
enum OCRStep {
    static let imageFormats: Set<String> = ["png", "jpeg", "tiff"]

    static func apply(_ doc: inout ExtractedDocument, bytes: [UInt8], settings: OCRSettings) {
        let isImage = imageFormats.contains(doc.format)
        guard doc.failure == nil, doc.format == "pdf" || isImage, doc.pageCount > 0 else { return }
        var status = OCRStatus()
        var wanted: [Int]
        switch settings.mode {
        case .off:
            if isImage {
                doc.failure = .needsOCR(format: doc.format.uppercased())
            } else if !doc.ocrPages.isEmpty {
                status.notes.append("\(count(doc.ocrPages.count)) \(doc.ocrPages.count == 1 ? "needs" : "need") OCR, turned off (--ocr off)")
                doc.ocr = status
            }
            return
        case .auto: wanted = doc.ocrPages
        case .force: wanted = Array(1...doc.pageCount)
        }
        wanted = wanted.filter { $0 >= 1 && $0 <= doc.pageCount }
        guard !wanted.isEmpty else { return }
        if wanted.count > settings.maxPages {
            status.notes.append("OCR stopped after \(settings.maxPages) of the \(count(wanted.count)) that need it (--ocr-max-pages)")
            wanted = Array(wanted.prefix(max(0, settings.maxPages)))
        }
        var answer = OCRAnswer(pending: wanted)
        if let recognizer = settings.recognizer {
            answer = recognizer.recognize(OCRRequest(bytes: bytes, format: doc.format, pages: wanted, pageCount: doc.pageCount))
        }
        var replacements: [Int: String] = [:]
        for (page, result) in answer.pages {
            replacements[page] = TextDecoding.nfc(result.text)
            status.pages += 1
            status.words += result.words
            status.confidenceSum += result.confidenceSum
        }
        status.pending = answer.pending.sorted()
        // One note per reason, naming its pages.
        var byReason: [String: [Int]] = [:]
        for (page, failure) in answer.failures { byReason[failure.description, default: []].append(page) }
        for (reason, pages) in byReason.sorted(by: { $0.value.min()! < $1.value.min()! }) {
            status.notes.append("\(pages.count == 1 ? "page" : "pages") \(pages.sorted().map(String.init).joined(separator: ", ")): \(reason)")
        }
        if !replacements.isEmpty { splice(&doc, replacements) }
        doc.ocr = status
        if isImage && status.pending.isEmpty && doc.text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x0A }) {
            doc.failure = status.pages > 0 ? .noText(reason: "OCR found no words in the image")
                : .parseFailed(format: doc.format.uppercased(), reason: status.note ?? "OCR failed")
        }
    }

    static func count(_ pages: Int) -> String { pages == 1 ? "1 page" : "\(pages) pages" }

    /// Replaces the text of the pages in `replacements` (1-based page → text). Every page but the
    /// last ends with a line break, so no two pages' words run together. `pageStarts` and
    /// `repeatedLines` are recomputed for the new text.
    static func splice(_ doc: inout ExtractedDocument, _ replacements: [Int: String]) {
        let old = Array(doc.text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(old.count + replacements.values.reduce(0) { $0 + $1.utf8.count + 2 })
        var starts: [Int] = []
        starts.reserveCapacity(doc.pageCount)
        for page in 1...doc.pageCount {
            starts.append(out.count)
            if let text = replacements[page] {
                out += text.utf8
                if page < doc.pageCount, out.last != 0x0A { out += [0x0A, 0x0A] }
            } else if let r = PageMap.range(ofPage: page, in: doc.pageStarts, textLength: old.count) {
                out += old[r]
                if page < doc.pageCount, !r.isEmpty, out.last != 0x0A { out.append(0x0A) }
            }
        }
        doc.text = String(decoding: out, as: UTF8.self)
        doc.pageStarts = starts
        // The header and footer lines repeated on most pages, found again in the new text (the
        // old byte ranges no longer fit; scanned pages' letterheads count once too).
        doc.repeatedLines = PDFText.repeatedLines(doc.text, doc.pageStarts)
    }
}
