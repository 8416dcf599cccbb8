import Crypto
import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Settings of one ingest run.
public struct IngestOptions: Sendable {
    /// The whole process's memory budget, bytes (default 256 MiB): what is resident at start,
    /// the caches, the batches and the buffered segment, which is written and committed when
    /// the budget is reached (`MemoryPlan`).
    public var memoryBudget: Int = 256 << 20
    /// Per-file size limit.
    public var maxFileSize: Int = 256 << 20
    /// Seconds a file's parse may take.
    public var parseTimeLimit = 30.0
    /// Empty the index first.
    public var rebuild = false
    /// Extraction and analysis threads (default: all cores); also the most OCR processes that
    /// run at once.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// When pages are read by OCR (`--ocr`).
    public var ocrMode = OCRMode.auto
    /// Pages read by OCR per document at most (`--ocr-max-pages`).
    public var ocrMaxPages = 500
    /// The OCR engine's settings: languages, time limit per page, memory limit.
    public var ocrEngine = OCREngine()

    /// Default options.
    public init() {}
}

/// What an ingest run did.
public struct IngestSummary: Codable, Sendable, Equatable {
    /// New files recorded.
    public var added = 0
    /// Files whose content changed and were replaced.
    public var updated = 0
    /// Files skipped because they had not changed.
    public var unchanged = 0
    /// Files found under a new path with the bytes of a file recorded under a path that no
    /// longer exists (a moved release): their paths were updated, nothing was read again.
    public var moved = 0
    /// Files recorded without text (empty, unsupported, unreadable), among added and updated.
    /// Encrypted files are not among them.
    public var failed = 0
    /// Files that need a password to be read (status `encrypted`), among added and updated: not
    /// failures; what could be read without the password (metadata, the name) is recorded.
    public var encrypted = 0
    /// Bytes of files read.
    public var bytesRead: Int64 = 0
    /// Characters of text extracted.
    public var textBytes: Int64 = 0
    /// Segments written.
    public var segments = 0
    /// Wall-clock seconds.
    public var seconds = 0.0
    /// The files that were recorded without text, with the reason.
    public var failures: [FileFailure] = []
    /// The encrypted files, with what they are (`the PDF is encrypted …`).
    public var encryptedFiles: [FileFailure] = []
    /// Pages whose text OCR gave in this run (read now or taken from the OCR cache).
    public var ocrPages = 0
    /// Of those, pages read by tesseract now (the rest came from the cache).
    public var ocrPagesRecognized = 0
    /// Wall-clock seconds of the OCR pass.
    public var ocrSeconds = 0.0
    /// Pages still waiting for OCR when the run ended (OCR off or not installed, or their files
    /// not among the paths of this run).
    public var ocrPending = 0
    /// Why the OCR pass did not run although pages wait, if it did not.
    public var ocrSkipped: String?
    /// `ingest --jsonl`: the lines that were not ingested, and why (nil for files).
    public var badLines: [BadLine]?
    /// What went wrong without failing the run (a budget below what the ingest needs, a
    /// damaged segment the merges set aside), worded for the person running it; nil when none.
    public var warnings: [String]?

    /// Adds a warning.
    mutating func warn(_ message: String) { warnings = (warnings ?? []) + [message] }
}

/// A file recorded without text, and why.
public struct FileFailure: Codable, Sendable, Equatable {
    public var path: String
    public var reason: String
}

/// Progress of a running ingest, reported a few times a second.
public struct IngestProgress: Sendable {
    /// Which pass is running.
    public enum Pass: Sendable, Equatable {
        /// Reading the files' text layers.
        case text
        /// Reading scanned pages by OCR; `pagesDone`/`pagesTotal` count pages.
        case ocr
    }
    public var pass = Pass.text
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesRead: Int64
    public var seconds: Double
    /// OCR pass: pages read (or found in the cache) and pages to read.
    /// Text pass: whether the walk is still finding files (`filesTotal` counts the files found
    /// so far that are read in this run).
    public var walking = false
    public var pagesDone = 0
    public var pagesTotal = 0
    /// OCR pass: seconds since it began.
    public var ocrSeconds = 0.0

    /// Progress of the text pass (or, with `pass`, of the OCR pass).
    public init(pass: Pass = .text, filesDone: Int, filesTotal: Int, bytesRead: Int64, seconds: Double, walking: Bool = false,
                pagesDone: Int = 0, pagesTotal: Int = 0, ocrSeconds: Double = 0) {
        self.pass = pass
        self.filesDone = filesDone
        self.filesTotal = filesTotal
        self.bytesRead = bytesRead
        self.seconds = seconds
        self.walking = walking
        self.pagesDone = pagesDone
        self.pagesTotal = pagesTotal
        self.ocrSeconds = ocrSeconds
    }

    /// OCR pass: estimated seconds left, from the pace so far (nil until a page is done).
    public var ocrSecondsLeft: Double? {
        guard pass == .ocr, pagesDone > 0, pagesTotal >= pagesDone else { return nil }
        return ocrSeconds / Double(pagesDone) * Double(pagesTotal - pagesDone)
    }
}

/// Walks folders, extracts and analyses files on all cores, and writes them to the index:
/// the `diarium ingest` pipeline. Every file lands in the inventory, with the reason when
/// its text could not be read.
public final class Ingester {
    let writer: IndexWriter
    let options: IngestOptions

    /// Opens `indexDirectory` for writing (taking its write lock).
    public init(indexDirectory: String, options: IngestOptions = IngestOptions()) throws {
        self.options = options
        // Before the list's thread allocates: it frees a 1.3 MB buffer, which under glibc's
        // default dynamic thresholds would raise them for the rest of the load.
        Malloc.fixThresholds()
        // The compound word list (about 105 M instructions, before any worker can start) loads
        // on a thread of its own while the index opens, whose catalog waits for the disk
        // (seven fsyncs when it is created: 80-100 ms at load 9-12, `strace -T`); `memoryPlan()`
        // waits for it. A loaded list makes this a no-op.
        Thread { _ = CompoundSplitter.shared }.start()
        writer = try IndexWriter(directory: indexDirectory, memoryBudget: options.memoryBudget, rebuild: options.rebuild)
        writer.mergesFitBudget = true
    }

    /// Releases the index's write lock.
    public func close() { writer.close() }

    /// A file found by the walk.
    struct Candidate: Sendable {
        /// What the walk found at the path (`lstat`; links are not followed).
        enum Kind: Sendable, Equatable {
            case regular
            case symlink
            /// A named pipe, socket or device: recorded, never opened.
            case special(String)
            /// `lstat` failed, with the reason.
            case unreadable(String)
        }

        var path: [UInt8]           // the real path's bytes (a file name need not be UTF-8)
        var raw: Data               // the received path's bytes, from the root's name: the identity
        var stored: String          // the path shown in the inventory (NFC, \xHH for invalid bytes)
        var components: [String]    // folders and file name, from the ingested root down
        var size: Int64
        var mtime: Double
        var kind: Kind

        /// About what the candidate holds on the heap (its strings and byte arrays, each with
        /// its allocation header), for the memory budget.
        var heapBytes: Int {
            MemoryLayout<Candidate>.stride + path.count + raw.count + stored.utf8.count + 3 * 48
                + components.reduce(32 + 16 * components.count) { $0 + ($1.utf8.count > 15 ? $1.utf8.count + 48 : 0) }
        }
    }

    /// The ingest's share of `--memory` (`MemoryPlan`), from the resident set measured once the
    /// compound word list is loaded (the writer and its catalog are open already).
    func memoryPlan() -> MemoryPlan {
        _ = CompoundSplitter.shared
        return MemoryPlan(budget: options.memoryBudget, threads: max(1, options.threads),
                          resident: ResidentMemory.current() ?? ResidentMemory.assumedBaseline)
    }

    /// One Swedish and one English analyzer per worker thread (documents detected as English
    /// are stemmed as English), their stem caches sized by `plan` (`MemoryPlan.cachedWords`),
    /// and the bytes the budget reserves before any batch (`MemoryPlan.fixedReserve`: the
    /// resident set at start, the slack, the caches at their fullest; without the caches,
    /// once the box lets the analyzers go, `plan.fixedReserve(cacheBytes: 0)`).
    func workerAnalyzers(_ plan: MemoryPlan) throws -> (analyzers: UncheckedBox<[(swedish: Analyzer, english: Analyzer)]>, reservedBytes: Int) {
        let words = plan.cachedWords
        let analyzers = try (0..<plan.threads).map { _ in
            (swedish: try Analyzer(language: "swedish", splitCompounds: true, cachedWords: words),
             english: try Analyzer(language: "english", splitCompounds: true, cachedWords: words))
        }
        let bytes = analyzers.reduce(0) { $0 + $1.swedish.cacheCapacityBytes + $1.english.cacheCapacityBytes }
        return (UncheckedBox(analyzers), plan.fixedReserve(cacheBytes: bytes))
    }

    /// Adds a warning for each segment a merge found damaged and set aside (the run succeeds:
    /// nothing was lost, the other segments merged without it).
    func reportDamagedSegments(_ summary: inout IngestSummary) {
        for d in writer.damagedSegments {
            summary.warn("a merge found a damaged segment and set it aside: \(d.reason). The other segments were merged without it and its documents stay as they were; `diarium verify` shows what is damaged")
        }
    }

    /// Between documents (never between the parts of one): commits in the background when the
    /// writer's buffer has reached its share of the budget, and gives malloc's free pages back
    /// once a segment's buffers were freed (`trimmed`: the segments written at the last trim).
    func commitIfOverBudget(trimmed: inout Int) throws {
        try writer.commitInBackgroundIfOverBudget()
        if writer.segmentsWritten != trimmed {
            trimmed = writer.segmentsWritten
            Malloc.releaseFreePages()
        }
    }

    /// Ingests every file under `paths` and commits.
    ///
    /// Memory: the walk is streamed (`FileWalk`): files are found a batch ahead of the workers,
    /// so a tree of a million files is never listed whole. Two batches are in memory at once
    /// (one being added to the index, the next being read and analysed); what they hold, and the
    /// analyzers' caches, are reserved from the budget (`IndexWriter.reservedBytes`), so the
    /// writer's buffer is flushed as a segment when everything counted reaches `--memory`.
    public func ingest(paths: [String], progress: ((IngestProgress) -> Void)? = nil) throws -> IngestSummary {
        let start = Date()
        var summary = IngestSummary()
        Malloc.fixThresholds()
        var walk = try FileWalk(paths)
        var known = try writer.fileStates()
        try recordRoots(paths)
        var moves = Relocation()
        var found = 0
        var walkDone = false
        /// The next file to read and whether it replaces a recorded one; unchanged and moved
        /// files are counted on the way. Nil when the walk is done.
        func nextWork() throws -> (Candidate, Bool)? {
            while let c = walk.next() {
                found += 1
                if try relocate(c, known: &known, moves: &moves, summary: &summary) { continue }
                if let k = known[c.raw] {
                    if k.size == c.size && k.mtime == c.mtime { summary.unchanged += 1; continue }
                    return (c, true)
                }
                return (c, false)
            }
            walkDone = true
            return nil
        }

        // The text pass takes OCR text only from the cache; pages it lacks wait for the OCR pass.
        var limits = ExtractionLimits(maxFileSize: options.maxFileSize, parseTimeLimit: options.parseTimeLimit)
        let cached = options.ocrMode == .off ? nil : CachedRecognizer(indexDirectory: writer.directory, engine: options.ocrEngine, recognizing: false)
        limits.ocr = OCRSettings(mode: options.ocrMode, maxPages: options.ocrMaxPages, recognizer: cached)
        let extractor = Extractor(limits: limits)
        let threads = max(1, options.threads)
        let plan = memoryPlan()
        if let warning = plan.warning { summary.warn(warning) }
        let (analyzerBox, fixedBytes) = try workerAnalyzers(plan)
        // What the budget covers besides the writer's buffer (`IndexWriter.reservedBytes`):
        // `fixedBytes` (the resident set at start, the slack, the caches), the two batches of
        // files, and the documents analysed but not yet added (the rest of the batch being
        // added, and the next batch, counted as large as this one).
        var done = 0
        var lastReport = Date.distantPast
        let stamp = ISO8601DateFormatter().string(from: Date())

        // Batches of up to 256 files or `batchBytes` of input. The workers read, extract and
        // analyse batch n + 1 while this thread adds batch n to the index: the writer's work
        // (segment building, catalog rows, commits) overlaps the parallel work instead of idling it.
        let batchLimit = Int64(plan.batchBytes)
        func nextBatch() throws -> [(Candidate, Bool)] {
            var batch: [(Candidate, Bool)] = []
            var bytes: Int64 = 0
            while batch.count < 256 && bytes < batchLimit, let item = try nextWork() {
                batch.append(item)
                bytes += item.0.size
            }
            return batch
        }
        func launch(_ batch: [(Candidate, Bool)]) -> BatchJob<Processed> {
            BatchJob(count: batch.count) { next, results in
                DispatchQueue.concurrentPerform(iterations: threads) { worker in
                    let analyzer = analyzerBox.value[worker]
                    while true {
                        let i = next.add(1, ordering: .relaxed).oldValue
                        guard i < batch.count else { break }
                        let p = Ingester.process(batch[i].0, extractor: extractor, analyzers: analyzer)
                        results.withLock { $0[i] = p }
                    }
                }
            }
        }

        var segmentsTrimmed = writer.segmentsWritten
        var batch = try nextBatch()
        var job = batch.isEmpty ? nil : launch(batch)
        defer { _ = job?.wait() }   // on an error, the running batch finishes before ingest returns
        while let current = job {
            // The walk finds the next batch while the workers read this one.
            let following = try nextBatch()
            let processed = current.wait()
            // The next batch runs while this one is added; one job at a time uses the analyzers.
            job = following.isEmpty ? nil : launch(following)
            let listBytes = (batch + following).reduce(0) { $0 + $1.0.heapBytes }
            var waiting = processed.reduce(0) { $0 + ($1?.heapBytes ?? 0) }
            let nextBatchBytes = job == nil ? 0 : waiting
            for (i, item) in processed.enumerated() {
                guard let p = item else { continue }
                waiting -= p.heapBytes
                writer.reservedBytes = fixedBytes + listBytes + waiting + nextBatchBytes
                let (candidate, isUpdate) = batch[i]
                summary.bytesRead += candidate.size
                if isUpdate, let old = known[candidate.raw], old.sha256 == p.sha256 {
                    try writer.updateModificationTime(rawPath: candidate.raw, mtime: candidate.mtime)
                    summary.unchanged += 1
                    continue
                }
                if isUpdate { summary.updated += 1 } else { summary.added += 1 }
                try record(p, candidate, stamp: stamp, summary: &summary)
                // Between files only: all parts of one file go into the same commit.
                try commitIfOverBudget(trimmed: &segmentsTrimmed)
            }
            done += batch.count
            batch = following
            if let progress, Date().timeIntervalSince(lastReport) > 0.2 || job == nil {
                lastReport = Date()
                progress(IngestProgress(filesDone: done, filesTotal: done + batch.count, bytesRead: summary.bytesRead,
                                        seconds: Date().timeIntervalSince(start), walking: !walkDone))
            }
        }
        // The resident set, the slack and the caches stay: the last commit's merges fit beside them.
        writer.reservedBytes = fixedBytes
        try writer.commit()
        // The text of every file is now searchable; then the pages that need OCR are read.
        try ocrPass(roots: walk, analyzers: analyzerBox, stamp: stamp, summary: &summary, progress: progress)
        // The background merges end before the ingest reports success (a failed one fails it, unless it only found a damaged source: that is set aside and becomes a warning).
        try writer.waitForMerges()
        reportDamagedSegments(&summary)
        summary.segments = writer.segmentsWritten
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// Adds the documents of one processed file to the writer (replacing what was recorded for
    /// its path) and counts them in `summary`.
    func record(_ p: Processed, _ candidate: Candidate, stamp: String, summary: inout IngestSummary) throws {
        for (part, item) in p.documents.enumerated() {
            var record = DocumentRecord(path: candidate.stored, rawPath: candidate.raw, part: part, sha256: p.sha256, size: candidate.size,
                                        mtime: candidate.mtime, format: item.document.format, status: item.status, ingestedAt: stamp)
            let d = item.document
            record.encoding = d.encoding
            record.error = d.failure?.description
            record.title = d.title
            record.authority = d.authority
            record.docType = d.type
            record.date = d.date
            record.year = d.year
            record.dnr = d.dnr
            record.language = d.language
            record.textLength = item.textLength
            record.properties = Ingester.json(d.properties)
            record.comments = d.revisions.comments
            record.trackedChanges = d.revisions.trackedChanges
            if d.pageCount > 0 {
                record.pageCount = d.pageCount
                record.pageStarts = Data(PageMap.encode(d.pageStarts))
            }
            if let ocr = d.ocr {
                record.ocrPages = ocr.pages
                record.ocrConfidence = ocr.meanConfidence
                record.ocrPending = ocr.pending.isEmpty ? nil : ocr.pending.map(String.init).joined(separator: ",")
                record.ocrNote = ocr.note
            }
            var sources = d.sources.mapValues(\.description)
            if let name = d.partName { sources["part"] = name }
            record.sources = Ingester.json(sources)
            if let reason = d.failure, part == 0 {
                if case .encrypted = reason {
                    summary.encrypted += 1
                    summary.encryptedFiles.append(FileFailure(path: candidate.stored, reason: reason.description))
                } else {
                    summary.failed += 1
                    summary.failures.append(FileFailure(path: candidate.stored, reason: reason.description))
                }
            }
            summary.textBytes += Int64(d.text.utf8.count)
            summary.ocrPages += d.ocr?.pages ?? 0
            try writer.add(record, fields: item.fields, storedText: Array(d.text.utf8))
        }
    }

    struct Processed: Sendable {
        var sha256: String
        /// The file's own document first, then the documents inside it (attachments, records).
        var documents: [Item]

        /// About what the documents hold on the heap until they are added: texts and terms.
        var heapBytes: Int { documents.reduce(0) { $0 + $1.heapBytes } }
    }

    struct Item: Sendable {
        var document: ExtractedDocument
        var status: DocumentRecord.Status
        var fields: [IndexField: FieldTerms]?
        /// Characters of the text (counted by the worker, not the writer's thread).
        var textLength: Int

        /// About what the document holds on the heap until it is added: its text and terms.
        var heapBytes: Int {
            document.text.utf8.count + 256 + (fields?.values.reduce(0) { $0 + $1.memoryFootprint + 64 } ?? 0)
        }
    }

    static func process(_ c: Candidate, extractor: Extractor, analyzers: (swedish: Analyzer, english: Analyzer)) -> Processed {
        func notRead(_ format: String, _ reason: String) -> Processed {
            var doc = ExtractedDocument(format: format, failure: .unreadable(reason: reason))
            doc.title = c.components.last
            return Processed(sha256: "", documents: [Item(document: doc, status: .failed, fields: nil, textLength: 0)])
        }
        switch c.kind {
        case .regular: break
        case .symlink: return notRead("link", "symbolic link, not followed")
        case .special(let what): return notRead("special", "not a regular file: \(what), not opened")
        case .unreadable(let reason): return notRead("unknown", reason)
        }
        var sha = ""
        var doc: ExtractedDocument
        switch readFile(c.path, limit: extractor.limits.maxFileSize) {
        case .bytes(let bytes):
            let hex = Array("0123456789abcdef".utf8)
            sha = String(decoding: SHA256.hash(data: bytes).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }, as: UTF8.self)
            doc = extractor.extract(bytes: bytes, components: c.components)
        case .tooLarge(let size):
            doc = extractor.tooLarge(size: size, name: c.components.last ?? "", components: c.components)
        case .failed(let reason):
            doc = ExtractedDocument(format: "unknown", failure: .unreadable(reason: reason))
        }
        var parts = doc.parts
        doc.parts = []
        for i in parts.indices where parts[i].partName == nil { parts[i].partName = "part \(i + 1)" }
        let items = ([doc] + parts).map { d -> Item in
            let status: DocumentRecord.Status
            switch d.failure {
            case nil: status = .ok
            case .empty?: status = .empty
            case .noText?: status = .empty
            case .unsupportedFormat?, .binary?, .needsOCR?: status = .unsupported
            case .encrypted?: status = .encrypted
            default: status = .failed
            }
            let analyzer = d.language == "en" ? analyzers.english : analyzers.swedish
            let fields = d.failure == nil ? DocumentFields.analyze(d, components: c.components, analyzer: analyzer) : nil
            return Item(document: d, status: status, fields: fields, textLength: DocumentFields.characterCount(d.text))
        }
        return Processed(sha256: sha, documents: items)
    }

    enum ReadResult {
        case bytes([UInt8])
        case tooLarge(Int)
        case failed(String)
    }

    /// Reads the regular file at `path` (bytes), up to `limit` bytes. The last component is
    /// opened with `O_NOFOLLOW` and must still be a regular file, so a file replaced by a link
    /// or a pipe after the walk is not read.
    static func readFile(_ path: [UInt8], limit: Int) -> ReadResult {
        let fd = FileWalker.withCString(path) { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            return .failed(errno == ELOOP ? "symbolic link, not followed" : String(cString: strerror(errno)))
        }
        defer { closeFile(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failed(String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .failed("not a regular file") }
        if st.st_size > limit { return .tooLarge(Int(st.st_size)) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var count = 0
        while true {
            if count == bytes.count {
                // The file grew since fstat: read on, up to the limit.
                if count > limit { return .tooLarge(count) }
                bytes.append(contentsOf: repeatElement(0, count: max(1 << 16, min(count, limit + 1 - count))))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + count, buffer.count - count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failed(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            count += n
        }
        if count > limit { return .tooLarge(count) }
        bytes.removeSubrange(count...)
        return .bytes(bytes)
    }

    /// The metadata sources as a JSON object with sorted keys, written as JSONSerialization
    /// writes it (`/` escaped too) without its per-call cost on the writer's thread.
    static func json(_ sources: [String: String]) -> String? {
        guard !sources.isEmpty else { return nil }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(256)
        func string(_ s: String) {
            out.append(UInt8(ascii: "\""))
            var s = s
            s.withUTF8 { b in
                // Runs of bytes that need no escape are appended whole.
                var plain = 0
                for i in 0..<b.count {
                    let c = b[i]
                    guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c == UInt8(ascii: "/") else { continue }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[plain..<i]))
                    plain = i + 1
                    switch c {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out += [UInt8(ascii: "\\"), c]
                    case 0x0A: out += Array("\\n".utf8)
                    case 0x0D: out += Array("\\r".utf8)
                    case 0x09: out += Array("\\t".utf8)
                    case 0x08: out += Array("\\b".utf8)
                    case 0x0C: out += Array("\\f".utf8)
                    default:
                        let hex = Array("0123456789abcdef".utf8)
                        out += Array("\\u00".utf8) + [hex[Int(c >> 4)], hex[Int(c & 0xF)]]
                    }
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[plain...]))
            }
            out.append(UInt8(ascii: "\""))
        }
        for (i, (key, value)) in sources.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(key)
            out.append(UInt8(ascii: ":"))
            string(value)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// `close(2)` (the name is taken by `Ingester.close()` inside the class).
private func closeFile(_ fd: Int32) { close(fd) }

/// One batch of files (or lines) being processed on a background queue by `concurrentPerform` workers.
final class BatchJob<Result: Sendable>: Sendable {
    private let results: Mutex<[Result?]>
    private let done = DispatchSemaphore(value: 0)

    /// Starts `body(next, results)` on a global queue; `next` hands out file numbers.
    init(count: Int, _ body: @escaping @Sendable (borrowing Atomic<Int>, borrowing Mutex<[Result?]>) -> Void) {
        results = Mutex([Result?](repeating: nil, count: count))
        DispatchQueue.global().async { [self] in
            let next = Atomic<Int>(0)
            body(next, results)
            done.signal()
        }
    }

    /// Waits for the batch and returns its results, by file.
    func wait() -> [Result?] {
        done.wait()
        return results.withLock { $0 }
    }
}

/// Hands per-thread objects to `concurrentPerform` workers; each worker touches only its own
/// element, so no two threads share one. `value` is replaced only while no worker runs.
final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
