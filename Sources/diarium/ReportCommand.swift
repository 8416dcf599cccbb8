import ArgumentParser
import DiariumIndex
import DiariumReport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise the release per authority: files, formats, failures, latest year per document type, and flags.",
        discussion: Help.discussion("", examples: [(command: "diarium report", what: "the release report in Markdown"), (command: "diarium report --format html > report.html", what: "one self-contained page with a year × authority chart")]))

    @OptionGroup var index: IndexOptions

    @Option(help: "Output format: md, html, json or csv.")
    var format: ReportFormat = .md

    @Option(help: "Flag document types whose latest version is older than this many years.")
    var staleAfter: Int = 5

    @OptionGroup var language: LanguageOptions

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case md, html, json, csv }

    func validate() throws {
        try OptionBounds.check(staleAfter, 0...1000, "--stale-after", "0 to 1000 years")
    }

    func run() throws {
        let report = try reporting { try ReleaseReport(reader: IndexReader(directory: index.path), staleAfter: staleAfter) }
        switch format {
        case .md: print(report.markdown(language: language.language), terminator: "")
        case .html: print(report.html(language: language.language), terminator: "")
        case .csv: print(report.csv(language: language.language), terminator: "")
        case .json: print(try JSONOutput.encode(report))
        }
    }
}
