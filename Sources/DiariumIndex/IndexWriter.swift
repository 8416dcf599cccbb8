import Foundation
import GRDB

/// The one writer of an index. Holds the index's write lock from `init` until `close()` or
/// deinit. Documents are buffered in an in-memory segment; `commit()` (called by the caller,
/// and by `commitIfOverBudget()` between files) writes and fsyncs a segment file and
/// then publishes it, its documents and their replacements in one SQLite transaction. A crash
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
    /// Number of merges done since open.
    public private(set) var mergesDone = 0
    /// The merge policy's factor: when this many segments share a size tier (document counts
    /// within the same power of the factor), they are merged into one. 0 turns merging off.
    public var mergeFactor = 10

    /// Opens (creating if needed) the index in `directory` for writing. Fails with
    /// `IndexError.locked` while another process writes to it. `rebuild` empties it first.
    public init(directory: String, memoryBudget: Int = 256 << 20, rebuild: Bool = false) throws {
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

    /// Releases the write lock. Uncommitted documents are dropped.
    public func close() {
        if let fd = lockFD {
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
            let bytes = builder.serialize()
            let name = String(format: "%012llx-%08x.%@", UInt64(Date().timeIntervalSince1970 * 1000), UInt32.random(in: 0...UInt32.max), SegmentFormat.fileExtension)
            let path = IndexLayout.segments(directory) + "/" + name
            try DurableFile.create(path, bytes: bytes)
            try DurableFile.syncDirectory(IndexLayout.segments(directory))
            segment = SegmentRecord(id: 0, file: name, docCount: builder.documentCount, bytes: Int64(bytes.count),
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
        try mergeIfNeeded()
    }

    // MARK: Merges

    /// The live segments of the last commit, with their deletions.
    private func committedSegments() throws -> [LiveSegment] {
        let snapshot = try catalog.read { db -> ([SegmentRecord], [Int64: [UInt32]]) in
            let segs = try SegmentRecord.order(Column("id")).fetchAll(db)
            var deleted: [Int64: [UInt32]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT segment_id, segment_doc FROM tombstones")
            while let row = try rows.next() { deleted[row[0], default: []].append(row[1]) }
            return (segs, deleted)
        }
        return try snapshot.0.map { s in
            LiveSegment(id: s.id, reader: try SegmentReader(path: IndexLayout.segments(directory) + "/" + s.file), deleted: snapshot.1[s.id] ?? [])
        }
    }

    /// The merge policy (log-structured, like Lucene's LogMergePolicy): segments fall into tiers
    /// by live document count (tier k holds counts below factor^(k+1)); while a tier holds
    /// `mergeFactor` segments, its oldest `mergeFactor` are merged into one, which lands in a
    /// higher tier. Runs after each commit, between files, on the writer's thread.
    private func mergeIfNeeded() throws {
        guard mergeFactor >= 2 else { return }
        while true {
            let segments = try committedSegments()
            var tiers: [Int: [LiveSegment]] = [:]
            for s in segments {
                var tier = 0, limit = mergeFactor
                while max(s.reader.documentCount - s.deletedCount, 1) >= limit { tier += 1; limit *= mergeFactor }
                tiers[tier, default: []].append(s)
            }
            guard let full = tiers.keys.sorted().first(where: { tiers[$0]!.count >= mergeFactor }) else { return }
            try merge(Array(tiers[full]!.prefix(mergeFactor)))
        }
    }

    /// Commits what is pending, then merges every segment into one, dropping deleted documents.
    /// Readers opened before keep their snapshot; later ones see the merged segment.
    public func optimize() throws {
        try commit()
        let segments = try committedSegments()
        guard segments.count > 1 || segments.contains(where: { $0.deletedCount > 0 }) else { return }
        try merge(segments)
    }

    /// Merges `sources` into one new segment and publishes it in one transaction (the new
    /// segment row, every live document's new place, the sources' rows and tombstones gone);
    /// then deletes the source files. A crash before the transaction leaves the old segments and
    /// an orphan file (removed at the next open); after it, the merged state.
    private func merge(_ sources: [LiveSegment]) throws {
        guard !sources.isEmpty else { return }
        let result = try SegmentMerger.merge(sources)
        var name: String?
        if !result.documentIDs.isEmpty {
            let file = String(format: "%012llx-%08x.%@", UInt64(Date().timeIntervalSince1970 * 1000), UInt32.random(in: 0...UInt32.max), SegmentFormat.fileExtension)
            try DurableFile.create(IndexLayout.segments(directory) + "/" + file, bytes: result.bytes)
            try DurableFile.syncDirectory(IndexLayout.segments(directory))
            name = file
        }
        let sourceIDs = sources.map(\.id)
        let oldFiles = sources.map(\.reader.name)
        do {
            try catalog.write { db in
                var newID: Int64?
                if let name {
                    try db.execute(sql: "INSERT INTO segments (file, doc_count, bytes, created_at) VALUES (?, ?, ?, ?)",
                                   arguments: [name, result.documentIDs.count, result.bytes.count, ISO8601DateFormatter().string(from: Date())])
                    newID = db.lastInsertedRowID
                }
                if let newID {
                    let update = try db.makeStatement(sql: "UPDATE documents SET segment_id = ?, segment_doc = ? WHERE id = ?")
                    for (doc, id) in result.documentIDs.enumerated() { try update.execute(arguments: [newID, doc, id]) }
                }
                for id in sourceIDs {
                    try db.execute(sql: "DELETE FROM tombstones WHERE segment_id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM segments WHERE id = ?", arguments: [id])
                }
            }
        } catch {
            if let name { try? FileManager.default.removeItem(atPath: IndexLayout.segments(directory) + "/" + name) }
            throw error
        }
        for f in oldFiles { try? FileManager.default.removeItem(atPath: IndexLayout.segments(directory) + "/" + f) }
        mergesDone += 1
    }
}

/// File names inside an index directory.
enum IndexLayout {
    static func catalog(_ dir: String) -> String { dir + "/" + Catalog.fileName }
    static func segments(_ dir: String) -> String { dir + "/segments" }
    static func lock(_ dir: String) -> String { dir + "/write.lock" }
}
