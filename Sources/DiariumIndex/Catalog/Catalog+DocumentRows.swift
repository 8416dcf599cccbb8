import Foundation
import GRDB
// SQLite's C API, for binding a row's values (`DocumentInserter`) and reading a hit's
// (`HitRecord.read`); no other file imports it.
import GRDBSQLite

/// How a `DocumentRecord` is stored in the `documents` table since migration `compact`, and
/// the one place that writes it.
///
/// The stored forms are smaller than the record's values (measured on the 100k benchmark
/// catalog: 80.2 MB before, 27.3 MB after; docs/benchmarks.md, "Index size"):
/// - The received path's bytes are split after its last `/`: the folder is a row of
///   `folders` (`id`, `raw` unique), which the files of one folder share, and the row keeps
///   the folder's id and the file's `name`; `Catalog.rawPath` puts them together again
///   (`UNIQUE (folder, name, part)` is the identity). A folder no document is in any more is
///   deleted by the commit or move that took its last document (`deleteUnused`).
/// - `path` is NULL when the shown path is the received path's bytes, as it is for every
///   name in valid UTF-8 in NFC; it holds text only for a name shown otherwise (NFD, bytes
///   outside UTF-8). `Catalog.shownPath` is the SQL expression of the shown path.
/// - `sha256` is the 32 bytes of the checksum (a BLOB), not 64 hexadecimal characters; a value
///   that is not 64 lowercase hexadecimal digits (a file that could not be read has "") is
///   kept as text.
/// - `sources` names a row of `document_sources` (`id`, `json` unique): the JSON object of
///   where each field came from repeats across a release's documents (19 distinct objects
///   among the 100,000 of the benchmark), so each is stored once. An object no document names
///   any more is deleted by the commit that replaced its last document (`deleteUnused`).
extension Catalog {
    /// The received path of a `documents` row (a BLOB), as SQL. SQLite's `||` keeps the bytes.
    static let rawPath = "CAST((SELECT raw FROM folders WHERE folders.id = documents.folder) || name AS BLOB)"

    /// The shown path of a `documents` row, as SQL (for filters and orderings).
    static let shownPath = "IFNULL(path, (SELECT raw FROM folders WHERE folders.id = documents.folder) || name)"

    /// The SQL condition "the row's received path is the two bound values" (folder bytes and
    /// name, `splitPath`), answered from `UNIQUE (folder, name, part)`.
    static let receivedPathIs = "folder = (SELECT id FROM folders WHERE raw = ?) AND name = ?"

    /// A received path's folder (through its last `/`; empty for a name alone) and name.
    static func splitPath(_ raw: Data) -> (folder: Data, name: Data) {
        guard let slash = raw.lastIndex(of: UInt8(ascii: "/")) else { return (Data(), raw) }
        return (Data(raw[raw.startIndex...slash]), Data(raw[raw.index(after: slash)...]))
    }

    /// Whether `r`'s shown path is its received path's bytes (its `path` is stored as NULL).
    static func isShownAsReceived(_ r: DocumentRecord) -> Bool {
        var path = r.path
        return path.withUTF8 { shown in
            shown.count == r.rawPath.count && r.rawPath.withUnsafeBytes { UnsafeRawBufferPointer(shown).elementsEqual($0) }
        }
    }

    /// The id of the folder `raw` in `folders`, added when new.
    static func folderID(_ raw: Data, _ db: Database) throws -> Int64 {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM folders WHERE raw = ?"), arguments: [raw]) { return id }
        try db.cachedStatement(sql: "INSERT INTO folders (raw) VALUES (?)").execute(arguments: [raw])
        return db.lastInsertedRowID
    }

    /// Deletes the rows of `folders` and `document_sources` among `folders` and `sources` that
    /// no document uses any more: called where documents leave a folder or are replaced
    /// (`publishCommit`, `moveFile`) with the ids the leaving rows used, after the new rows are
    /// in. A folder is looked up in `UNIQUE (folder, name, part)`; a sources object has no index,
    /// so its check reads `documents` until the first row naming it (the caller leaves out the
    /// objects its new rows name): the whole table only for an object that is gone.
    static func deleteUnused(folders: Set<Int64>, sources: Set<Int64>, _ db: Database) throws {
        let folder = try db.cachedStatement(sql: "DELETE FROM folders WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM documents WHERE folder = ?1)")
        for id in folders { try folder.execute(arguments: [id]) }
        let source = try db.cachedStatement(sql: """
            DELETE FROM document_sources WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM documents WHERE sources = ?1)
            """)
        for id in sources { try source.execute(arguments: [id]) }
    }

    /// The columns a `DocumentRecord` is read from, in order: a column's raw value is its
    /// position in `documentColumns`, where `DocumentRecord.init(row:)` reads it.
    enum DocumentColumn: Int, CaseIterable {
        case id, rawPath, part, path, sha256, size, mtime, format, encoding, status, error
        /// `metadataColumns`, one after another in `DocumentMetadata.init(row:at:)`'s order.
        case title, authority, docType, date, year, dnr
        case language, sources, textLength, segmentID, segmentDoc, ingestedAt, pageCount, pageStarts, ocrPages, ocrConfidence
        case ocrPending, ocrNote, properties, comments, trackedChanges

        /// The column's expression in the select list. `DocumentRecord.init(row:)` decodes
        /// `path` and `sha256`; the received path and the sources object are put together here.
        var selection: String {
            switch self {
            case .id: return "id"
            case .rawPath: return "\(Catalog.rawPath) AS raw_path"
            case .part: return "part"
            case .path: return "path"
            case .sha256: return "sha256"
            case .size: return "size"
            case .mtime: return "mtime"
            case .format: return "format"
            case .encoding: return "encoding"
            case .status: return "status"
            case .error: return "error"
            case .title: return "title"
            case .authority: return "authority"
            case .docType: return "doc_type"
            case .date: return "date"
            case .year: return "year"
            case .dnr: return "dnr"
            case .language: return "language"
            case .sources: return "(SELECT json FROM document_sources WHERE document_sources.id = documents.sources) AS sources"
            case .textLength: return "text_length"
            case .segmentID: return "segment_id"
            case .segmentDoc: return "segment_doc"
            case .ingestedAt: return "ingested_at"
            case .pageCount: return "page_count"
            case .pageStarts: return "page_starts"
            case .ocrPages: return "ocr_pages"
            case .ocrConfidence: return "ocr_confidence"
            case .ocrPending: return "ocr_pending"
            case .ocrNote: return "ocr_note"
            case .properties: return "properties"
            case .comments: return "comments"
            case .trackedChanges: return "tracked_changes"
            }
        }
    }

    /// The metadata columns, in the order `DocumentMetadata.init(row:at:)` reads them: one list
    /// for every reader of a `DocumentMetadata` (`DocumentRecord`, `HitRecord`).
    static let metadataColumns = [DocumentColumn.title, .authority, .docType, .date, .year, .dnr].map(\.selection).joined(separator: ", ")

    /// The columns a `DocumentRecord` is read from (`DocumentColumn`, in order).
    static let documentColumns = DocumentColumn.allCases.map(\.selection).joined(separator: ", ")

    /// The stored form of a checksum: 32 bytes for 64 lowercase hexadecimal digits, else the text.
    enum SHA256Column {
        /// The 32 bytes of 64 lowercase hexadecimal digits; nil for any other text.
        static func bytes(_ hex: String) -> Data? {
            var hex = hex
            return hex.withUTF8 { digits -> Data? in
                guard digits.count == 64 else { return nil }
                var out = [UInt8](repeating: 0, count: 32)
                for i in 0..<32 {
                    guard let high = nibble(digits[2 * i]), let low = nibble(digits[2 * i + 1]) else { return nil }
                    out[i] = high << 4 | low
                }
                return Data(out)
            }
        }

        /// The checksum as text; a BLOB of another length than 32 or a value of another type
        /// is `DocumentRecord.RowValueError`.
        static func decode(_ value: DatabaseValue) throws -> String {
            switch value.storage {
            case .string(let text): return text
            case .blob(let bytes) where bytes.count == 32:
                // Written straight into the string's storage (an array and `Data`'s iterator
                // cost 5k instructions a row of `diarium list`).
                return bytes.withUnsafeBytes { (sum: UnsafeRawBufferPointer) in
                    String(unsafeUninitializedCapacity: 64) { out in
                        for i in 0..<32 {
                            out[2 * i] = hexDigit(sum[i] >> 4)
                            out[2 * i + 1] = hexDigit(sum[i] & 15)
                        }
                        return 64
                    }
                }
            default:
                throw DocumentRecord.RowValueError(description: "documents.sha256 holds \(value), not a checksum")
            }
        }

        private static func hexDigit(_ v: UInt8) -> UInt8 {
            v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10
        }

        private static func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
    }

    /// Writes `documents` rows with one prepared statement and bound values (GRDB's
    /// `Encodable` insert cost about 200k instructions a row, 10 % of a `--jsonl` ingest),
    /// interning each row's sources. Lives for one transaction.
    struct DocumentInserter {
        private let db: Database
        private let insert: Statement
        private let findSources: Statement
        private let addSources: Statement
        private var sourcesIDs: [String: Int64] = [:]
        /// The `document_sources` ids the rows inserted so far name.
        var sourcesUsed: Set<Int64> { Set(sourcesIDs.values) }
        private var folderIDs: [Data: Int64] = [:]
        /// SQLite copies a bound text or BLOB before the bind returns.
        private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

        /// An inserter into `documents` (its statements are prepared once per connection).
        init(_ db: Database) throws {
            self.db = db
            insert = try db.cachedStatement(sql: """
                INSERT INTO documents (id, folder, name, part, path, sha256, size, mtime, format, encoding, status, error, title,
                    authority, doc_type, date, year, dnr, language, sources, text_length, segment_id, segment_doc, ingested_at,
                    page_count, page_starts, ocr_pages, ocr_confidence, ocr_pending, ocr_note, properties, comments, tracked_changes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            findSources = try db.cachedStatement(sql: "SELECT id FROM document_sources WHERE json = ?")
            addSources = try db.cachedStatement(sql: "INSERT INTO document_sources (json) VALUES (?)")
            // The values are bound by `insert(_:)` itself; this tells GRDB they are (it resets
            // the statement and keeps the bindings when it executes).
            insert.setUncheckedArguments(StatementArguments())
        }

        /// Inserts `r` as it is (its `segmentID` and `segmentDoc` included).
        mutating func insert(_ r: DocumentRecord) throws {
            let sources = try r.sources.map { try id(ofSources: $0) }
            let (folder, name) = Catalog.splitPath(r.rawPath)
            let folderID: Int64
            if let known = folderIDs[folder] { folderID = known } else {
                folderID = try Catalog.folderID(folder, db)
                folderIDs[folder] = folderID
            }
            // Bound with SQLite's C functions (copied: SQLITE_TRANSIENT): GRDB's
            // `StatementArguments` and `setUncheckedArguments` cost 104k of the 132k
            // instructions this insert took per row with them (callgrind, 2,000 documents).
            let sql = insert.sqliteStatement
            // The previous row's step succeeded (else `execute` threw), so the reset does too.
            _ = sqlite3_reset(sql)
            let transient = transient
            var slot: CInt = 0
            var code = SQLITE_OK
            func check(_ result: CInt) { if code == SQLITE_OK { code = result } }
            func integer(_ v: Int64?) { slot += 1; check(v.map { sqlite3_bind_int64(sql, slot, $0) } ?? sqlite3_bind_null(sql, slot)) }
            func real(_ v: Double?) { slot += 1; check(v.map { sqlite3_bind_double(sql, slot, $0) } ?? sqlite3_bind_null(sql, slot)) }
            func text(_ v: String?) {
                slot += 1
                guard var v else { check(sqlite3_bind_null(sql, slot)); return }
                check(v.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) { chars in
                        // An empty text needs a non-NULL pointer too (NULL binds NULL).
                        chars.isEmpty ? sqlite3_bind_text(sql, slot, "", 0, transient)
                                      : sqlite3_bind_text(sql, slot, chars.baseAddress, CInt(chars.count), transient)
                    }
                })
            }
            func blob(_ v: Data?) {
                slot += 1
                guard let v else { check(sqlite3_bind_null(sql, slot)); return }
                // An empty BLOB needs a non-NULL pointer (NULL binds NULL): zeroblob(0).
                check(v.isEmpty ? sqlite3_bind_zeroblob(sql, slot, 0)
                                : v.withUnsafeBytes { sqlite3_bind_blob(sql, slot, $0.baseAddress, CInt($0.count), transient) })
            }
            integer(r.id); integer(folderID); blob(name); integer(Int64(r.part))
            text(Catalog.isShownAsReceived(r) ? nil : r.path)
            switch SHA256Column.bytes(r.sha256) {
            case .some(let bytes): blob(bytes)
            case .none: text(r.sha256)
            }
            integer(r.size); real(r.mtime); text(r.format); text(r.encoding); text(r.status.rawValue); text(r.error)
            text(r.title); text(r.authority); text(r.docType); text(r.date); integer(r.year.map(Int64.init)); text(r.dnr)
            text(r.language); integer(sources); integer(Int64(r.textLength)); integer(r.segmentID)
            integer(r.segmentDoc.map(Int64.init)); text(r.ingestedAt); integer(r.pageCount.map(Int64.init)); blob(r.pageStarts)
            integer(Int64(r.ocrPages)); real(r.ocrConfidence); text(r.ocrPending); text(r.ocrNote); text(r.properties)
            integer(Int64(r.comments)); integer(Int64(r.trackedChanges))
            guard code == SQLITE_OK else { throw IndexError.catalog("binding a document row: SQLite error \(code)") }
            try insert.execute()
        }

        private mutating func id(ofSources json: String) throws -> Int64 {
            if let id = sourcesIDs[json] { return id }
            let id: Int64
            if let found = try Int64.fetchOne(findSources, arguments: [json]) {
                id = found
            } else {
                try addSources.execute(arguments: [json])
                id = db.lastInsertedRowID
            }
            sourcesIDs[json] = id
            return id
        }
    }

    /// Migration `compact`: `documents` rebuilt in the stored forms above, without the
    /// `sha256` index (nothing looks a checksum up in SQL: re-rooting matches the checksums
    /// `fileStates` reads), the shown-path index only over rows whose shown path differs from
    /// the received one, the pending-OCR index by received path, and instead of an index on
    /// (`segment_id`, `segment_doc`), which no statement searched by, a partial index of the
    /// rows without text (`documentsWithoutText`, `documentCounts`).
    static func migrateToCompact(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE document_sources (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
            CREATE TABLE folders (id INTEGER PRIMARY KEY, raw BLOB NOT NULL UNIQUE);
            CREATE TABLE documents_compact (
                id INTEGER PRIMARY KEY,
                folder INTEGER NOT NULL REFERENCES folders(id),
                name BLOB NOT NULL,
                part INTEGER NOT NULL DEFAULT 0,
                path TEXT,
                sha256 BLOB NOT NULL,
                size INTEGER NOT NULL,
                mtime REAL NOT NULL,
                format TEXT NOT NULL,
                encoding TEXT,
                status TEXT NOT NULL,
                error TEXT,
                title TEXT,
                authority TEXT,
                doc_type TEXT,
                date TEXT,
                year INTEGER,
                dnr TEXT,
                language TEXT,
                sources INTEGER REFERENCES document_sources(id),
                text_length INTEGER NOT NULL DEFAULT 0,
                segment_id INTEGER REFERENCES segments(id),
                segment_doc INTEGER,
                ingested_at TEXT NOT NULL,
                page_count INTEGER,
                page_starts BLOB,
                ocr_pages INTEGER NOT NULL DEFAULT 0,
                ocr_confidence REAL,
                ocr_pending TEXT,
                ocr_note TEXT,
                properties TEXT,
                comments INTEGER NOT NULL DEFAULT 0,
                tracked_changes INTEGER NOT NULL DEFAULT 0,
                UNIQUE (folder, name, part));
            """)
        // A catalog of an older format is refused before any migration runs, so this one only
        // runs while a catalog is being created, on an empty table.
        guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") == 0 else {
            throw IndexError.catalog("the documents table is not empty before migration compact")
        }
        try db.execute(sql: """
            DROP TABLE documents;
            ALTER TABLE documents_compact RENAME TO documents;
            CREATE INDEX documents_year ON documents(year);
            CREATE INDEX documents_unindexed ON documents(id) WHERE segment_id IS NULL;
            CREATE INDEX documents_ocr_pending ON documents(folder, name, part) WHERE ocr_pending IS NOT NULL;
            CREATE INDEX documents_path ON documents(path) WHERE path IS NOT NULL;
            UPDATE meta SET value = '\(formatVersion)' WHERE key = 'format_version';
            """)
    }
}

extension HitRecord {
    /// The rows of `ids` from `statement` (`Catalog.hitRecordsSQL`, `columns` of the rows of
    /// its places' ids, with at least `ids.count` places, prepared by the caller's connection;
    /// the places after `ids` are bound to NULL), each given to `body` in the order the
    /// statement yields them (`hitRecordsSQL`: the places' order): bound, stepped and read
    /// with SQLite's C functions, the statement reset before returning. A value of another type
    /// than the column's throws `DocumentRecord.RowValueError`, as `DocumentRecord.init(row:)` does.
    static func read(_ statement: Statement, ids: ArraySlice<Int64>, _ body: (HitRecord) -> Void) throws {
        let sql = statement.sqliteStatement
        // A previous run of this statement ended in a reset (below), so this one succeeds.
        _ = sqlite3_reset(sql)
        defer { _ = sqlite3_reset(sql) }
        let places = sqlite3_bind_parameter_count(sql)
        guard Int(places) >= ids.count else { throw IndexError.catalog("a hit statement of \(places) places for \(ids.count) ids") }
        var slot: Int32 = 0
        for id in ids {
            slot += 1
            let code = sqlite3_bind_int64(sql, slot, id)
            guard code == SQLITE_OK else { throw failure(sql, code) }
        }
        while slot < places {
            slot += 1
            let code = sqlite3_bind_null(sql, slot)
            guard code == SQLITE_OK else { throw failure(sql, code) }
        }
        while true {
            switch sqlite3_step(sql) {
            case SQLITE_ROW: body(try row(sql))
            case SQLITE_DONE: return
            case let code: throw failure(sql, code)
            }
        }
    }

    /// SQLite's error `code` on `sql` with its connection's message, as GRDB throws it, so
    /// `Catalog.unsafeRead` names the catalog's path and SQLite's words (`Catalog.describe`).
    private static func failure(_ sql: OpaquePointer, _ code: Int32) -> DatabaseError {
        let message = sqlite3_db_handle(sql).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }

    /// The current row of `sql`, a statement selecting `columns`.
    private static func row(_ sql: OpaquePointer) throws -> HitRecord {
        func type(_ i: Int32) -> Int32 { sqlite3_column_type(sql, i) }
        func mismatch(_ i: Int32, _ what: String) -> DocumentRecord.RowValueError {
            DocumentRecord.RowValueError(description: "column \(i) of a documents row holds SQLite type \(type(i)), not \(what)")
        }
        // As GRDB reads them: text through its C string (up to its first NUL, invalid UTF-8
        // repaired: `String(cString:)`'s result, from the length SQLite knows instead of a
        // `strlen`), a BLOB's bytes (none: empty).
        func text(_ i: Int32) throws -> String? {
            switch type(i) {
            case SQLITE_NULL: return nil
            case SQLITE_TEXT:
                guard let p = sqlite3_column_text(sql, i) else { return "" }
                let n = Int(sqlite3_column_bytes(sql, i))
                let end = memchr(p, 0, n).map { UnsafeRawPointer($0) - UnsafeRawPointer(p) } ?? n
                return String(decoding: UnsafeRawBufferPointer(start: p, count: end), as: UTF8.self)
            default: throw mismatch(i, "text")
            }
        }
        // A BLOB column's bytes (valid until the next step; empty: none), nil for NULL.
        func blobBytes(_ i: Int32) throws -> UnsafeRawBufferPointer? {
            switch type(i) {
            case SQLITE_NULL: return nil
            case SQLITE_BLOB:
                guard let p = sqlite3_column_blob(sql, i) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
                return UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(sql, i)))
            default: throw mismatch(i, "a BLOB")
            }
        }
        // A BLOB column read as text (repaired as `String(decoding:)` repairs), without a `Data`.
        func blobText(_ i: Int32) throws -> String? {
            try blobBytes(i).map { String(decoding: $0, as: UTF8.self) }
        }
        func integer(_ i: Int32) throws -> Int64? {
            switch type(i) {
            case SQLITE_NULL: return nil
            case SQLITE_INTEGER: return sqlite3_column_int64(sql, i)
            default: throw mismatch(i, "an integer")
            }
        }
        func blob(_ i: Int32) throws -> Data? {
            try blobBytes(i).map { Data($0) }
        }
        guard let rowID = try integer(0) else { throw mismatch(0, "an id") }
        // NULL: the shown path is the received path's bytes, as in `DocumentRecord.init(row:)`.
        let shown: String
        if let p = try text(1) { shown = p } else if let raw = try blobText(12) { shown = raw } else {
            throw mismatch(12, "the received path")
        }
        guard let format = try text(2) else { throw mismatch(2, "a format") }
        let metadata = DocumentMetadata(title: try text(3), authority: try text(4), docType: try text(5), date: try text(6),
                                        year: try integer(7).map { Int($0) }, dnr: try text(8))
        guard let part = try integer(10) else { throw mismatch(10, "a part number") }
        return HitRecord(id: rowID, path: shown, format: format, metadata: metadata, pageStarts: try blob(9),
                         partName: DocumentRecord.partName(part: Int(part), sources: try text(11)))
    }
}
