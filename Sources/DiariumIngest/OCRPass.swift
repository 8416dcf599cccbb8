import Crypto
import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import Dispatch
import Foundation
import Synchronization

/// The ingest's `PageRecognizer`. Pages come from the index's OCR cache, keyed by the SHA-256
/// of the document's bytes, the page, the languages and the engine (tesseract's version and
/// the rendering). In the text pass (`recognizing` false) a page the cache lacks is left
/// pending; in the OCR pass it is read by `OCREngine` and stored in the cache at once.
///
/// Concurrency: the OCR pass runs one document per worker thread and the pages of a document
/// in parallel too, but every OCR process first takes one of `slots` (a semaphore with one slot
/// per worker thread, i.e. per core), so no more OCR processes run than there are cores.
final class CachedRecognizer: PageRecognizer, Sendable {
    let indexDirectory: String
    let engine: OCREngine
    let recognizing: Bool
    /// The cache and the engine part of its keys, opened and asked on first use (an ingest
    /// without scans never runs tesseract nor creates the cache file). The key is nil when
    /// tesseract cannot be asked (not installed); the cache nil when it cannot be opened.
    private let state = Mutex<(opened: Bool, cache: OCRCache?, engineKey: String?, error: (any Error)?)>((false, nil, nil, nil))
    private let slots: DispatchSemaphore
    /// Pages answered (read now or found in the cache) and read now, for progress and the summary.
    let answered = Atomic<Int>(0)
    let recognized = Atomic<Int>(0)
    /// The first failure to store a page in the cache (the page's text is still used).
    let storeFailure = Mutex<(any Error)?>(nil)

    init(indexDirectory: String, engine: OCREngine, recognizing: Bool, slots: Int = 1) {
        self.indexDirectory = indexDirectory
        self.engine = engine
        self.recognizing = recognizing
        self.slots = DispatchSemaphore(value: max(1, slots))
    }

    private func open() -> (OCRCache?, String?) {
        state.withLock { s in
            if !s.opened {
                s.opened = true
                s.engineKey = try? engine.engineKey()
                do { s.cache = try OCRCache(indexDirectory: indexDirectory) } catch { s.error = error }
            }
            return (s.cache, s.engineKey)
        }
    }

    /// Why the cache could not be opened, if it could not.
    var openFailure: (any Error)? { state.withLock { $0.error } }

    func recognize(_ request: OCRRequest) -> OCRAnswer {
        let (cache, key) = open()
        guard let engineKey = key else { return OCRAnswer(pending: request.pages) }
        let sha = Self.sha256(request.bytes)
        var answer = OCRAnswer()
        let cached = (try? cache?.pages(sha256: sha, pages: request.pages, languages: engine.languages, engine: engineKey)) ?? [:]
        for (page, c) in cached {
            answer.pages[page] = RecognizedPage(text: c.text, words: c.words, confidenceSum: c.confidenceSum)
        }
        let missing = request.pages.filter { cached[$0] == nil }
        guard recognizing else {
            answer.pending = missing
            return answer
        }
        answered.add(cached.count, ordering: .relaxed)
        let results = Mutex<[Int: Result<RecognizedPage, OCRFailure>]>([:])
        @Sendable func store(_ page: RecognizedPage, _ number: Int) {
            guard let cache else { return }
            do {
                try cache.store(CachedPage(text: page.text, words: page.words, confidenceSum: page.confidenceSum),
                                sha256: sha, page: number, languages: engine.languages, engine: engineKey)
            } catch {
                storeFailure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if request.format == "pdf" {
            DispatchQueue.concurrentPerform(iterations: missing.count) { i in
                let page = missing[i]
                slots.wait()
                let result = Result { () throws(OCRFailure) in try engine.recognizePDFPage(request.bytes, page: page) }
                slots.signal()
                if case .success(let text) = result {
                    store(text, page)
                    recognized.add(1, ordering: .relaxed)
                }
                results.withLock { $0[page] = result }
                answered.add(1, ordering: .relaxed)
            }
        } else if !missing.isEmpty {
            // An image is read in one run (a multi-page TIFF: all its frames).
            slots.wait()
            let result = Result { () throws(OCRFailure) in try engine.recognizeImage(request.bytes, frames: request.pageCount) }
            slots.signal()
            results.withLock { r in
                for page in missing {
                    switch result {
                    case .success(let frames):
                        let text = page <= frames.count ? frames[page - 1] : RecognizedPage(text: "", words: 0, confidenceSum: 0)
                        store(text, page)
                        r[page] = .success(text)
                    case .failure(let f): r[page] = .failure(f)
                    }
                }
            }
            if case .success = result { recognized.add(missing.count, ordering: .relaxed) }
            answered.add(missing.count, ordering: .relaxed)
        }
        for (page, result) in results.withLock({ $0 }) {
            switch result {
            case .success(let text): answer.pages[page] = text
            case .failure(let f): answer.failures[page] = f
            }
        }
        return answer
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: SHA256.hash(data: bytes).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }, as: UTF8.self)
    }
}

extension Ingester {
    /// The OCR pass: after the text pass has committed (every file is searchable by its text
    /// layer), the documents whose pages wait for OCR (recorded in the catalog, so an ingest
    /// killed here continues at the next run) are read again with OCR, their metadata found
    /// again, and replaced in the index. Pages are read on all cores; each is cached as soon as
    /// it is read and the index is committed every few seconds, so a kill loses little.
    func ocrPass(roots walk: FileWalk, analyzers: UncheckedBox<[(swedish: Analyzer, english: Analyzer)]>, stamp: String,
                 summary: inout IngestSummary, progress: ((IngestProgress) -> Void)?) throws {
        let pending = try writer.pendingOCR()
        guard !pending.isEmpty else { return }
        // By received path (the document's identity; two files can be shown under one path).
        var pagesByPath: [Data: Int] = [:]
        for p in pending { pagesByPath[p.rawPath, default: 0] += p.pages.count }
        let total = pending.reduce(0) { $0 + $1.pages.count }
        // Files not among this run's paths (or no longer regular files) keep waiting.
        let files = pagesByPath.keys.compactMap { raw -> Candidate? in
            guard let c = walk.candidate(rawPath: raw), c.kind == .regular else { return nil }
            return c
        }.sorted { $0.stored != $1.stored ? $0.stored < $1.stored : $0.raw.lexicographicallyPrecedes($1.raw) }
        let todo = files.reduce(0) { $0 + (pagesByPath[$1.raw] ?? 0) }
        summary.ocrPending = total - todo
        guard options.ocrMode != .off else {
            summary.ocrPending = total
            return
        }
        guard !files.isEmpty else { return }
        do throws(OCRFailure) {
            _ = try options.ocrEngine.engineKey()
            try options.ocrEngine.checkLanguages()
        } catch {
            summary.ocrPending = total
            summary.ocrSkipped = error.description
            return
        }

        let start = Date()
        let threads = max(1, options.threads)
        let recognizer = CachedRecognizer(indexDirectory: writer.directory, engine: options.ocrEngine, recognizing: true, slots: threads)
        var limits = ExtractionLimits(maxFileSize: options.maxFileSize, parseTimeLimit: options.parseTimeLimit)
        limits.ocr = OCRSettings(mode: options.ocrMode, maxPages: options.ocrMaxPages, recognizer: recognizer)
        let extractor = Extractor(limits: limits)

        // Workers take files in order and hand each result to this thread, which adds it to the
        // index (the writer has one thread) and reports progress while it waits.
        let results = Mutex<[(Int, Processed)]>([])
        let ready = DispatchSemaphore(value: 0)
        let next = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                let analyzer = analyzers.value[worker % analyzers.value.count]
                while !stop.load(ordering: .relaxed) {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < files.count else { break }
                    let p = Ingester.process(files[i], extractor: extractor, analyzers: analyzer)
                    results.withLock { $0.append((i, p)) }
                    ready.signal()
                }
            }
            finished.signal()
        }
        defer {
            // On an error the workers take no further file, and end before the ingest returns.
            stop.store(true, ordering: .relaxed)
            finished.wait()
        }

        func report() {
            guard let progress else { return }
            let seconds = Date().timeIntervalSince(start)
            progress(IngestProgress(pass: .ocr, filesDone: summary.added + summary.updated + summary.unchanged,
                                    filesTotal: summary.added + summary.updated + summary.unchanged, bytesRead: summary.bytesRead,
                                    seconds: seconds, pagesDone: min(todo, recognizer.answered.load(ordering: .relaxed)),
                                    pagesTotal: todo, ocrSeconds: seconds))
        }
        var lastCommit = Date()
        var added = 0
        while added < files.count {
            if ready.wait(timeout: .now() + 0.5) == .timedOut {
                report()
                continue
            }
            guard let (i, p) = results.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            added += 1
            var counts = IngestSummary()
            try record(p, files[i], stamp: stamp, summary: &counts)
            summary.failed += counts.failed
            summary.failures += counts.failures
            summary.encrypted += counts.encrypted
            summary.encryptedFiles += counts.encryptedFiles
            summary.textBytes += counts.textBytes
            summary.ocrPages += counts.ocrPages
            // The replaced documents become visible (and the pages done stop being pending)
            // every few seconds, not only at the end.
            if Date().timeIntervalSince(lastCommit) > 5 {
                try writer.commit()
                lastCommit = Date()
            } else {
                try writer.commitIfOverBudget()
            }
            report()
        }
        try writer.commit()
        // The documents are in the index; a cache that could not be written fails the run.
        if let failure = recognizer.openFailure ?? recognizer.storeFailure.withLock({ $0 }) { throw failure }
        summary.ocrPending = try writer.pendingOCR().reduce(0) { $0 + $1.pages.count }
        summary.ocrPagesRecognized = recognizer.recognized.load(ordering: .relaxed)
        summary.ocrSeconds = Date().timeIntervalSince(start)
    }
}
