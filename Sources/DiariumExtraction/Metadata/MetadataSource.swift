/// Where a metadata value came from. Its `description` is the label stored in the catalog's
/// `sources` column and printed by `show`/`extract` (`html-meta:DC.date`, `text:line 3`, …).
///
/// Which value wins is decided here, by `tier`, never by comparing labels: a new format's
/// sources get a tier of their own, so adding one cannot silently change which value wins for
/// another format.
public enum MetadataSource: Sendable, Hashable, CustomStringConvertible {
    /// `<meta name="…">` in HTML (`html-meta:DC.date`; the key as the extractor names it).
    case htmlMeta(String)
    /// `<title>` in HTML.
    case htmlTitle
    /// The first `<h1>` in HTML.
    case htmlH1
    /// The first level-one heading of a Markdown file.
    case markdownH1
    /// A header of an e-mail (`email-header:subject`); nil for the header block as a whole
    /// (`email-header`, the type `e-post`).
    case emailHeader(String?)
    /// The signature at the end of an e-mail.
    case emailSignature
    /// An element or attribute of an XML export (`xml:titel`, `xml:root`, `xml:rm+beteckning`).
    case xml(String)
    /// A line of the text, 1-based (`text:line 3`). For a paged document, a line of page 1.
    case textLine(Int)
    /// The text as a whole (`text`: the language guess, a type named in the first paragraph).
    case text
    /// Derived from the title already chosen (`title`).
    case title
    /// A PDF's document information dictionary (`pdf-info:Title`, `pdf-info:CreationDate`).
    case pdfInfo(String)
    /// A PDF's XMP metadata packet (`pdf-xmp:dc:title`, `pdf-xmp:xmp:CreateDate`).
    case pdfXMP(String)
    /// An OOXML document property: `docProps/core.xml` (`office-core:dc:title`,
    /// `office-core:dcterms:modified`) or `docProps/app.xml` (`office-app:Company`).
    case officeCore(String)
    case officeApp(String)
    /// An OpenDocument `meta.xml` property (`odf-meta:dc:title`, `odf-meta:dc:date`).
    case odfMeta(String)
    /// A property of an Outlook message (`msg:subject`, `msg:client-submit-time`).
    case msg(String)
    /// A field of a document given as a line of JSON (`jsonl:title`; `diarium ingest --jsonl`):
    /// declared by the program that exported it, as an XML export's fields are.
    case jsonl(String)
    /// The name of an archive (`archive:file-name`): a ZIP has no text of its own but its
    /// list of entries, so its name is its title.
    case archive(String)
    /// The file's name.
    case fileName
    /// A folder above the file.
    case folder
    /// Nothing said anything: the field's default (`default`).
    case `default`

    /// How much a source is believed, lowest first. `MetadataExtractor` takes a field from the
    /// highest tier that has it.
    public enum Tier: Int, Comparable, Sendable {
        /// A default value.
        case fallback
        /// The file's name and folders.
        case path
        /// Properties a program filled in on its own: a PDF's Title is often
        /// `Microsoft Word - Dokument1` and its CreationDate the conversion time, so they count
        /// below what the document's own text says.
        case embedded
        /// The document's text (its letterhead, labels, first lines).
        case text
        /// Metadata the author or the sending system declared: markup, e-mail headers, XML fields.
        case declared

        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    }

    /// This source's tier.
    public var tier: Tier {
        switch self {
        case .htmlMeta, .htmlTitle, .htmlH1, .markdownH1, .emailHeader, .emailSignature, .xml, .msg, .archive, .jsonl: return .declared
        case .textLine, .text, .title: return .text
        // Office and ODF properties come from the template as often as from the author.
        case .pdfInfo, .pdfXMP, .officeCore, .officeApp, .odfMeta: return .embedded
        case .fileName, .folder: return .path
        case .default: return .fallback
        }
    }

    /// Whether this is HTML metadata (`<meta>`, `<title>` or `<h1>`), which the text's own
    /// labels may override for some fields (a generic `<title>` of a database page).
    public var isHTML: Bool {
        switch self {
        case .htmlMeta, .htmlTitle, .htmlH1: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .htmlMeta(let key): return "html-meta:\(key)"
        case .htmlTitle: return "html-title"
        case .htmlH1: return "html-h1"
        case .markdownH1: return "markdown-h1"
        case .emailHeader(let name): return name.map { "email-header:\($0)" } ?? "email-header"
        case .emailSignature: return "email-signature"
        case .xml(let key): return "xml:\(key)"
        case .textLine(let n): return "text:line \(n)"
        case .text: return "text"
        case .title: return "title"
        case .pdfInfo(let key): return "pdf-info:\(key)"
        case .pdfXMP(let key): return "pdf-xmp:\(key)"
        case .officeCore(let key): return "office-core:\(key)"
        case .officeApp(let key): return "office-app:\(key)"
        case .odfMeta(let key): return "odf-meta:\(key)"
        case .msg(let key): return "msg:\(key)"
        case .archive(let key): return "archive:\(key)"
        case .jsonl(let key): return "jsonl:\(key)"
        case .fileName: return "file-name"
        case .folder: return "folder"
        case .default: return "default"
        }
    }
}
