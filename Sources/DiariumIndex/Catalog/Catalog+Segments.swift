import Foundation
import GRDB

/// The catalog's statements on segments and tombstones: the snapshot a reader opens, the
/// writer's commit and the merge scheduler's publication, each one transaction; and the
/// read-only snapshot `diarium verify` checks.
extension Catalog {
    /// The file names of the live segments.
    func segmentFiles() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT file FROM segments") }
    }

    /// The live segments (by id), their deleted documents and, when `signature` is set, the
    /// change signature, read in one transaction. A tombstone that is not two numbers, or a
    /// segment's document count outside 0…2³²−1, is `IndexError.corruptCatalog`.
    func snapshot(signature: Bool) throws -> (segments: [SegmentRecord], tombstones: [Int64: [Int64]], signature: String?) {
        try read { db in
            // Rows read by position, not through the query interface (`SegmentRecord.order(…)`),
            // whose request asks GRDB's schema cache for the table's region: 1.6 M instructions
            // of a fresh `diarium search` (callgrind, the cache's first sets and dictionaries).
            var segments: [SegmentRecord] = []
            let segmentRows = try Row.fetchCursor(db, sql: "SELECT id, file, doc_count, bytes, created_at FROM segments ORDER BY id")
            while let row = try segmentRows.next() {
                guard let id = try? row.decode(Int64.self, atIndex: 0), let file = try? row.decode(String.self, atIndex: 1),
                      let docCount = try? row.decode(Int.self, atIndex: 2), let bytes = try? row.decode(Int64.self, atIndex: 3),
                      let createdAt = try? row.decode(String.self, atIndex: 4) else {
                    throw IndexError.corruptCatalog(file: path, reason: "a segment row holds a missing value or one of the wrong type")
                }
                // A segment numbers its documents in 32 bits; a count outside that is damage (the
                // merge policy's tiers and memory estimate would overflow on it).
                guard docCount >= 0, docCount <= Int(UInt32.max) else {
                    throw IndexError.corruptCatalog(file: path, reason: "segment \"\(file)\" is listed with \(docCount) documents; a segment holds 0 to \(UInt32.max)")
                }
                segments.append(SegmentRecord(id: id, file: file, docCount: docCount, bytes: bytes, createdAt: createdAt))
            }
            var deleted: [Int64: [Int64]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT segment_id, segment_doc FROM tombstones")
            while let row = try rows.next() {
                guard let sid = try? row.decode(Int64?.self, atIndex: 0), let doc = try? row.decode(Int64?.self, atIndex: 1) else {
                    throw IndexError.corruptCatalog(file: path, reason: "a tombstone holds a value that is not a number")
                }
                deleted[sid, default: []].append(doc)
            }
            return (segments, deleted, signature ? try Catalog.changeSignature(db) : nil)
        }
    }

    /// The change signature now (`IndexReader.isCurrent`).
    func changeSignature() throws -> String {
        try read { db in try Catalog.changeSignature(db) }
    }

    /// Publishes a commit in one transaction: the new segment (nil when every document of the
    /// commit is without text), tombstones for the indexed documents of every replaced received
    /// path and their rows deleted, the new rows (those with a `segmentDoc` pointed at the new
    /// segment), the folders and sources objects no row uses any more deleted, and the next
    /// document id.
    ///
    /// `whenWritten`, when given, is called last inside the transaction and returns the
    /// segment's size and time (`bytes` and `createdAt`, which `segment` then only holds a
    /// placeholder for): the segment's file is written on another thread while the rows go in
    /// (`IndexWriter.commit()`); a throw rolls everything back.
    func publishCommit(segment: SegmentRecord?, replacing replaced: Set<Data>, records: [DocumentRecord], nextID: Int64,
                       whenWritten: (() throws -> SegmentRecord)? = nil) throws {
        try write { db in
            var segmentID: Int64?
            if let s = segment {
                try db.execute(sql: "INSERT INTO segments (file, doc_count, bytes, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [s.file, s.docCount, s.bytes, s.createdAt])
                segmentID = db.lastInsertedRowID
            }
            // Prepared once, not once per path: compiling them per path (`sqlite3_prepare_v3`)
            // was 6.7 % of a `--jsonl` ingest's instructions (callgrind, 2,000 documents). A path
            // whose folder the catalog does not hold has no rows (a first ingest: no statement
            // per path); otherwise one lookup finds the rows to tombstone and delete.
            let findFolder = try db.cachedStatement(sql: "SELECT id FROM folders WHERE raw = ?")
            let findRows = try db.cachedStatement(sql: "SELECT id, segment_id, segment_doc, sources FROM documents WHERE folder = ? AND name = ?")
            let tombstone = try db.cachedStatement(sql: "INSERT OR IGNORE INTO tombstones (segment_id, segment_doc) VALUES (?, ?)")
            let delete = try db.cachedStatement(sql: "DELETE FROM documents WHERE id = ?")
            var folders: [Data: Int64?] = [:]
            var leaving: (folders: Set<Int64>, sources: Set<Int64>) = ([], [])  // what the deleted rows used
            for rawPath in replaced {
                let split = Catalog.splitPath(rawPath)
                let folder: Int64?
                if let known = folders[split.folder] { folder = known } else {
                    folder = try Int64.fetchOne(findFolder, arguments: [split.folder])
                    folders[split.folder] = folder
                }
                guard let folder else { continue }
                for row in try Row.fetchAll(findRows, arguments: [folder, split.name]) {
                    let id = try row.decode(Int64.self, atIndex: 0)
                    if let sid = try row.decode(Int64?.self, atIndex: 1), let doc = try row.decode(Int64?.self, atIndex: 2) {
                        try tombstone.execute(arguments: [sid, doc])
                    }
                    try delete.execute(arguments: [id])
                    leaving.folders.insert(folder)
                    if let sources = try row.decode(Int64?.self, atIndex: 3) { leaving.sources.insert(sources) }
                }
            }
            var inserter = try DocumentInserter(db)
            for var r in records {
                if r.segmentDoc != nil { r.segmentID = segmentID }
                try inserter.insert(r)
            }
            try Catalog.deleteUnused(folders: leaving.folders, sources: leaving.sources.subtracting(inserter.sourcesUsed), db)
            try db.execute(sql: "INSERT OR REPLACE INTO meta VALUES ('next_doc_id', ?)", arguments: [String(nextID)])
            if let whenWritten, let segmentID {
                let s = try whenWritten()
                try db.execute(sql: "UPDATE segments SET bytes = ?, created_at = ? WHERE id = ?", arguments: [s.bytes, s.createdAt, segmentID])
            }
        }
    }

    /// A merge's result to publish: the merged segment's file and size, the catalog id of each
    /// of its documents, and for each source segment where its documents went (-1: dropped).
    struct MergePublication {
        var file: String
        var byteCount: Int
        var documentIDs: [Int64]
        var documentMap: [[Int32]]
    }

    /// Publishes a merge in one transaction: the merged segment's row (none when the merge kept
    /// no document), every live document's row pointed at it, the deletions the sources gained
    /// while the merge ran carried over, and the sources' rows and tombstones deleted. Fails
    /// when a source is no longer listed (publishing would duplicate documents).
    func publishMerge(sources sourceIDs: [Int64], _ merged: MergePublication) throws {
        try write { db in
            // Only the writer changes the segment list, and a source is never in two merges.
            let present = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM segments WHERE id IN (\(sourceIDs.map(String.init).joined(separator: ",")))") ?? 0
            guard present == sourceIDs.count else {
                throw IndexError.catalog("\(path): a segment being merged was removed by another change")
            }
            if !merged.documentIDs.isEmpty {
                try db.execute(sql: "INSERT INTO segments (file, doc_count, bytes, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [merged.file, merged.documentIDs.count, merged.byteCount, ISO8601DateFormatter().string(from: Date())])
                let newID = db.lastInsertedRowID
                // Rows of documents replaced since the snapshot are gone: their update is a no-op.
                let update = try db.makeStatement(sql: "UPDATE documents SET segment_id = ?, segment_doc = ? WHERE id = ?")
                for (doc, id) in merged.documentIDs.enumerated() { try update.execute(arguments: [newID, doc, id]) }
                let tombstone = try db.makeStatement(sql: "INSERT OR IGNORE INTO tombstones (segment_id, segment_doc) VALUES (?, ?)")
                for (i, id) in sourceIDs.enumerated() {
                    let deleted = try Int64.fetchAll(db, sql: "SELECT segment_doc FROM tombstones WHERE segment_id = ?", arguments: [id])
                    for doc in deleted where doc >= 0 && doc < Int64(merged.documentMap[i].count) {
                        let target = merged.documentMap[i][Int(doc)]
                        if target >= 0 { try tombstone.execute(arguments: [newID, target]) }
                    }
                }
            }
            for id in sourceIDs {
                try db.execute(sql: "DELETE FROM tombstones WHERE segment_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM segments WHERE id = ?", arguments: [id])
            }
        }
    }

    // MARK: Verification

    /// A catalog row as far as `diarium verify` checks it.
    struct VerificationRow {
        var id: Int64
        var path: String
        var part: Int
        var status: String
        var segmentID: Int64?
        var segmentDoc: Int64?
    }

    /// Everything `diarium verify` checks, read in one transaction of a read-only connection
    /// (the verifier never takes the write lock and never migrates): nil when the catalog has
    /// no tables (a first ingest killed before it made them). Values of the wrong type are
    /// reported in `problems`, never trapped on.
    struct VerificationSnapshot {
        var version: String?
        var nextID: Int64?
        var segments: [SegmentRecord]
        var rows: [VerificationRow]
        var tombstones: [(Int64, Int64)]
        var integrity: [String]
        var problems: [String]
    }

    /// Opens the catalog at `path` read-only and reads the `VerificationSnapshot`.
    static func readForVerification(path: String) throws -> VerificationSnapshot? {
        var config = Configuration()
        config.readonly = true
        // Like every catalog connection: wait for a lock held by a concurrent command (a
        // search opening the catalog, a commit) instead of failing with "database is locked".
        config.busyMode = .timeout(10)
        config.label = "diarium.verify"
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        let tables = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") ?? 0 }
        if tables == 0 { return nil }
        return try queue.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA quick_check")
            let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format_version'")
            let next = try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_doc_id'")
            let segments = try SegmentRecord.order(Column("id")).fetchAll(db)
            // Every value decoded with a check (a row subscript traps on a value of the wrong type).
            func integer(_ row: Row, _ i: Int, _ what: String, _ bad: inout [String]) -> Int64? {
                switch row[i] as DatabaseValue {
                case let v where v.isNull: return nil
                case let v: if case .int64(let n) = v.storage { return n }
                }
                bad.append("\(what) is \(row[i] as DatabaseValue), not a number")
                return nil
            }
            var problems: [String] = []
            let rows = try Row.fetchAll(db, sql: "SELECT id, \(Catalog.shownPath), part, status, segment_id, segment_doc FROM documents ORDER BY id").map { row in
                VerificationRow(id: try row.decode(Int64.self, atIndex: 0), path: (try? row.decode(String?.self, atIndex: 1)).flatMap { $0 } ?? "",
                                part: Int(integer(row, 2, "part", &problems) ?? 0),
                                status: (try? row.decode(String?.self, atIndex: 3)).flatMap { $0 } ?? "",
                                segmentID: integer(row, 4, "segment_id of document \(row[0] as DatabaseValue)", &problems),
                                segmentDoc: integer(row, 5, "segment_doc of document \(row[0] as DatabaseValue)", &problems))
            }
            let tombstones = try Row.fetchAll(db, sql: "SELECT segment_id, segment_doc FROM tombstones ORDER BY 1, 2").compactMap { row -> (Int64, Int64)? in
                guard let sid = integer(row, 0, "segment_id of a tombstone", &problems),
                      let doc = integer(row, 1, "segment_doc of a tombstone", &problems) else { return nil }
                return (sid, doc)
            }
            return VerificationSnapshot(version: version, nextID: next, segments: segments, rows: rows, tombstones: tombstones,
                                        integrity: integrity, problems: problems)
        }
    }
}
