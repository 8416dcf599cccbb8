import Foundation
import GRDB

/// The SQLite inventory: documents, live segments and deleted segment documents. Opened in
/// WAL mode so readers never block the writer or each other.
final class Catalog: Sendable {
    static let fileName = "catalog.sqlite"
    /// 2: pages and OCR columns (migrations `pdf-pages`, `ocr`); documents identified by the
    /// bytes of their received path (`raw_path`), no longer by the displayed `path` (`identity`).
    /// 3: where each ingested root is (`roots`, migration `inventory`), so a path opens from
    /// any folder and a moved release is re-rooted by SHA-256.
    /// 4: `documents` in smaller stored forms (migration `compact`, `Catalog+DocumentRows.swift`).
    static let formatVersion = "4"

    /// A pool (one writer connection, readers opened as threads need them), or one connection
    /// for a reader used by one thread at a time (`IndexReader.Threads.one`).
    let pool: any DatabaseWriter
    let path: String

    /// Opens the catalog at `path`, creating it when `create` is set. `pooled` false (only
    /// without `create`): one connection instead of a pool. A one-shot command (a fresh
    /// `diarium search`) opens and sets up a single connection instead of a writer plus a reader,
    /// which was 4 M of the 16 M instructions of opening the 100k benchmark index.
    init(path: String, create: Bool, pooled: Bool = true) throws {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw IndexError.noIndex(directory: (path as NSString).deletingLastPathComponent)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "diarium.catalog"
        // A one-shot reader's queue is opened read-only: GRDB then has no `PRAGMA query_only`
        // to toggle around each read, which expired every prepared statement, so each query
        // compiled its page's record statement again (`sqlite3Reprepare`, about 0.35 M
        // instructions a query with the compact catalog's column list; callgrind, 408 queries).
        if !create && !pooled { config.readonly = true }
        do {
            pool = create || pooled ? try DatabasePool(path: path, configuration: config) : try DatabaseQueue(path: path, configuration: config)
            // A first ingest killed before it created the tables leaves an empty catalog file.
            // The migrations commit one by one, and the first already writes the current format
            // version: until the last has committed, a first ingest is still creating the
            // catalog (a reader then would find tables missing), so it counts as no index yet.
            let existing = try pool.read { db -> String? in
                guard try Catalog.hasMetaTable(db) else { return nil }
                let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format_version'")
                if version == Catalog.formatVersion, try !Catalog.hasCompletedMigrations(db) { return nil }
                return version
            }
            if !create && existing == nil {
                throw IndexError.noIndex(directory: (path as NSString).deletingLastPathComponent)
            }
            // An index of another format is refused before any migration touches it.
            if create && (existing == nil || existing == Catalog.formatVersion) { try Catalog.migrator.migrate(pool) }
            // Read again only when a migration may have written it.
            let version = !create ? existing : try pool.read { db in
                try Catalog.hasMetaTable(db) ? try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format_version'") : nil
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
            throw IndexError.catalog("\(path): \(Catalog.describe(error))")
        }
    }

    /// Whether the catalog has its `meta` table.
    static func hasMetaTable(_ db: Database) throws -> Bool { try hasTable(db, "meta") }

    /// Whether the catalog has table `name`. One query on `sqlite_master`, not GRDB's
    /// `tableExists`, which loads its schema cache first: 1.7 M instructions of a fresh
    /// `diarium search` on the 100k benchmark index (callgrind), mostly the runtime's
    /// first conformance lookups for the cache's sets and dictionaries.
    private static func hasTable(_ db: Database, _ name: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)", arguments: [name]) ?? false
    }

    /// Whether every registered migration has been applied: GRDB's `hasCompletedMigrations`,
    /// whose answer is the same (its completed prefix reaches the last registered migration
    /// exactly when all of them are applied), but which reads the identifiers into a
    /// `Set<String>` through GRDB's generic `fetchSet`, whose first use walks the runtime's
    /// conformance records: 0.6 M instructions of a fresh `diarium search` (callgrind). A catalog
    /// without `grdb_migrations` has none applied.
    static func hasCompletedMigrations(_ db: Database) throws -> Bool {
        let applied: [String]
        do {
            applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        } catch {
            if try hasTable(db, "grdb_migrations") { throw error }
            return false
        }
        return Set(migrator.migrations).isSubset(of: applied)
    }

    /// An SQLite failure in words, without the SQL statement GRDB appends to its description
    /// (statements are internals, and may quote values taken from received files).
    static func describe(_ error: Error) -> String {
        guard let e = error as? DatabaseError else { return String(describing: error) }
        return e.message.map { "\($0) (SQLite error \(e.resultCode.rawValue))" } ?? "SQLite error \(e.resultCode.rawValue)"
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
        // Issue 16: document properties (JSON) and the review marks a document still carries.
        m.registerMigration("office") { db in
            try db.execute(sql: """
                ALTER TABLE documents ADD COLUMN properties TEXT;
                ALTER TABLE documents ADD COLUMN comments INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE documents ADD COLUMN tracked_changes INTEGER NOT NULL DEFAULT 0;
                """)
        }
        m.registerMigration("identity") { db in
            // A document is identified by the bytes of the path it was received under, not by
            // the path shown (NFC, invalid UTF-8 bytes written \xHH), which two received names
            // can share: `UNIQUE (path, part)` becomes `UNIQUE (raw_path, part)`. SQLite cannot
            // drop a table constraint, so the table is rebuilt from its own definition (columns
            // added by other migrations are carried over) and its indexes recreated.
            try db.execute(sql: "ALTER TABLE documents ADD COLUMN raw_path BLOB NOT NULL DEFAULT x''")
            try db.execute(sql: "UPDATE documents SET raw_path = CAST(path AS BLOB)")
            guard let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'documents'"),
                  table.contains("UNIQUE (path, part)") else {
                throw IndexError.catalog("the documents table has an unexpected definition")
            }
            let indexes = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents' AND sql IS NOT NULL")
            let rebuilt = table.replacingOccurrences(of: "UNIQUE (path, part)", with: "UNIQUE (raw_path, part)")
                .replacingOccurrences(of: "CREATE TABLE documents", with: "CREATE TABLE documents_identity")
                .replacingOccurrences(of: "CREATE TABLE \"documents\"", with: "CREATE TABLE documents_identity")
            try db.execute(sql: rebuilt)
            try db.execute(sql: "INSERT INTO documents_identity SELECT * FROM documents")
            try db.execute(sql: "DROP TABLE documents")
            try db.execute(sql: "ALTER TABLE documents_identity RENAME TO documents")
            for index in indexes { try db.execute(sql: index) }
            try db.execute(sql: "CREATE INDEX documents_path ON documents(path)")
        }
        // Issue 18: the absolute folder of each ingested root, keyed by the bytes of its name
        // (the first component of `raw_path`), and the checksum index that finds a moved file.
        m.registerMigration("inventory") { db in
            try db.execute(sql: """
                CREATE TABLE roots (name BLOB PRIMARY KEY, folder TEXT NOT NULL, ingested_at TEXT NOT NULL);
                CREATE INDEX documents_sha256 ON documents(sha256);
                UPDATE meta SET value = '\(formatVersion)' WHERE key = 'format_version';
                """)
        }
        // Issue 17: the inventory in smaller stored forms (`Catalog+DocumentRows.swift`).
        m.registerMigration("compact") { db in try migrateToCompact(db) }
        return m
    }

    /// Whether `path` is an SQLite database with diarium's `meta` table and a format version
    /// (of any version): the evidence that a directory without a marker holds a diarium index.
    /// Opens the file read-only and changes nothing.
    static func isDiariumCatalog(_ path: String) -> Bool {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return false }
        defer { try? queue.close() }
        return (try? queue.read { db in
            try hasMetaTable(db) && String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format_version'") != nil
        }) ?? false
    }

    /// The id the next document gets: `next_doc_id`, checked to be a number above every id in
    /// use and below `Int64.max` (a damaged value would reuse ids or overflow).
    func nextDocumentID() throws -> Int64 {
        let (stored, highest) = try read { db -> (String?, Int64?) in
            (try String.fetchOne(db, sql: "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'next_doc_id'"),
             try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM documents"))
        }
        let (floor, overflow) = (highest ?? 0).addingReportingOverflow(1)
        guard !overflow else { throw IndexError.corruptCatalog(file: path, reason: "a document has the id \(Int64.max)") }
        guard let stored else { return floor }
        guard let next = Int64(stored), next >= floor, next < Int64.max - (1 << 32) else {
            throw IndexError.corruptCatalog(file: path, reason: "next_doc_id is \"\(stored)\", but ids up to \(highest ?? 0) are in use and ids must stay below \(Int64.max - (1 << 32))")
        }
        return next
    }

    /// What a reader's snapshot depends on: the live segments, the tombstones and the
    /// documents rows. Any commit, merge, replaced document or re-rooted file changes it.
    static func changeSignature(_ db: Database) throws -> String {
        let segments = try Int64.fetchAll(db, sql: "SELECT id FROM segments ORDER BY id").map(String.init).joined(separator: ",")
        let tombstones = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstones") ?? 0
        // Document rows are never changed in place by a commit: a replaced document is deleted
        // and inserted again under a new id, and ids only grow (`next_doc_id`), so the number of
        // rows and the largest id change with every added, replaced or removed document. Each
        // is its own subquery so that SQLite answers it from a b-tree (the count of an index's
        // pages, one descent for the largest rowid); as one aggregate over the table, or with
        // `MAX(ingested_at)` as this signature read before, it stepped through all 100,000 rows
        // of the benchmark catalog (70–110 ms, most of a fresh `diarium search`). As text: a
        // damaged catalog's values of any type compare, never trap a row subscript.
        let documents = try String.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM documents) || ',' || IFNULL((SELECT CAST(MAX(id) AS TEXT) FROM documents), '')") ?? ""
        // Re-rooting (`moveFile`) changes paths in place and counts itself here.
        let moves = try String.fetchOne(db, sql: "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'moves'") ?? "0"
        return "\(segments)|\(tombstones)|\(documents)|\(moves)"
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as IndexError { throw e } catch {
            throw IndexError.catalog("\(path): \(Catalog.describe(error))")
        }
    }

    /// `read` without a transaction around `body`: for a single statement, which SQLite runs
    /// on one consistent state by itself (GRDB's BEGIN/COMMIT would cost two more statements).
    func unsafeRead<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.unsafeRead(body) } catch let e as IndexError { throw e } catch {
            throw IndexError.catalog("\(path): \(Catalog.describe(error))")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as IndexError { throw e } catch let e as DatabaseError where e.resultCode == .SQLITE_FULL {
            throw IndexError.io(path: path, operation: "write", errno: ENOSPC)
        } catch {
            throw IndexError.catalog("\(path): \(Catalog.describe(error))")
        }
    }
}
