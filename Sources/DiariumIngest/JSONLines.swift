import Crypto
import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import Dispatch
import Foundation
import Synchronization

/// A line of a JSON Lines stream that was not ingested, and why.
public struct BadLine: Codable, Sendable, Equatable {
    /// 1-based line number.
    public var line: Int
    public var reason: String
}

/// The lines of a JSON Lines stream, read from a file descriptor in chunks of 1 MiB. A line
/// longer than `limit` bytes is passed over to its end without being held, and reported by
/// its number; no more than about `limit` + 1 MiB is ever buffered.
struct LineReader {
    enum Line {
        case line(number: Int, bytes: [UInt8])
        case tooLong(number: Int, bytes: Int)
    }

    let fd: Int32
    let name: String
    let limit: Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0, end = 0
    private(set) var atEnd = false
    private var number = 0

    init(fd: Int32, name: String, limit: Int) {
        self.fd = fd
        self.name = name
        self.limit = limit
    }

    /// The next line without its line feed (nor a CR before it; a last line without one
    /// counts), or nil at the end of the stream.
    mutating func next() throws -> Line? {
        var skipped = 0          // bytes of an over-long line passed over so far
        var scanned = start      // no line feed before this offset
        while true {
            if let nl = Self.lineFeed(in: buffer, from: scanned, to: end) {
                number += 1
                defer { start = nl + 1 }
                if skipped > 0 || nl - start > limit { return .tooLong(number: number, bytes: skipped + nl - start) }
                var line = Array(buffer[start..<nl])
                if line.last == 0x0D { line.removeLast() }
                return .line(number: number, bytes: line)
            }
            if atEnd {
                guard end > start || skipped > 0 else { return nil }
                number += 1
                defer { start = end }
                if skipped > 0 || end - start > limit { return .tooLong(number: number, bytes: skipped + end - start) }
                return .line(number: number, bytes: Array(buffer[start..<end]))
            }
            if end - start > limit {
                // Too long already: drop what is held and read on to the line feed.
                skipped += end - start
                start = 0
                end = 0
            } else if start > 0 {
                let (from, count) = (start, end - start)
                buffer.withUnsafeMutableBytes { b in _ = memmove(b.baseAddress!, b.baseAddress! + from, count) }
                end = count
                start = 0
            }
            scanned = end
            if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: min(buffer.count, limit + 1))) }
            let at = end
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + at, $0.count - at) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError.readFailed(name: name, reason: String(cString: strerror(errno)))
            }
            if n == 0 { atEnd = true } else { end += n }
        }
    }

    static func lineFeed(in b: [UInt8], from: Int, to: Int) -> Int? {
        guard to > from else { return nil }
        return b.withUnsafeBytes { p in
            guard let hit = memchr(p.baseAddress! + from, 0x0A, to - from) else { return nil }
            return p.baseAddress!.distance(to: UnsafeRawPointer(hit))
        }
    }
}

/// One line of a JSON Lines export as `diarium ingest --jsonl` reads it (README, "Ingesting
/// JSON Lines"). The keys of `diarium extract --format json` are read too (`dnr`, `part`,
/// `partName`, `format`), so its output can be ingested; other keys are ignored.
struct JSONLDocument: Decodable, Equatable {
    var path: String
    var text: String?
    var pages: [String]?
    var title: String?
    var authority: String?
    var type: String?
    var date: String?
    var year: Int?
    var dnr: String?
    var diarienummer: String?
    var language: String?
    var format: String?
    /// 0 (or absent) for a document; 1… for a part of the document on the lines before it.
    var part: Int?
    var partName: String?
}

extension Ingester {
    /// What a worker made of one line: a document of the received `path`, `stored` its NFC
    /// form (`TextDecoding.nfc`: the inventory's path, and what `GivenPaths` compares) and
    /// `components` its folders and name (`components(_:)`), normalised once, on the worker.
    enum LineResult: Sendable {
        case document(path: String, stored: String, components: [String], part: Int, line: Int, item: Item, digest: [UInt8], bytes: Int)
        case bad(BadLine)
    }

    /// Ingests the documents of the JSON Lines stream `fd`, read to its end (`name` names it in
    /// messages), and commits. Each line is one document (`JSONLDocument`), its metadata
    /// declared (`MetadataSource.jsonl`), the rest found in its text and path as for a file. A
    /// line that is not a JSON object, lacks `path` or `text`, repeats a path, or is longer
    /// than `maxFileSize` is reported by number in `badLines`, and the others go on.
    ///
    /// A document's identity is its path; its SHA-256 is that of its line (with parts, of its
    /// lines' SHA-256s), so a document given again unchanged is counted `unchanged`, and a
    /// changed one replaces what was recorded for its path. Lines are decoded, extracted and
    /// analysed on the worker threads in batches, as files are, and within `--memory` as files
    /// are: the caches, the two batches of lines, the analysed documents and the paths given so
    /// far (`GivenPaths`) are reserved from the budget (`IndexWriter.reservedBytes`), and commits
    /// run in the background.
    public func ingest(jsonLines fd: Int32, name: String, modificationTime: Double,
                       progress: ((IngestProgress) -> Void)? = nil) throws -> IngestSummary {
        let start = Date()
        var summary = IngestSummary()
        var bad: [BadLine] = []
        let known = try writer.fileStates()
        let threads = max(1, options.threads)
        Malloc.fixThresholds()
        let plan = memoryPlan()
        if let warning = plan.warning { summary.warn(warning) }
        let (analyzers, fixedBytes) = try workerAnalyzers(plan)
        // What the budget covers besides the writer's buffer, as for files (`ingest(paths:)`):
        // `fixedBytes` (the resident set at start, the slack, the caches), the two batches of
        // lines, the documents analysed but not yet added, and the paths given (`GivenPaths`).
        let stamp = ISO8601DateFormatter().string(from: Date())
        var reader = LineReader(fd: fd, name: name, limit: options.maxFileSize)
        let limitMiB = options.maxFileSize >> 20

        // Batches of up to 256 lines or `batchBytes`, processed by the workers while this
        // thread records the batch before (as `ingest(paths:)` does with files).
        let batchLimit = plan.batchBytes
        func readBatch() throws -> [(Int, [UInt8])]? {
            var batch: [(Int, [UInt8])] = []
            var bytes = 0
            while batch.count < 256 && bytes < batchLimit, let line = try reader.next() {
                switch line {
                case let .line(number, b):
                    if b.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }    // blank lines are allowed
                    batch.append((number, b))
                    bytes += b.count
                case let .tooLong(number, count):
                    bad.append(BadLine(line: number, reason: "\(count) bytes, more than the \(limitMiB) MiB limit (--max-file-size)"))
                }
            }
            return batch.isEmpty && reader.atEnd ? nil : batch
        }
        func lineBytes(_ batch: [(Int, [UInt8])]?) -> Int {
            (batch ?? []).reduce(0) { $0 + $1.1.count + 64 }
        }
        func launch(_ batch: [(Int, [UInt8])]) -> BatchJob<LineResult> {
            BatchJob(count: batch.count) { next, results in
                DispatchQueue.concurrentPerform(iterations: threads) { worker in
                    let analyzer = analyzers.value[worker]
                    while true {
                        let i = next.add(1, ordering: .relaxed).oldValue
                        guard i < batch.count else { break }
                        let r = Ingester.process(line: batch[i].1, number: batch[i].0, analyzers: analyzer)
                        results.withLock { $0[i] = r }
                    }
                }
            }
        }

        // A document and its parts are recorded together once the line after its last part is read.
        var group: (path: String, stored: String, components: [String], items: [Item], digests: [UInt8], bytes: Int)?
        var given = GivenPaths()          // path → the line that gave it
        var segmentsTrimmed = writer.segmentsWritten
        func flush() throws {
            guard let g = group else { return }
            group = nil
            let raw = Data(g.path.utf8)
            let sha = Ingester.hex(g.items.count == 1 ? g.digests : Array(SHA256.hash(data: g.digests)))
            summary.bytesRead += Int64(g.bytes)
            let old = known[raw]
            if let old, old.sha256 == sha { summary.unchanged += 1; return }
            if old != nil { summary.updated += 1 } else { summary.added += 1 }
            let candidate = Candidate(path: Array(g.path.utf8), raw: raw, stored: g.stored,
                                      components: g.components, size: Int64(g.bytes), mtime: modificationTime, kind: .regular)
            try record(Processed(sha256: sha, documents: g.items), candidate, stamp: stamp, summary: &summary)
            // Between documents only: all parts of one go into the same commit.
            try commitIfOverBudget(trimmed: &segmentsTrimmed)
        }

        var lines = 0, lastReport = Date.distantPast
        var batch = try readBatch()
        var job = batch.map(launch)
        defer { _ = job?.wait() }   // on an error, the running batch finishes before ingest returns
        while let current = job {
            let results = current.wait()
            let following = try readBatch()
            job = following.map(launch)
            let listBytes = lineBytes(batch) + lineBytes(following)
            func heapBytes(_ r: LineResult) -> Int {
                if case let .document(_, stored, components, _, _, item, _, _) = r {
                    return item.heapBytes + stored.utf8.count + components.reduce(32 + 16 * components.count) { $0 + $1.utf8.count + 32 }
                }
                return 64
            }
            var waiting = results.reduce(0) { $0 + ($1.map(heapBytes) ?? 0) }
            let nextBatchBytes = job == nil ? 0 : waiting
            for case let result? in results {
                waiting -= heapBytes(result)
                writer.reservedBytes = fixedBytes + listBytes + waiting + nextBatchBytes + given.heapBytes
                switch result {
                case .bad(let line):
                    bad.append(line)
                case let .document(path, stored, components, part, line, item, digest, bytes):
                    if part == 0 {
                        try flush()
                        if let first = given.record(stored, line: line) {
                            bad.append(BadLine(line: line, reason: "the path \(path) was given on line \(first) already"))
                            continue
                        }
                        group = (path, stored, components, [item], digest, bytes)
                    } else if var g = group, g.path == path, part == g.items.count {
                        group = nil
                        g.items.append(item)
                        g.digests += digest
                        g.bytes += bytes
                        group = g
                    } else {
                        bad.append(BadLine(line: line, reason: "part \(part) of \(path) does not follow part \(part - 1) of that path"))
                    }
                }
            }
            lines += results.count
            batch = following
            if let progress, Date().timeIntervalSince(lastReport) > 0.2 {
                lastReport = Date()
                progress(IngestProgress(filesDone: lines, filesTotal: lines, bytesRead: summary.bytesRead,
                                        seconds: Date().timeIntervalSince(start)))
            }
        }
        try flush()
        // Every line is analysed and every path recorded: the analyzers, their caches and the
        // paths given go, and so does their share of the budget. The resident set and the slack
        // stay: the last commit's merges fit beside them.
        analyzers.value = []
        given = GivenPaths()
        writer.reservedBytes = plan.fixedReserve(cacheBytes: 0)
        try writer.commit()
        try writer.waitForMerges()
        reportDamagedSegments(&summary)
        summary.badLines = bad.sorted { $0.line < $1.line }
        summary.segments = writer.segmentsWritten
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// The folders and name of a given path in NFC (`TextDecoding.nfc`; empty components
    /// dropped), for folder metadata. On bytes when no byte is from `CC` on (no scalar from
    /// U+0300, so no `/` can start a grapheme cluster with a combining mark after it: splitting
    /// the bytes at `/` and the characters at `/` agree); otherwise by characters. (NFC does not
    /// compose or reorder across a `/` that is a character of its own: a starter that composes
    /// with nothing, so each piece of the NFC path is the NFC of the received piece.)
    static func components(nfc path: String) -> [String] {
        if path.utf8.allSatisfy({ $0 < 0xCC }) {
            return path.utf8.split(separator: 0x2F).map { String(Substring($0)) }
        }
        return path.split(separator: "/").map { String($0) }
    }

    static func hex(_ digest: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }, as: UTF8.self)
    }

    /// The format recorded for a given document: the export's own name for it when it is a
    /// short word of lowercase letters, digits and `-` (`pdf`, `docx`), else `jsonl`.
    static func format(_ given: String?) -> String {
        guard let f = given, (1...16).contains(f.utf8.count),
              f.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else { return "jsonl" }
        return f
    }

    /// Why a line is not a document, in words for `BadLine.reason`.
    struct LineFailure: Error {
        var text: String
    }

    /// `line` decoded by `JSONDecoder`, or why it cannot be.
    static func decodeWithFoundation(_ line: [UInt8]) -> Result<JSONLDocument, LineFailure> {
        func bad(_ reason: String) -> Result<JSONLDocument, LineFailure> { .failure(LineFailure(text: reason)) }
        do {
            return .success(try JSONDecoder().decode(JSONLDocument.self, from: Data(line)))
        } catch DecodingError.keyNotFound(let key, _) {
            return bad("no \"\(key.stringValue)\"")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            return bad("not a JSON object")
        } catch DecodingError.typeMismatch(let type, let context) {
            return bad("\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" is not \(type == Int.self ? "a whole number" : type == String.self ? "a string" : "of the right type")")
        } catch DecodingError.valueNotFound(_, let context) {
            return bad("\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" is null")
        } catch {
            return bad("not a JSON object")
        }
    }

    /// Decodes, extracts and analyses one line (on a worker thread).
    static func process(line: [UInt8], number: Int, analyzers: (swedish: Analyzer, english: Analyzer)) -> LineResult {
        func bad(_ reason: String) -> LineResult { .bad(BadLine(line: number, reason: reason)) }
        // On bytes where the line has the usual shape; `JSONDecoder` judges the rest.
        let d: JSONLDocument
        switch line.withUnsafeBytes(JSONLineDecoder.decode).map(Result.success) ?? decodeWithFoundation(line) {
        case .success(let document): d = document
        case .failure(let reason): return bad(reason.text)
        }
        guard d.text != nil || d.pages != nil else { return bad("no \"text\" (nor \"pages\")") }
        guard !d.path.isEmpty, !d.path.utf8.contains(0) else { return bad("\"path\" is empty or holds a NUL character") }
        let part = d.part ?? 0
        guard part >= 0 else { return bad("\"part\" is negative") }
        var given = GivenDocument(text: d.text ?? "", format: format(d.format))
        given.pages = d.pages
        given.title = d.title
        given.authority = d.authority
        given.type = d.type
        given.date = d.date
        given.year = d.year
        given.dnr = d.dnr ?? d.diarienummer
        given.language = d.language
        if part > 0 { given.partName = d.partName ?? "part \(part)" }
        let stored = TextDecoding.nfc(d.path)
        let pathComponents = Ingester.components(nfc: stored)
        let components = pathComponents + (given.partName.map { [$0] } ?? [])
        let doc = Extractor.document(given, components: components)
        let status: DocumentRecord.Status = doc.failure == nil ? .ok : .empty
        let analyzer = doc.language == "en" ? analyzers.english : analyzers.swedish
        let fields = doc.failure == nil ? DocumentFields.analyze(doc, components: components, analyzer: analyzer) : nil
        let item = Item(document: doc, status: status, fields: fields, textLength: DocumentFields.characterCount(doc.text))
        return .document(path: d.path, stored: stored, components: pathComponents, part: part, line: number, item: item,
                         digest: Array(SHA256.hash(data: line)), bytes: line.count)
    }
}
