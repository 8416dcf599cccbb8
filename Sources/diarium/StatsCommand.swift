import ArgumentParser
import DiariumIndex

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Documents, failed files, segments, terms and bytes on disk.",
        discussion: Help.discussion("", examples: [(command: "diarium stats", what: "documents, failed files, segments, terms and bytes on disk")]))

    @OptionGroup var index: IndexOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let s = try reporting { try IndexReader(directory: index.path).statistics() }
        switch format {
        case .json: print(try JSONOutput.encode(s))
        case .text:
            print("documents:  \(s.documents) (\(s.indexedDocuments) with indexed text)")
            print("failed:     \(s.failedFiles) files recorded without text")
            print("segments:   \(s.segments) (\(s.deletedDocuments) replaced documents awaiting merge)")
            print("terms:      \(s.terms)")
            print("on disk:    \(s.bytesOnDisk) bytes")
        }
    }
}
