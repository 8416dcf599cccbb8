import DiariumIndex
import DiariumOutput
import DiariumSearch
import Foundation

enum Terminal {
    static let stdoutIsTTY = isatty(STDOUT_FILENO) != 0
    static let stderrIsTTY = isatty(STDERR_FILENO) != 0
    /// `NO_COLOR` set to anything non-empty turns off bold and colour (https://no-color.org).
    static let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    /// Writes text diarium composed; document-derived parts must already be `SafeText`-cleaned.
    static func writeError(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}

/// JSON output: sorted keys, and through `SafeText.json` (no raw bidi or invisible character).
enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return SafeText.json(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// One compact JSON object on one line (JSON Lines).
    static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return SafeText.json(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// An inventory entry as printed by `list` and `show`: the hit object without score and snippet.
struct DocumentJSON: Encodable {
    var id: Int64
    var path: String
    var title: String?
    var authority: String?
    var type: String?
    var date: String?
    var year: Int?
    var dnr: String?
    var format: String
    var status: String
    var error: String?
    /// Number of pages, for documents with pages.
    var pages: Int?
    /// For a document inside a file: its name there (a ZIP entry's path, an attachment).
    var part: String?

    init(_ r: DocumentRecord) {
        part = r.partName
        id = r.id; path = r.path; title = r.title; authority = r.authority; type = r.docType; date = r.date
        year = r.year; dnr = r.dnr; format = r.format; status = r.status.rawValue; error = r.error
        pages = r.pageCount
    }
}

/// Plain-text output. Every string from a document goes through `SafeText.line` (one-line
/// fields) or `SafeText.block` (extracted text) here or at the call site, before diarium adds
/// escape sequences of its own (bold matches on a terminal).
enum TextOutput {
    /// A document-derived one-line field, made safe for a terminal.
    static func field(_ s: String) -> String { SafeText.line(s) }

    /// Matched words: bold on a terminal (unless `NO_COLOR`), «…» otherwise.
    static func marks(_ snippet: String) -> String {
        let snippet = SafeText.line(snippet)
        guard Terminal.stdoutIsTTY, !Terminal.noColor else { return snippet }
        return snippet.replacingOccurrences(of: "«", with: "\u{1B}[1m").replacingOccurrences(of: "»", with: "\u{1B}[0m")
    }

    static func metaLine(authority: String?, type: String?, date: String?, year: Int?, dnr: String?) -> String {
        var parts: [String] = []
        if let authority { parts.append(authority) }
        if let type { parts.append(type) }
        if let date { parts.append(date) } else if let year { parts.append(String(year)) }
        if let dnr { parts.append("Dnr \(dnr)") }
        return SafeText.line(parts.joined(separator: " · "))
    }

    static func search(_ r: SearchResult) -> String {
        let count = r.exactTotal == false ? "at least \(r.total)" : "\(r.total)"
        var out = "\(count) document\(r.total == 1 ? "" : "s") match \"\(field(r.query))\"\n"
        if r.fallback == "or" { out += "(no document has every word; ranked by any of them)\n" }
        for h in r.hits {
            out += "\n\(String(format: "%2d", h.rank)). \(h.title.map(field) ?? "(untitled)")\n"
            out += "    \(metaLine(authority: h.authority, type: h.type, date: h.date, year: h.year, dnr: h.dnr))\n"
            out += "    \(field(h.path + (h.part.map { "/" + $0 } ?? "")))\(h.page.map { ", s. \($0)" } ?? "")\n"
            if !h.snippet.isEmpty { out += "    \(marks(h.snippet))\n" }
        }
        return out
    }

    /// `s` cut or padded to `width` characters (`s` must already be safe).
    static func pad(_ s: String, _ width: Int) -> String {
        let c = s.count
        if c > width { return String(s.prefix(width - 1)) + "…" }
        return s + String(repeating: " ", count: width - c)
    }
}
