import DiariumIndex
import DiariumOutput
import Foundation

/// The JSON that `--format json` prints and the web server's `/api/` returns: one encoder
/// configuration and one set of shapes, so both front ends give the same bytes (docs/api.md).
/// Every string goes through `SafeText.json` (no raw bidi or invisible character).
/// Search results are `DiariumSearch.SearchResult`, the report `DiariumReport.ReleaseReport`,
/// statistics `DiariumIndex.IndexStatistics`; the inventory shapes are here.
public enum APIJSON {
    /// Pretty-printed, keys sorted, slashes unescaped: what the CLI prints.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return SafeText.json(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// One compact JSON object on one line (JSON Lines).
    public static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return SafeText.json(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// An inventory entry as printed by `list` and `show`: the hit object without score and snippet.
public struct DocumentJSON: Encodable, Sendable {
    public var id: Int64
    public var path: String
    public var title: String?
    public var authority: String?
    public var type: String?
    public var date: String?
    public var year: Int?
    public var dnr: String?
    public var format: String
    public var status: String
    public var error: String?
    /// Number of pages, for documents with pages.
    public var pages: Int?
    /// For a document inside a file: its name there (a ZIP entry's path, an attachment).
    public var part: String?

    public init(_ r: DocumentRecord) {
        part = r.partName
        id = r.id; path = r.path; title = r.title; authority = r.authority; type = r.docType; date = r.date
        year = r.year; dnr = r.dnr; format = r.format; status = r.status.rawValue; error = r.error
        pages = r.pageCount
    }
}

/// One document with everything `show --format json` prints: the inventory entry, the file's
/// identity, where each metadata value came from, the OCR figures, and (when asked) the
/// extracted text or one page of it.
public struct DocumentDetailJSON: Encodable, Sendable {
    public var document: DocumentJSON
    /// The file's absolute path where its release is now (`RootFolders`), when known.
    public var file: String?
    public var sha256: String
    public var size: Int64
    public var encoding: String?
    public var language: String?
    /// Metadata field → where its value came from (`html-meta:DC.date`, `text:line 3`, …).
    public var sources: [String: String]?
    /// The page shown (`show --page N`).
    public var page: Int?
    public var ocr: OCR?
    /// Document properties as the file records them (Office, OpenDocument).
    public var properties: [String: String]?
    /// Review marks the document still carries.
    public var comments: Int
    public var trackedChanges: Int
    public var text: String?

    /// Pages read by OCR, their mean word confidence, pages still pending, a note.
    public struct OCR: Encodable, Sendable {
        public var pages: Int
        public var meanConfidence: Double?
        public var pending: [Int]
        public var note: String?
    }

    public init(_ r: DocumentRecord, text: String?, page: Int? = nil, file: String? = nil) {
        document = DocumentJSON(r)
        self.file = file
        sha256 = r.sha256; size = r.size; encoding = r.encoding; language = r.language
        sources = DocumentDetailJSON.sources(of: r)
        self.page = page
        ocr = r.ocrPages > 0 || r.ocrPending != nil || r.ocrNote != nil
            ? OCR(pages: r.ocrPages, meanConfidence: r.ocrConfidence.map { ($0 * 10).rounded() / 10 }, pending: r.ocrPendingPages, note: r.ocrNote)
            : nil
        properties = r.properties.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        comments = r.comments
        trackedChanges = r.trackedChanges
        self.text = text
    }

    /// The record's sources JSON as a dictionary (nil when absent or unreadable).
    public static func sources(of r: DocumentRecord) -> [String: String]? {
        r.sources.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
    }
}
