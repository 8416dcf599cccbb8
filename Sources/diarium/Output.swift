import DiariumAPI
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

/// JSON output: the encoder the web API shares (`APIJSON`, through `SafeText.json`).
enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String { try APIJSON.encode(value) }

    /// One compact JSON object on one line (JSON Lines).
    static func line<T: Encodable>(_ value: T) throws -> String { try APIJSON.line(value) }
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

    /// A page of hits in `strings`' language; each path as a user in `directory` opens it
    /// (relative when below it, else absolute; the recorded path when the root is unknown).
    static func search(_ r: SearchResult, strings: Strings, from directory: String) -> String {
        var out = strings.searchSummary(field(r.query), r.total, r.exactTotal != false) + "\n"
        if r.fallback == "or" { out += strings.searchFallback + "\n" }
        for h in r.hits {
            // The rank right-aligned in two columns (`%2d`, without Foundation's formatter).
            out += "\n\(h.rank < 10 && h.rank >= 0 ? " " : "")\(h.rank). \(h.title.map(field) ?? strings.untitled)\n"
            out += "    \(metaLine(authority: h.authority, type: h.type, date: h.date, year: h.year, dnr: h.dnr))\n"
            let path = h.file.map { RootFolders.shown($0, from: directory) } ?? h.path
            out += "    \(field(path + (h.part.map { "/" + $0 } ?? "")))\(h.page.map { ", " + strings.onPage($0) } ?? "")\n"
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
