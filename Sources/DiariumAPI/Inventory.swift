import DiariumIndex
import DiariumOutput
import Foundation

/// One inventory entry with every column (`diarium list`, `/api/list`, `/inventory.csv`): the
/// catalog row, the file that opens (`file`, absolute) and the duplicate families it is in.
/// The CSV column names (`InventoryEntry.columns`) are stable English identifiers, whatever
/// the language of the headings (docs/inventory.md).
public struct InventoryEntry: Encodable, Sendable, Equatable {
    public var id: Int64
    /// The path as recorded, from the ingested folder's name down (`corpus/Socialnämnden/…`).
    public var path: String
    /// The file's absolute path where its release is now (nil when the index does not know
    /// where its root is).
    public var file: String?
    /// For a document inside a file (a ZIP entry, an attachment): its name there.
    public var part: String?
    public var title: String?
    public var authority: String?
    public var type: String?
    public var date: String?
    public var year: Int?
    public var dnr: String?
    public var format: String
    public var encoding: String?
    public var language: String?
    /// Number of pages, for documents with pages.
    public var pages: Int?
    /// The file's size in bytes.
    public var size: Int64
    /// Lowercase hexadecimal SHA-256 of the file's bytes (empty when it could not be read).
    public var sha256: String
    /// `ok`, `empty`, `unsupported`, `failed` or `encrypted`.
    public var status: String
    /// Why the text was not read, when it was not.
    public var error: String?
    /// When the document was recorded (ISO 8601, UTC).
    public var ingestedAt: String
    /// The duplicate families it belongs to (`diarium duplicates` numbers them from 1).
    public var duplicateFamilies: [Int]?

    public init(_ r: DocumentRecord, file: String?, duplicateFamilies: [Int]?) {
        id = r.id; path = r.path; self.file = file; part = r.partName
        title = r.title; authority = r.authority; type = r.docType; date = r.date; year = r.year; dnr = r.dnr
        format = r.format; encoding = r.encoding; language = r.language; pages = r.pageCount
        size = r.size; sha256 = r.sha256; status = r.status.rawValue; error = r.error; ingestedAt = r.ingestedAt
        self.duplicateFamilies = duplicateFamilies.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The entries of `records`, with their files found through `roots` and their families.
    public static func entries(_ records: [DocumentRecord], roots: RootFolders, families: [Int64: [Int]]) -> [InventoryEntry] {
        records.map { InventoryEntry($0, file: roots.file(of: $0), duplicateFamilies: families[$0.id]) }
    }

    /// The CSV columns, in order: stable identifiers (docs/inventory.md).
    public static let columns = ["id", "path", "file", "part", "authority", "type", "date", "year", "dnr", "title", "format",
                                 "encoding", "language", "pages", "size", "sha256", "status", "reason", "ingested_at", "duplicate_family"]

    /// The entry's cells in the order of `columns`.
    public var cells: [CSVTable.Cell] {
        [.number(String(id)), .text(path), .text(file ?? ""), .text(part ?? ""), .text(authority ?? ""), .text(type ?? ""),
         .text(date ?? ""), .number(year.map(String.init) ?? ""), .text(dnr ?? ""), .text(title ?? ""), .text(format),
         .text(encoding ?? ""), .text(language ?? ""), .number(pages.map(String.init) ?? ""), .number(String(size)),
         .text(sha256), .text(status), .text(error ?? ""), .text(ingestedAt),
         .number((duplicateFamilies ?? []).map(String.init).joined(separator: " "))]
    }
}

/// A CSV file as diarium writes it: RFC 4180 (CR LF), every text cell through
/// `SafeText.csvField` (formula cells defused, breaks and controls made visible, quoted when
/// needed), numbers through `SafeText.csvNumber`; for a spreadsheet (`xlsx-csv`) a UTF-8 BOM
/// first, so Excel reads å, ä and ö, and optionally `;` between fields (Excel set to Swedish).
public struct CSVTable: Sendable {
    /// A cell: text from a document or a number diarium computed.
    public enum Cell: Sendable, Equatable {
        case text(String)
        case number(String)
    }

    /// The byte between fields: `,` (default), `;` or TAB.
    public var separator: UInt8
    /// Whether the file starts with a UTF-8 byte order mark.
    public var byteOrderMark: Bool

    public init(separator: UInt8 = UInt8(ascii: ","), byteOrderMark: Bool = false) {
        self.separator = separator
        self.byteOrderMark = byteOrderMark
    }

    /// The whole file: the header row, then one row per record.
    public func render(header: [String], rows: [[Cell]]) -> String {
        var out = byteOrderMark ? "\u{FEFF}" : ""
        out += row(header.map(Cell.text))
        for r in rows { out += row(r) }
        return out
    }

    /// One record, ended by CR LF.
    public func row(_ cells: [Cell]) -> String {
        let sep = String(UnicodeScalar(separator))
        return cells.map { cell -> String in
            switch cell {
            case let .text(s): return SafeText.csvField(s, separator: separator)
            case let .number(s): return SafeText.csvNumber(s, separator: separator)
            }
        }.joined(separator: sep) + "\r\n"
    }
}
