import Foundation

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
    /// Estimated heap bytes of `pending` and `replacedPaths` (they wait for the commit too).
    private var pendingBytes = 0
    /// Received paths (`DocumentRecord.rawPath`) whose earlier rows the next commit replaces.
    private var replacedPaths: Set<Data> = []
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
    /// `IndexError.locked` while another process writes to it, and with
    /// `IndexError.notAnIndex` or `.unsafeIndexEntry` for a directory that is not diarium's or
    /// holds a link where diarium keeps a file (see `IndexLayout`). `rebuild` empties it first
    /// (the catalog and the `*.seg` files only; the OCR cache, `OCRCache`, stays).
    /// `mergeThreads` bounds the merges that run at the same time in the background.
    public init(directory: String, memoryBudget: Int = 256 << 20, rebuild: Bool = false, mergeThreads: Int = 1) throws {
        self.directory = directory
        self.memoryBudget = memoryBudget
        try IndexLayout.prepareForWriting(directory)
        guard let fd = try DurableFile.lock(IndexLayout.lock(directory)) else {
            let holder = DurableFile.lockHolder(IndexLayout.lock(directory))
            throw IndexError.locked(index: directory, holder: holder.isEmpty ? "unknown process" : holder)
        }
        lockFD = fd
        do {
            if rebuild {
                for f in IndexLayout.catalogFiles(directory) {
                    // Checked regular files (prepareForWriting); unlink never follows a link.
                    if unlink(f) != 0 && errno != ENOENT { throw IndexError.io(path: f, operation: "remove", errno: errno) }
                }
                try IndexLayout.removeSegmentFiles(directory, keeping: [])
            }
            catalog = try Catalog(path: IndexLayout.catalog(directory), create: true)
            nextID = try catalog.nextDocumentID()
            merges = MergeScheduler(directory: directory, catalog: catalog, maxMerges: mergeThreads)
            try removeLeftovers()
            // Segments of an older format are refused here, before new ones are added beside them.
            for file in try catalog.segmentFiles() {
                _ = try SegmentReader(path: IndexLayout.segment(directory, file))
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

    /// Deletes segment files that no commit published (left by a crash): regular files named
    /// `*.seg` only, never anything else in `segments/`.
    private func removeLeftovers() throws {
        let live = Set(try catalog.segmentFiles())
        try IndexLayout.removeSegmentFiles(directory, keeping: live)
    }

    /// The catalog rows currently recorded for the displayed `path` (of every received file
    /// shown under it).
    public func records(forPath path: String) throws -> [DocumentRecord] {
        try catalog.documents(path: path)
    }

    /// Every received path (its bytes) with its size, mtime and SHA-256, for change detection.
    public func fileStates() throws -> [Data: (size: Int64, mtime: Double, sha256: String)] {
        try catalog.fileStates()
    }

    /// Where the ingested roots were last seen (`IndexReader.rootFolders()`).
    public func rootFolders() throws -> RootFolders {
        RootFolders(try catalog.roots())
    }

    /// Records that the ingested root named `name` (its bytes) is now at the absolute `folder`:
    /// every document under it is found there from now on.
    public func recordRoot(name: Data, folder: String) throws {
        try catalog.recordRoot(name: name, folder: folder, at: ISO8601DateFormatter().string(from: Date()))
    }

    /// Moves the documents of the file received as `old` to the received path `new` (shown as
    /// `shown`), keeping their ids, segment and postings: the file was moved, not changed.
    public func moveFile(from old: Data, to new: Data, shown: String, mtime: Double) throws {
        try catalog.moveFile(from: old, to: new, shown: shown, mtime: mtime)
    }

    /// A document with pages waiting for the OCR pass.
    public struct PendingOCR: Sendable, Equatable {
        public var path: String
        /// The received path's bytes: the document's identity (`DocumentRecord.rawPath`).
        public var rawPath: Data
        public var part: Int
        public var pages: [Int]
    }

    /// The documents whose pages wait for OCR (`DocumentRecord.ocrPending`), by path and part.
    public func pendingOCR() throws -> [PendingOCR] {
        try catalog.pendingOCR()
    }

    /// Records that the file received as `rawPath` is unchanged but has a new modification time.
    public func updateModificationTime(rawPath: Data, mtime: Double) throws {
        try catalog.updateModificationTime(rawPath: rawPath, mtime: mtime)
    }

    /// Adds a document. Rows already recorded for `record.path` are replaced when this document
    /// is committed. `fields` nil records the file in the inventory without indexing text.
    /// Returns the catalog id given to the document.
    @discardableResult
    public func add(_ record: DocumentRecord, fields: [IndexField: FieldTerms]?, storedText: [UInt8]) throws -> Int64 {
        var record = record
        guard nextID < Int64.max else {
            throw IndexError.corruptCatalog(file: catalog.path, reason: "document ids are exhausted (next_doc_id is \(nextID))")
        }
        record.id = nextID
        nextID += 1
        if let fields {
            record.segmentDoc = builder.documentCount
            builder.add(id: record.id, fields: fields, fast: record.fastValues, storedText: storedText)
        } else {
            record.segmentDoc = nil
        }
        record.segmentID = nil
        // A set entry: the path (sharing the record's storage) and its slot, kept under half full.
        if replacedPaths.insert(record.rawPath).inserted { pendingBytes += 2 * MemoryLayout<Data>.stride + 16 }
        pendingBytes += IndexWriter.estimatedSize(record)
        pending.append(record)
        return record.id
    }

    /// Bytes the caller holds outside the writer that the budget has to cover as well (an
    /// ingest: its analyzers' caches, its list of files, the documents analysed but not yet
    /// added). `commitIfOverBudget()` flushes when the buffered bytes and these reach the
    /// budget; it never lets the buffer shrink below an eighth of the budget (a reserve larger
    /// than the budget cannot be honoured, and tiny segments would only multiply merges).
    public var reservedBytes = 0

    /// Buffered bytes at which `commitIfOverBudget()` commits: the budget less `reservedBytes`
    /// and what the background merges running now hold, at least an eighth of the budget.
    public var flushThreshold: Int { max(memoryBudget - reservedBytes - merges.runningBytes, memoryBudget / 8) }

    /// Commits when the buffered segment has reached its share of the memory budget
    /// (`flushThreshold`). Call it between files, never between the documents of one file: a
    /// commit publishes a file's documents together (and replaces its earlier ones), so all of
    /// a file's parts must be in it.
    public func commitIfOverBudget() throws {
        if bufferedBytes >= flushThreshold || builder.isFull { try commit() }
    }

    /// Bytes buffered in memory for the next commit: the segment being built and the catalog
    /// rows waiting with it (the array's whole capacity: it grows by doubling).
    public var bufferedBytes: Int {
        builder.memoryFootprint + pendingBytes + pending.capacity * MemoryLayout<DocumentRecord>.stride
    }

    /// About what a pending record holds on the heap besides itself: its strings and data, each
    /// a separate allocation with its header (a string of up to 15 UTF-8 bytes, and data of up
    /// to 14 bytes, are kept inline and cost nothing).
    private static func estimatedSize(_ r: DocumentRecord) -> Int {
        func string(_ s: String?) -> Int {
            guard let n = s?.utf8.count, n > 15 else { return 0 }
            return (n + 32 + 15) & ~15 + 16
        }
        func data(_ d: Data?) -> Int {
            guard let n = d?.count, n > 14 else { return 0 }
            return (n + 15) & ~15 + 96
        }
        return [r.path, r.sha256, r.format, r.encoding, r.error, r.title, r.authority, r.docType, r.date, r.dnr, r.language,
                r.sources, r.properties, r.ocrPending, r.ocrNote].reduce(0) { $0 + string($1) }
            + data(r.rawPath) + data(r.pageStarts)
    }

    /// Writes the buffered documents as a segment and publishes everything pending atomically.
    public func commit() throws {
        guard !pending.isEmpty else { return }
        var segment: SegmentRecord?
        if builder.documentCount > 0 {
                let name = String(format: "%012llx-%08x.%@", UInt64(Date().timeIntervalSince1970 * 1000), UInt32.random(in: 0...UInt32.max), SegmentFormat.fileExtension)
            let path = try IndexLayout.segment(directory, name)
            let size = try builder.write(to: path)
            do {
                try DurableFile.syncDirectory(IndexLayout.segments(directory))
            } catch {
                IndexLayout.removeSegmentFile(path)
                throw error
            }
            segment = SegmentRecord(id: 0, file: name, docCount: builder.documentCount, bytes: Int64(size),
                                    createdAt: ISO8601DateFormatter().string(from: Date()))
        }
        let records = pending
        let replaced = replacedPaths
        let next = nextID
        do {
            try catalog.publishCommit(segment: segment, replacing: replaced, records: records, nextID: next)
        } catch {
            if let s = segment { IndexLayout.removeSegmentFile(IndexLayout.segments(directory) + "/" + s.file) }
            throw error
        }
        if segment != nil { segmentsWritten += 1 }
        builder = SegmentBuilder()
        pending = []
        pendingBytes = 0
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
