import Foundation
import GRDB

/// The SQLite inventory: documents, live segments and deleted segment documents. Opened in
/// WAL mode so readers never block the writer or each other.
final class Catalog: Sendable {
    static let fileName = "catalog.sqlite"
    static let formatVersion = "2"

    let pool: DatabasePool
    let path: String

    /// Opens the catalog at `path`, creating it when `create` is set.
    init(path: String, create: Bool) throws {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw IndexError.noIndex(directory: (path as NSString).deletingLastPathComponent)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "diarium.catalog"
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // A first ingest killed before it created the tables leaves an empty catalog file.
            let existing = try pool.read { db in
                try db.tableExists("meta") ? try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format_version'") : nil
            }
            if !create && existing == nil {
                throw IndexError.noIndex(directory: (path as NSString).deletingLastPathComponent)
            }
            // An index of another format is refused before any migration touches it.
            if create && (existing == nil || existing == Catalog.formatVersion) { try Catalog.migrator.migrate(pool) }
            let version = try pool.read { db in
                try db.tableExists("meta") ? try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format_version'") : nil
            }
            guard version == Catalog.formatVersion else {
                throw IndexError.incompatibleFormat(
                    index: (path as NSString).deletingLastPathComponent,
                    found: version.map { "catalog v\($0)" } ?? "an unknown catalog",
                    expected: "catalog v\(Catalog.formatVersion)")
            }
        } catch let error as IndexError {
            throw error
        } catch {
            throw IndexError.catalog("\(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO meta VALUES ('format_version', '\(formatVersion)');
                CREATE TABLE segments (
                    id INTEGER PRIMARY KEY,
                    file TEXT NOT NULL UNIQUE,
                    doc_count INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    created_at TEXT NOT NULL);
                CREATE TABLE documents (
                    id INTEGER PRIMARY KEY,
                    path TEXT NOT NULL,
                    part INTEGER NOT NULL DEFAULT 0,
                    sha256 TEXT NOT NULL,
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
                    sources TEXT,
                    text_length INTEGER NOT NULL DEFAULT 0,
                    segment_id INTEGER REFERENCES segments(id),
                    segment_doc INTEGER,
                    ingested_at TEXT NOT NULL,
                    UNIQUE (path, part));
                CREATE INDEX documents_year ON documents(year);
                CREATE INDEX documents_segment ON documents(segment_id, segment_doc);
                CREATE TABLE tombstones (
                    segment_id INTEGER NOT NULL REFERENCES segments(id),
                    segment_doc INTEGER NOT NULL,
                    PRIMARY KEY (segment_id, segment_doc));
                """)
        }
        // Pages (issue 14): each document's page count and where its pages start.
        m.registerMigration("pdf-pages") { db in
            try db.execute(sql: """
                ALTER TABLE documents ADD COLUMN page_count INTEGER;
                ALTER TABLE documents ADD COLUMN page_starts BLOB;
                UPDATE meta SET value = '\(formatVersion)' WHERE key = 'format_version';
                """)
        }
        // OCR per document: pages read by OCR, their mean word confidence, pages still waiting
        // for the OCR pass (comma-separated; NULL when none) and why pages were not read.
        m.registerMigration("ocr") { db in
            try db.execute(sql: """
                ALTER TABLE documents ADD COLUMN ocr_pages INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE documents ADD COLUMN ocr_confidence REAL;
                ALTER TABLE documents ADD COLUMN ocr_pending TEXT;
                ALTER TABLE documents ADD COLUMN ocr_note TEXT;
                CREATE INDEX documents_ocr_pending ON documents(path) WHERE ocr_pending IS NOT NULL;
                """)
        }
        return m
    }

    /// What a reader's snapshot depends on: the live segments, the tombstones and the
    /// documents rows. Any commit, merge or replaced document changes it.
    static func changeSignature(_ db: Database) throws -> String {
        let segments = try Int64.fetchAll(db, sql: "SELECT id FROM segments ORDER BY id").map(String.init).joined(separator: ",")
        let tombstones = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstones") ?? 0
        let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), MAX(id), MAX(ingested_at) FROM documents")
        let documents = "\(row?[0] as Int? ?? 0),\(row?[1] as Int64? ?? 0),\(row?[2] as String? ?? "")"
        return "\(segments)|\(tombstones)|\(documents)"
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as IndexError { throw e } catch {
            throw IndexError.catalog("\(path): \(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as IndexError { throw e } catch let e as DatabaseError where e.resultCode == .SQLITE_FULL {
            throw IndexError.io(path: path, operation: "write", errno: ENOSPC)
        } catch {
            throw IndexError.catalog("\(path): \(error)")
        }
    }
}
