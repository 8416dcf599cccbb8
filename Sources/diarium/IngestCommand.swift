import ArgumentParser
import DiariumExtraction
import DiariumIngest
import DiariumOutput
import Foundation

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Record every file under PATH… in the inventory and index its text.",
        discussion: Help.discussion("Unchanged files are skipped; changed ones are replaced. Files whose text cannot be read are still recorded, with the reason.",
            examples: [(command: "diarium ingest corpus", what: "record and index every file under corpus/ into ./index"), (command: "diarium ingest --index ~/release.idx --rebuild corpus", what: "start the index over"),
                       (command: "diarium ingest --jsonl export.jsonl", what: "documents another program read, one JSON object per line (- reads standard input)")]))

    @OptionGroup var index: IndexOptions

    @Argument(help: "Files or folders to ingest.")
    var paths: [String] = []

    @Option(help: ArgumentHelp("Ingest documents given as JSON Lines instead of files (- for standard input).", valueName: "file"))
    var jsonl: String?

    @Option(help: "Memory budget of the whole process in MiB; a segment is written whenever it is reached.")
    var memory: Int = 256

    @OptionGroup var limits: LimitOptions

    @Option(help: "Worker threads for extraction and analysis (default: all cores).")
    var threads: Int?

    @OptionGroup var ocr: OCROptions

    @Flag(help: "Empty the index before ingesting (the OCR cache is kept).")
    var rebuild = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        try OptionBounds.check(memory, OptionBounds.mebibytes, "--memory", "MiB from 1 to 1048576 (1 TiB)")
        if let threads {
            try OptionBounds.check(threads, OptionBounds.threads, "--threads", "1 to \(OptionBounds.threads.upperBound) (four per core)")
        }
        if jsonl != nil && !paths.isEmpty {
            throw ValidationError("give files and folders or --jsonl, not both")
        }
        if jsonl == nil && paths.isEmpty {
            throw ValidationError("give the files or folders to ingest (or --jsonl FILE)")
        }
        if jsonl?.isEmpty == true {
            throw ValidationError("--jsonl needs a file (or - for standard input)")
        }
        if paths.contains(where: \.isEmpty) {
            throw ValidationError("an empty path names no file or folder (did a shell variable expand to nothing?); use . for the current folder")
        }
    }

    func run() throws {
        var options = IngestOptions()
        options.memoryBudget = memory << 20
        options.maxFileSize = limits.maxFileBytes
        options.rebuild = rebuild
        options.parseTimeLimit = limits.parseTimeLimit
        if let threads { options.threads = threads }
        options.ocrMode = ocr.ocr
        options.ocrMaxPages = max(0, ocr.ocrMaxPages)
        options.ocrEngine = ocr.engine
        let summary = try reporting { () -> IngestSummary in
            let ingester = try Ingester(indexDirectory: index.path, options: options)
            defer { ingester.close() }
            let showProgress = Terminal.stderrIsTTY && format == .text
            let report = { (p: IngestProgress) in
                guard showProgress else { return }
                switch p.pass {
                case .text:
                    Terminal.writeError(String(format: "\r\u{1B}[Kingesting: %d/%d%@ files, %.1f MB read, %.1f s",
                                               p.filesDone, p.filesTotal, p.walking ? "+" : "", Double(p.bytesRead) / 1e6, p.seconds))
                case .ocr:
                    let eta = p.ocrSecondsLeft.map { String(format: ", about %@ left", Ingest.duration($0)) } ?? ""
                    Terminal.writeError(String(format: "\r\u{1B}[KOCR: %d/%d pages, %@%@", p.pagesDone, p.pagesTotal,
                                               Ingest.duration(p.ocrSeconds), eta))
                }
            }
            let s: IngestSummary
            if let jsonl {
                s = try JSONLInput.ingest(jsonl, with: ingester, progress: report)
            } else {
                s = try ingester.ingest(paths: paths, progress: report)
            }
            if showProgress { Terminal.writeError("\r\u{1B}[K") }
            if format == .text {
                for w in s.warnings ?? [] { Terminal.writeError("warning: \(SafeText.line(w))\n") }
            }
            return s
        }
        switch format {
        case .json:
            print(try JSONOutput.encode(summary))
        case .text:
            print("added \(summary.added), updated \(summary.updated), unchanged \(summary.unchanged), failed \(summary.failed)"
                  + (summary.encrypted > 0 ? ", encrypted \(summary.encrypted)" : "")
                  + (summary.moved > 0 ? ", moved \(summary.moved) (same bytes under a new path; not read again)" : ""))
            for f in summary.failures { print("  not indexed: \(SafeText.line(f.path)): \(SafeText.line(f.reason))") }
            for f in summary.encryptedFiles { print("  encrypted (metadata only): \(SafeText.line(f.path)): \(SafeText.line(f.reason))") }
            for b in summary.badLines ?? [] { print("  line \(b.line) not ingested: \(SafeText.line(b.reason))") }
            print(String(format: "%.1f MB read, %.1f MB of text, %d segment%@ written in %.2f s", Double(summary.bytesRead) / 1e6,
                         Double(summary.textBytes) / 1e6, summary.segments, summary.segments == 1 ? "" : "s", summary.seconds))
            if summary.ocrPages > 0 {
                print(String(format: "OCR: %d page%@ (%d read by tesseract, %d from the cache) in %.1f s", summary.ocrPages,
                             summary.ocrPages == 1 ? "" : "s", summary.ocrPagesRecognized, summary.ocrPages - summary.ocrPagesRecognized,
                             summary.ocrSeconds))
            }
            if summary.ocrPending > 0 {
                let why = summary.ocrSkipped.map { ": \($0)" } ?? (ocr.ocr == .off ? " (--ocr off)" : "; ingest their folders again to read them")
                print("OCR: \(summary.ocrPending) page\(summary.ocrPending == 1 ? "" : "s") still waiting\(why)")
            }
        }
        try validateExit(summary)
    }

    /// `--jsonl`: every good line is ingested; lines that were not are problems found (exit 1).
    func validateExit(_ summary: IngestSummary) throws {
        if summary.badLines?.isEmpty == false { throw ExitCode(1) }
    }

    /// `42 s`, `3 min 20 s`, `1 h 05 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(String(format: "%02d", s % 60)) s" }
        return "\(s / 3600) h \(String(format: "%02d", s / 60 % 60)) min"
    }
}

/// `ingest --jsonl FILE`: the stream opened for `Ingester.ingest(jsonLines:)`.
enum JSONLInput {
    static func ingest(_ file: String, with ingester: Ingester, progress: @escaping (IngestProgress) -> Void) throws -> IngestSummary {
        if file == "-" {
            return try ingester.ingest(jsonLines: 0, name: "standard input", modificationTime: Date().timeIntervalSince1970, progress: progress)
        }
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw UserError(message: "\(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT != S_IFDIR else {
            throw UserError(message: "\(file): a folder (--jsonl takes a file of JSON Lines; give folders without --jsonl)")
        }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return try ingester.ingest(jsonLines: fd, name: file, modificationTime: mtime, progress: progress)
    }
}
