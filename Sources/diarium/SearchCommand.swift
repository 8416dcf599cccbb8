import ArgumentParser
import DiariumIndex
import DiariumOutput
import DiariumSearch
import Foundation

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the index; every word must match (title, text or metadata; a year also matches the document's year).",
        discussion: Help.discussion("", examples: [(command: "diarium search riskanalys 2015 Office 365", what: "every word must match; stemmed, compounds split, synonyms applied"), (command: "diarium search 'org:teknisk type:informationsklassning year:2021'", what: "fields and filters"), (command: "diarium search --explain DPIA \"Microsoft 365\" -utkast", what: "how the query was understood")]))

    @OptionGroup var index: IndexOptions

    @Argument(help: "The query, e.g. \"riskanalys 2015 Office 365\" or 'title:policy year:2015..2021 -utkast'.")
    var query: [String] = []

    @Option(help: "Number of hits to show (0: all, no cap).")
    var limit: Int = 10

    @Option(help: "Number of hits to skip.")
    var offset: Int = 0

    @Option(help: "Output format: text, json or csv.")
    var format: SearchFormat = .text

    @Option(help: "Order: score (default), date or year (newest first).")
    var sort: SortOrder = .score

    @Flag(help: "Print how the query was understood: the parsed tree, each word's analysed forms and document frequencies.")
    var explain = false

    @Flag(help: "Count every matching document exactly. Without it, on large indexes the count may be a lower bound (\"at least N\"), as top-k search skips blocks that cannot reach the page.")
    var count = false

    @Option(help: "Run every line of FILE as a query; a bad line is reported and the rest run.")
    var batch: String?

    @Option(name: .customLong("by"), help: "With --batch: count hits per query by `authority`, `year` or `authority,year`.")
    var group: String?

    @OptionGroup var language: LanguageOptions

    enum SearchFormat: String, ExpressibleByArgument, CaseIterable { case text, json, csv }
    enum SortOrder: String, ExpressibleByArgument, CaseIterable { case score, date, year }

    func validate() throws {
        try OptionBounds.check(limit, OptionBounds.page, "--limit", "0 (all hits) to 1000000000")
        try OptionBounds.check(offset, OptionBounds.page, "--offset", "0 to 1000000000")
    }

    func run() throws {
        if let batch {
            try runBatch(try SearchRequest.openSearcher(index.directory), file: batch)
            return
        }
        try request.run()
    }

    /// The command line's search in plain values (what a fresh process runs when
    /// `SearchRequest.parse` reads the command line itself).
    var request: SearchRequest {
        SearchRequest(indexDirectory: index.directory, query: query, limit: limit, offset: offset, format: format, sort: sort,
                      explain: explain, count: count, lang: language.lang)
    }

    /// The queries of a batch file (`-`: standard input): one per line, blank lines and `#`
    /// comments skipped. Only a regular file is opened (a named pipe would block); a line that is
    /// not UTF-8 is reported on standard error, naming its number, and skipped.
    func readQueries(_ file: String) throws -> [String] {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var st = stat()
            guard stat(file, &st) == 0 else {
                throw UserError(message: "cannot read the query file \(file): \(String(cString: strerror(errno)))")
            }
            guard st.st_mode & S_IFMT == S_IFREG else {
                throw UserError(message: "cannot read the query file \(file): not a regular file (use --batch - to read standard input)")
            }
            guard let d = FileManager.default.contents(atPath: file) else {
                throw UserError(message: "cannot read the query file \(file): \(String(cString: strerror(EACCES)))")
            }
            data = d
        }
        var queries: [String] = []
        for (n, var line) in [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.last == 0x0D { line = line.dropLast() }
            guard let text = String(validating: line, as: UTF8.self) else {
                Terminal.writeError("\(SafeText.line(file)): line \(n + 1) is not valid UTF-8; skipped\n")
                continue
            }
            let q = text.trimmingCharacters(in: .whitespaces)
            if !q.isEmpty && !q.hasPrefix("#") { queries.append(q) }
        }
        return queries
    }

    /// One query per line; JSON Lines per query, or a count table with --by.
    func runBatch(_ searcher: Searcher, file: String) throws {
        let queries = try readQueries(file)
        let keys = (group ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard keys.allSatisfy({ $0 == "authority" || $0 == "year" }) else { throw ValidationError("--by takes authority, year or authority,year") }
        struct Line: Encodable { var query: String; var total: Int?; var ms: Double; var hits: [SearchHit]?; var error: String? }
        var table: [(query: String, key: [String], count: Int)] = []
        // --by counts through the segments' fast fields: no hits, catalog reads or snippets.
        let fields = keys.map { $0 == "year" ? FastField.year : FastField.authority }
        for q in queries {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                if keys.isEmpty {
                    let r = try searcher.search(q, limit: limit, countTotal: count)
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    print(try JSONOutput.line(Line(query: q, total: r.total, ms: (ms * 1000).rounded() / 1000, hits: r.hits, error: nil)))
                } else {
                    let counted = try searcher.counts(q, by: [fields])
                    let rows = counted.groupings[0].rows.map { (key: $0.values.map { $0 ?? "unknown" }, count: $0.count) }
                    for r in rows.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) { table.append((q, r.key, r.count)) }
                }
            } catch {
                let line = Line(query: q, total: nil, ms: 0, hits: nil, error: "\(error)")
                if keys.isEmpty { print(try JSONOutput.line(line)) } else { Terminal.writeError("query \"\(SafeText.line(q))\" failed: \(SafeText.line("\(error)"))\n") }
            }
        }
        guard !keys.isEmpty else { return }
        switch format {
        case .json:
            struct Row: Encodable { var query: String; var authority: String?; var year: String?; var count: Int }
            print(try JSONOutput.encode(table.map { t in
                Row(query: t.query, authority: keys.firstIndex(of: "authority").map { t.key[$0] },
                    year: keys.firstIndex(of: "year").map { t.key[$0] }, count: t.count)
            }))
        case .csv:
            print(SafeText.csvRow(["query"] + keys + ["count"]), terminator: "")
            for t in table { print(CSV.row(text: [t.query] + t.key, numbers: [String(t.count)]), terminator: "") }
        case .text:
            for t in table { print(([t.query] + t.key).map(SafeText.line).joined(separator: "\t") + "\t\(t.count)") }
        }
    }
}

/// CSV output (RFC 4180 through `SafeText`: formula cells defused, every break quoted).
enum CSV {
    /// A record: text fields from documents, then numbers diarium computed.
    static func row(text: [String], numbers: [String] = []) -> String {
        (text.map(SafeText.csvField) + numbers.map(SafeText.csvNumber)).joined(separator: ",") + "\r\n"
    }

    static func hits(_ hits: [SearchHit]) -> String {
        var out = SafeText.csvRow(["rank", "score", "id", "path", "file", "title", "authority", "type", "date", "year", "dnr", "format", "snippet"])
        for h in hits {
            let numbers = [String(h.rank), String(h.score), String(h.id)].map(SafeText.csvNumber)
            let text = [h.path, h.file ?? "", h.title ?? "", h.authority ?? "", h.type ?? "", h.date ?? "", h.year.map(String.init) ?? "", h.dnr ?? "",
                        h.format, h.snippet].map(SafeText.csvField)
            out += (numbers + text).joined(separator: ",") + "\r\n"
        }
        return out
    }
}
