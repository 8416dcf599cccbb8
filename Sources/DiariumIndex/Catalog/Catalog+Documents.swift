import Foundation
import GRDB

/// The catalog's statements on the inventory: documents, their received paths, and where the
/// ingested roots are (the `roots` table of migration `inventory`).
extension Catalog {
    /// The document with catalog id `id`.
    func document(id: Int64) throws -> DocumentRecord? {
        try documents(ids: [id]).first
    }

    /// Documents with the given ids (each once, in the order of `ids`; ids without a row are
    /// left out). One cached statement by id: GRDB's `fetchAll(keys:)` compiled a new
    /// `id IN (…)` statement for every page, 1.3 M instructions of each query's page
    /// (`sqlite3_prepare_v3`; callgrind over the 408 benchmark queries).
    func documents(ids: [Int64]) throws -> [DocumentRecord] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT \(Catalog.documentColumns) FROM documents WHERE id = ?")
            var seen = Set<Int64>()
            return try ids.compactMap { id in
                guard seen.insert(id).inserted else { return nil }
                return try DocumentRecord.fetchOne(statement, arguments: [id])
            }
        }
    }

    /// What a page of hits shows of the documents with the given ids, in the order of `ids`
    /// (ids without a row left out; an id given twice gives its row twice; the order holds
    /// because `CROSS JOIN` keeps the `VALUES` list as SQLite's outer loop — its documented way
    /// to fix a join's order — not by an `ORDER BY`, so a caller that walks them in order finds a row
    /// by id when the order does not hold, as `Searcher.pageHits` does): one statement of
    /// `hitBatch` ids (`hitRecordsSQL`), prepared once per connection (`cachedStatement`), run
    /// per `hitBatch` ids (unused places bound to NULL) and read through SQLite's C API
    /// (`HitRecord.read`), without a transaction (each run reads one consistent state). A
    /// statement of `id IN (…)` was compiled again for every page size (about 70k instructions
    /// for each of the 51 rare queries' pages), GRDB's cursor and `Row` cost about 20k
    /// instructions a row, and a statement by id began and ended a read transaction for every
    /// row (about 5k).
    func hitRecords(ids: [Int64]) throws -> [HitRecord] {
        guard !ids.isEmpty else { return [] }
        return try unsafeRead { db in
            let statement = try db.cachedStatement(sql: Catalog.hitRecordsSQL)
            var out: [HitRecord] = []
            out.reserveCapacity(ids.count)
            var from = 0
            while from < ids.count {
                let batch = ids[from..<min(ids.count, from + Catalog.hitBatch)]
                try HitRecord.read(statement, ids: batch) { out.append($0) }
                from += Catalog.hitBatch
            }
            return out
        }
    }

    /// Ids `hitRecords` reads with one run of its statement: a page's.
    static let hitBatch = 10

    /// `hitRecords`' statement: the ids as a list of `hitBatch` rows (`VALUES`, which SQLite
    /// runs as a co-routine), each joined to its `documents` row by the primary key. `id IN
    /// (…)` first copied the list into a temporary b-tree (sorted, without duplicates) on every
    /// run: 109k instructions inside SQLite for a page of 6 ids against 74k this way (callgrind,
    /// 200 pages of random ids on the 100k benchmark catalog).
    static let hitRecordsSQL = """
        SELECT \(HitRecord.columns) FROM (VALUES \(Array(repeating: "(?)", count: hitBatch).joined(separator: ","))) AS page \
        CROSS JOIN documents ON documents.id = page.column1
        """

    /// Documents shown under `path`, by received path, then part.
    func documents(path: String) throws -> [DocumentRecord] {
        try read { db in
            // A row's `path` is NULL when it is shown as its received bytes (`compact`): those
            // rows are found by folder and name (the unique index), the others by the partial index.
            let split = Catalog.splitPath(Data(path.utf8))
            return try DocumentRecord.fetchAll(db, sql: """
                SELECT \(Catalog.documentColumns) FROM documents
                WHERE (\(Catalog.receivedPathIs) AND path IS NULL) OR path = ? ORDER BY raw_path, part
                """, arguments: [split.folder, split.name, path])
        }
    }

    /// The inventory, newest first, optionally limited to a year range (inclusive).
    func inventory(years: ClosedRange<Int>?) throws -> [DocumentRecord] {
        try read { db in
            let order = "ORDER BY date DESC, year DESC, \(Catalog.shownPath), \(Catalog.rawPath), part"
            guard let years else { return try DocumentRecord.fetchAll(db, sql: "SELECT \(Catalog.documentColumns) FROM documents \(order)") }
            return try DocumentRecord.fetchAll(db, sql: "SELECT \(Catalog.documentColumns) FROM documents WHERE year BETWEEN ? AND ? \(order)",
                                               arguments: [years.lowerBound, years.upperBound])
        }
    }

    /// Documents no segment holds (no text: empty, failed, unsupported, encrypted, or OCR
    /// still to come), in catalog order.
    func documentsWithoutText() throws -> [DocumentRecord] {
        try read { db in try DocumentRecord.filter(Column("segment_id") == nil).order(Column("id")).fetchAll(db) }
    }

    /// Number of documents per year (nil: year unknown), newest first.
    func countsByYear(years: ClosedRange<Int>?) throws -> [(year: Int?, count: Int)] {
        try read { db in
            var sql = "SELECT year, COUNT(*) FROM documents"
            var args: StatementArguments = []
            if let years {
                sql += " WHERE year BETWEEN ? AND ?"
                args = [years.lowerBound, years.upperBound]
            }
            sql += " GROUP BY year ORDER BY year IS NULL, year DESC"
            return try Row.fetchAll(db, sql: sql, arguments: args).map { (year: try $0.decode(Int?.self, atIndex: 0), count: try $0.decode(Int.self, atIndex: 1)) }
        }
    }

    /// A filter column as SQL: the shown path's expression for `path`, else the column.
    static func sql(_ column: IndexReader.FilterColumn) -> String {
        column == .path ? shownPath : column.rawValue
    }

    /// Ids of documents whose `column` contains `value` (case-insensitive), or equals it when `exact`.
    func documentIDs(_ column: IndexReader.FilterColumn, _ value: String, exact: Bool) throws -> Set<Int64> {
        try read { db in
            let sql = exact
                ? "SELECT id FROM documents WHERE lower(\(Catalog.sql(column))) = lower(?)"
                : "SELECT id FROM documents WHERE instr(lower(\(Catalog.sql(column))), lower(?)) > 0"
            return Set(try Int64.fetchAll(db, sql: sql, arguments: [value]))
        }
    }

    /// Ids of documents with text read by OCR (`ocr` true) or without.
    func documentIDs(ocr: Bool) throws -> Set<Int64> {
        try read { db in Set(try Int64.fetchAll(db, sql: "SELECT id FROM documents WHERE ocr_pages \(ocr ? ">" : "=") 0")) }
    }

    /// Ids of documents dated within `years`.
    func documentIDs(years: ClosedRange<Int>) throws -> Set<Int64> {
        try read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT id FROM documents WHERE year BETWEEN ? AND ?", arguments: [years.lowerBound, years.upperBound]))
        }
    }

    /// Every (id, value) of a column that has a value.
    func columnValues(_ column: IndexReader.FilterColumn) throws -> [(Int64, String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, \(Catalog.sql(column)) FROM documents WHERE \(Catalog.sql(column)) IS NOT NULL")
                .map { (try $0.decode(Int64.self, atIndex: 0), try $0.decode(String.self, atIndex: 1)) }
        }
    }

    /// Documents in the catalog, documents with indexed text, documents not read (status not `ok`).
    func documentCounts() throws -> (all: Int, indexed: Int, failed: Int) {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0,
             // Counted through `documents_unindexed`, the partial index of rows without text.
             try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM documents) - (SELECT COUNT(*) FROM documents WHERE segment_id IS NULL)") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents WHERE status != 'ok'") ?? 0)
        }
    }

    /// Every received path (its bytes) with its size, mtime and SHA-256, for change detection.
    func fileStates() throws -> [Data: (size: Int64, mtime: Double, sha256: String)] {
        try read { db in
            var result: [Data: (Int64, Double, String)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT \(Catalog.rawPath), size, mtime, sha256 FROM documents WHERE part = 0")
            while let row = try rows.next() {
                guard let raw = try? row.decode(Data?.self, atIndex: 0), let size = try? row.decode(Int64?.self, atIndex: 1),
                      let mtime = try? row.decode(Double?.self, atIndex: 2),
                      let sha = try? SHA256Column.decode(row.decode(DatabaseValue.self, atIndex: 3)) else {
                    throw IndexError.corruptCatalog(file: path, reason: "a document row has no path, size, modification time or checksum")
                }
                result[raw] = (size, mtime, sha)
            }
            return result
        }
    }

    /// The documents whose pages wait for OCR, by path and part.
    func pendingOCR() throws -> [IndexWriter.PendingOCR] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Catalog.shownPath), \(Catalog.rawPath) AS raw_path, part, ocr_pending FROM documents WHERE ocr_pending IS NOT NULL
                ORDER BY 1, 2, 3
                """)
                .map { row in
                    let pages = (try? row.decode(String?.self, atIndex: 3)).flatMap { $0 } ?? ""
                    return IndexWriter.PendingOCR(path: (try? row.decode(String?.self, atIndex: 0)).flatMap { $0 } ?? "",
                                                  rawPath: (try? row.decode(Data?.self, atIndex: 1)).flatMap { $0 } ?? Data(),
                                                  part: (try? row.decode(Int?.self, atIndex: 2)).flatMap { $0 } ?? 0,
                                                  pages: pages.split(separator: ",").compactMap { Int($0) })
                }
        }
    }

    /// Records a new modification time for the unchanged file received as `rawPath`.
    func updateModificationTime(rawPath: Data, mtime: Double) throws {
        try write { db in
            let split = Catalog.splitPath(rawPath)
            try db.execute(sql: "UPDATE documents SET mtime = ? WHERE \(Catalog.receivedPathIs)", arguments: [mtime, split.folder, split.name])
        }
    }

    // MARK: Roots

    /// Records that the ingested root whose name has the bytes `name` is now the folder (or
    /// file) `folder`, an absolute path.
    func recordRoot(name: Data, folder: String, at stamp: String) throws {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO roots (name, folder, ingested_at) VALUES (?, ?, ?)", arguments: [name, folder, stamp])
        }
    }

    /// Every ingested root: its name's bytes → its absolute folder. A row of another type is
    /// `IndexError.corruptCatalog`.
    func roots() throws -> [Data: String] {
        try read { db in
            var out: [Data: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, folder FROM roots") {
                guard let name = try? row.decode(Data?.self, atIndex: 0), let folder = try? row.decode(String?.self, atIndex: 1),
                      folder.hasPrefix("/") else {
                    throw IndexError.corruptCatalog(file: path, reason: "an ingested root has no name or no absolute folder")
                }
                out[name] = folder
            }
            return out
        }
    }

    /// Moves every document received as `old` (the file and its parts) to the received path
    /// `new`, shown as `shown`, with the file's new modification time: a re-rooted file keeps
    /// its id, its segment and its postings. Its old folder goes when no document is left in it.
    func moveFile(from old: Data, to new: Data, shown: String, mtime: Double) throws {
        try write { db in
            let path: String? = shown.utf8.elementsEqual(new) ? nil : shown  // NULL: shown as received (`compact`)
            let (from, to) = (Catalog.splitPath(old), Catalog.splitPath(new))
            let oldFolder = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM folders WHERE raw = ?"), arguments: [from.folder])
            try db.execute(sql: "UPDATE documents SET folder = ?, name = ?, path = ?, mtime = ? WHERE \(Catalog.receivedPathIs)",
                           arguments: [try Catalog.folderID(to.folder, db), to.name, path, mtime, from.folder, from.name])
            try Catalog.deleteUnused(folders: Set(oldFolder.map { [$0] } ?? []), sources: [], db)
            // A move changes rows in place, which the change signature's row count and largest
            // id do not see: it counts moves instead, so open readers (the server) re-read paths.
            try db.execute(sql: "INSERT INTO meta VALUES ('moves', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")
        }
    }
}
