import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import Foundation

/// A query of the query language applied to the inventory (`diarium list QUERY`): every
/// document in the catalog, read or not, that the query selects.
///
/// A query made of metadata filters only (`org:Socialnämnden year:2015..`, with `OR`, `NOT`
/// and parentheses) is decided on each catalog row, so documents whose text could not be read
/// (status `failed`, `encrypted`, …) are listed too. A query with words, phrases or prefixes
/// needs the text: its documents are the searcher's matches (`matchingDocumentIDs`), which only
/// documents with indexed text can be.
public struct InventoryFilter: Sendable {
    /// The query as typed, and parsed.
    public let text: String
    public let node: QueryNode

    /// Parses `query`; parentheses nested deeper than `QueryParser.maxDepth` are refused.
    public init(_ query: String) throws {
        text = query
        do { node = try QueryParser.validated(TextDecoding.nfc(query)) } catch { throw SearchError.query(error) }
    }

    /// Whether the query is metadata filters only (decided on catalog rows).
    public var isMetadataOnly: Bool { InventoryFilter.metadataOnly(node) }

    static func metadataOnly(_ n: QueryNode) -> Bool {
        switch n {
        case .filter: return true
        case let .and(parts), let .or(parts): return parts.allSatisfy(metadataOnly)
        case let .not(inner): return metadataOnly(inner)
        case .words, .phrase, .prefix: return false
        }
    }

    /// The records `query` selects, in their order. `searcher` answers queries with words.
    public func apply(to records: [DocumentRecord], searcher: () throws -> Searcher) throws -> [DocumentRecord] {
        if case .and(let parts) = node, parts.isEmpty { return records }
        if isMetadataOnly { return records.filter { InventoryFilter.matches(node, $0) } }
        let ids = Set(try searcher().matchingDocumentIDs(text).ids)
        return records.filter { ids.contains($0.id) }
    }

    /// Whether a metadata-only node selects `r`.
    static func matches(_ n: QueryNode, _ r: DocumentRecord) -> Bool {
        switch n {
        case let .filter(f): return f.matches(r)
        case let .and(parts): return parts.allSatisfy { matches($0, r) }
        case let .or(parts): return parts.contains { matches($0, r) }
        case let .not(inner): return !matches(inner, r)
        case .words, .phrase, .prefix: return false
        }
    }
}

extension MetadataFilter {
    /// Whether the catalog row `r` passes the filter, by the searcher's rules (`filterIDs`):
    /// authority, type and path contain the value (case-insensitive), format and language
    /// equal it, a case number is compared however it is written.
    public func matches(_ r: DocumentRecord) -> Bool {
        func contains(_ field: String?, _ value: String) -> Bool {
            guard let field else { return false }
            return field.lowercased().contains(value.lowercased())
        }
        switch self {
        case let .year(range): return r.year.map(range.contains) ?? false
        case let .authority(v): return contains(r.authority, v)
        case let .type(v): return contains(r.docType, v)
        case let .path(v): return contains(r.displayPath, v)
        case let .format(v): return r.format.lowercased() == v.lowercased()
        case let .language(v): return r.language?.lowercased() == String(v.prefix(2)).lowercased()
        case let .ocr(v): return (r.ocrPages > 0) == v
        case let .dnr(v): return r.dnr.map { CaseNumbers.key($0) == CaseNumbers.key(v) } ?? false
        }
    }
}
