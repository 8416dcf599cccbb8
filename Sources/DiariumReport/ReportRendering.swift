import DiariumOutput
import Foundation

extension ReleaseReport {
    /// Markdown: a summary table, the authority × type matrix of latest years, the flags, with
    /// headings in `language`. Every name, reference and path goes through `SafeText.markdown`
    /// (no HTML, no table breaks).
    public func markdown(language: Language = .en) -> String {
        let md = SafeText.markdown
        let s = language.strings
        var out = "# \(s.reportTitle)\n\n\(s.reportReference(referenceYear, staleAfter: staleAfter))\n\n"
        out += "| \(s.reportAuthority) | \(s.reportFiles) | \(s.reportDocuments) | \(s.reportFormats) | \(s.reportWithoutText) | \(s.reportYears) |\n|---|---:|---:|---|---:|---|\n"
        for a in authorities {
            let formats = a.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let years = a.years.isEmpty ? "–" : "\(a.years.first!)–\(a.years.last!)"
            out += "| \(md(a.name)) | \(a.files) | \(a.documents) | \(md(formats)) | \(a.failures) | \(years) |\n"
        }
        out += "\n## \(s.latestByType)\n\n| \(s.reportAuthority) | " + ReleaseReport.keyTypes.joined(separator: " | ") + " |\n|---|"
        out += String(repeating: "---:|", count: ReleaseReport.keyTypes.count) + "\n"
        for a in authorities {
            out += "| \(md(a.name)) | " + ReleaseReport.keyTypes.map { t in a.latestByType[t].map(String.init) ?? "–" }.joined(separator: " | ") + " |\n"
        }
        out += "\n## \(s.flags)\n\n"
        for a in authorities where !a.flags.isEmpty {
            out += "- **\(md(a.name))**: " + md(a.flags.map { $0.text(in: language) }.joined(separator: "; ")) + "\n"
        }
        let secrecy = authorities.filter { !$0.secrecyProvisions.isEmpty || $0.redactions > 0 }
        if !secrecy.isEmpty {
            out += "\n## \(s.reportRedactions)\n\n| \(s.reportAuthority) | \(s.reportMasked) | \(s.reportProvisions) |\n|---|---:|---|\n"
            for a in secrecy {
                out += "| \(md(a.name)) | \(a.redactions) | " + md(a.secrecyProvisions.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")) + " |\n"
            }
        }
        if !reviewedDocuments.isEmpty {
            out += "\n## \(s.reportReviewed)\n\n\(s.reportReviewedIntro(reviewedDocuments.count))\n\n"
            out += "| \(s.reportDocument) | \(s.reportAuthority) | \(s.reportComments) | \(s.reportTrackedChanges) |\n|---|---|---:|---:|\n"
            for d in reviewedDocuments {
                out += "| \(d.path + (d.part.map { " → " + $0 } ?? "")) | \(d.authority ?? "–") | \(d.comments) | \(d.trackedChanges) |\n"
            }
        }
        if !missingReferences.isEmpty {
            out += "\n## \(s.citedNotReleased)\n\n\(s.reportFollowUp)\n\n| \(s.reportKind) | \(s.reportReference) | \(s.reportCitedIn) |\n|---|---|---|\n"
            for m in missingReferences { out += "| \(md(s.referenceKind(m.kind))) | \(md(m.reference)) | " + m.citedIn.map(md).joined(separator: "<br>") + " |\n" }
        }
        return out
    }

    /// CSV: one row per authority and document type with the latest year, and the flags
    /// (fields through `SafeText.csvField`: no formula cells, every break quoted).
    public func csv(language: Language = .en) -> String {
        var out = "authority,files,documents,without_text," + ReleaseReport.keyTypes.joined(separator: ",") + ",flags\r\n"
        for a in authorities {
            let numbers = [String(a.files), String(a.documents), String(a.failures)] + ReleaseReport.keyTypes.map { a.latestByType[$0].map(String.init) ?? "" }
            out += ([SafeText.csvField(a.name)] + numbers.map(SafeText.csvNumber) + [SafeText.csvField(a.flags.map { $0.text(in: language) }.joined(separator: "; "))]).joined(separator: ",") + "\r\n"
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
    public func html(language: Language = .en) -> String {
        let esc = SafeText.html
        let s = language.strings
        let svg = chartSVG()
        var body = "<h1>\(esc(s.reportTitle))</h1><p>\(esc(s.reportReference(referenceYear, staleAfter: staleAfter)))</p>"
        body += "<h2>\(esc(s.chart))</h2>" + svg
        body += "<h2>\(esc(s.flags))</h2><ul>"
        for a in authorities where !a.flags.isEmpty { body += "<li><b>\(esc(a.name))</b>: \(esc(a.flags.map { $0.text(in: language) }.joined(separator: "; ")))</li>" }
        body += "</ul><h2>\(esc(s.latestByType))</h2><table><tr><th>\(esc(s.reportAuthority))</th>"
        body += ReleaseReport.keyTypes.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        for a in authorities {
            body += "<tr><td>\(esc(a.name))</td>" + ReleaseReport.keyTypes.map { t in
                let y = a.latestByType[t]
                let stale = y.map { $0 < referenceYear - staleAfter } ?? false
                return "<td class=\"\(y == nil ? "none" : stale ? "stale" : "ok")\">\(y.map(String.init) ?? "–")</td>"
            }.joined() + "</tr>"
        }
        body += "</table><h2>\(esc(s.filesReceived))</h2><table><tr><th>\(esc(s.reportAuthority))</th><th>\(esc(s.reportFiles))</th><th>\(esc(s.reportDocuments))</th><th>\(esc(s.reportWithoutText))</th><th>\(esc(s.reportFormats))</th></tr>"
        for a in authorities {
            body += "<tr><td>\(esc(a.name))</td><td>\(a.files)</td><td>\(a.documents)</td><td>\(a.failures)</td><td>\(esc(a.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))</td></tr>"
        }
        body += "</table>"
        if !reviewedDocuments.isEmpty {
            body += "<h2>\(esc(s.reportReviewed))</h2><table><tr><th>\(esc(s.reportDocument))</th><th>\(esc(s.reportAuthority))</th><th>\(esc(s.reportComments))</th><th>\(esc(s.reportTrackedChanges))</th></tr>"
            for d in reviewedDocuments {
                body += "<tr><td>\(esc(d.path + (d.part.map { " → " + $0 } ?? "")))</td><td>\(esc(d.authority ?? "–"))</td><td>\(d.comments)</td><td>\(d.trackedChanges)</td></tr>"
            }
            body += "</table>"
        }
        if !missingReferences.isEmpty {
            body += "<h2>\(esc(s.citedNotReleased))</h2><table><tr><th>\(esc(s.reportKind))</th><th>\(esc(s.reportReference))</th><th>\(esc(s.reportCitedIn))</th></tr>"
            for m in missingReferences { body += "<tr><td>\(esc(s.referenceKind(m.kind)))</td><td>\(esc(m.reference))</td><td>\(m.citedIn.map(esc).joined(separator: "<br>"))</td></tr>" }
            body += "</table>"
        }
        let style = "body{font-family:sans-serif;max-width:90em;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}td.stale{background:#fde2cf}td.none{color:#aaa}td.ok{background:#e3f1e0}"
        return "<!DOCTYPE html><html lang=\"\(language.rawValue)\"><head><meta charset=\"utf-8\"><title>\(esc(s.reportTitle))</title><style>\(style)</style></head><body>\(body)</body></html>\n"
    }
}
