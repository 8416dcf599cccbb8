import DiariumAPI
import DiariumExtraction
import DiariumIndex
import DiariumOutput
import DiariumReport
import DiariumSearch
import Foundation

/// Server-side rendering of the pages, in one language. Every value from the index goes
/// through `HTML.escape`; see `HTML`.
struct Page {
    let lang: Language
    /// The language asked for with `?lang=`, carried on in every link.
    let explicitLanguage: Language?
    var s: Strings { lang.strings }

    init(lang: Language, explicitLanguage: Language?) {
        self.lang = lang
        self.explicitLanguage = explicitLanguage
    }

    enum Section { case search, inventory, report }

    func esc(_ v: String) -> String { HTML.escape(v) }

    /// A link on this server, carrying `?lang=` when it was given.
    func url(_ path: String, _ params: [(String, String)] = []) -> String {
        HTML.url(path, params + (explicitLanguage.map { [("lang", $0.rawValue)] } ?? []))
    }

    // MARK: frame

    func respond(title: String, body: String, active: Section, script: Bool = false, status: HTTPStatus = .ok) -> HTTPResponse {
        func nav(_ section: Section, _ path: String, _ label: String) -> String {
            "<a href=\"\(esc(url(path)))\"\(section == active ? " aria-current=\"page\"" : "")>\(esc(label))</a>"
        }
        let other: Language = lang == .sv ? .en : .sv
        var html = "<!DOCTYPE html><html lang=\"\(lang.rawValue)\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<title>\(esc(title)) · diarium</title><link rel=\"stylesheet\" href=\"/assets/app.css\">"
        html += "<link rel=\"icon\" href=\"/favicon.ico\" type=\"image/svg+xml\">"
        if script { html += "<script src=\"/assets/app.js\" defer></script>" }
        html += "</head><body><a class=\"skip\" href=\"#main\">\(esc(s.skip))</a>"
        html += "<header class=\"top\"><div class=\"bar\"><a class=\"brand\" href=\"\(esc(url("/")))\">diarium</a>"
        html += "<nav aria-label=\"diarium\">" + nav(.search, "/", s.search) + " " + nav(.inventory, "/inventory", s.inventory) + " "
            + nav(.report, "/report", s.report) + "</nav>"
        html += "<a class=\"lang\" lang=\"\(other.rawValue)\" href=\"\(esc(HTML.url("/", [("lang", other.rawValue)])))\">\(esc(s.languageSwitch))</a>"
        html += "</div></header><main id=\"main\" tabindex=\"-1\">" + body + "</main></body></html>\n"
        return HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    }

    func error(_ status: HTTPStatus, _ title: String, _ message: String) -> HTTPResponse {
        let body = "<h1>\(esc(title))</h1><p class=\"notice\" role=\"alert\">\(esc(message))</p><p><a href=\"\(esc(url("/")))\">\(esc(s.search))</a></p>"
        return respond(title: title, body: body, active: .search, status: status)
    }

    // MARK: search

    func searchForm(_ state: WebApp.SearchState) -> String {
        var out = "<form class=\"search\" role=\"search\" action=\"/\" method=\"get\"><div class=\"q\">"
        out += "<label for=\"q\">\(esc(s.query))</label>"
        out += "<input type=\"search\" id=\"q\" name=\"q\" value=\"\(esc(state.q))\" aria-describedby=\"q-help\" autocomplete=\"off\" maxlength=\"\(WebApp.maxQueryBytes)\"></div>"
        for (f, v) in state.facets { out += "<input type=\"hidden\" name=\"\(f.rawValue)\" value=\"\(esc(v))\">" }
        if let l = explicitLanguage { out += "<input type=\"hidden\" name=\"lang\" value=\"\(l.rawValue)\">" }
        out += "<div class=\"sort\"><label for=\"sort\">\(esc(s.sortBy))</label><select id=\"sort\" name=\"sort\">"
        for (o, label) in [(SearchOrder.score, s.byScore), (.date, s.byDate), (.year, s.byYear)] {
            out += "<option value=\"\(o.rawValue)\"\(o == state.sort ? " selected" : "")>\(esc(label))</option>"
        }
        out += "</select></div><button type=\"submit\">\(esc(s.submit))</button></form>"
        out += "<p class=\"help\" id=\"q-help\">\(esc(s.queryHelp))</p>"
        return out
    }

    func welcome() -> String { "<p class=\"notice\">\(esc(s.emptyQuery))</p>" }

    func facetTitle(_ f: WebApp.Facet) -> String {
        switch f {
        case .org: return s.authority
        case .year: return s.year
        case .type: return s.type
        case .format: return s.format
        }
    }

    func results(_ state: WebApp.SearchState, _ r: SearchResult, total: Int, facets: [WebApp.Facet: [String: Int]]) -> String {
        var out = ""
        let shownQuery = state.effective
        out += "<p class=\"summary\" role=\"status\">\(esc(s.documentsMatch(shownQuery, total, r.exactTotal != false)))"
        out += " · <a href=\"\(esc(url("/explain", [("q", state.effective)])))\">\(esc(s.howUnderstood))</a></p>"
        if !state.facets.isEmpty {
            out += "<ul class=\"chips\" aria-label=\"\(esc(s.filters))\">"
            for (i, (f, v)) in state.facets.enumerated() {
                var rest = state.facets
                rest.remove(at: i)
                out += "<li><a href=\"\(esc(url("/", state.params(facets: rest))))\" aria-label=\"\(esc(s.removeFilter)): \(esc(f.clause(v)))\">"
                out += "<code>\(esc(f.clause(v)))</code> ✕</a></li>"
            }
            out += "</ul>"
        }
        if r.fallback == "or" { out += "<p class=\"notice\">\(esc(s.fallback))</p>" }
        out += "<div class=\"layout\"><section class=\"results\" aria-label=\"\(esc(s.search))\">"
        if r.hits.isEmpty {
            out += "<p class=\"notice\">\(esc(s.noHits)) \(esc(s.noHitsHelp))</p>"
        } else {
            out += "<ol class=\"hits\">"
            for h in r.hits {
                let link = url("/doc/\(h.id)", [("q", state.effective)])
                out += "<li><h3><span class=\"rank\">\(h.rank).</span><a href=\"\(esc(link))\">\(esc(h.title ?? s.untitled))</a></h3>"
                out += "<p class=\"meta\">" + metaLine(authority: h.authority, type: h.type, date: h.date, year: h.year, dnr: h.dnr, format: h.format) + "</p>"
                if !h.snippet.isEmpty { out += "<p class=\"snippet\">\(HTML.snippet(h.snippet, highlights: h.highlights))</p>" }
                out += "<p class=\"path\">\(esc(h.path))"
                if let p = h.page { out += " · <a href=\"\(esc(link))#page-\(p)\">\(esc(s.page)) \(p)</a>" }
                out += "</p></li>"
            }
            out += "</ol>"
            let pages = (total + WebApp.pageSize - 1) / WebApp.pageSize
            if pages > 1 {
                out += "<nav class=\"pager\" aria-label=\"\(esc(s.resultsPages))\">"
                if state.page > 1 { out += "<a rel=\"prev\" href=\"\(esc(url("/", state.params(page: state.page - 1))))\">← \(esc(s.previous))</a>" }
                out += "<span>\(state.page) / \(pages)</span>"
                if state.page < pages { out += "<a rel=\"next\" href=\"\(esc(url("/", state.params(page: state.page + 1))))\">\(esc(s.next)) →</a>" }
                out += "</nav>"
            }
        }
        out += "</section><aside class=\"facets\" aria-label=\"\(esc(s.narrow))\">"
        for f in WebApp.Facet.allCases {
            guard let values = facets[f], !values.isEmpty else { continue }
            let sorted = f == .year ? values.sorted { $0.key > $1.key } : values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            out += "<h2 id=\"facet-\(f.rawValue)\">\(esc(facetTitle(f)))</h2><ul aria-labelledby=\"facet-\(f.rawValue)\">"
            for (value, n) in sorted.prefix(20) {
                let chosen = state.facets.contains { $0.0 == f && $0.1 == value }
                if chosen {
                    out += "<li><span><b>\(esc(value))</b></span><span class=\"count\">\(n)</span></li>"
                } else {
                    let href = url("/", state.params(facets: state.facets + [(f, value)]))
                    out += "<li><a href=\"\(esc(href))\" data-facet=\"\(f.rawValue)\">\(esc(value))<code class=\"clause\">\(esc(f.clause(value)))</code></a>"
                    out += "<span class=\"count\">\(n)</span></li>"
                }
            }
            out += "</ul>"
        }
        out += "</aside></div>"
        return out
    }

    func metaLine(authority: String?, type: String?, date: String?, year: Int?, dnr: String?, format: String? = nil) -> String {
        var parts: [String] = []
        if let authority { parts.append(esc(authority)) }
        if let type { parts.append(esc(type)) }
        if let date { parts.append("<time>\(esc(date))</time>") } else if let year { parts.append(String(year)) }
        if let dnr { parts.append("Dnr " + esc(dnr)) }
        if let format { parts.append(esc(format)) }
        return parts.joined(separator: " · ")
    }

    func explain(_ state: WebApp.SearchState, _ text: String) -> String {
        var out = "<h1>\(esc(s.explainTitle))</h1><p><code>\(esc(state.effective))</code></p>"
        out += "<pre class=\"explain\">\(esc(text))</pre>"
        out += "<p><a href=\"\(esc(url("/", state.params())))\">\(esc(s.backToResults))</a></p>"
        return out
    }

    // MARK: document

    func document(_ r: DocumentRecord, text: [UInt8]?, matches: [Range<Int>], truncated: Bool,
                  families: [DuplicateFamilies.Family], query: String) -> String {
        let sources = DocumentDetailJSON.sources(of: r) ?? [:]
        var out = "<h1>\(esc(r.title ?? s.untitled))</h1>"
        if !query.isEmpty { out += "<p><a href=\"\(esc(url("/", [("q", query)])))\">← \(esc(s.backToResults))</a></p>" }
        out += "<p><a href=\"\(esc(url("/file/\(r.id)")))\" download>\(esc(s.download))</a> <span class=\"help\">(\(esc(s.downloadHelp)), \(r.size) B)</span></p>"
        out += "<h2>\(esc(s.metadata))</h2><dl class=\"meta-table\">"
        let rows: [(String, String, String?)] = [
            (s.title, "title", r.title), (s.authority, "authority", r.authority), (s.type, "type", r.docType), (s.date, "date", r.date),
            (s.year, "year", r.year.map(String.init)), (s.dnr, "dnr", r.dnr), (s.language, "language", r.language),
            (s.path, "", r.path), (s.format, "", r.format), (s.encoding, "", r.encoding),
            (s.status, "", r.status.rawValue + (r.error.map { ": " + $0 } ?? "")),
            (s.size, "", "\(r.size) B"), (s.sha256, "", r.sha256), (s.ingested, "", r.ingestedAt),
        ]
        for (label, key, value) in rows {
            guard let value else { continue }
            out += "<dt>\(esc(label))</dt><dd>\(esc(value))"
            if let src = sources[key] { out += "<span class=\"source\">\(esc(s.source)): \(esc(src))</span>" }
            out += "</dd>"
        }
        out += "</dl>"
        if !families.isEmpty {
            out += "<h2>\(esc(s.duplicates))</h2><ul>"
            for f in families {
                for m in f.members where m.id != r.id {
                    let kind = f.kind == "exact" ? s.exactCopy : s.nearDuplicate
                    out += "<li><a href=\"\(esc(url("/doc/\(m.id)")))\">\(esc(m.title ?? m.path))</a> — \(esc(m.authority ?? "")) · \(esc(kind)) (\(Int((m.similarity * 100).rounded())) %)</li>"
                }
            }
            out += "</ul>"
        }
        out += "<h2 id=\"text\">\(esc(s.text))</h2>"
        guard let text else {
            out += "<p class=\"notice\">\(esc(s.noText))\(r.error.map { " " + esc($0) } ?? "")</p>"
            return out
        }
        if !query.isEmpty {
            out += "<div class=\"doc-actions\" role=\"toolbar\" aria-label=\"\(esc(s.matches))\">"
            if matches.isEmpty {
                out += "<span>\(esc(s.noMatchesInText))</span>"
            } else {
                out += "<span>\(matches.count) \(esc(matches.count == 1 ? s.match : s.matches))</span>"
                out += "<a href=\"#m1\">\(esc(s.firstMatch))</a>"
                out += "<button type=\"button\" class=\"secondary\" id=\"prev-match\" hidden>↑ \(esc(s.previousMatch))</button>"
                out += "<button type=\"button\" id=\"next-match\" hidden>↓ \(esc(s.nextMatch))</button>"
                out += "<span id=\"match-status\" aria-live=\"polite\"></span>"
            }
            out += "</div>"
        }
        out += "<div class=\"doc-text\" lang=\"\(esc(r.language ?? "sv"))\">" + markedText(text, matches: matches, pages: r.pageStarts.map { PageMap.decode([UInt8]($0)) } ?? []) + "</div>"
        if truncated { out += "<p class=\"notice\">\(esc(s.truncated))</p>" }
        return out
    }

    /// The text with matches (`<mark class="hit" id="mN">`), cited case numbers and redacted
    /// passages marked; overlapping marks keep the first.
    func markedText(_ text: [UInt8], matches: [Range<Int>], pages: [Int] = []) -> String {
        enum Kind { case hit, cite, redacted }
        var spans: [(range: Range<Int>, kind: Kind)] = matches.map { ($0, .hit) }
        var pageStarts = pages.enumerated().map { (page: $0.offset + 1, at: $0.element) }[...]
        let string = String(decoding: text, as: UTF8.self)
        for number in Citations.caseNumbers(in: string) { for r in Page.byteRanges(of: number, in: text) { spans.append((r, .cite)) } }
        for r in Page.redactionRanges(text) { spans.append((r, .redacted)) }
        spans.sort { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.kind == .hit }
        var out = ""
        var cursor = 0
        var hit = 0
        /// Text up to `end`, with a page heading where each page begins.
        func plain(to end: Int) {
            while let next = pageStarts.first, next.at <= end {
                if next.at > cursor { out += esc(String(decoding: text[cursor..<next.at], as: UTF8.self)); cursor = next.at }
                out += "<span class=\"pageno\" id=\"page-\(next.page)\">\(esc(s.page)) \(next.page)</span>"
                pageStarts.removeFirst()
            }
            out += esc(String(decoding: text[cursor..<end], as: UTF8.self))
            cursor = end
        }
        for span in spans where span.range.lowerBound >= cursor && span.range.upperBound <= text.count {
            plain(to: span.range.lowerBound)
            let inner = esc(String(decoding: text[span.range], as: UTF8.self))
            switch span.kind {
            case .hit:
                hit += 1
                out += "<mark class=\"hit\" id=\"m\(hit)\">\(inner)</mark>"
            case .cite: out += "<span class=\"cite\" title=\"\(esc(s.caseNumber))\">\(inner)</span>"
            case .redacted: out += "<span class=\"redacted\" title=\"\(esc(s.redacted))\">\(inner)</span>"
            }
            cursor = span.range.upperBound
        }
        plain(to: text.count)
        return out
    }

    /// Every occurrence of `needle` in `text`, as byte ranges.
    static func byteRanges(of needle: String, in text: [UInt8]) -> [Range<Int>] {
        let n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= text.count else { return [] }
        var out: [Range<Int>] = []
        var i = 0
        while i + n.count <= text.count {
            if text[i] == n[0] && text[i..<(i + n.count)].elementsEqual(n) {
                out.append(i..<(i + n.count))
                i += n.count
            } else {
                i += 1
            }
        }
        return out
    }

    /// Masked passages as `Citations.redactions` counts them: the bracketed markers and runs of
    /// `XXXX`, `██` and `*****`.
    static func redactionRanges(_ text: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for marker in Citations.redactionMarkers where marker.hasPrefix("[") { out += byteRanges(of: marker, in: text) }
        // Runs of one repeated marker character.
        let runs: [([UInt8], Int)] = [([0x58], 4), (Array("█".utf8), 2), ([0x2A], 5)]
        for (unit, minimum) in runs {
            var i = 0
            while i + unit.count <= text.count {
                var j = i
                while j + unit.count <= text.count && text[j..<(j + unit.count)].elementsEqual(unit) { j += unit.count }
                if (j - i) / unit.count >= minimum {
                    let before = i > 0 ? text[i - 1] : 0x20, after = j < text.count ? text[j] : 0x20
                    let isWord = unit != [0x58] || (!Page.isLetter(before) && !Page.isLetter(after))
                    if isWord { out.append(i..<j) }
                    i = j
                } else {
                    i = max(j, i + 1)
                }
            }
        }
        return out
    }

    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80 }

    // MARK: inventory

    func inventory(_ state: WebApp.InventoryState, all: [DocumentRecord], rows: [DocumentRecord]) -> String {
        var out = "<h1>\(esc(s.inventory))</h1><p class=\"help\">\(esc(s.inventoryHelp))</p>"
        out += "<form class=\"filters\" action=\"/inventory\" method=\"get\">"
        func select(_ key: String, _ label: String, _ values: [String]) -> String {
            var o = "<div><label for=\"f-\(key)\">\(esc(label))</label><select id=\"f-\(key)\" name=\"\(key)\"><option value=\"\">(\(esc(s.all)))</option>"
            for v in values { o += "<option value=\"\(esc(v))\"\(state.filters[key] == v ? " selected" : "")>\(esc(v))</option>" }
            return o + "</select></div>"
        }
        func distinct(_ f: (DocumentRecord) -> String?) -> [String] { Array(Set(all.compactMap(f))).sorted() }
        out += select("org", s.authority, distinct(\.authority))
        out += select("type", s.type, distinct(\.docType))
        out += select("year", s.year, distinct { $0.year.map(String.init) }.reversed())
        out += select("format", s.format, distinct(\.format))
        out += select("status", s.status, distinct(\.status.rawValue))
        if let l = explicitLanguage { out += "<input type=\"hidden\" name=\"lang\" value=\"\(l.rawValue)\">" }
        out += "<button type=\"submit\">\(esc(s.applyFilters))</button></form>"
        out += "<p class=\"summary\">\(rows.count) / \(all.count) \(esc(s.showing)) · "
        out += "<a href=\"\(esc(HTML.url("/inventory.csv", state.params())))\">\(esc(s.csv))</a></p>"
        let columns: [(String, String)] = [("id", "#"), ("date", s.date), ("authority", s.authority), ("type", s.type), ("title", s.title),
                                           ("format", s.format), ("status", s.status), ("path", s.path)]
        out += "<div class=\"tablewrap\"><table><thead><tr>"
        for (key, label) in columns {
            let active = state.sort == key
            let dir = active ? (state.descending ? "descending" : "ascending") : "none"
            let href = url("/inventory", state.params(sort: key, descending: active ? !state.descending : key == "date"))
            out += "<th scope=\"col\" aria-sort=\"\(dir)\"><a href=\"\(esc(href))\">\(esc(label))\(active ? (state.descending ? " ↓" : " ↑") : "")</a></th>"
        }
        out += "</tr></thead><tbody>"
        for r in rows {
            out += "<tr><td class=\"num\">\(r.id)</td><td class=\"date\">\(esc(r.date ?? r.year.map(String.init) ?? "–"))</td><td>\(esc(r.authority ?? "–"))</td>"
            out += "<td>\(esc(r.docType ?? "–"))</td><td><a href=\"\(esc(url("/doc/\(r.id)")))\">\(esc(r.title ?? s.untitled))</a></td>"
            out += "<td>\(esc(r.format))</td><td>\(esc(r.status.rawValue))\(r.error.map { "<br><small>\(esc($0))</small>" } ?? "")</td>"
            out += "<td class=\"path\">\(esc(r.path))</td></tr>"
        }
        out += "</tbody></table></div>"
        return out
    }

    // MARK: report

    func report(_ r: ReleaseReport) -> String {
        var out = "<h1>\(esc(s.report))</h1><p>" + esc(s.reportIntro.replacingOccurrences(of: "%1", with: String(r.referenceYear))
            .replacingOccurrences(of: "%2", with: String(r.staleAfter))) + "</p>"
        out += "<h2>\(esc(s.flags))</h2><ul class=\"flags\">"
        for a in r.authorities where !a.flags.isEmpty {
            out += "<li><b>\(esc(a.name))</b>: \(esc(a.flags.map { $0.text(in: lang) }.joined(separator: "; ")))</li>"
        }
        out += "</ul><h2>\(esc(s.chart))</h2>" + r.chartSVG()
        out += "<h2>\(esc(s.latestByType))</h2><div class=\"tablewrap\"><table><thead><tr><th scope=\"col\">\(esc(s.authority))</th>"
        out += ReleaseReport.keyTypes.map { "<th scope=\"col\">\(esc($0))</th>" }.joined() + "</tr></thead><tbody>"
        for a in r.authorities {
            out += "<tr><th scope=\"row\">\(esc(a.name))</th>" + ReleaseReport.keyTypes.map { t in
                let y = a.latestByType[t]
                let stale = y.map { $0 < r.referenceYear - r.staleAfter } ?? false
                return "<td class=\"\(y == nil ? "none" : stale ? "stale" : "ok")\">\(y.map(String.init) ?? "–")</td>"
            }.joined() + "</tr>"
        }
        out += "</tbody></table></div><h2>\(esc(s.filesReceived))</h2><div class=\"tablewrap\"><table><thead><tr>"
        out += "<th scope=\"col\">\(esc(s.authority))</th><th class=\"num\" scope=\"col\">\(esc(s.files))</th><th class=\"num\" scope=\"col\">\(esc(s.documents))</th>"
        out += "<th class=\"num\" scope=\"col\">\(esc(s.withoutText))</th><th scope=\"col\">\(esc(s.format))</th></tr></thead><tbody>"
        for a in r.authorities {
            let formats = a.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let failures = a.failures > 0 ? "<a href=\"\(esc(url("/inventory", [("org", a.name), ("status", "")])))\">\(a.failures)</a>" : "0"
            out += "<tr><th scope=\"row\"><a href=\"\(esc(url("/", [("org", a.name)])))\">\(esc(a.name))</a></th><td class=\"num\">\(a.files)</td>"
            out += "<td class=\"num\">\(a.documents)</td><td class=\"num\">\(failures)</td><td>\(esc(formats))</td></tr>"
        }
        out += "</tbody></table></div>"
        if !r.missingReferences.isEmpty {
            out += "<h2>\(esc(s.citedNotReleased))</h2><div class=\"tablewrap\"><table><thead><tr><th scope=\"col\">\(esc(s.kind))</th>"
            out += "<th scope=\"col\">\(esc(s.reference))</th><th scope=\"col\">\(esc(s.citedIn))</th></tr></thead><tbody>"
            for m in r.missingReferences {
                out += "<tr><td>\(esc(m.kind))</td><td>\(esc(m.reference))</td><td>\(m.citedIn.map(esc).joined(separator: "<br>"))</td></tr>"
            }
            out += "</tbody></table></div>"
        }
        return out
    }
}
