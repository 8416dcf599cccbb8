import Foundation
import GRDB

/// The catalog's statements on the inventory: documents, their received paths, and where the
/// ingested roots are (the `roots` table of migration `inventory`).
extension Catalog {
    /// The document with catalog id `id`.
    func document(id: Int64) throws -> DocumentRecord? {
        try read { db in try DocumentRecord.fetchOne(db, key: id) }
    }

    /// Documents with the given ids.
    func documents(ids: [Int64]) throws -> [DocumentRecord] {
        try read { db in try DocumentRecord.fetchAll(db, keys: ids) }
    }

    /// What a page of hits shows of the documents with the given ids, in any order: one
    /// statement, prepared once per connection and number of ids (`cachedStatement`), run
    /// without a transaction (one statement reads one consistent state), the columns read by
    /// position. `DocumentRecord.fetchAll(db, keys:)` built the SQL through the query interface
    /// and read the table's schema on every call: a fresh `diarium search` spent 6.9 M
    /// instructions on the ten rows of its page.
    func hitRecords(ids: [Int64]) throws -> [HitRecord] {
        guard !ids.isEmpty else { return [] }
        return try unsafeRead { db in
            var marks = "?"
            for _ in 1..<ids.count { marks += ",?" }
            let statement = try db.cachedStatement(sql: "SELECT \(HitRecord.columns) FROM documents WHERE id IN (\(marks))")
            var out: [HitRecord] = []
            out.reserveCapacity(ids.count)
            let rows = try Row.fetchCursor(statement, arguments: StatementArguments(ids))
            while let row = try rows.next() { out.append(try HitRecord(row: row)) }
            return out
        }
    }

    /// Documents shown under `path`, by received path, then part.
    func documents(path: String) throws -> [DocumentRecord] {
        try read { db in
            try DocumentRecord.filter(Column("path") == path).order(Column("raw_path"), Column("part")).fetchAll(db)
        }
    }

    /// The inventory, newest first, optionally limited to a year range (inclusive).
    func inventory(years: ClosedRange<Int>?) throws -> [DocumentRecord] {
        try read { db in
            var request = DocumentRecord.all()
            if let years { request = request.filter(years.contains(Column("year"))) }
            return try request.order(Column("date").desc, Column("year").desc, Column("path"), Column("raw_path"), Column("part")).fetchAll(db)
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

    /// Ids of documents whose `column` contains `value` (case-insensitive), or equals it when `exact`.
    func documentIDs(_ column: IndexReader.FilterColumn, _ value: String, exact: Bool) throws -> Set<Int64> {
        try read { db in
            let sql = exact
                ? "SELECT id FROM documents WHERE lower(\(column.rawValue)) = lower(?)"
                : "SELECT id FROM documents WHERE instr(lower(\(column.rawValue)), lower(?)) > 0"
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
            try Row.fetchAll(db, sql: "SELECT id, \(column.rawValue) FROM documents WHERE \(column.rawValue) IS NOT NULL")
                .map { (try $0.decode(Int64.self, atIndex: 0), try $0.decode(String.self, atIndex: 1)) }
        }
    }

    /// Documents in the catalog, documents with indexed text, documents not read (status not `ok`).
    func documentCounts() throws -> (all: Int, indexed: Int, failed: Int) {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents WHERE segment_id IS NOT NULL") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents WHERE status != 'ok'") ?? 0)
        }
    }

    /// Every received path (its bytes) with its size, mtime and SHA-256, for change detection.
    func fileStates() throws -> [Data: (size: Int64, mtime: Double, sha256: String)] {
        try read { db in
            var result: [Data: (Int64, Double, String)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT raw_path, size, mtime, sha256 FROM documents WHERE part = 0")
            while let row = try rows.next() {
                guard let raw = try? row.decode(Data?.self, atIndex: 0), let size = try? row.decode(Int64?.self, atIndex: 1),
                      let mtime = try? row.decode(Double?.self, atIndex: 2), let sha = try? row.decode(String?.self, atIndex: 3) else {
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
            try Row.fetchAll(db, sql: "SELECT path, raw_path, part, ocr_pending FROM documents WHERE ocr_pending IS NOT NULL ORDER BY path, raw_path, part")
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
            try db.execute(sql: "UPDATE documents SET mtime = ? WHERE raw_path = ?", arguments: [mtime, rawPath])
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
    /// its id, its segment and its postings.
    func moveFile(from old: Data, to new: Data, shown: String, mtime: Double) throws {
        try write { db in
            try db.execute(sql: "UPDATE documents SET raw_path = ?, path = ?, mtime = ? WHERE raw_path = ?", arguments: [new, shown, mtime, old])
            // A move changes rows in place, which the change signature's row count and largest
            // id do not see: it counts moves instead, so open readers (the server) re-read paths.
            try db.execute(sql: "INSERT INTO meta VALUES ('moves', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")
        }
    }
}
