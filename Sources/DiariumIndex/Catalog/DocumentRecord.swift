import Foundation
import GRDB

/// The metadata a reader finds, sorts and filters documents by, as the catalog keeps it: one
/// field list for the inventory row (`DocumentRecord`) and a page's hit (`HitRecord`), read
/// from the catalog in the order of `Catalog.metadataColumns` (`init(row:at:)`; a hit's C-level
/// read, `HitRecord.read`, in the same order).
public struct DocumentMetadata: Sendable, Equatable, Hashable {
    public var title: String?
    /// Issuing authority (nämnd, förvaltning, …).
    public var authority: String?
    /// Document type from the controlled vocabulary.
    public var docType: String?
    /// ISO date `YYYY-MM-DD`.
    public var date: String?
    public var year: Int?
    /// Diarienummer (case number).
    public var dnr: String?

    public init(title: String? = nil, authority: String? = nil, docType: String? = nil, date: String? = nil, year: Int? = nil,
                dnr: String? = nil) {
        self.title = title
        self.authority = authority
        self.docType = docType
        self.date = date
        self.year = year
        self.dnr = dnr
    }
}

/// One row of the inventory: a received file (or one document inside it), whether or not its
/// text could be read. Its metadata (`metadata`) is read and written as its own members
/// (`record.title`, `record.year = 2015`) through `@dynamicMemberLookup`.
@dynamicMemberLookup
public struct DocumentRecord: Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "documents"
    /// The columns a record is read from, in the stored forms of migration `compact` decoded
    /// back (the shown path, the interned sources): `Catalog.documentColumns`, read by
    /// position. Rows are written only by `Catalog.DocumentInserter`.
    public static var databaseSelection: [any SQLSelectable] { [SQL(sql: Catalog.documentColumns)] }

    /// Whether the file's text was extracted.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Text extracted and indexed.
        case ok
        /// The file is empty.
        case empty
        /// The format is recognised but text extraction is not supported.
        case unsupported
        /// Extraction failed; `error` says why.
        case failed
        /// The file is encrypted; what could be read without the password (metadata) is recorded.
        case encrypted
    }

    /// Catalog id; also the id stored in the document's segment.
    public var id: Int64
    /// The path as shown: the received path relative to the ingested folder's parent, in NFC,
    /// each byte outside a valid UTF-8 sequence written `\xHH`. Two received files can share it
    /// (a name in NFC beside the same name in NFD); `rawPath` tells them apart.
    public var path: String
    /// The bytes of the received path (relative, like `path`): the document's identity. A
    /// file is one document (with its parts) per distinct `rawPath`, whatever its `path`.
    public var rawPath: Data
    /// 0 for the file itself; 1… for documents inside a multi-document file.
    public var part: Int
    /// Lowercase hexadecimal SHA-256 of the file's bytes.
    public var sha256: String
    /// File size in bytes.
    public var size: Int64
    /// File modification time, seconds since 1970.
    public var mtime: Double
    /// Detected format (html, xml, text, pdf, binary, …).
    public var format: String
    /// Detected character encoding of the text, if any.
    public var encoding: String?
    /// Extraction outcome.
    public var status: Status
    /// Why the text was not extracted, when it was not.
    public var error: String?
    /// Title, authority, type, date, year and case number.
    public var metadata = DocumentMetadata()
    /// ISO 639-1 language code.
    public var language: String?
    /// JSON object naming where each metadata field came from.
    public var sources: String?
    /// Number of characters of extracted text.
    public var textLength: Int
    /// Document properties as the file records them (JSON object: `creator`, `lastModifiedBy`,
    /// `created`, `modified`, `company`, `application`, …), nil when it has none.
    public var properties: String?
    /// Comments the document still carries.
    public var comments: Int = 0
    /// Tracked changes (insertions and deletions) the document still carries.
    public var trackedChanges: Int = 0
    /// Segment holding the document's postings (nil when nothing was indexed).
    public var segmentID: Int64?
    /// Document number inside that segment.
    public var segmentDoc: Int?
    /// When the row was written, ISO 8601.
    public var ingestedAt: String
    /// Number of pages, for formats with pages (PDF); nil otherwise.
    public var pageCount: Int?
    /// Where each page starts in the stored text, in the form `PageMap.encode` writes (32-bit
    /// little-endian UTF-8 offsets); nil for formats without pages.
    public var pageStarts: Data?
    /// Pages whose text was read by OCR.
    public var ocrPages: Int = 0
    /// Mean confidence (0–100) of the words OCR read, when it read any.
    public var ocrConfidence: Double?
    /// Pages waiting for the OCR pass, comma-separated (`"2,3,7"`); nil when none wait.
    public var ocrPending: String?
    /// Why pages that needed OCR were not read (a limit, a failure, `--ocr off`).
    public var ocrNote: String?

    /// A metadata field as the record's own (`record.title`).
    @inlinable public subscript<T>(dynamicMember field: WritableKeyPath<DocumentMetadata, T>) -> T {
        get { metadata[keyPath: field] }
        set { metadata[keyPath: field] = newValue }
    }

    /// The pages waiting for OCR, ascending.
    public var ocrPendingPages: [Int] {
        (ocrPending ?? "").split(separator: ",").compactMap { Int($0) }
    }

    /// A record with the given identity and no metadata yet. `rawPath` defaults to the UTF-8
    /// bytes of `path`.
    public init(id: Int64 = 0, path: String, rawPath: Data? = nil, part: Int = 0, sha256: String, size: Int64, mtime: Double,
                format: String, status: Status, ingestedAt: String) {
        self.id = id
        self.path = path
        self.rawPath = rawPath ?? Data(path.utf8)
        self.part = part
        self.sha256 = sha256
        self.size = size
        self.mtime = mtime
        self.format = format
        self.status = status
        self.textLength = 0
        self.ingestedAt = ingestedAt
    }
}

/// A live segment as listed in the catalog.
public struct SegmentRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "segments"
    public var id: Int64
    /// File name inside the index's `segments/` folder.
    public var file: String
    public var docCount: Int
    public var bytes: Int64
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, file, docCount = "doc_count", bytes, createdAt = "created_at"
    }
}

extension DocumentRecord {
    /// The document's name inside its file (a ZIP entry's path, an attachment's file name),
    /// recorded in `sources` as `part`; nil for a file itself.
    public var partName: String? { DocumentRecord.partName(part: part, sources: sources) }

    /// The part name a record with `part` and `sources` has (`partName`).
    static func partName(part: Int, sources: String?) -> String? {
        guard part > 0, let sources, let data = sources.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["part"] as? String
    }

    /// Where a reader finds the document: the file's path, and for a document inside it the
    /// part's name after it (`release.zip/Tekniska förvaltningen/protokoll.docx`).
    public var displayPath: String { partName.map { path + "/" + $0 } ?? path }

    /// The values a segment keeps columnar for this document.
    var fastValues: FastValues {
        FastValues(year: metadata.year, authority: metadata.authority, docType: metadata.docType, format: format, date: metadata.date)
    }
}

extension DocumentRecord {
    /// A row of `SELECT \(Catalog.documentColumns)`, each column found by its position
    /// (`Catalog.DocumentColumn`), as `HitRecord` is read. GRDB would otherwise decode the row
    /// through `Decodable` (generic containers: 3 M instructions for the ten rows of a fresh
    /// `diarium search`'s page), and finding each column by name cost about 29k instructions a
    /// row (`diarium list` of 100,000 rows). A missing column or a value of another type throws.
    public init(row: Row) throws {
        typealias Column = Catalog.DocumentColumn
        guard row.count == Column.allCases.count else {
            throw RowValueError(description: "a documents row read with \(row.count) columns, not the \(Column.allCases.count) of Catalog.documentColumns")
        }
        func value<T: DatabaseValueConvertible & StatementColumnConvertible>(_ column: Column) throws -> T {
            try row.decode(T.self, atIndex: column.rawValue)
        }
        func optional<T: DatabaseValueConvertible & StatementColumnConvertible>(_ column: Column) throws -> T? {
            try row.decode(T?.self, atIndex: column.rawValue)
        }
        let statusText: String = try value(.status)
        guard let status = Status(rawValue: statusText) else {
            throw RowValueError(description: "documents.status holds \"\(statusText)\", not one of \(Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        id = try value(.id)
        rawPath = try value(.rawPath)
        // NULL: the shown path is the received path's bytes (migration `compact`).
        path = try optional(.path) ?? String(decoding: rawPath, as: UTF8.self)
        part = try value(.part)
        sha256 = try Catalog.SHA256Column.decode(row.decode(DatabaseValue.self, atIndex: Column.sha256.rawValue))
        size = try value(.size)
        mtime = try value(.mtime)
        format = try value(.format)
        encoding = try optional(.encoding)
        self.status = status
        error = try optional(.error)
        metadata = try DocumentMetadata(row: row, at: Column.title.rawValue)
        language = try optional(.language)
        sources = try optional(.sources)
        textLength = try value(.textLength)
        properties = try optional(.properties)
        comments = try value(.comments)
        trackedChanges = try value(.trackedChanges)
        segmentID = try optional(.segmentID)
        segmentDoc = try optional(.segmentDoc)
        ingestedAt = try value(.ingestedAt)
        pageCount = try optional(.pageCount)
        pageStarts = try optional(.pageStarts)
        ocrPages = try value(.ocrPages)
        ocrConfidence = try optional(.ocrConfidence)
        ocrPending = try optional(.ocrPending)
        ocrNote = try optional(.ocrNote)
    }

    /// A catalog value `init(row:)` cannot take.
    struct RowValueError: Error, CustomStringConvertible {
        let description: String
    }
}

extension DocumentMetadata {
    /// The metadata in the columns `Catalog.metadataColumns` of `row`, from position `first` on.
    init(row: Row, at first: Int) throws {
        title = try row.decode(String?.self, atIndex: first)
        authority = try row.decode(String?.self, atIndex: first + 1)
        docType = try row.decode(String?.self, atIndex: first + 2)
        date = try row.decode(String?.self, atIndex: first + 3)
        year = try row.decode(Int?.self, atIndex: first + 4)
        dnr = try row.decode(String?.self, atIndex: first + 5)
    }
}

/// What a page of search hits shows of a document: the columns `SearchHit` takes, read by
/// `Catalog.hitRecords(ids:)` by position (fewer columns than a `DocumentRecord`: no checksum,
/// no sources object for a file, no received path where the shown one is stored).
@dynamicMemberLookup
public struct HitRecord: Sendable, Equatable {
    public var id: Int64
    public var path: String
    public var format: String
    /// As `DocumentRecord.metadata`.
    public var metadata: DocumentMetadata
    /// As `DocumentRecord.pageStarts`.
    public var pageStarts: Data?
    /// As `DocumentRecord.partName`.
    public var partName: String?

    /// A metadata field as the hit's own (`hit.title`).
    @inlinable public subscript<T>(dynamicMember field: KeyPath<DocumentMetadata, T>) -> T { metadata[keyPath: field] }
}

extension HitRecord {
    /// The columns read, in the order `read(_:ids:_:)` (Catalog+DocumentRows.swift) decodes them.
    /// The shown path and the sources are read in their stored forms (migration `compact`):
    /// `path` is NULL when it is the received bytes (`Catalog.rawPath`), `sources` an id into
    /// `document_sources`, and the part name is only looked up for a part.
    static let columns = """
        id, path, format, \(Catalog.metadataColumns), page_starts, part, \
        CASE WHEN part > 0 THEN (SELECT json FROM document_sources WHERE document_sources.id = documents.sources) END, \
        CASE WHEN path IS NULL THEN \(Catalog.rawPath) END
        """
}
