import DiariumOutput
import Foundation

extension ReleaseReport {
    /// Markdown: a summary table, the authority × type matrix of latest years, the flags. Every
    /// name, reference and path goes through `SafeText.markdown` (no HTML, no table breaks).
    public func markdown() -> String {
        let md = SafeText.markdown
        var out = "# Release report\n\nReference year \(referenceYear) (the newest document); types older than \(staleAfter) years are flagged.\n\n"
        out += "| authority | files | documents | formats | without text | years |\n|---|---:|---:|---|---:|---|\n"
        for a in authorities {
            let formats = a.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let years = a.years.isEmpty ? "–" : "\(a.years.first!)–\(a.years.last!)"
            out += "| \(md(a.name)) | \(a.files) | \(a.documents) | \(md(formats)) | \(a.failures) | \(years) |\n"
        }
        out += "\n## Latest year per document type\n\n| authority | " + ReleaseReport.keyTypes.joined(separator: " | ") + " |\n|---|"
        out += String(repeating: "---:|", count: ReleaseReport.keyTypes.count) + "\n"
        for a in authorities {
            out += "| \(md(a.name)) | " + ReleaseReport.keyTypes.map { t in a.latestByType[t].map(String.init) ?? "–" }.joined(separator: " | ") + " |\n"
        }
        out += "\n## Flags\n\n"
        for a in authorities where !a.flags.isEmpty {
            out += "- **\(md(a.name))**: " + md(a.flags.joined(separator: "; ")) + "\n"
        }
        let secrecy = authorities.filter { !$0.secrecyProvisions.isEmpty || $0.redactions > 0 }
        if !secrecy.isEmpty {
            out += "\n## Redactions and secrecy\n\n| authority | masked passages | provisions cited (documents) |\n|---|---:|---|\n"
            for a in secrecy {
                out += "| \(md(a.name)) | \(a.redactions) | " + md(a.secrecyProvisions.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")) + " |\n"
            }
        }
        if !reviewedDocuments.isEmpty {
            out += "\n## Comments and tracked changes left in\n\n\(reviewedDocuments.count) document\(reviewedDocuments.count == 1 ? "" : "s") still carr\(reviewedDocuments.count == 1 ? "ies" : "y") reviewers' comments or tracked changes (`diarium show PATH --text` marks them).\n\n"
            out += "| document | authority | comments | tracked changes |\n|---|---|---:|---:|\n"
            for d in reviewedDocuments {
                out += "| \(d.path + (d.part.map { " → " + $0 } ?? "")) | \(d.authority ?? "–") | \(d.comments) | \(d.trackedChanges) |\n"
            }
        }
        if !missingReferences.isEmpty {
            out += "\n## Cited but not released\n\nMaterial for a follow-up request.\n\n| kind | reference | cited in |\n|---|---|---|\n"
            for m in missingReferences { out += "| \(md(m.kind)) | \(md(m.reference)) | " + m.citedIn.map(md).joined(separator: "<br>") + " |\n" }
        }
        return out
    }

    /// CSV: one row per authority and document type with the latest year, and the flags
    /// (fields through `SafeText.csvField`: no formula cells, every break quoted).
    public func csv() -> String {
        var out = "authority,files,documents,without_text," + ReleaseReport.keyTypes.joined(separator: ",") + ",flags\r\n"
        for a in authorities {
            let numbers = [String(a.files), String(a.documents), String(a.failures)] + ReleaseReport.keyTypes.map { a.latestByType[$0].map(String.init) ?? "" }
            out += ([SafeText.csvField(a.name)] + numbers.map(SafeText.csvNumber) + [SafeText.csvField(a.flags.joined(separator: "; "))]).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// The year × authority chart: an SVG element (no script, no style element; presentation
    /// attributes only), every name escaped.
    public func chartSVG() -> String {
        let esc = SafeText.html
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
        let esc = SafeText.html
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
        if !reviewedDocuments.isEmpty {
            body += "<h2>Comments and tracked changes left in</h2><table><tr><th>document</th><th>authority</th><th>comments</th><th>tracked changes</th></tr>"
            for d in reviewedDocuments {
                body += "<tr><td>\(esc(d.path + (d.part.map { " → " + $0 } ?? "")))</td><td>\(esc(d.authority ?? "–"))</td><td>\(d.comments)</td><td>\(d.trackedChanges)</td></tr>"
            }
            body += "</table>"
        }
        if !missingReferences.isEmpty {
            body += "<h2>Cited but not released</h2><table><tr><th>kind</th><th>reference</th><th>cited in</th></tr>"
            for m in missingReferences { body += "<tr><td>\(esc(m.kind))</td><td>\(esc(m.reference))</td><td>\(m.citedIn.map(esc).joined(separator: "<br>"))</td></tr>" }
            body += "</table>"
        }
        let style = "body{font-family:sans-serif;max-width:90em;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}td.stale{background:#fde2cf}td.none{color:#aaa}td.ok{background:#e3f1e0}"
        return "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Release report</title><style>\(style)</style></head><body>\(body)</body></html>\n"
    }
}
