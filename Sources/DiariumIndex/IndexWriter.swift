import Dispatch
import Foundation
import Synchronization

/// The one writer of an index. Holds the index's write lock from `init` until `close()` or
/// deinit. Documents are buffered in an in-memory segment; `commit()` (called by the caller,
/// and by `commitIfOverBudget()` between files) writes and fsyncs a segment file and
/// then publishes it, its documents and their replacements in one SQLite transaction. After a
/// commit the merge policy's merges run on a background thread (`MergeScheduler`) while the
/// caller goes on adding and committing; `waitForMerges()` and `close()` wait for them. A crash
/// at any point leaves the previous commit readable; unpublished files are removed at the next
/// open.
///
/// An ingest commits in the background instead (`commitInBackgroundIfOverBudget()`): the full
/// buffer is sealed and written and published on the writer's commit thread while the caller
/// fills a new one, so serializing a segment no longer stops the pipeline. At most one commit
/// runs in the background; commits publish in the order they were sealed; `commit()`,
/// `waitForBackgroundCommit()` and `close()` wait for it, and a failure is thrown by the next of
/// them (or by the next `commitInBackgroundIfOverBudget()`).
///
/// A commit whose segment was written but whose publication failed (a catalog error: the disk
/// full, the database locked) keeps its file and its rows: the next `commit()` (or the next
/// background commit) publishes it first, then what was sealed after it, in order; while its
/// publication fails again, the buffer waits (no further file is written); `close()` drops it
/// and removes its file. A commit whose segment could not be written loses its
/// documents (its buffer may be half serialized); the error says so, nothing of it is published.
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
    /// Number of commits that wrote a segment, since open (a background commit counts once it
    /// is published and its buffer freed).
    public var segmentsWritten: Int { background.state.withLock { $0.segmentsWritten } }
    /// The commit thread (`commitInBackgroundIfOverBudget`) and what it shares with the
    /// writer's thread.
    private final class CommitThread: Sendable {
        struct State {
            var segmentsWritten = 0
            /// The first failure of a background commit, not yet thrown.
            var failure: (any Error)?
            /// The background commit whose publication failed, kept for a retry.
            var unpublished: UncheckedCommit?
        }
        let state = Mutex(State())
        /// Left when the background commit (if any) has ended.
        let done = DispatchGroup()
        let queue = DispatchQueue(label: "diarium.commit")
        /// Whether a background commit was started and has not ended yet.
        var isRunning: Bool { done.wait(timeout: .now()) == .timedOut }
    }
    private let background = CommitThread()
    /// Whether a background commit was started and not yet waited for (`waitForBackgroundCommit`).
    private var backgroundStarted = false
    /// `bufferedBytes` of the buffer the background commit is writing (it is freed at the end).
    private var backgroundBytes = 0
    /// Commits whose segment is written and whose publication failed, and those sealed after
    /// them, in the order sealed: published first by the next commit. They hold their rows (the
    /// segment's buffer is freed once written); the budget does not count them.
    private var unpublished: [SealedCommit] = []
    /// Number of merges published since open (background merges that already ended included).
    public var mergesDone: Int { merges.mergesDone }
    /// Segments a background merge found damaged since open (a checksum or structure that
    /// does not hold, a missing file), in the order found: set aside, never merged again by this
    /// writer, their documents left as they are; no commit fails for them (`MergeScheduler`).
    public var damagedSegments: [DamagedSegment] { merges.damagedSegments }
    /// The merge policy's factor: when this many segments share a size tier (document counts
    /// within the same power of the factor), they are merged into one. 0 turns merging off.
    public var mergeFactor = 10
    /// Whether background merges keep within the budget: the policy starts only merges whose
    /// estimated memory (`SegmentMerger.memoryEstimate`) fits the budget less `reservedBytes` and
    /// the smallest buffer, merging fewer segments or none (`MergeScheduler.fitting`), so a small
    /// budget ends with more segments. An ingest turns it on; off, merges are not bounded (a
    /// budget below a merge's 4 MiB floor still merges). `optimize()` is never bounded.
    public var mergesFitBudget = false
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
    /// Uncommitted documents are dropped, and so are commits whose publication failed (their
    /// segment files are removed). A failure of a background merge is dropped too: call
    /// `waitForMerges()` first to see it.
    public func close() {
        if let fd = lockFD {
            background.done.wait()
            // The commit thread's block lets go of its job (and the catalog a failed commit's
            // sealed state holds) before the writer goes on: the catalog closes on this thread.
            background.queue.sync {}
            backgroundStarted = false
            backgroundBytes = 0
            if let kept = background.state.withLock({ b in defer { b.unpublished = nil }; return b.unpublished }) {
                kept.commit?.removeSegment()
            }
            for c in unpublished { c.removeSegment() }
            unpublished = []
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
    /// and what the background merges running now hold, at least `minimumBuffer`.
    public var flushThreshold: Int { max(memoryBudget - reservedBytes - merges.runningBytes, minimumBuffer) }

    /// The buffer a commit waits for whatever the reserve: an eighth of the budget, and at
    /// least `minimumBufferBytes` (or the whole budget, if smaller), so a small budget still
    /// gives segments of many documents.
    private var minimumBuffer: Int { max(memoryBudget / 8, min(Self.minimumBufferBytes, memoryBudget)) }

    /// 4 MiB: a buffer holds at least one 1 MiB block of the postings pool and, until the
    /// segment's stored-text dictionary is trained, up to 1 MiB of sample text, from its first
    /// document on. Below this, a budget of 16 or 24 MiB (less an ingest's reserve of about
    /// 16 MiB) committed one segment per file (600 files of 4 kB: 600 segments; 5 with this floor).
    public static let minimumBufferBytes = 4 << 20

    /// Commits when the buffered segment has reached its share of the memory budget
    /// (`flushThreshold`). Call it between files, never between the documents of one file: a
    /// commit publishes a file's documents together (and replaces its earlier ones), so all of
    /// a file's parts must be in it.
    public func commitIfOverBudget() throws {
        if buffered(reaches: flushThreshold) || builder.isFull { try commit() }
    }

    /// Bytes buffered in memory for the next commit: the segment being built and the catalog
    /// rows waiting with it (the array's whole capacity: it grows by doubling).
    public var bufferedBytes: Int { builder.memoryFootprint + pendingRecordBytes }

    /// The catalog rows waiting: their heap estimate and the array's capacity.
    private var pendingRecordBytes: Int { pendingBytes + pending.capacity * MemoryLayout<DocumentRecord>.stride }

    /// Whether `bufferedBytes >= threshold`, measured exactly (waiting for the stored text's
    /// compression thread) only when an upper bound that needs no wait reaches `threshold`:
    /// the same answer as the exact measure, without waiting on zstd after every document.
    private func buffered(reaches threshold: Int) -> Bool {
        builder.memoryFootprintBound + pendingRecordBytes >= threshold && bufferedBytes >= threshold
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

    /// Writes the buffered documents as a segment and publishes everything pending atomically,
    /// after the background commit, if one runs (whose failure it throws). The segment file is
    /// written while the background commit still writes its own (the end of an ingest serializes
    /// its last two segments on two threads); it is published after it.
    ///
    /// Commits whose publication failed before are published first, in order; if one fails
    /// again, it and the ones after it stay for the next call, and so does the buffer: no
    /// further segment file is written while the catalog refuses (a failure that repeats, the
    /// disk full, would otherwise leave one more file per commit). `close()` drops them.
    public func commit() throws {
        // Kept commits exist only when no background commit runs (`commitInBackgroundIfOverBudget`
        // publishes them before it starts one; `joinBackgroundCommit` hands its own over).
        if !unpublished.isEmpty { try publishUnpublished() }
        // A merge's failure is thrown only after this commit is published (`afterCommit`).
        guard let sealed = seal() else {
            try joinBackgroundCommit()
            try publishUnpublished()
            return try afterCommit()
        }
        // Every `commit()`'s segment (an ingest's last, the OCR pass's every few seconds,
        // `optimize()`'s) is serialized on two threads (`TermPipe`): its merge and its encoding,
        // beside the background commit and merges if any run. The caller waits for it, so
        // halving that wait is worth the second thread. On a failure nothing of it is left.
        if !backgroundStarted {
            // Nothing is to be published before it (`unpublished` is empty here): its rows go
            // in while the file is written.
            if let failure = try sealed.writeSegmentAndPublish() {
                unpublished.append(sealed)
                throw failure
            }
            if sealed.segment != nil { background.state.withLock { $0.segmentsWritten += 1 } }
            return try afterCommit()
        }
        try sealed.writeSegment(pipelined: true)
        unpublished.append(sealed)
        try joinBackgroundCommit()
        try publishUnpublished()
        try afterCommit()
    }

    /// Publishes the commits whose segment is written and not yet published, in the order they
    /// were sealed; stops at the first failure, which keeps it and the later ones.
    private func publishUnpublished() throws {
        while let first = unpublished.first {
            try first.publish()
            unpublished.removeFirst()
            if first.segment != nil { background.state.withLock { $0.segmentsWritten += 1 } }
        }
    }

    /// Like `commitIfOverBudget()`, but the commit runs on the writer's commit thread while the
    /// caller goes on adding (call it between files, never between the parts of one file).
    ///
    /// Memory: the budget less `reservedBytes` and the running merges (`available`) is shared by
    /// the buffer being written and the one being filled. A buffer is sealed at two thirds of
    /// it (at least `minimumBuffer`, as `flushThreshold`), so the next one can fill the
    /// last third while the first is written; a buffer that reaches what the one being written
    /// leaves waits for it. Two thirds, not a half: fewer segments, and serializing a buffer
    /// (about 5 % of an ingest's CPU, `perf`) ends well before the next one fills its third.
    public func commitInBackgroundIfOverBudget() throws {
        let available = memoryBudget - reservedBytes - merges.runningBytes
        if backgroundStarted {
            if !background.isRunning || buffered(reaches: available - backgroundBytes) || builder.isFull { try waitForBackgroundCommit() }
            if backgroundStarted { return }   // still writing, and this buffer has room left
        }
        guard buffered(reaches: max(available * 2 / 3, minimumBuffer)) || builder.isFull else { return }
        // A commit whose publication failed goes first, here on the caller's thread.
        try publishUnpublished()
        let bytes = bufferedBytes
        guard let sealed = seal() else { return }
        backgroundStarted = true
        backgroundBytes = bytes
        background.done.enter()
        let job = UncheckedCommit(sealed)
        background.queue.async { [background] in
            var failure: (any Error)?, keep = false
            if let commit = job.commit {
                do { try commit.writeSegment() } catch { failure = error }
                if failure == nil {
                    do { try commit.publish() } catch { failure = error; keep = true }
                }
            }
            let wrote = failure == nil && job.commit?.segment != nil
            if !keep { job.commit = nil }   // the buffer is freed before the commit counts as ended
            background.state.withLock { b in
                if wrote { b.segmentsWritten += 1 }
                if b.failure == nil { b.failure = failure }
                if keep { b.unpublished = job }
            }
            background.done.leave()
        }
    }

    /// Waits for the background commit, if one was started, and throws its failure, if it
    /// failed (a commit whose publication failed is kept, ahead of the ones sealed after it, for
    /// the next commit); then lets the merge policy pick among the segments it published.
    public func waitForBackgroundCommit() throws {
        guard backgroundStarted else { return }
        try joinBackgroundCommit()
        try afterCommit()
    }

    /// `waitForBackgroundCommit` without the merge policy's turn: waits, keeps a commit whose
    /// publication failed for the next commit, and throws the background commit's failure.
    private func joinBackgroundCommit() throws {
        guard backgroundStarted else { return }
        background.done.wait()
        backgroundStarted = false
        backgroundBytes = 0
        let (failure, kept) = background.state.withLock { b -> ((any Error)?, UncheckedCommit?) in
            defer { b.failure = nil; b.unpublished = nil }
            return (b.failure, b.unpublished)
        }
        if let commit = kept?.commit { unpublished.insert(commit, at: 0) }
        if let failure { throw failure }
    }

    /// A merge that failed in the background is reported by the next commit (its sources stay
    /// as they were); the policy then picks again.
    private func afterCommit() throws {
        if let failure = merges.takeFailure() { throw failure }
        merges.schedule(factor: mergeFactor, room: mergesFitBudget ? memoryBudget - reservedBytes - minimumBuffer : .max)
    }

    /// Takes what is pending (the buffered segment, its catalog rows and replaced paths) as a
    /// commit to run, and starts an empty buffer; nil when nothing is pending.
    private func seal() -> SealedCommit? {
        guard !pending.isEmpty else { return nil }
        let sealed = SealedCommit(directory: directory, catalog: catalog, builder: builder, records: pending,
                                  replaced: replacedPaths, nextID: nextID)
        builder = SegmentBuilder()
        pending = []
        pendingBytes = 0
        replacedPaths = []
        return sealed
    }

    /// One commit: a buffered segment with its catalog rows, written (`writeSegment`) and
    /// published (`publish`) on whichever thread runs it (it shares nothing with the writer but
    /// the catalog, which serializes its own access).
    private final class SealedCommit {
        let directory: String
        let catalog: Catalog
        var builder: SegmentBuilder
        let records: [DocumentRecord]
        let replaced: Set<Data>
        let nextID: Int64
        /// The segment written, once `writeSegment()` wrote one.
        private(set) var segment: SegmentRecord?

        init(directory: String, catalog: Catalog, builder: SegmentBuilder, records: [DocumentRecord], replaced: Set<Data>, nextID: Int64) {
            self.directory = directory
            self.catalog = catalog
            self.builder = builder
            self.records = records
            self.replaced = replaced
            self.nextID = nextID
        }

        /// Writes the segment file (fsynced, with its directory), if there are documents with
        /// text, and frees the buffer. On a failure nothing is left: the file is removed (an
        /// unfinished `DurableFileWriter` removes itself) and `segment` stays nil. `pipelined`: on
        /// two threads (`SegmentBuilder.write(to:pipelined:)`).
        func writeSegment(pipelined: Bool = false) throws {
            try writeSegment(named: Self.newName(), pipelined: pipelined)
        }

        /// A new segment file's name: the time in milliseconds and a random number.
        private static func newName() -> String {
            String(format: "%012llx-%08x.%@", UInt64(Date().timeIntervalSince1970 * 1000), UInt32.random(in: 0...UInt32.max), SegmentFormat.fileExtension)
        }

        private func writeSegment(named name: String, pipelined: Bool) throws {
            if builder.documentCount > 0 {
                let path = try IndexLayout.segment(directory, name)
                let size = try builder.write(to: path, pipelined: pipelined)
                do {
                    try DurableFile.syncDirectory(IndexLayout.segments(directory))
                } catch {
                    IndexLayout.removeSegmentFile(path)
                    throw error
                }
                segment = SegmentRecord(id: 0, file: name, docCount: builder.documentCount, bytes: Int64(size),
                                        createdAt: ISO8601DateFormatter().string(from: Date()))
            }
            builder = SegmentBuilder()   // its buffers are freed before the rows are written
        }

        /// Publishes the written segment, its documents and their replacements in one
        /// transaction. On a failure nothing is published and the file stays, for a retry.
        func publish() throws {
            try catalog.publishCommit(segment: segment, replacing: replaced, records: records, nextID: nextID)
        }

        /// `writeSegment(pipelined: true)` and `publish()` at the same time: the transaction
        /// (its rows were 52k instructions a document, callgrind) runs on a thread of its own
        /// and, its rows in, waits for the file (`Catalog.publishCommit(whenWritten:)`). Throws
        /// when the segment could not be written (nothing is published, the file is removed);
        /// returns the publication's failure, if the file was written and its publication
        /// failed (it stays, for a retry, as `publish()` leaves it).
        func writeSegmentAndPublish() throws -> (any Error)? {
            guard builder.documentCount > 0 else {
                try writeSegment(pipelined: true)
                do { try publish() } catch { return error }
                return nil
            }
            let name = Self.newName()
            let planned = SegmentRecord(id: 0, file: name, docCount: builder.documentCount, bytes: 0, createdAt: "")
            let written = WrittenSegment()
            // The thread holds the catalog weakly: this commit holds it until `published` is
            // signalled, and the thread's block is released only after that, when the thread
            // exits. A strong capture could make that release the catalog's last, closing its
            // connection (a WAL checkpoint, which locks the file) on the publisher's thread
            // after `close()` returned (seen: VerifierTests' next open "database is locked").
            let publisher = Thread { [weak catalog, replaced, records, nextID] in
                do {
                    guard let catalog else { throw IndexError.catalog("the writer was released during a commit") }
                    try catalog.publishCommit(segment: planned, replacing: replaced, records: records, nextID: nextID,
                                              whenWritten: { try written.wait() })
                } catch {
                    written.publication(failed: error)
                }
                written.published.signal()
            }
            publisher.name = "diarium.publish"
            publisher.start()
            do {
                try writeSegment(named: name, pipelined: true)
            } catch {
                written.ended(.failure(error))
                written.published.wait()
                throw error
            }
            written.ended(segment.map { .success($0) } ?? .failure(IndexError.catalog("no segment written")))
            written.published.wait()
            return written.publicationFailure
        }

        /// What `writeSegmentAndPublish` passes between its two threads.
        private final class WrittenSegment: Sendable {
            private let outcome = Mutex<Result<SegmentRecord, any Error>?>(nil)
            private let failure = Mutex<(any Error)?>(nil)
            private let done = DispatchSemaphore(value: 0)
            /// Signalled when the publisher's transaction has ended.
            let published = DispatchSemaphore(value: 0)

            /// The writer's side: the file was written (the segment's row) or not (why).
            func ended(_ result: Result<SegmentRecord, any Error>) {
                outcome.withLock { $0 = result }
                done.signal()
            }

            /// The publisher's side: the segment's row, once written; throws the write's failure.
            func wait() throws -> SegmentRecord {
                done.wait()
                // Set before `done` was signalled.
                return try outcome.withLock { $0! }.get()
            }

            func publication(failed error: any Error) { failure.withLock { $0 = error } }

            /// The publication's failure (after `published`).
            var publicationFailure: (any Error)? { failure.withLock { $0 } }
        }

        /// Removes the written segment file of a commit whose publication failed (`close()`).
        func removeSegment() {
            if let s = segment { IndexLayout.removeSegmentFile(IndexLayout.segments(directory) + "/" + s.file) }
            segment = nil
        }
    }

    /// Hands a sealed commit to the commit thread: the writer's thread never touches it again.
    private final class UncheckedCommit: @unchecked Sendable {
        var commit: SealedCommit?
        init(_ commit: SealedCommit) { self.commit = commit }
    }

    // MARK: Merges

    /// Waits until no background merge runs (the merges a merge leads to included), then throws
    /// the first failure of a background merge since the last commit, if any. An ingest calls it
    /// before it reports success.
    public func waitForMerges() throws {
        try waitForBackgroundCommit()
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
