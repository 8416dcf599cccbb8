import ArgumentParser
import DiariumAPI
import DiariumExtraction
import DiariumIndex
import DiariumOutput
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show all metadata of one document, and optionally its text.",
        discussion: Help.discussion("", examples: [(command: "diarium show 12", what: "all metadata of document 12 with where each value came from"), (command: "diarium show 12 --text", what: "its extracted text too"), (command: "diarium show 12 --page 3", what: "the text of its page 3 (a PDF)")]))

    @OptionGroup var index: IndexOptions

    @Argument(help: "Document id (from list or search) or recorded path.")
    var document: String

    @Flag(help: "Also print the extracted text.")
    var text = false

    @Option(help: "Print the text of this page (1-based) only, for documents with pages.")
    var page: Int?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let reader = try reporting { try IndexReader(directory: index.path) }
        let records: [DocumentRecord] = try reporting {
            if let id = Int64(document), let r = try reader.document(id: id) { return [r] }
            return try reader.documents(path: document)
        }
        guard !records.isEmpty else {
            throw UserError(message: Int64(document) != nil ? "no document \(document) in \(index.path)"
                                                              : "no document with the path '\(document)' in \(index.path)")
        }
        let roots = try reporting { try reader.rootFolders() }
        let here = FileManager.default.currentDirectoryPath
        for r in records {
            var body = text || page != nil ? try reporting { try reader.storedText(of: r) }.map { String(decoding: $0, as: UTF8.self) } : nil
            if let page {
                // One page: its byte range from the stored starts, nothing else decoded.
                guard let starts = r.pageStarts, let all = body else {
                    throw ValidationError("document \(r.id) (\(r.path)) has no pages")
                }
                let bytes = Array(all.utf8)
                guard let range = PageMap.range(ofPage: page, encoded: [UInt8](starts), textLength: bytes.count) else {
                    throw ValidationError("document \(r.id) has \(r.pageCount ?? 0) page\(r.pageCount == 1 ? "" : "s"), no page \(page)")
                }
                body = String(decoding: bytes[range], as: UTF8.self)
            }
            switch format {
            case .json:
                print(try JSONOutput.encode(DocumentDetailJSON(r, text: body, page: page, file: roots.file(of: r))))
            case .text:
                let rows: [(String, String?)] = [
                    ("id", String(r.id)), ("path", r.path), ("file", roots.file(of: r).map { RootFolders.shown($0, from: here) }), ("part", r.partName), ("title", r.title), ("authority", r.authority), ("type", r.docType),
                    ("date", r.date), ("year", r.year.map(String.init)), ("dnr", r.dnr), ("format", r.format),
                    ("encoding", r.encoding), ("language", r.language), ("status", r.status.rawValue), ("error", r.error),
                    ("pages", r.pageCount.map(String.init)),
                    ("size", String(r.size)), ("sha256", r.sha256), ("sources", r.sources), ("properties", r.properties),
                    ("review", r.comments + r.trackedChanges == 0 ? nil
                        : "\(r.comments) comment\(r.comments == 1 ? "" : "s"), \(r.trackedChanges) tracked change\(r.trackedChanges == 1 ? "" : "s") (marked [Kommentar …], [Infogat …], [Borttaget …] in the text)"),
                    ("ingested", r.ingestedAt),
                    ("ocr", Show.ocrLine(r)), ("ocr note", r.ocrNote),
                ]
                for (k, v) in rows { if let v { print("\(TextOutput.pad(k + ":", max(11, k.count + 2)))\(SafeText.line(v))") } }
                if let body { print(page.map { "\n[s. \($0)]\n" } ?? "\n", terminator: ""); print(SafeText.block(body)) }
            }
        }
    }

    /// `3 pages, mean word confidence 91.2 %; 2 pages waiting`, nil when OCR never concerned the document.
    static func ocrLine(_ r: DocumentRecord) -> String? {
        var parts: [String] = []
        if r.ocrPages > 0 {
            parts.append("\(r.ocrPages) page\(r.ocrPages == 1 ? "" : "s")" + (r.ocrConfidence.map { String(format: ", mean word confidence %.1f %%", $0) } ?? ""))
        }
        let pending = r.ocrPendingPages.count
        if pending > 0 { parts.append("\(pending) page\(pending == 1 ? "" : "s") waiting (the next ingest reads them)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
