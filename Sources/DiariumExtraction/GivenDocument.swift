/// A document whose text and metadata another program has already read: a line of a JSON
/// Lines export given to `diarium ingest --jsonl`. Its metadata is declared by the exporting
/// system (`MetadataSource.jsonl`, tier `declared`); the fields it leaves out are looked for in
/// its text and path by the same rules as a file's.
public struct GivenDocument: Sendable {
    /// The text (ignored when `pages` is given).
    public var text: String
    /// The text page by page, when the export has pages.
    public var pages: [String]?
    public var title: String?
    public var authority: String?
    /// A type of the controlled vocabulary (`DocumentType`), or words naming one (`Protokoll`).
    public var type: String?
    /// A date in any form `DateFinder` reads (`2021-03-04`, `4 mars 2021`).
    public var date: String?
    public var year: Int?
    public var dnr: String?
    /// An ISO 639-1 code (`sv`, `en`).
    public var language: String?
    /// The format recorded in the inventory (`jsonl` unless the export names one).
    public var format: String
    /// The name of a part inside its document (an attachment's file name).
    public var partName: String?

    /// A document with `text` and no metadata.
    public init(text: String, format: String = "jsonl") {
        self.text = text
        self.format = format
    }
}

extension Extractor {
    /// The document diarium makes of `given`: its text cleaned as a text file's is (CR LF and
    /// CR to LF, control characters but tab dropped, NFC), pages joined with each page ending in
    /// a line feed, the metadata it declares (source `jsonl:FIELD`), and for the fields it leaves
    /// out what its text and `components` (the given path's folders and name) say.
    public static func document(_ given: GivenDocument, components: [String]) -> ExtractedDocument {
        var doc: ExtractedDocument
        if let pages = given.pages {
            var text = "", starts: [Int] = []
            starts.reserveCapacity(pages.count)
            for page in pages {
                starts.append(text.utf8.count)
                text += TextDecoding.nfc(clean(page))
                if !text.utf8.isEmpty && text.utf8.last != 0x0A { text += "\n" }
            }
            doc = ExtractedDocument(format: given.format, encoding: "utf-8", text: text)
            doc.pageStarts = starts
        } else {
            doc = ExtractedDocument(format: given.format, encoding: "utf-8", text: TextDecoding.nfc(clean(given.text)))
        }
        if !doc.text.utf8.contains(where: { $0 > 0x20 }) {
            doc.failure = .noText(reason: "the document's text is empty")
        }
        var explicit = ExplicitMetadata()
        explicit.title = given.title.map { ($0, .jsonl("title")) }
        explicit.authority = given.authority.map { ($0, .jsonl("authority")) }
        explicit.type = given.type.map { ($0, .jsonl("type")) }
        explicit.date = given.date.map { ($0, .jsonl("date")) }
        explicit.year = given.year.map { ($0, .jsonl("year")) }
        explicit.dnr = given.dnr.map { ($0, .jsonl("dnr")) }
        explicit.language = given.language.map { ($0, .jsonl("language")) }
        doc.partName = given.partName
        MetadataExtractor.fill(&doc, explicit: explicit, path: components)
        return doc
    }
}
