import Foundation
import DiariumExtraction
import DiariumIndex

extension Searcher {
    /// Catalog ids of every document matching `query`, unordered, with the OR fallback applied
    /// as `search` applies it (`fallback` true then): a walk of the postings, nothing scored.
    public func matchingDocumentIDs(_ query: String) throws -> (ids: [Int64], fallback: Bool) {
        do {
            let node = QueryParser.parse(TextDecoding.nfc(query))
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
    /// With `record`, the document `text` is the stored text of, a word whose last part is a
    /// term the document's compound parts hold is marked too (`riskanalys` for `analys`), as
    /// its snippets mark it (`passages`); without, only the words themselves.
    public func matchRanges(in text: [UInt8], query: String, of record: DocumentRecord? = nil) throws -> [Range<Int>] {
        do {
            let node = QueryParser.parse(TextDecoding.nfc(query))
            var context = try EvaluationContext(searcher: self)
            _ = try queryTree(node, &context, requireAll: false)
            let terms = Snippets.markedTerms(context.highlight)
            var matchTerms = Snippets.MatchTerms(terms)
            if let record { matchTerms.compoundHeads = try compoundHeads(terms, of: record) }
            return Snippets.matches(text: text, terms: matchTerms, analyzer: analyzer)
        } catch let e as IndexError {
            throw SearchError.index(e)
        }
    }

    /// For each of `terms`, whether the compound parts of `record`'s document hold it (the
    /// `parts` field, as `passages` reads it for a snippet); empty when the document is in no
    /// segment of this snapshot.
    private func compoundHeads(_ terms: [[UInt8]], of record: DocumentRecord) throws -> [Bool] {
        guard let sid = record.segmentID, let d = record.segmentDoc,
              let segment = reader.segments.first(where: { $0.id == sid })?.reader,
              d >= 0, d < segment.documentCount else { return [] }
        let doc = UInt32(d)
        let buffers = PostingsBuffers()
        return try withExtendedLifetime(buffers) {
            try terms.map { t in
                guard var cursor = try segment.cursor(t, fields: [.body, .parts], buffers: buffers) else { return false }
                cursor.advance(to: doc)
                if let e = cursor.error { throw e }
                return cursor.doc == doc && cursor.frequency(.parts) > 0
            }
        }
    }
}
