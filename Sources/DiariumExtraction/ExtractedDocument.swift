/// What extraction learned from one file: its text and the metadata a records requester
/// sorts by, each field with where it came from.
public struct ExtractedDocument: Sendable, Equatable {
    /// Detected format: `html`, `xml`, `text`, `pdf`, `binary`, `empty`, …
    public var format: String
    /// Character encoding the bytes were decoded from (`utf-8`, `windows-1252`, …).
    public var encoding: String?
    /// ISO 639-1 code (`sv`, `en`), when it could be told.
    public var language: String?
    public var title: String?
    /// Issuing authority.
    public var authority: String?
    /// Document type from the controlled vocabulary (see `DocumentType`).
    public var type: String?
    /// ISO date `YYYY-MM-DD`.
    public var date: String?
    public var year: Int?
    /// Diarienummer as written, without the `Dnr` label.
    public var dnr: String?
    /// Extracted text (NFC), blocks separated by line breaks.
    public var text: String
    /// Where each metadata field came from, e.g. `"date": .htmlMeta("DC.date")` (`html-meta:DC.date`).
    public var sources: [String: MetadataSource]
    /// Why no text was extracted, when none was.
    public var failure: ExtractionError?
    /// For a part of a multi-document file (an e-mail attachment, one record of an XML export):
    /// its name inside the file, e.g. the attachment's file name.
    public var partName: String?
    /// The UTF-8 byte offset in `text` where each page begins, in page order (`pageStarts[0]`
    /// is 0). Empty when the format has no pages.
    public var pageStarts: [Int] = []
    /// 1-based numbers of the pages whose text layer is empty or garbage and need OCR; their
    /// text in `text` is what the layer had. Ascending.
    public var ocrPages: [Int] = []
    /// What OCR did for this document (nil when no page needed it).
    public var ocr: OCRStatus?
    /// UTF-8 byte ranges of `text` holding header and footer lines repeated on most pages,
    /// after their first occurrence: stored and shown, indexed once (see `indexedText`).
    public var repeatedLines: [Range<Int>] = []
    /// Documents contained in this one (e-mail attachments, records of an export). Each becomes
    /// an inventory entry of its own, linked to this file by path and part number.
    public var parts: [ExtractedDocument] = []

    /// The number of pages, 0 when the format has none.
    public var pageCount: Int { pageStarts.count }

    /// The 1-based page holding the UTF-8 byte `offset` of `text` (a binary search, O(log
    /// pages)); nil when the document has no pages.
    public func page(atOffset offset: Int) -> Int? { PageMap.page(atOffset: offset, in: pageStarts) }

    /// The text as it is indexed: `text` with the `repeatedLines` blanked (same length, so
    /// byte offsets still agree with `text`).
    public var indexedText: String {
        guard !repeatedLines.isEmpty else { return text }
        var bytes = Array(text.utf8)
        for r in repeatedLines where r.lowerBound >= 0 && r.upperBound <= bytes.count {
            for i in r { bytes[i] = 0x20 }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text of page `page` (1-based), nil when there is no such page.
    public func text(ofPage page: Int) -> Substring? {
        guard let r = PageMap.range(ofPage: page, in: pageStarts, textLength: text.utf8.count) else { return nil }
        let u = text.utf8
        return Substring(u[u.index(u.startIndex, offsetBy: r.lowerBound)..<u.index(u.startIndex, offsetBy: r.upperBound)])
    }

    /// A document with text and no metadata yet.
    public init(format: String, encoding: String? = nil, text: String = "", failure: ExtractionError? = nil) {
        self.format = format
        self.encoding = encoding
        self.text = text
        self.sources = [:]
        self.failure = failure
    }
}
