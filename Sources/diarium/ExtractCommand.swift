import ArgumentParser
import DiariumExtraction
import Dispatch
import Foundation

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run extraction alone on FILE… and print text and metadata, with their sources.",
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
    }

    func run() throws {
        var settings = ExtractionLimits(maxFileSize: limits.maxFileBytes, parseTimeLimit: limits.parseTimeLimit)
        // Pages are read by OCR at once, one after the other (no cache: no index here).
        settings.ocr = OCRSettings(mode: ocr.ocr, maxPages: max(0, ocr.ocrMaxPages), recognizer: ocr.engine)
        let extractor = Extractor(limits: settings)
        let start = DispatchTime.now().uptimeNanoseconds
        var documents = 0, failures = 0
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            Terminal.writeError(String(format: "extracted %d file%@ (%d document%@, %d without text) in %.2f s\n", files.count,
                                       files.count == 1 ? "" : "s", documents, documents == 1 ? "" : "s", failures, seconds))
        }
        for path in files {
            let components = path.split(separator: "/").map { String($0).precomposedStringWithCanonicalMapping }
            let top = extractor.extract(file: path, components: components)
            for (part, d) in ([top] + top.parts).enumerated() {
            documents += 1
            if d.failure != nil { failures += 1 }
            let o = Output(path: path, format: d.format, encoding: d.encoding, language: d.language, title: d.title, authority: d.authority,
                           type: d.type, date: d.date, year: d.year, dnr: d.dnr, text: d.text, sources: d.sources.mapValues(\.description), error: d.failure?.description,
                           part: part, partName: d.partName)
            switch format {
            case .json: print(try JSONOutput.line(o))
            case .text:
                print(part == 0 ? "== \(path)" : "== \(path) [part \(part): \(d.partName ?? "")]")
                let rows: [(String, String?)] = [("format", o.format), ("encoding", o.encoding), ("language", o.language), ("title", o.title),
                                                 ("authority", o.authority), ("type", o.type), ("date", o.date), ("year", o.year.map(String.init)),
                                                 ("dnr", o.dnr), ("error", o.error)]
                for (k, v) in rows { if let v { print("\(k): \(v)\(o.sources[k].map { "  [\($0)]" } ?? "")") } }
                print(o.text.isEmpty ? "" : "\n\(o.text)\n")
            }
            }
        }
    }
}
