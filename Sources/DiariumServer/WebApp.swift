import DiariumAPI
import DiariumIndex
import DiariumOutput
import DiariumReport
import DiariumSearch
import Foundation

/// The web application of `diarium serve`: routes a request to a page, the JSON API, an asset
/// or a file download, over the current snapshot of the index. Read only; thread-safe.
///
/// Routes (docs/api.md):
/// - `/` search (`q`, `org`, `year`, `type`, `format`, `sort`, `page`), `/explain?q=`
/// - `/doc/ID` a document (`q` highlights), `/file/ID` its original file
/// - `/inventory` (`org`, `type`, `year`, `format`, `status`, `sort`, `dir`), `/inventory.csv`
/// - `/report`; `/api/search`, `/api/list`, `/api/show/ID`, `/api/report`, `/api/stats`
/// - `/assets/app.css`, `/assets/app.js`
public final class WebApp: Sendable {
    let snapshots: Snapshots
    let files: FileStore
    /// Host names a request may carry when the server listens on loopback only (a guard
    /// against DNS rebinding: a web page cannot reach this server through a name of its own).
    let allowedHosts: Set<String>?
    /// Results per page.
    static let pageSize = 10
    /// Longest query accepted, in bytes.
    static let maxQueryBytes = 1000
    /// Longest text shown on a document page, in bytes.
    static let maxTextBytes = 2 << 20

    /// - Parameters:
    ///   - indexDirectory: the index to serve.
    ///   - filesRoot: the folder the catalog's paths are relative to (where `ingest` ran).
    ///   - loopbackPort: when listening on loopback only, its port: requests must then name
    ///     `localhost`, `127.0.0.1` or `[::1]` with that port as their Host.
    public init(indexDirectory: String, filesRoot: String, loopbackPort: Int?) {
        snapshots = Snapshots(directory: indexDirectory)
        files = FileStore(root: filesRoot)
        allowedHosts = loopbackPort.map { p in ["localhost:\(p)", "127.0.0.1:\(p)", "[::1]:\(p)", "localhost", "127.0.0.1", "[::1]"] }
    }

    /// Opens the index once, so a server on a missing or unreadable index fails at start.
    public func check() throws {
        _ = try snapshots.get()
    }

    /// Answers one request; never throws (failures become error pages).
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let query = request.query
        let lang = Language.negotiate(query: query["lang"], acceptLanguage: request.header("accept-language"))
        let page = Page(lang: lang, explicitLanguage: query["lang"] != nil ? lang : nil)
        if let allowed = allowedHosts, let host = request.header("host")?.lowercased(), !allowed.contains(host) {
            return page.error(.misdirected, page.s.badRequest, "This server answers only to localhost, 127.0.0.1 and [::1].")
        }
        guard let path = request.path else {
            return page.error(.badRequest, page.s.badRequest, "The address is not validly percent-encoded.")
        }
        let isAPI = path.hasPrefix("/api/")
        if query.malformed {
            let message = "A parameter of the address is not validly percent-encoded UTF-8 (e.g. %ZZ or a NUL byte)."
            return isAPI ? API.error(.badRequest, message) : page.error(.badRequest, page.s.badRequest, message)
        }
        do {
            return try route(path, query, page)
        } catch let e as RequestError {
            if isAPI { return API.error(e.status, e.message) }
            return page.error(e.status, e.status == .notFound ? page.s.notFound : page.s.badRequest, e.message)
        } catch let e as QueryError {
            // A query that cannot be run as typed (parentheses nested too deep): the user's to fix.
            if isAPI { return API.error(.badRequest, e.description) }
            return page.error(.badRequest, page.s.badRequest, e.description)
        } catch SearchError.query(let e) {
            if isAPI { return API.error(.badRequest, e.description) }
            return page.error(.badRequest, page.s.badRequest, e.description)
        } catch {
            if isAPI { return API.error(.internalError, "\(error)") }
            return page.error(.internalError, page.s.serverError, "\(error)")
        }
    }

    private func route(_ path: String, _ query: URLQuery, _ page: Page) throws -> HTTPResponse {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch (parts.first ?? "", parts.count) {
        case ("", 1): return try searchPage(query, page)
        case ("explain", 1): return try explainPage(query, page)
        case ("doc", 2): return try documentPage(id: try RequestError.id(parts[1]), query, page)
        case ("file", 2): return try files.download(id: try RequestError.id(parts[1]), snapshot: try snapshots.get())
        case ("inventory", 1): return try inventoryPage(query, page)
        case ("inventory.csv", 1): return try inventoryCSV(query)
        case ("report", 1): return try reportPage(query, page)
        case ("assets", 2):
            guard let asset = Assets.all[parts[1]] else { throw RequestError(.notFound, "No such asset.") }
            return HTTPResponse(status: .ok, contentType: asset.type, body: Array(asset.body.utf8),
                                headers: [("Cache-Control", "public, max-age=3600")])
        case ("favicon.ico", 1):
            return HTTPResponse(status: .ok, contentType: "image/svg+xml", body: Array(Assets.favicon.utf8),
                                headers: [("Cache-Control", "public, max-age=86400")])
        case ("api", _): return try API(app: self).route(Array(parts.dropFirst()), query)
        default: throw RequestError(.notFound, page.s.notFoundHelp)
        }
    }

    // MARK: search

    /// The facet parameters and the query clause each adds.
    enum Facet: String, CaseIterable {
        case org, year, type, format

        /// The fast field it counts.
        var field: FastField {
            switch self {
            case .org: return .authority
            case .year: return .year
            case .type: return .type
            case .format: return .format
            }
        }

        func clause(_ value: String) -> String {
            let v = value.replacingOccurrences(of: "\"", with: "")
            switch self {
            case .org: return "org:\"\(v)\""
            case .type: return "type:\"\(v)\""
            case .year: return "year:\(v.filter(\.isNumber))"
            case .format: return "format:\(v.filter { $0.isLetter || $0.isNumber })"
            }
        }
    }

    /// The typed query with the clauses of the chosen facets.
    static func effectiveQuery(_ q: String, facets: [(Facet, String)]) -> String {
        ([q] + facets.map { $0.0.clause($0.1) }).filter { !$0.isEmpty }.joined(separator: " ")
    }

    struct SearchState {
        var q: String
        var facets: [(Facet, String)]
        var sort: SearchOrder
        var page: Int

        init(_ query: URLQuery) throws {
            q = (query["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard q.utf8.count <= WebApp.maxQueryBytes else {
                throw RequestError(.uriTooLong, "The query is longer than \(WebApp.maxQueryBytes) bytes; shorten it.")
            }
            facets = []
            for f in Facet.allCases { for v in query.all(f.rawValue) where !v.isEmpty && v.utf8.count <= 200 { facets.append((f, v)) } }
            sort = query["sort"].flatMap(SearchOrder.init(rawValue:)) ?? .score
            page = max(1, min(Int(query["page"] ?? "") ?? 1, 1000))
        }

        var effective: String { WebApp.effectiveQuery(q, facets: facets) }

        /// URL parameters of this state, with changes.
        func params(facets: [(Facet, String)]? = nil, sort: SearchOrder? = nil, page: Int? = nil) -> [(String, String)] {
            var out: [(String, String)] = [("q", q)]
            for (f, v) in facets ?? self.facets { out.append((f.rawValue, v)) }
            let s = sort ?? self.sort
            if s != .score { out.append(("sort", s.rawValue)) }
            let p = page ?? 1
            if p > 1 { out.append(("page", String(p))) }
            return out
        }
    }

    private func searchPage(_ query: URLQuery, _ page: Page) throws -> HTTPResponse {
        let state = try SearchState(query)
        let effective = state.effective
        guard !effective.isEmpty else { return page.respond(title: page.s.search, body: page.searchForm(state) + page.welcome(), active: .search) }
        let snapshot = try snapshots.get()
        let (result, matching) = try snapshot.withSearcher { searcher in
            (try searcher.search(effective, limit: WebApp.pageSize, offset: (state.page - 1) * WebApp.pageSize, countTotal: false, order: state.sort),
             try searcher.counts(effective, by: Facet.allCases.map { [$0.field] }))
        }
        // Facet counts from the segments' fast fields, over every match.
        var counts: [Facet: [String: Int]] = [:]
        for (f, table) in zip(Facet.allCases, matching.groupings) { counts[f] = table.byValue }
        let total = result.exactTotal == false ? max(result.total, matching.total) : result.total
        let body = page.searchForm(state) + page.results(state, result, total: total, facets: counts)
        return page.respond(title: "\(state.q.isEmpty ? effective : state.q) – \(page.s.search)", body: body, active: .search)
    }

    private func explainPage(_ query: URLQuery, _ page: Page) throws -> HTTPResponse {
        let state = try SearchState(query)
        let text = try snapshots.get().withSearcher { try $0.explain(state.effective) }
        return page.respond(title: page.s.explainTitle, body: page.explain(state, text), active: .search)
    }

    // MARK: document

    private func documentPage(id: Int64, _ query: URLQuery, _ page: Page) throws -> HTTPResponse {
        let snapshot = try snapshots.get()
        guard let record = try snapshot.reader.document(id: id) else {
            throw RequestError(.notFound, "No document \(id) in this index.")
        }
        let q = String((query["q"] ?? "").prefix(WebApp.maxQueryBytes))
        var text = try snapshot.reader.storedText(of: record)
        var truncated = false
        if let t = text, t.count > WebApp.maxTextBytes {
            var cut = WebApp.maxTextBytes
            while cut > 0 && (t[cut] & 0xC0) == 0x80 { cut -= 1 }
            text = Array(t[..<cut])
            truncated = true
        }
        let matches = try text.map { t in q.isEmpty ? [] : try snapshot.withSearcher { try $0.matchRanges(in: t, query: q, of: record) } } ?? []
        let family = try snapshot.duplicates().families.filter { $0.members.contains { $0.id == id } }
        let body = page.document(record, text: text, matches: matches, truncated: truncated, families: family, query: q)
        return page.respond(title: record.title ?? record.path, body: body, active: .search, script: true)
    }

    // MARK: inventory

    struct InventoryState {
        static let columns = ["id", "date", "authority", "type", "title", "format", "status", "path"]
        var filters: [String: String]
        var sort: String
        var descending: Bool

        init(_ query: URLQuery) {
            filters = [:]
            for k in ["org", "type", "year", "format", "status"] { if let v = query[k], !v.isEmpty { filters[k] = v } }
            sort = query["sort"].flatMap { InventoryState.columns.contains($0) ? $0 : nil } ?? "date"
            descending = (query["dir"] ?? (sort == "date" ? "desc" : "asc")) == "desc"
        }

        func accepts(_ r: DocumentRecord) -> Bool {
            if let v = filters["org"], r.authority != v { return false }
            if let v = filters["type"], r.docType != v { return false }
            if let v = filters["year"], r.year.map(String.init) != v { return false }
            if let v = filters["format"], r.format != v { return false }
            if let v = filters["status"], r.status.rawValue != v { return false }
            return true
        }

        static func key(_ r: DocumentRecord, _ column: String) -> String {
            switch column {
            case "id": return String(r.id).leftPadded(12)
            case "date": return r.date ?? r.year.map(String.init) ?? ""
            case "authority": return r.authority ?? ""
            case "type": return r.docType ?? ""
            case "title": return r.title ?? ""
            case "format": return r.format
            case "status": return r.status.rawValue
            default: return r.path
            }
        }

        func rows(_ all: [DocumentRecord]) -> [DocumentRecord] {
            let kept = all.filter(accepts)
            let keyed = kept.map { (InventoryState.key($0, sort), $0) }
            return keyed.sorted { a, b in
                if a.0 != b.0 { return descending ? a.0 > b.0 : a.0 < b.0 }
                return a.1.id < b.1.id
            }.map(\.1)
        }

        func params(sort: String? = nil, descending: Bool? = nil) -> [(String, String)] {
            var out = filters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            let s = sort ?? self.sort
            out.append(("sort", s))
            out.append(("dir", (descending ?? self.descending) ? "desc" : "asc"))
            return out
        }
    }

    private func inventoryPage(_ query: URLQuery, _ page: Page) throws -> HTTPResponse {
        let state = InventoryState(query)
        let all = try snapshots.get().reader.inventory()
        return page.respond(title: page.s.inventory, body: page.inventory(state, all: all, rows: state.rows(all)), active: .inventory)
    }

    private func inventoryCSV(_ query: URLQuery) throws -> HTTPResponse {
        let state = InventoryState(query)
        let rows = state.rows(try snapshots.get().reader.inventory())

        // The columns of `diarium list --format csv`, every cell through SafeText (InventoryEntry).
        let snapshot = try snapshots.get()
        let entries = InventoryEntry.entries(rows, roots: try snapshot.reader.rootFolders(), families: try snapshot.duplicates().familyNumbers)
        let out = CSVTable().render(header: InventoryEntry.columns, rows: entries.map(\.cells))
        return HTTPResponse(status: .ok, contentType: "text/csv; charset=utf-8", body: Array(out.utf8),
                            headers: [("Content-Disposition", "attachment; filename=\"inventory.csv\"")])
    }

    // MARK: report

    private func reportPage(_ query: URLQuery, _ page: Page) throws -> HTTPResponse {
        let staleAfter = max(0, min(Int(query["stale_after"] ?? "") ?? 5, 100))
        let report = try snapshots.get().report(staleAfter: staleAfter)
        return page.respond(title: page.s.report, body: page.report(report), active: .report)
    }
}

/// A request the server refuses, with the reason in words.
struct RequestError: Error {
    var status: HTTPStatus
    var message: String
    init(_ status: HTTPStatus, _ message: String) { self.status = status; self.message = message }

    /// A document id from the path.
    static func id(_ s: String) throws -> Int64 {
        guard let id = Int64(s), id > 0 else { throw RequestError(.notFound, "'\(s.prefix(40))' is not a document id.") }
        return id
    }
}

