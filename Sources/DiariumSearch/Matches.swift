import Foundation
import DiariumIndex

extension Searcher {
    /// Catalog ids of every document matching `query`, unordered, with the OR fallback applied
    /// as `search` applies it (`fallback` true then). For facet counts: exhaustive, no scores kept.
    public func matchingDocumentIDs(_ query: String) throws -> (ids: [Int64], fallback: Bool) {
        do {
            let node = QueryParser.parse(query.precomposedStringWithCanonicalMapping)
            var context = try EvaluationContext(searcher: self)
            let (hits, fallback) = try matches(node, &context)
            var ids: [Int64] = []
            for (si, h) in hits.enumerated() {
                let r = reader.segments[si].reader
                for doc in h.keys { ids.append(r.documentID(doc)) }
            }
            return (ids, fallback)
        } catch let e as IndexError {
            throw SearchError.index(e)
        }
    }

    /// Byte ranges of the words of `text` that `query` matches: the words a snippet of the
    /// document marks, for highlighting a whole text.
    public func matchRanges(in text: [UInt8], query: String) throws -> [Range<Int>] {
        do {
            let node = QueryParser.parse(query.precomposedStringWithCanonicalMapping)
            var context = try EvaluationContext(searcher: self)
            _ = try evaluate(node, &context, requireAll: false)
            return Snippets.matches(text: text, terms: Set(context.highlight.map { Array($0.utf8) }), analyzer: analyzer)
        } catch let e as IndexError {
            throw SearchError.index(e)
        }
    }
}
