import Foundation

extension ReleaseReport {
    /// Markdown: a summary table, the authority × type matrix of latest years, the flags.
    public func markdown() -> String {
        var out = "# Release report\n\nReference year \(referenceYear) (the newest document); types older than \(staleAfter) years are flagged.\n\n"
        out += "| authority | files | documents | formats | without text | years |\n|---|---:|---:|---|---:|---|\n"
        for a in authorities {
            let formats = a.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let years = a.years.isEmpty ? "–" : "\(a.years.first!)–\(a.years.last!)"
            out += "| \(a.name) | \(a.files) | \(a.documents) | \(formats) | \(a.failures) | \(years) |\n"
        }
        out += "\n## Latest year per document type\n\n| authority | " + ReleaseReport.keyTypes.joined(separator: " | ") + " |\n|---|"
        out += String(repeating: "---:|", count: ReleaseReport.keyTypes.count) + "\n"
        for a in authorities {
            out += "| \(a.name) | " + ReleaseReport.keyTypes.map { t in a.latestByType[t].map(String.init) ?? "–" }.joined(separator: " | ") + " |\n"
        }
        out += "\n## Flags\n\n"
        for a in authorities where !a.flags.isEmpty {
            out += "- **\(a.name)**: " + a.flags.joined(separator: "; ") + "\n"
        }
        let secrecy = authorities.filter { !$0.secrecyProvisions.isEmpty || $0.redactions > 0 }
        if !secrecy.isEmpty {
            out += "\n## Redactions and secrecy\n\n| authority | masked passages | provisions cited (documents) |\n|---|---:|---|\n"
            for a in secrecy {
                out += "| \(a.name) | \(a.redactions) | " + a.secrecyProvisions.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ") + " |\n"
            }
        }
        if !missingReferences.isEmpty {
            out += "\n## Cited but not released\n\nMaterial for a follow-up request.\n\n| kind | reference | cited in |\n|---|---|---|\n"
            for m in missingReferences { out += "| \(m.kind) | \(m.reference) | " + m.citedIn.joined(separator: "<br>") + " |\n" }
        }
        return out
    }

    /// CSV: one row per authority and document type with the latest year, and the flags.
    public func csv() -> String {
        func field(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var out = "authority,files,documents,without_text," + ReleaseReport.keyTypes.joined(separator: ",") + ",flags\r\n"
        for a in authorities {
            let cells = [a.name, String(a.files), String(a.documents), String(a.failures)]
                + ReleaseReport.keyTypes.map { a.latestByType[$0].map(String.init) ?? "" } + [a.flags.joined(separator: "; ")]
            out += cells.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// The year × authority chart: an SVG element (no script, no style element; presentation
    /// attributes only), every name escaped.
    public func chartSVG() -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let years = documentsByYear.keys.compactMap(Int.init).sorted()
        let maxCount = max(1, matrix.values.flatMap { $0.values }.max() ?? 1)
        let cell = 34, label = 230, top = 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(label + cell * max(years.count, 1) + 20)\" height=\"\(top + cell * authorities.count + 10)\" role=\"img\" aria-label=\"Documents per authority and year\">"
        for (i, y) in years.enumerated() {
            svg += "<text x=\"\(label + i * cell + cell / 2)\" y=\"20\" font-size=\"12\" text-anchor=\"middle\">\(y)</text>"
        }
        for (r, a) in authorities.enumerated() {
            let yPos = top + r * cell
            svg += "<text x=\"\(label - 8)\" y=\"\(yPos + cell / 2 + 4)\" font-size=\"12\" text-anchor=\"end\">\(esc(a.name))</text>"
            for (i, y) in years.enumerated() {
                let n = matrix[a.name]?[String(y)] ?? 0
                let shade = n == 0 ? "#f2f2f2" : String(format: "rgb(%d,%d,%d)", 220 - 180 * n / maxCount, 235 - 130 * n / maxCount, 255 - 60 * n / maxCount)
                svg += "<rect x=\"\(label + i * cell)\" y=\"\(yPos)\" width=\"\(cell - 2)\" height=\"\(cell - 2)\" fill=\"\(shade)\"><title>\(esc(a.name)) \(y): \(n)</title></rect>"
                if n > 0 { svg += "<text x=\"\(label + i * cell + cell / 2 - 1)\" y=\"\(yPos + cell / 2 + 4)\" font-size=\"12\" text-anchor=\"middle\">\(n)</text>" }
            }
        }
        svg += "</svg>"
        return svg
    }

    /// One self-contained HTML page: the summary, a year × authority chart (inline SVG), the
    /// type matrix and the flags. No scripts, no external resources.
    public func html() -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let svg = chartSVG()
        var body = "<h1>Release report</h1><p>Reference year \(referenceYear) (the newest document); types older than \(staleAfter) years are flagged.</p>"
        body += "<h2>Documents per authority and year</h2>" + svg
        body += "<h2>Flags</h2><ul>"
        for a in authorities where !a.flags.isEmpty { body += "<li><b>\(esc(a.name))</b>: \(esc(a.flags.joined(separator: "; ")))</li>" }
        body += "</ul><h2>Latest year per document type</h2><table><tr><th>authority</th>"
        body += ReleaseReport.keyTypes.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        for a in authorities {
            body += "<tr><td>\(esc(a.name))</td>" + ReleaseReport.keyTypes.map { t in
                let y = a.latestByType[t]
                let stale = y.map { $0 < referenceYear - staleAfter } ?? false
                return "<td class=\"\(y == nil ? "none" : stale ? "stale" : "ok")\">\(y.map(String.init) ?? "–")</td>"
            }.joined() + "</tr>"
        }
        body += "</table><h2>Files received</h2><table><tr><th>authority</th><th>files</th><th>documents</th><th>without text</th><th>formats</th></tr>"
        for a in authorities {
            body += "<tr><td>\(esc(a.name))</td><td>\(a.files)</td><td>\(a.documents)</td><td>\(a.failures)</td><td>\(esc(a.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))</td></tr>"
        }
        body += "</table>"
        if !missingReferences.isEmpty {
            body += "<h2>Cited but not released</h2><table><tr><th>kind</th><th>reference</th><th>cited in</th></tr>"
            for m in missingReferences { body += "<tr><td>\(esc(m.kind))</td><td>\(esc(m.reference))</td><td>\(m.citedIn.map(esc).joined(separator: "<br>"))</td></tr>" }
            body += "</table>"
        }
        let style = "body{font-family:sans-serif;max-width:90em;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}td.stale{background:#fde2cf}td.none{color:#aaa}td.ok{background:#e3f1e0}"
        return "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Release report</title><style>\(style)</style></head><body>\(body)</body></html>\n"
    }
}
