import ArgumentParser
import DiariumExtraction
import DiariumOutput
import Dispatch
import Foundation

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extract", abstract: "Run extraction alone on FILE… and print text and metadata, with their sources.",
        discussion: Help.discussion("", examples: [(command: "diarium extract 'corpus/Gymnasienämnden/Riskanalys Office 365 (2015).html'", what: "text and metadata of one file, each field with its source, without touching an index")]))

    @Argument(help: "Files to extract.")
    var files: [String]

    @OptionGroup var limits: LimitOptions

    @OptionGroup var ocr: OCROptions

    @Option(help: "Output format: text, or json (one JSON object per line and per document).")
    var format: OutputFormat = .text

    struct Output: Encodable {
        var path: String, format: String, encoding: String?, language: String?, title: String?, authority: String?
        var type: String?, date: String?, year: Int?, dnr: String?, text: String, sources: [String: String], error: String?
        var part: Int, partName: String?
        var properties: [String: String], comments: Int, insertions: Int, deletions: Int
    }

    func run() throws {
        var settings = ExtractionLimits(maxFileSize: limits.maxFileBytes, parseTimeLimit: limits.parseTimeLimit)
        // Pages are read by OCR at once, one after the other (no cache: no index here).
        settings.ocr = OCRSettings(mode: ocr.ocr, maxPages: max(0, ocr.ocrMaxPages), recognizer: ocr.engine)
        let extractor = Extractor(limits: settings)
        let start = DispatchTime.now().uptimeNanoseconds
        var documents = 0, failures = 0, unopened = 0
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            Terminal.writeError(String(format: "extracted %d file%@ (%d document%@, %d without text) in %.2f s\n", files.count - unopened,
                                       files.count - unopened == 1 ? "" : "s", documents, documents == 1 ? "" : "s", failures, seconds))
        }
        for path in files {
            // A missing path, a folder or a named pipe (which would block the read) is an error
            // of the command, not a document: reported, and the exit status is 1.
            var st = stat()
            let found = stat(path, &st) == 0
            let error = errno
            guard found, st.st_mode & S_IFMT == S_IFREG else {
                let reason = path.isEmpty ? "an empty path names no file"
                    : !found ? (error == ENOENT || error == ENOTDIR ? "no such file" : String(cString: strerror(error)))
                    : st.st_mode & S_IFMT == S_IFDIR ? "a folder (extract takes files; ingest takes folders)"
                    : "not a regular file (a named pipe, socket or device would block or never end)"
                Terminal.writeError("\(SafeText.line(path)): \(reason)\n")
                unopened += 1
                continue
            }
            let components = path.split(separator: "/").map { TextDecoding.nfc(String($0)) }
            let top = extractor.extract(file: path, components: components)
            for (part, d) in ([top] + top.parts).enumerated() {
            documents += 1
            if d.failure != nil { failures += 1 }
            let o = Output(path: path, format: d.format, encoding: d.encoding, language: d.language, title: d.title, authority: d.authority,
                           type: d.type, date: d.date, year: d.year, dnr: d.dnr, text: d.text, sources: d.sources.mapValues(\.description), error: d.failure?.description,
                           part: part, partName: d.partName, properties: d.properties, comments: d.revisions.comments,
                           insertions: d.revisions.insertions, deletions: d.revisions.deletions)
            switch format {
            case .json: print(try JSONOutput.line(o))
            case .text:
                print(part == 0 ? "== \(SafeText.line(path))" : "== \(SafeText.line(path)) [part \(part): \(SafeText.line(d.partName ?? ""))]")
                let rows: [(String, String?)] = [("format", o.format), ("encoding", o.encoding), ("language", o.language), ("title", o.title),
                                                 ("authority", o.authority), ("type", o.type), ("date", o.date), ("year", o.year.map(String.init)),
                                                 ("dnr", o.dnr), ("error", o.error)]
                for (k, v) in rows { if let v { print("\(k): \(SafeText.line(v))\(o.sources[k].map { "  [\(SafeText.line($0))]" } ?? "")") } }
                for k in o.properties.keys.sorted() { print("property \(SafeText.line(k)): \(SafeText.line(o.properties[k] ?? ""))") }
                if !d.revisions.isEmpty {
                    print("review: \(o.comments) comments, \(o.insertions) insertions, \(o.deletions) deletions")
                }
                print(o.text.isEmpty ? "" : "\n\(SafeText.block(o.text))\n")
            }
            }
        }
        if unopened > 0 { throw ExitCode(1) }
    }
}
