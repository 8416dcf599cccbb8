import ArgumentParser
import DiariumAPI
import DiariumIndex
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show all metadata of one document, and optionally its text.",
        discussion: Help.discussion("", examples: [(command: "diarium show 12", what: "all metadata of document 12 with where each value came from"), (command: "diarium show 12 --text", what: "its extracted text too")]))

    @OptionGroup var index: IndexOptions

    @Argument(help: "Document id (from list or search) or recorded path.")
    var document: String

    @Flag(help: "Also print the extracted text.")
    var text = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let reader = try reporting { try IndexReader(directory: index.path) }
        let records: [DocumentRecord] = try reporting {
            if let id = Int64(document), let r = try reader.document(id: id) { return [r] }
            return try reader.documents(path: document)
        }
        guard !records.isEmpty else { throw ValidationError("no document with id or path '\(document)' in \(index.path)") }
        for r in records {
            let body = text ? try reporting { try reader.storedText(of: r) }.map { String(decoding: $0, as: UTF8.self) } : nil
            switch format {
            case .json:
                print(try JSONOutput.encode(DocumentDetailJSON(r, text: body)))
            case .text:
                let rows: [(String, String?)] = [
                    ("id", String(r.id)), ("path", r.path), ("title", r.title), ("authority", r.authority), ("type", r.docType),
                    ("date", r.date), ("year", r.year.map(String.init)), ("dnr", r.dnr), ("format", r.format),
                    ("encoding", r.encoding), ("language", r.language), ("status", r.status.rawValue), ("error", r.error),
                    ("size", String(r.size)), ("sha256", r.sha256), ("sources", r.sources), ("ingested", r.ingestedAt),
                ]
                for (k, v) in rows { if let v { print("\(TextOutput.pad(k + ":", 11))\(v)") } }
                if let body { print("\n\(body)") }
            }
        }
    }
}
