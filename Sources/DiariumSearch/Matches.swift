import Foundation
import DiariumIndex

extension Searcher {
    /// Catalog ids of every document matching `query`, unordered, with the OR fallback applied
    /// as `search` applies it (`fallback` true then): a walk of the postings, nothing scored.
    public func matchingDocumentIDs(_ query: String) throws -> (ids: [Int64], fallback: Bool) {
        do {
            let node = QueryParser.parse(query.precomposedStringWithCanonicalMapping)
            var context = try EvaluationContext(searcher: self)
            let (tree, evaluator, fallback) = try matches(node, &context)
            var ids: [Int64] = []
            if let tree {
                for si in reader.segments.indices {
                    let r = reader.segments[si].reader
                    try evaluator.forEachMatch(tree, segment: si) { doc, _ in ids.append(r.documentID(doc)) }
                }
            }
            return (ids, fallback)
        } catch let e as IndexError {
            throw SearchError.index(e)
        }
    }

    /// Byte ranges of the words of `text` that `query` matches: the words a snippet of the
    /// document marks, for highlighting a whole text. The terms are those the query's tree
    /// records while it is built (`queryTree`, as for a search's snippets); nothing is evaluated.
    public func matchRanges(in text: [UInt8], query: String) throws -> [Range<Int>] {
        do {
            let node = QueryParser.parse(query.precomposedStringWithCanonicalMapping)
            var context = try EvaluationContext(searcher: self)
            _ = try queryTree(node, &context, requireAll: false)
            return Snippets.matches(text: text, terms: Set(context.highlight.map { Array($0.utf8) }), analyzer: analyzer)
        } catch let e as IndexError {
            throw SearchError.index(e)
        }
    }
}
