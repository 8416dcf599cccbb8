import DiariumAPI
import DiariumIndex
import DiariumSearch
import Foundation

/// The JSON API under `/api/`: the bytes the CLI prints with `--format json` for the same
/// command and options (docs/api.md), encoded by the same `APIJSON`.
struct API {
    let app: WebApp

    func route(_ parts: [String], _ query: URLQuery) throws -> HTTPResponse {
        switch (parts.first ?? "", parts.count) {
        case ("search", 1):
            // diarium search Q --limit --offset --sort --count --format json
            let q = query["q"] ?? ""
            guard q.utf8.count <= WebApp.maxQueryBytes else {
                throw RequestError(.uriTooLong, "The query is longer than \(WebApp.maxQueryBytes) bytes; shorten it.")
            }
            let limit = try int(query, "limit", default: 10, range: 0...1000)
            let offset = try int(query, "offset", default: 0, range: 0...1_000_000)
            guard let order = SearchOrder(rawValue: query["sort"] ?? "score") else {
                throw RequestError(.badRequest, "sort takes score, date or year.")
            }
            let count = ["1", "true", "yes"].contains(query["count"] ?? "")
            let snapshot = try app.snapshots.get()
            var result = try snapshot.withSearcher {
                try $0.search(q, limit: limit, offset: offset, countTotal: count, order: order)
            }
            result.locateFiles(try snapshot.reader.rootFolders())
            return try json(result)
        case ("list", 1):
            // diarium list [--year Y|A..B] --format json
            var years: ClosedRange<Int>?
            if let y = query["year"], !y.isEmpty {
                let bounds = y.components(separatedBy: "..").map { Int($0) }
                if bounds.count == 1, let a = bounds[0] { years = a...a }
                else if bounds.count == 2, let a = bounds[0], let b = bounds[1], a <= b { years = a...b }
                else { throw RequestError(.badRequest, "year takes a year (2021) or a range (2015..2021).") }
            }
            let snapshot = try app.snapshots.get()
            return try json(InventoryEntry.entries(try snapshot.reader.inventory(years: years), roots: try snapshot.reader.rootFolders(),
                                                   families: try snapshot.duplicates().familyNumbers))
        case ("show", 2):
            // diarium show ID [--text] --format json
            let id = try RequestError.id(parts[1])
            let reader = try app.snapshots.get().reader
            guard let r = try reader.document(id: id) else { throw RequestError(.notFound, "No document \(id) in this index.") }
            let wantsText = ["1", "true", "yes"].contains(query["text"] ?? "")
            let text = wantsText ? try reader.storedText(of: r).map { String(decoding: $0, as: UTF8.self) } : nil
            return try json(DocumentDetailJSON(r, text: text, file: try reader.rootFolders().file(of: r)))
        case ("report", 1):
            // diarium report --format json [--stale-after N]
            let staleAfter = try int(query, "stale_after", default: 5, range: 0...100)
            return try json(try app.snapshots.get().report(staleAfter: staleAfter))
        case ("stats", 1):
            // diarium stats --format json
            return try json(try app.snapshots.get().reader.statistics())
        default:
            throw RequestError(.notFound, "No such API route; see docs/api.md: /api/search, /api/list, /api/show/ID, /api/report, /api/stats.")
        }
    }

    private func int(_ query: URLQuery, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let s = query[name], !s.isEmpty else { return value }
        guard let n = Int(s), range.contains(n) else {
            throw RequestError(.badRequest, "\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return n
    }

    private func json<T: Encodable>(_ value: T) throws -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/json; charset=utf-8", body: Array((try APIJSON.encode(value) + "\n").utf8))
    }

    static func error(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        struct Failure: Encodable { var error: String }
        let body = (try? APIJSON.encode(Failure(error: message))) ?? "{}"
        return HTTPResponse(status: status, contentType: "application/json; charset=utf-8", body: Array((body + "\n").utf8))
    }
}
