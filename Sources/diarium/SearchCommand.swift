import ArgumentParser
import DiariumIndex
import DiariumSearch

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search the index; every word must match (title, text or metadata; a year also matches the document's year).")

    @OptionGroup var index: IndexOptions

    @Argument(help: "The query, e.g. \"riskanalys 2015 Office 365\".")
    var query: [String]

    @Option(help: "Number of hits to show (0: all).")
    var limit: Int = 10

    @Option(help: "Number of hits to skip.")
    var offset: Int = 0

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let result = try reporting {
            let searcher = try Searcher(reader: try IndexReader(directory: index.path))
            return try searcher.search(query.joined(separator: " "), limit: limit, offset: max(0, offset))
        }
        switch format {
        case .json: print(try JSONOutput.encode(result))
        case .text: print(TextOutput.search(result), terminator: "")
        }
    }
}
