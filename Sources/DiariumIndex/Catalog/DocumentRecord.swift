import Foundation
import GRDB

/// One row of the inventory: a received file (or one document inside it), whether or not its
/// text could be read.
public struct DocumentRecord: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "documents"
    /// The columns a record is read from, in the stored forms of migration `compact` decoded
    /// back (the shown path, the interned sources): `Catalog.documentColumns`. Rows are
    /// written only by `Catalog.DocumentInserter`.
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

    enum CodingKeys: String, CodingKey {
        case id, path, rawPath = "raw_path", part, sha256, size, mtime, format, encoding, status, error, title, authority
        case docType = "doc_type", date, year, dnr, language, sources
        case textLength = "text_length", segmentID = "segment_id", segmentDoc = "segment_doc"
        case ingestedAt = "ingested_at"
        case properties, comments, trackedChanges = "tracked_changes"
        case pageCount = "page_count", pageStarts = "page_starts"
        case ocrPages = "ocr_pages", ocrConfidence = "ocr_confidence", ocrPending = "ocr_pending", ocrNote = "ocr_note"
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
    var fastValues: FastValues { FastValues(year: year, authority: authority, docType: docType, format: format, date: date) }
}

extension DocumentRecord {
    /// A row of `documents`, column by column (`CodingKeys` names them). GRDB would otherwise
    /// decode the row through `Decodable`, whose generic containers cost a fresh
    /// `diarium search` 3 M instructions for the ten rows of a page (the first use of each
    /// container type is a scan of the runtime's conformance records); this reads the same
    /// values with the same failures (a missing column or a value of another type throws).
    public init(row: Row) throws {
        func value<T: DatabaseValueConvertible & StatementColumnConvertible>(_ key: CodingKeys) throws -> T {
            try row.decode(T.self, forColumn: key.rawValue)
        }
        func optional<T: DatabaseValueConvertible & StatementColumnConvertible>(_ key: CodingKeys) throws -> T? {
            try row.decode(T?.self, forColumn: key.rawValue)
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
        sha256 = try Catalog.SHA256Column.decode(row.decode(DatabaseValue.self, forColumn: CodingKeys.sha256.rawValue))
        size = try value(.size)
        mtime = try value(.mtime)
        format = try value(.format)
        encoding = try optional(.encoding)
        self.status = status
        error = try optional(.error)
        title = try optional(.title)
        authority = try optional(.authority)
        docType = try optional(.docType)
        date = try optional(.date)
        year = try optional(.year)
        dnr = try optional(.dnr)
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

/// What a page of search hits shows of a document: the columns `SearchHit` takes, read by
/// `Catalog.hitRecords(ids:)` by position. Reading whole `DocumentRecord`s cost ~40 k
/// instructions a row (each of 30 columns found by name among 30).
public struct HitRecord: Sendable, Equatable {
    public var id: Int64
    public var path: String
    public var format: String
    public var title: String?
    public var authority: String?
    public var docType: String?
    public var date: String?
    public var year: Int?
    public var dnr: String?
    /// As `DocumentRecord.pageStarts`.
    public var pageStarts: Data?
    /// As `DocumentRecord.partName`.
    public var partName: String?
}

extension HitRecord {
    /// The columns read, in the order `init(row:)` decodes them.
    /// The shown path and the sources are read in their stored forms (migration `compact`):
    /// `path` is NULL when it is the received bytes (`Catalog.rawPath`), `sources` an id into
    /// `document_sources`, and the part name is only looked up for a part.
    static let columns = """
        id, path, format, title, authority, doc_type, date, year, dnr, page_starts, part, \
        CASE WHEN part > 0 THEN (SELECT json FROM document_sources WHERE document_sources.id = documents.sources) END, \
        CASE WHEN path IS NULL THEN \(Catalog.rawPath) END
        """

    /// A row of `SELECT \(columns)`.
    init(row: Row) throws {
        id = try row.decode(Int64.self, atIndex: 0)
        // NULL: the shown path is the received path's bytes, as in `DocumentRecord.init(row:)`.
        path = try row.decode(String?.self, atIndex: 1) ?? String(decoding: try row.decode(Data.self, atIndex: 12), as: UTF8.self)
        format = try row.decode(String.self, atIndex: 2)
        title = try row.decode(String?.self, atIndex: 3)
        authority = try row.decode(String?.self, atIndex: 4)
        docType = try row.decode(String?.self, atIndex: 5)
        date = try row.decode(String?.self, atIndex: 6)
        year = try row.decode(Int?.self, atIndex: 7)
        dnr = try row.decode(String?.self, atIndex: 8)
        pageStarts = try row.decode(Data?.self, atIndex: 9)
        partName = DocumentRecord.partName(part: try row.decode(Int.self, atIndex: 10), sources: try row.decode(String?.self, atIndex: 11))
    }
}
