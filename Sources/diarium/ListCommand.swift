import ArgumentParser
import DiariumAPI
import DiariumIndex
import DiariumOutput

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the inventory, newest first.",
        discussion: Help.discussion("", examples: [(command: "diarium list --by year", what: "documents per year"), (command: "diarium list --year 2015..2021 --format json", what: "the inventory of those years as JSON")]))

    @OptionGroup var index: IndexOptions

    @Option(help: "A year (2021) or a range of years (2015..2021).")
    var year: String?

    @Option(name: .customLong("by"), help: "Group: `year` prints the number of documents per year.")
    var group: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    static func parseYears(_ s: String) throws -> ClosedRange<Int> {
        let parts = s.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
        if parts.count == 1, let y = Int(parts[0]) { return y...y }
        if parts.count == 2, s.contains(".."), let a = Int(parts[0]), let b = Int(parts[1]), a <= b { return a...b }
        throw ValidationError("--year takes a year (2021) or a range (2015..2021), not '\(s)'")
    }

    func run() throws {
        let years = try year.map(List.parseYears)
        if let group, group != "year" { throw ValidationError("--by takes `year`") }
        let reader = try reporting { try IndexReader(directory: index.path) }
        if group == "year" {
            let counts = try reporting { try reader.countsByYear(years: years) }
            switch format {
            case .json:
                struct Row: Encodable { var year: Int?; var count: Int }
                print(try JSONOutput.encode(counts.map { Row(year: $0.year, count: $0.count) }))
            case .text:
                for c in counts { print("\(c.year.map(String.init) ?? "unknown")\t\(c.count)") }
            }
            return
        }
        let docs = try reporting { try reader.inventory(years: years) }
        switch format {
        case .json: print(try JSONOutput.encode(docs.map(DocumentJSON.init)))
        case .text:
            for d in docs {
                let when = SafeText.line(d.date ?? d.year.map(String.init) ?? "—")
                var line = "\(String(format: "%4d", d.id))  \(TextOutput.pad(when, 10))  \(TextOutput.pad(SafeText.line(d.authority ?? "—"), 30))  "
                line += "\(TextOutput.pad(SafeText.line(d.docType ?? "—"), 21))  \(SafeText.line(d.title ?? d.path))"
                if let pages = d.pageCount { line += "  (\(pages) s.)" }
                if d.status != .ok { line += "  [\(d.status.rawValue): \(SafeText.line(d.error ?? ""))]" }
                print(line)
            }
            print("\(docs.count) document\(docs.count == 1 ? "" : "s")")
        }
    }
}
