import Foundation
import GRDB

/// One page as OCR read it, as the cache keeps it.
public struct CachedPage: Sendable, Equatable {
    public var text: String
    public var words: Int
    public var confidenceSum: Double

    public init(text: String, words: Int, confidenceSum: Double) {
        self.text = text
        self.words = words
        self.confidenceSum = confidenceSum
    }
}

/// The OCR results of an index, keyed by (SHA-256 of the document's bytes, page, languages,
/// engine): re-ingesting a file, ingesting a copy of it, or `--rebuild` never reads a page by
/// OCR twice. It lives in its own SQLite file beside the catalog (`ocr-cache.sqlite`), which
/// `--rebuild` keeps: the cache describes file contents, not the inventory. A page is written
/// as soon as it is read, so an ingest killed in its OCR pass loses at most the pages in flight.
///
/// Thread-safe (a GRDB pool in WAL mode): the OCR workers look up and store pages at once.
public final class OCRCache: Sendable {
    static let fileName = "ocr-cache.sqlite"
    static let formatVersion = "1"

    private let pool: DatabasePool
    /// The cache file.
    public let path: String

    /// Opens (creating if needed) the cache of the index in `directory`.
    public init(indexDirectory directory: String) throws {
        path = directory + "/" + OCRCache.fileName
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "diarium.ocr-cache"
        do {
            pool = try DatabasePool(path: path, configuration: config)
            var m = DatabaseMigrator()
            m.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    INSERT INTO meta VALUES ('format_version', '\(OCRCache.formatVersion)');
                    CREATE TABLE pages (
                        sha256 TEXT NOT NULL,
                        page INTEGER NOT NULL,
                        languages TEXT NOT NULL,
                        engine TEXT NOT NULL,
                        text TEXT NOT NULL,
                        words INTEGER NOT NULL,
                        confidence_sum REAL NOT NULL,
                        created_at TEXT NOT NULL,
                        PRIMARY KEY (sha256, page, languages, engine)) WITHOUT ROWID;
                    """)
            }
            try m.migrate(pool)
        } catch {
            throw IndexError.catalog("\(path): \(error)")
        }
    }

    /// The cached pages among `pages` of the document with this SHA-256, by page.
    public func pages(sha256: String, pages: [Int], languages: String, engine: String) throws -> [Int: CachedPage] {
        guard !pages.isEmpty else { return [:] }
        do {
            return try pool.read { db in
                var out: [Int: CachedPage] = [:]
                let wanted = Set(pages)
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT page, text, words, confidence_sum FROM pages WHERE sha256 = ? AND languages = ? AND engine = ?
                    """, arguments: [sha256, languages, engine])
                while let row = try rows.next() {
                    let page: Int = row[0]
                    if wanted.contains(page) { out[page] = CachedPage(text: row[1], words: row[2], confidenceSum: row[3]) }
                }
                return out
            }
        } catch {
            throw IndexError.catalog("\(path): \(error)")
        }
    }

    /// Stores one page (replacing an earlier result under the same key).
    public func store(_ page: CachedPage, sha256: String, page number: Int, languages: String, engine: String) throws {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               arguments: [sha256, number, languages, engine, page.text, page.words, page.confidenceSum,
                                           ISO8601DateFormatter().string(from: Date())])
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_FULL {
            throw IndexError.io(path: path, operation: "write", errno: ENOSPC)
        } catch {
            throw IndexError.catalog("\(path): \(error)")
        }
    }

    /// Number of cached pages.
    public func count() throws -> Int {
        do { return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pages") ?? 0 } } catch {
            throw IndexError.catalog("\(path): \(error)")
        }
    }
}
