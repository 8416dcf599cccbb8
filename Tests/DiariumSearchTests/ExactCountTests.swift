import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex
@testable import DiariumSearch

/// A walk that skipped nothing says its count is exact. Every engine stops once no term holds a
/// document from its target on; bounding that empty last window called the count a lower bound
/// ("at least 40 documents match" where `--count` says 40).
@Suite struct ExactCountTests {
    /// One segment of 40 documents, each holding "ord901 ord902" in its body (the documents'
    /// lengths differ, so their scores do): one postings block per word.
    static func index(_ scratch: ScratchDirectory) throws -> IndexReader {
        try TopKPropertyTests.wordsIndex(scratch, count: 40) { d in ["ord901", "ord902"] + Array(repeating: "kommun", count: d % 9) }
    }

    /// The top 10 of 40 matches, whose blocks all stay essential (each holds a document that
    /// enters): every engine counts the 40 and says the count is exact — the union engine (one
    /// leaf), the flat conjunction, the tree's walk (`SegmentMatcher`: the same conjunction
    /// with `flatConjunctions` false, an exclusion; `NOT` alone, whose node matches every
    /// document, so the walk goes on without terms), and the search's total. (A phrase's count
    /// is a lower bound here on its own account: a candidate that cannot enter is not checked
    /// for positions, so not counted.)
    @Test func aWalkThatSkipsNothingCountsExactly() throws {
        let scratch = try ScratchDirectory("exactcount")
        let reader = try Self.index(scratch)
        #expect(reader.segments.count == 1)
        let searcher = try Searcher(reader: reader)
        for (text, flat) in [("ord901", true), ("ord901 ord902", true), ("ord901 ord902", false), ("ord901 -ord999", true), ("-ord999", true)] {
            var context = try EvaluationContext(searcher: searcher)
            let tree = try #require(try searcher.queryTree(QueryParser.parse(text), &context, requireAll: true))
            let outcome = try TreeEvaluator(searcher: searcher, context: context)
                .top(tree, proximityTerms: [], k: 10, countAll: false, flatConjunctions: flat)
            #expect(outcome.top.count == 10, "\(text)")
            #expect(outcome.matched == 40 && outcome.exact, "\(text) (flat \(flat)): \(outcome.matched), exact \(outcome.exact)")
            let result = try searcher.search(text, limit: 10)
            #expect(result.total == 40 && result.exactTotal == nil, "\(text): total \(result.total), exact \(String(describing: result.exactTotal))")
        }
        // The shapes: the exclusion takes the tree's walk.
        var context = try EvaluationContext(searcher: searcher)
        let exclusion = try #require(try searcher.queryTree(QueryParser.parse("ord901 -ord999"), &context, requireAll: true))
        #expect(UnionQuery(exclusion, idf: context.idf) == nil && ConjunctionQuery(exclusion, idf: context.idf) == nil)
    }
}
