import ArgumentParser
import DiariumAPI
import DiariumIndex
import DiariumOutput
import DiariumReport
import DiariumSearch
import Foundation

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the inventory (newest first), filtered, sorted, as text, JSON, CSV or CSV for a spreadsheet; or count it by authority, type, year, format or status.",
        discussion: Help.discussion("""
            The query takes the search query language (docs/query-language.md); made of filters only \
            (org:, type:, year:, format:, path:, lang:, dnr:, ocr:), it lists documents whose text could \
            not be read too. CSV columns: \(InventoryEntry.columns.joined(separator: ", ")) (docs/inventory.md).
            """, examples: [
                (command: "diarium list --by year", what: "documents per year"),
                (command: "diarium list --by authority,year --format csv", what: "documents per authority and year, as CSV"),
                (command: "diarium list 'org:Socialnämnden year:2015..'", what: "Socialnämnden's documents from 2015 on"),
                (command: "diarium list --status failed --status encrypted", what: "what could not be read, and why"),
                (command: "diarium list --format xlsx-csv --separator ';' > inventering.csv", what: "every column, for Excel set to Swedish"),
                (command: "diarium list --year 2015..2021 --sort authority --format json", what: "those years by authority, as JSON"),
            ]))

    @OptionGroup var index: IndexOptions

    @Argument(help: "A query selecting documents, e.g. 'org:Socialnämnden year:2015..' or 'riskanalys format:pdf'.")
    var query: [String] = []

    @Option(help: "Only documents whose authority contains this (case-insensitive).")
    var authority: String?

    @Option(help: "Only documents whose type contains this (riskanalys, informationsklassning, …).")
    var type: String?

    @Option(help: "A year (2021) or a range of years (2015..2021, 2015.., ..2021).")
    var year: String?

    @Option(help: "Only documents of this file format (pdf, html, docx, …). (--format chooses the output.)")
    var fileFormat: String?

    @Option(help: "Only documents with this status: ok, empty, unsupported, failed or encrypted (repeatable).")
    var status: [DocumentRecord.Status] = []

    @Option(help: "Order: date (newest first, the default), year, id, path, authority, type, title, format, size, status or ingested.")
    var sort: ListSort = .date

    @Flag(help: "Reverse the order.")
    var reverse = false

    @Option(help: "Documents to show (0: all, the default; no cap).")
    var limit: Int = 0

    @Option(help: "Documents to skip.")
    var offset: Int = 0

    @Option(name: .customLong("by"), help: "Count documents by authority, type, year, format or status, or a pair such as authority,year.")
    var group: String?

    @Option(help: "Output format: text, json, csv, or xlsx-csv (CSV with a UTF-8 byte order mark, for Excel).")
    var format: ListFormat = .text

    @Option(help: "CSV field separator: ',' (default), ';' (Excel set to Swedish) or 'tab'.")
    var separator: String = ","

    @OptionGroup var language: LanguageOptions

    enum ListFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, csv
        case xlsxCSV = "xlsx-csv"
    }

    enum ListSort: String, ExpressibleByArgument, CaseIterable {
        case date, year, id, path, authority, type, title, format, size, status, ingested
    }

    /// What `--by` counts by.
    enum GroupKey: String, CaseIterable {
        case authority, type, year, format, status

        /// The segments' fast column holding it (none for the status).
        var fastField: FastField? {
            switch self {
            case .authority: return .authority
            case .type: return .type
            case .year: return .year
            case .format: return .format
            case .status: return nil
            }
        }
    }

    func validate() throws {
        try OptionBounds.check(limit, OptionBounds.page, "--limit", "0 (all documents) to 1000000000")
        try OptionBounds.check(offset, OptionBounds.page, "--offset", "0 to 1000000000")
        _ = try separatorByte()
        _ = try groupKeys()
        if let year { _ = try List.parseYears(year) }
    }

    /// `2021`, `2015..2021`, `2015..` (from 2015 on) or `..2021` (up to 2021).
    static func parseYears(_ s: String) throws -> ClosedRange<Int> {
        let problem = ValidationError("--year takes a year (2021) or a range (2015..2021, 2015.., ..2021), not '\(s)'")
        if let y = Int(s) { return y...y }
        let bounds = s.components(separatedBy: "..")
        guard bounds.count == 2 else { throw problem }
        let low = bounds[0].isEmpty ? Int.min : Int(bounds[0])
        let high = bounds[1].isEmpty ? Int.max : Int(bounds[1])
        guard let low, let high, low <= high, !(bounds[0].isEmpty && bounds[1].isEmpty) else { throw problem }
        return low...high
    }

    func separatorByte() throws -> UInt8 {
        switch separator {
        case ",": return UInt8(ascii: ",")
        case ";": return UInt8(ascii: ";")
        case "tab", "\t": return 0x09
        default: throw ValidationError("--separator takes ',', ';' or 'tab', not '\(separator)'")
        }
    }

    func groupKeys() throws -> [GroupKey] {
        guard let group else { return [] }
        let names = group.split(separator: ",", omittingEmptySubsequences: false)
        let found = names.compactMap { GroupKey(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }
        guard (1...2).contains(names.count), found.count == names.count, Set(found).count == found.count else {
            throw ValidationError("--by takes authority, type, year, format or status, or two of them joined by a comma (authority,year), not '\(group)'")
        }
        return found
    }

    func run() throws {
        let strings = language.strings
        let reader = try reporting { try IndexReader(directory: index.path) }
        let keys = try groupKeys()
        if !keys.isEmpty {
            try printCounts(try reporting { try counts(reader, keys: keys) }, keys: keys, strings: strings)
            return
        }
        var records = try reporting { try selected(reader) }
        records = sorted(records)
        let page = Array(records.dropFirst(offset).prefix(limit == 0 ? Int.max : limit))
        let roots = try reporting { try reader.rootFolders() }
        switch format {
        case .text:
            let here = FileManager.default.currentDirectoryPath
            for d in page {
                let when = SafeText.line(d.date ?? d.year.map(String.init) ?? "—")
                // The id right-aligned in four columns (as `%4d`; `String(format:)` cost 10k
                // instructions a row).
                let id = String(d.id)
                var line = String(repeating: " ", count: max(0, 4 - id.utf8.count)) + id
                line += "  \(TextOutput.pad(when, 10))  \(TextOutput.pad(SafeText.line(d.authority ?? "—"), 30))  "
                line += "\(TextOutput.pad(SafeText.line(d.docType ?? "—"), 21))  \(SafeText.line(d.title ?? d.displayPath))"
                if let pages = d.pageCount { line += "  (\(strings.pages(pages)))" }
                if d.status != .ok { line += "  [\(strings.status(d.status.rawValue)): \(SafeText.line(d.error ?? ""))]" }
                print(line)
                print("      \(SafeText.line(roots.shownPath(of: d, from: here)))")
            }
            print(strings.documentsListed(page.count, of: records.count))
        case .json, .csv, .xlsxCSV:
            let families = try reporting { try DuplicateFamilies(reader: reader, wordChanges: false).familyNumbers }
            let entries = InventoryEntry.entries(page, roots: roots, families: families)
            if format == .json {
                print(try JSONOutput.encode(entries))
            } else {
                let table = CSVTable(separator: try separatorByte(), byteOrderMark: format == .xlsxCSV)
                print(table.render(header: InventoryEntry.columns, rows: entries.map(\.cells)), terminator: "")
            }
        }
    }

    /// The documents the filters and the query select, in the catalog's order (newest first).
    func selected(_ reader: IndexReader) throws -> [DocumentRecord] {
        var records = try reader.inventory(years: try year.map(List.parseYears))
        if let authority { records = records.filter { MetadataFilter.authority(authority).matches($0) } }
        if let type { records = records.filter { MetadataFilter.type(type).matches($0) } }
        if let fileFormat { records = records.filter { MetadataFilter.format(fileFormat).matches($0) } }
        if !status.isEmpty { records = records.filter { status.contains($0.status) } }
        let text = query.joined(separator: " ")
        if !text.trimmingCharacters(in: .whitespaces).isEmpty {
            let filter = try InventoryFilter(text)
            records = try filter.apply(to: records) { try Searcher(reader: reader) }
        }
        return records
    }

    /// `records` in the `--sort` order (ties: newest first, then by path and part).
    func sorted(_ records: [DocumentRecord]) -> [DocumentRecord] {
        guard sort != .date || reverse else { return records }
        let swedish = Locale(identifier: "sv_SE")
        func text(_ a: String?, _ b: String?) -> ComparisonResult {
            switch (a, b) {
            case (nil, nil): return .orderedSame
            case (nil, _): return .orderedDescending   // unknown last
            case (_, nil): return .orderedAscending
            case let (a?, b?): return a.compare(b, options: [.caseInsensitive], range: nil, locale: swedish)
            }
        }
        func number<T: Comparable>(_ a: T?, _ b: T?, descending: Bool) -> ComparisonResult {
            switch (a, b) {
            case (nil, nil): return .orderedSame
            case (nil, _): return .orderedDescending
            case (_, nil): return .orderedAscending
            case let (a?, b?): return a == b ? .orderedSame : ((a < b) != descending ? .orderedAscending : .orderedDescending)
            }
        }
        let order = Dictionary(uniqueKeysWithValues: records.enumerated().map { ($1.id, $0) })
        func compare(_ a: DocumentRecord, _ b: DocumentRecord) -> ComparisonResult {
            switch sort {
            case .date: return number(order[a.id], order[b.id], descending: false)
            case .year: return number(a.year, b.year, descending: true)
            case .id: return number(a.id, b.id, descending: false)
            case .path: return text(a.displayPath, b.displayPath)
            case .authority: return text(a.authority, b.authority)
            case .type: return text(a.docType, b.docType)
            case .title: return text(a.title, b.title)
            case .format: return text(a.format, b.format)
            case .size: return number(a.size, b.size, descending: true)
            case .status: return text(a.status.rawValue, b.status.rawValue)
            case .ingested: return number(a.ingestedAt, b.ingestedAt, descending: true)
            }
        }
        let out = records.sorted { a, b in
            let c = compare(a, b)
            return c == .orderedSame ? order[a.id]! < order[b.id]! : c == .orderedAscending
        }
        return reverse ? out.reversed() : out
    }

    /// The number of documents per value (pair of values) of `keys` among those selected.
    /// With nothing selecting and only fast fields to count by, the segments' fast columns
    /// count the documents with text and the catalog only those without; otherwise the
    /// selected catalog rows are counted.
    func counts(_ reader: IndexReader, keys: [GroupKey]) throws -> [[String?]: Int] {
        func value(_ r: DocumentRecord, _ k: GroupKey) -> String? {
            switch k {
            case .authority: return r.authority
            case .type: return r.docType
            case .year: return r.year.map(String.init)
            case .format: return r.format
            case .status: return r.status.rawValue
            }
        }
        var counts: [[String?]: Int] = [:]
        let selecting = authority != nil || type != nil || year != nil || fileFormat != nil || !status.isEmpty
            || !query.joined().trimmingCharacters(in: .whitespaces).isEmpty
        let fields = keys.compactMap(\.fastField)
        guard !selecting, fields.count == keys.count else {
            for r in try selected(reader) { counts[keys.map { value(r, $0) }, default: 0] += 1 }
            return counts
        }
        for row in reader.fastFieldCounts([fields])[0].rows { counts[row.values, default: 0] += row.count }
        for r in try reader.documentsWithoutText() { counts[keys.map { value(r, $0) }, default: 0] += 1 }
        return counts
    }

    /// The `--by` table: one row per value (pair of values) with its number of documents.
    func printCounts(_ counts: [[String?]: Int], keys: [GroupKey], strings: Strings) throws {
        let swedish = Locale(identifier: "sv_SE")
        // Years newest first, names in Swedish alphabetical order, unknown values last.
        func before(_ a: String?, _ b: String?, _ k: GroupKey) -> Bool? {
            switch (a, b) {
            case (nil, nil): return nil
            case (nil, _): return false
            case (_, nil): return true
            case let (a?, b?):
                if a == b { return nil }
                if k == .year, let x = Int(a), let y = Int(b) { return x > y }
                return a.compare(b, locale: swedish) == .orderedAscending
            }
        }
        let rows = counts.sorted { x, y in
            for (i, k) in keys.enumerated() { if let b = before(x.key[i], y.key[i], k) { return b } }
            return false
        }
        switch format {
        case .text:
            for (key, n) in rows {
                print(key.map { SafeText.line($0 ?? strings.unknown) }.joined(separator: "\t") + "\t\(n)")
            }
        case .json:
            struct Row: Encodable {
                var values: [(String, String?)]
                var count: Int
                enum Key: CodingKey { case name(String); var stringValue: String { if case .name(let s) = self { return s }; return "" }
                    init?(stringValue: String) { self = .name(stringValue) }; var intValue: Int? { nil }; init?(intValue: Int) { nil } }
                func encode(to encoder: Encoder) throws {
                    var c = encoder.container(keyedBy: Key.self)
                    for (k, v) in values {
                        if k == "year" { try c.encode(v.flatMap { Int($0) }, forKey: .name(k)) } else { try c.encode(v, forKey: .name(k)) }
                    }
                    try c.encode(count, forKey: .name("count"))
                }
            }
            print(try JSONOutput.encode(rows.map { key, n in Row(values: zip(keys.map(\.rawValue), key).map { ($0, $1) }, count: n) }))
        case .csv, .xlsxCSV:
            let table = CSVTable(separator: try separatorByte(), byteOrderMark: format == .xlsxCSV)
            print(table.render(header: keys.map(\.rawValue) + ["count"],
                               rows: rows.map { key, n in key.map { CSVTable.Cell.text($0 ?? "") } + [.number(String(n))] }), terminator: "")
        }
    }
}

extension DocumentRecord.Status: ExpressibleByArgument {}
