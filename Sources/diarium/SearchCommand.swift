import ArgumentParser
import DiariumIndex
import DiariumSearch
import Foundation

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    enum SearchFormat: String, ExpressibleByArgument, CaseIterable { case text, json, csv }
    enum SortOrder: String, ExpressibleByArgument, CaseIterable { case score, date, year }

    func run() throws {
        let searcher = try reporting { try Searcher(reader: try IndexReader(directory: index.path)) }
        if let batch {
            try runBatch(searcher, file: batch)
            return
        }
        let text = query.joined(separator: " ")
        if explain { print(try reporting { try searcher.explain(text) }) }
        let result = try reporting {
            try searcher.search(text, limit: limit, offset: offset, countTotal: count, order: SearchOrder(rawValue: sort.rawValue) ?? .score)
        }
        switch format {
        case .json: print(try JSONOutput.encode(result))
        case .csv: print(CSV.hits(result.hits), terminator: "")
        case .text: print(TextOutput.search(result), terminator: "")
        }
    }

    /// One query per line; JSON Lines per query, or a count table with --by.
    func runBatch(_ searcher: Searcher, file: String) throws {
        let content: String
        do { content = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw UserError(message: "cannot read the query file \(file): \(error.localizedDescription)")
        }
        let queries = content.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let keys = (group ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard keys.allSatisfy({ $0 == "authority" || $0 == "year" }) else { throw ValidationError("--by takes authority, year or authority,year") }
        struct Line: Encodable { var query: String; var total: Int?; var ms: Double; var hits: [SearchHit]?; var error: String? }
        var table: [(query: String, key: [String], count: Int)] = []
        for q in queries {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let r = try searcher.search(q, limit: keys.isEmpty ? limit : 0, countTotal: count)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                if keys.isEmpty {
                    print(try JSONOutput.line(Line(query: q, total: r.total, ms: (ms * 1000).rounded() / 1000, hits: r.hits, error: nil)))
                } else {
                    var counts: [[String]: Int] = [:]
                    for h in r.hits {
                        let key = keys.map { $0 == "year" ? (h.year.map(String.init) ?? "unknown") : (h.authority ?? "unknown") }
                        counts[key, default: 0] += 1
                    }
                    for (k, n) in counts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) { table.append((q, k, n)) }
                }
            } catch {
                let line = Line(query: q, total: nil, ms: 0, hits: nil, error: "\(error)")
                if keys.isEmpty { print(try JSONOutput.line(line)) } else { Terminal.writeError("query \"\(q)\" failed: \(error)\n") }
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
            print(CSV.row(["query"] + keys + ["count"]), terminator: "")
            for t in table { print(CSV.row([t.query] + t.key + [String(t.count)]), terminator: "") }
        case .text:
            for t in table { print("\(t.query)\t\(t.key.joined(separator: "\t"))\t\(t.count)") }
        }
    }
}

/// RFC 4180 CSV.
enum CSV {
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    static func hits(_ hits: [SearchHit]) -> String {
        var out = row(["rank", "score", "id", "path", "title", "authority", "type", "date", "year", "dnr", "format", "snippet"])
        for h in hits {
            out += row([String(h.rank), String(h.score), String(h.id), h.path, h.title ?? "", h.authority ?? "", h.type ?? "", h.date ?? "",
                        h.year.map(String.init) ?? "", h.dnr ?? "", h.format, h.snippet])
        }
        return out
    }
}
