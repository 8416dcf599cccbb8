import Foundation
import GRDB

/// The one writer of an index. Holds the index's write lock from `init` until `close()` or
/// deinit. Documents are buffered in an in-memory segment; `commit()` (called by the caller,
/// and by `commitIfOverBudget()` between files) writes and fsyncs a segment file and
/// then publishes it, its documents and their replacements in one SQLite transaction. After a
/// commit the merge policy's merges run on a background thread (`MergeScheduler`) while the
/// caller goes on adding and committing; `waitForMerges()` and `close()` wait for them. A crash
/// at any point leaves the previous commit readable; unpublished files are removed at the next
/// open.
public final class IndexWriter {
    /// The index directory.
    public let directory: String
    /// Buffered bytes at which a segment is flushed and committed.
    public let memoryBudget: Int

    let catalog: Catalog
    private var lockFD: Int32?
    private var builder = SegmentBuilder()
    private var pending: [DocumentRecord] = []
    private var replacedPaths: Set<String> = []
    private var nextID: Int64
    /// Number of commits that wrote a segment, since open.
    public private(set) var segmentsWritten = 0
    /// Number of merges published since open (background merges that already ended included).
    public var mergesDone: Int { merges.mergesDone }
    /// The merge policy's factor: when this many segments share a size tier (document counts
    /// within the same power of the factor), they are merged into one. 0 turns merging off.
    public var mergeFactor = 10
    /// The background merges (internal for tests).
    let merges: MergeScheduler

    /// Opens (creating if needed) the index in `directory` for writing. Fails with
    /// `IndexError.locked` while another process writes to it. `rebuild` empties it first (the
    /// catalog and the segments; the OCR cache, `OCRCache`, stays).
    /// `mergeThreads` bounds the merges that run at the same time in the background.
    public init(directory: String, memoryBudget: Int = 256 << 20, rebuild: Bool = false, mergeThreads: Int = 1) throws {
        self.directory = directory
        self.memoryBudget = memoryBudget
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: IndexLayout.segments(directory), withIntermediateDirectories: true)
        } catch {
            throw IndexError.io(path: directory, operation: "create the index directory", errno: EACCES)
        }
        guard let fd = try DurableFile.lock(IndexLayout.lock(directory)) else {
            let holder = (try? String(contentsOfFile: IndexLayout.lock(directory), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw IndexError.locked(index: directory, holder: holder.map { $0.isEmpty ? "unknown process" : $0 } ?? "unknown process")
        }
        lockFD = fd
        do {
            if rebuild {
                for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: IndexLayout.catalog(directory) + suffix) }
                for f in (try? fm.contentsOfDirectory(atPath: IndexLayout.segments(directory))) ?? [] {
                    try? fm.removeItem(atPath: IndexLayout.segments(directory) + "/" + f)
                }
            }
            catalog = try Catalog(path: IndexLayout.catalog(directory), create: true)
            nextID = try catalog.read { db in
                try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_doc_id'")
                    ?? ((try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM documents")) ?? 0) + 1
            }
            merges = MergeScheduler(directory: directory, catalog: catalog, maxMerges: mergeThreads)
            try removeLeftovers()
            // Segments of an older format are refused here, before new ones are added beside them.
            for file in try catalog.read({ db in try String.fetchAll(db, sql: "SELECT file FROM segments") }) {
                _ = try SegmentReader(path: IndexLayout.segments(directory) + "/" + file)
            }
        } catch {
            DurableFile.unlock(fd)
            lockFD = nil
            throw error
        }
    }

    deinit { close() }

    /// Waits for the running merges (and the ones they lead to), then releases the write lock.
    /// Uncommitted documents are dropped. A failure of a background merge is dropped too: call
    /// `waitForMerges()` first to see it.
    public func close() {
        if let fd = lockFD {
            try? merges.waitForMerges()
            DurableFile.unlock(fd)
            lockFD = nil
        }
    }

    /// Deletes segment files that no commit published (left by a crash).
    private func removeLeftovers() throws {
        let live = Set(try catalog.read { db in try String.fetchAll(db, sql: "SELECT file FROM segments") })
        let dir = IndexLayout.segments(directory)
        for f in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where !live.contains(f) {
            try? FileManager.default.removeItem(atPath: dir + "/" + f)
        }
    }

    /// The catalog rows currently recorded for `path`.
    public func records(forPath path: String) throws -> [DocumentRecord] {
        try catalog.read { db in
            try DocumentRecord.filter(Column("path") == path).order(Column("part")).fetchAll(db)
        }
    }

    /// Every recorded path with its size and mtime, for change detection.
    public func fileStates() throws -> [String: (size: Int64, mtime: Double, sha256: String)] {
        try catalog.read { db in
            var result: [String: (Int64, Double, String)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT path, size, mtime, sha256 FROM documents WHERE part = 0")
            while let row = try rows.next() { result[row[0]] = (row[1], row[2], row[3]) }
            return result
        }
    }

    /// A document with pages waiting for the OCR pass.
    public struct PendingOCR: Sendable, Equatable {
        public var path: String
        public var part: Int
        public var pages: [Int]
    }

    /// The documents whose pages wait for OCR (`DocumentRecord.ocrPending`), by path and part.
    public func pendingOCR() throws -> [PendingOCR] {
        try catalog.read { db in
            try Row.fetchAll(db, sql: "SELECT path, part, ocr_pending FROM documents WHERE ocr_pending IS NOT NULL ORDER BY path, part")
                .map { row in
                    let pages: String = row[2]
                    return PendingOCR(path: row[0], part: row[1], pages: pages.split(separator: ",").compactMap { Int($0) })
                }
        }
    }

    /// Records that `path` is unchanged but has a new modification time.
    public func updateModificationTime(path: String, mtime: Double) throws {
        try catalog.write { db in
            try db.execute(sql: "UPDATE documents SET mtime = ? WHERE path = ?", arguments: [mtime, path])
        }
    }

    /// Adds a document. Rows already recorded for `record.path` are replaced when this document
    /// is committed. `fields` nil records the file in the inventory without indexing text.
    /// Returns the catalog id given to the document.
    @discardableResult
    public func add(_ record: DocumentRecord, fields: [IndexField: FieldTerms]?, storedText: [UInt8]) throws -> Int64 {
        var record = record
        record.id = nextID
        nextID += 1
        if let fields {
            record.segmentDoc = builder.documentCount
            builder.add(id: record.id, fields: fields, fast: record.fastValues, storedText: storedText)
        } else {
            record.segmentDoc = nil
        }
        record.segmentID = nil
        replacedPaths.insert(record.path)
        pending.append(record)
        return record.id
    }

    /// Commits when the buffered segment has reached the memory budget. Call it between files,
    /// never between the documents of one file: a commit publishes a file's documents together
    /// (and replaces its earlier ones), so all of a file's parts must be in it.
    public func commitIfOverBudget() throws {
        if builder.memoryFootprint >= memoryBudget { try commit() }
    }

    /// Bytes buffered in memory for the next segment.
    public var bufferedBytes: Int { builder.memoryFootprint }

    /// Writes the buffered documents as a segment and publishes everything pending atomically.
    public func commit() throws {
        guard !pending.isEmpty else { return }
        var segment: SegmentRecord?
        if builder.documentCount > 0 {
                let name = String(format: "%012llx-%08x.%@", UInt64(Date().timeIntervalSince1970 * 1000), UInt32.random(in: 0...UInt32.max), SegmentFormat.fileExtension)
            let path = IndexLayout.segments(directory) + "/" + name
            let size = try builder.write(to: path)
            do {
                try DurableFile.syncDirectory(IndexLayout.segments(directory))
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
            segment = SegmentRecord(id: 0, file: name, docCount: builder.documentCount, bytes: Int64(size),
                                    createdAt: ISO8601DateFormatter().string(from: Date()))
        }
        let records = pending
        let replaced = replacedPaths
        let next = nextID
        do {
            try catalog.write { db in
                var segmentID: Int64?
                if var s = segment {
                    try db.execute(sql: "INSERT INTO segments (file, doc_count, bytes, created_at) VALUES (?, ?, ?, ?)",
                                   arguments: [s.file, s.docCount, s.bytes, s.createdAt])
                    s.id = db.lastInsertedRowID
                    segmentID = s.id
                }
                for path in replaced {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO tombstones (segment_id, segment_doc)
                        SELECT segment_id, segment_doc FROM documents WHERE path = ? AND segment_id IS NOT NULL
                        """, arguments: [path])
                    try db.execute(sql: "DELETE FROM documents WHERE path = ?", arguments: [path])
                }
                for var r in records {
                    if r.segmentDoc != nil { r.segmentID = segmentID }
                    try r.insert(db)
                }
                try db.execute(sql: "INSERT OR REPLACE INTO meta VALUES ('next_doc_id', ?)", arguments: [String(next)])
            }
        } catch {
            if let s = segment { try? FileManager.default.removeItem(atPath: IndexLayout.segments(directory) + "/" + s.file) }
            throw error
        }
        if segment != nil { segmentsWritten += 1 }
        builder = SegmentBuilder()
        pending = []
        replacedPaths = []
        // A merge that failed in the background is reported by the next commit (its sources
        // stay as they were); the policy then picks again.
        if let failure = merges.takeFailure() { throw failure }
        merges.schedule(factor: mergeFactor)
    }

    // MARK: Merges

    /// Waits until no background merge runs (the merges a merge leads to included), then throws
    /// the first failure of a background merge since the last commit, if any. An ingest calls it
    /// before it reports success.
    public func waitForMerges() throws {
        try merges.waitForMerges()
    }

    /// Commits what is pending, waits for the background merges, then merges every segment into
    /// one on the calling thread, dropping deleted documents. Readers opened before keep their
    /// snapshot; later ones see the merged segment.
    public func optimize() throws {
        try commit()
        try merges.mergeAll()
    }
}

/// File names inside an index directory.
enum IndexLayout {
    static func catalog(_ dir: String) -> String { dir + "/" + Catalog.fileName }
    static func segments(_ dir: String) -> String { dir + "/segments" }
    static func lock(_ dir: String) -> String { dir + "/write.lock" }
}
