import DiariumAnalysis
import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex
@testable import DiariumSearch

/// Random documents and random queries: the block-max top-k engine (`QueryTree.swift`) must give
/// the same ranked results (same documents, same order, same scores within float tolerance) as a
/// brute-force scorer written here from the raw documents — across several segments, with
/// replaced (deleted) documents, after the merge policy ran and after `optimize` — for every
/// query shape (words, fields, filters, phrases, `OR`, `-` exclusions, prefixes, the proximity
/// bonus, the OR fallback, `-x` alone or with filters, `a b OR c`, nested groups): top k with
/// raw scores, exact count, second page, `--sort year`, `--count` and the matching ids. It must
/// agree with the exhaustive evaluator too: the same page, the same scores, the same exact count.
@Suite struct TopKPropertyTests {
    struct RawDocument {
        var title: [String]
        var body: [String]
        var meta: [String]
        var year: Int
        var authority: String
        /// Per field (title, body, meta): term counts and length.
        var counts: [IndexField: (tf: [String: Int], length: Int)] {
            [.title: (Dictionary(title.map { ($0, 1) }, uniquingKeysWith: +), title.count),
             .body: (Dictionary(body.map { ($0, 1) }, uniquingKeysWith: +), body.count),
             .meta: (Dictionary(meta.map { ($0, 1) }, uniquingKeysWith: +), meta.count)]
        }
    }

    static let common = ["kommun", "nämnd", "beslut", "riskanalys", "skola", "molntjänst", "avtal", "säkerhet", "rapport",
                         "ärende", "protokoll", "styrelse", "utredning", "budget", "samråd", "yttrande", "granskning"]

    /// Zipf-like draws: low indexes are frequent, so some terms fill many postings blocks.
    static func word(_ rng: inout SeededRandom, _ vocabulary: [String]) -> String {
        let u = Double(rng.next() % 1_000_000) / 1_000_000
        return vocabulary[min(vocabulary.count - 1, Int(u * u * u * Double(vocabulary.count)))]
    }

    /// Terms as the analyzer indexes them (words only; the query side analyses the same way).
    static func terms(_ words: [String], _ analyzer: Analyzer) -> [String] {
        var out: [String] = []
        analyzer.analyze(words.joined(separator: " ")) { t in if t.kind == .word { out.append(String(decoding: t.term, as: UTF8.self)) } }
        return out
    }

    static func fieldTerms(_ terms: [String]) -> FieldTerms {
        var f = FieldTerms()
        for (i, t) in terms.enumerated() { f.add(Array(t.utf8), position: UInt32(i)) }
        f.length = UInt32(terms.count)
        f.finish()
        return f
    }

    /// A one-segment index in `scratch` (merges off) of `count` text documents, document `d`
    /// titled "titel", its body and stored text the words `body(d)`, its year `year(d)`.
    static func wordsIndex(_ scratch: ScratchDirectory, count: Int, year: (Int) -> Int? = { _ in nil },
                           body: (Int) -> [String]) throws -> IndexReader {
        let writer = try IndexWriter(directory: scratch.path, memoryBudget: 64 << 20)
        writer.mergeFactor = 0
        for d in 0..<count {
            var record = DocumentRecord(path: "doc\(d).txt", sha256: String(repeating: "0", count: 64), size: 1, mtime: 0, format: "text",
                                        status: .ok, ingestedAt: "2026-01-01T00:00:00Z")
            record.year = year(d)
            let words = body(d)
            _ = try writer.add(record, fields: [.title: fieldTerms(["titel"]), .body: fieldTerms(words)],
                               storedText: Array(words.joined(separator: " ").utf8))
        }
        try writer.commit()
        writer.close()
        return try IndexReader(directory: scratch.path)
    }

    /// `clusteredYears`: the documents' years in runs (a year per 25 documents added, as a tree of
    /// releases is ingested year by year; every seventh run without a year), so a year filter
    /// walks the union engine's runs (`YearRuns`); otherwise each document's year is drawn, and
    /// the filter is checked per document.
    @Test(arguments: [false, true]) func blockMaxTopKEqualsBruteForce(clusteredYears: Bool) throws {
        var rng = SeededRandom(state: 2026)
        let analyzer = try Analyzer(splitCompounds: false)
        let vocabulary = Self.common + (0..<300).map { "ord\($0)" }
        let scratch = try ScratchDirectory("topk")
        let directory = scratch.path
        let writer = try IndexWriter(directory: directory, memoryBudget: 48 << 10)
        writer.mergeFactor = 3
        var raw: [Int64: RawDocument] = [:]
        var idOfPath: [String: Int64] = [:]
        var added = 0
        func add(_ path: String) throws {
            let n = 5 + Int(rng.next() % 300)
            let body = Self.terms((0..<n).map { _ in Self.word(&rng, vocabulary) }, analyzer)
            let title = Self.terms((0..<(1 + Int(rng.next() % 6))).map { _ in Self.word(&rng, vocabulary) }, analyzer)
            let drawn = 2010 + Int(rng.next() % 12)
            let year = !clusteredYears ? drawn : (added / 25) % 7 == 3 ? 0 : 2010 + (added / 25) % 12  // 0: unknown
            added += 1
            let authority = "Nämnd \(rng.next() % 5)"
            let meta = Self.terms(year == 0 ? [authority] : [authority, String(year)], analyzer)
            var record = DocumentRecord(path: path, sha256: String(repeating: "0", count: 64), size: 1, mtime: 0, format: "text",
                                        status: .ok, ingestedAt: "2026-01-01T00:00:00Z")
            record.year = year == 0 ? nil : year
            record.authority = authority
            let id = try writer.add(record, fields: [.title: Self.fieldTerms(title), .body: Self.fieldTerms(body), .meta: Self.fieldTerms(meta)],
                                    storedText: Array((title + body).joined(separator: " ").utf8))
            if let old = idOfPath[path] { raw[old] = nil }
            idOfPath[path] = id
            raw[id] = RawDocument(title: title, body: body, meta: meta, year: year, authority: authority)
            try writer.commitIfOverBudget()
        }
        for i in 0..<1000 { try add("doc\(i).txt") }
        // Replacements: the old versions become deleted documents of their segments.
        for _ in 0..<120 { try add("doc\(rng.next() % 1000).txt") }
        try writer.commit()
        try writer.waitForMerges()   // merges run in the background, and drop deleted documents
        #expect(writer.mergesDone > 0, "the merge policy should have merged small segments")
        // More replacements with merging off: deleted documents stay in the merged segments.
        writer.mergeFactor = 0
        for _ in 0..<60 { try add("doc\(rng.next() % 1000).txt") }
        try writer.commit()
        var reader = try IndexReader(directory: directory)
        #expect(reader.segments.count > 1)
        #expect(reader.segments.contains { $0.deletedCount > 0 })
        let runs = try Searcher(reader: reader)
        // Runs are used when the years come in runs (a small segment may cut them too short),
        // and never when they are drawn per document.
        let withRuns = reader.segments.indices.filter { runs.yearRuns(segment: $0) != nil }
        #expect(clusteredYears ? !withRuns.isEmpty : withRuns.allSatisfy { reader.segments[$0].reader.documentCount < 32 },
                "year runs: \(withRuns.count) of \(reader.segments.count) segments")
        try check(reader, raw, &rng, vocabulary, analyzer, queries: 76)

        try writer.optimize()
        writer.close()
        reader = try IndexReader(directory: directory)
        #expect(reader.segments.count == 1)
        #expect(reader.segments[0].deletedCount == 0)
        #expect(reader.liveDocumentCount == raw.count)
        try check(reader, raw, &rng, vocabulary, analyzer, queries: 57)
    }

    func check(_ reader: IndexReader, _ raw: [Int64: RawDocument], _ rng: inout SeededRandom, _ vocabulary: [String],
               _ analyzer: Analyzer, queries: Int) throws {
        let searcher = try Searcher(reader: reader)
        // Collection statistics: documents (deleted ones included until merged), per-field
        // totals, and dictionary document frequencies — the definitions the ranking documents.
        let n = reader.segments.reduce(0) { $0 + $1.reader.documentCount }
        let averages = IndexField.allCases.map { f in
            Double(reader.segments.reduce(UInt64(0)) { $0 + $1.reader.totalFieldLengths[Int(f.rawValue)] }) / Double(max(n, 1))
        }
        var idfs: [String: Double] = [:]
        func idf(_ term: String) throws -> Double {
            if let v = idfs[term] { return v }
            var df = 0
            for s in reader.segments { df += try s.reader.documentFrequency(Array(term.utf8)) }
            let v = log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5))
            idfs[term] = v
            return v
        }
        let counted = raw.mapValues(\.counts)
        var blocksSkipped = 0
        // A raw document's terms of one field, in position order.
        func fieldTerms(_ d: RawDocument, _ f: IndexField) -> [String] { f == .title ? d.title : f == .body ? d.body : f == .meta ? d.meta : [] }
        let ids = raw.keys.sorted()
        var shapes: [String: Int] = [:]
        var treeSkipped = 0
        var flatWords = 0, flatPhrases = 0, flatAlternatives = 0, flatUnions = 0, yearUnions = 0
        let perDocument = try Searcher(reader: reader)
        perDocument.yearRunsEnabled = false
        for q in 0..<queries {
            let words = (0..<(1 + Int(rng.next() % 3))).map { _ in rng.next() % 4 == 0 ? "ord\(rng.next() % 300)" : Self.word(&rng, vocabulary) }
            var text = words.joined(separator: " ")
            // A phrase that occurs: two or three consecutive words of a document's body.
            func phrase() -> String {
                let d = raw[ids[Int(rng.next() % UInt64(ids.count))]]!
                let length = 2 + Int(rng.next() % 2)
                guard d.body.count > length else { return "\"" + words.joined(separator: " ") + "\"" }
                let i = Int(rng.next() % UInt64(d.body.count - length))
                return "\"" + d.body[i..<(i + length)].joined(separator: " ") + "\""
            }
            let other = Self.word(&rng, vocabulary)
            // Every shape in turn (each drawn in every call), its words at random.
            let shape = q % 20  // 19: the words alone
            switch shape {
            case 0: text += " year:2012..2016"
            case 1: text = "title:" + words[0] + (words.count > 1 ? " " + words.dropFirst().joined(separator: " ") : "")
            case 2: text += " xyzzy"  // no document has every word: ranked OR fallback
            case 3: text = phrase()
            case 4: text = phrase() + " " + words[0]
            case 5: text = "(" + words[0] + " OR " + Self.word(&rng, vocabulary) + ")" + (words.count > 1 ? " " + words[1] : "")
            case 6: text += " -" + Self.word(&rng, vocabulary)
            case 7: text += " -" + phrase()
            case 8: text = String(words[0].prefix(3)) + "* " + words.dropFirst().joined(separator: " ")
            case 9: text = "(" + phrase() + " OR " + String(Self.word(&rng, vocabulary).prefix(4)) + "*) -" + Self.word(&rng, vocabulary)
            case 10: text += " " + phrase() + " xyzzy"  // fallback with a phrase among the optional parts
            // Shapes only the iterator tree takes.
            case 11:
                text = "-" + words[0]
                if rng.next() % 2 == 0 { text += " year:2012..2016" }
            case 12: text = words.joined(separator: " ") + " " + other + " OR " + Self.word(&rng, vocabulary)
            case 13: text = "(" + words[0] + " " + other + " OR " + phrase() + ") " + (words.count > 1 ? words[1] : Self.word(&rng, vocabulary))
            case 14: text = words[0] + " (" + other + " OR " + Self.word(&rng, vocabulary) + " -" + Self.word(&rng, vocabulary) + ")"
            case 15: text = "NOT (" + words[0] + " OR " + other + ") " + (words.count > 1 ? words[1] : "year:2012..2016")
            case 16: text = "(" + words.joined(separator: " ") + " xyzzy) OR (" + other + " -" + Self.word(&rng, vocabulary) + ")"
            // A phrase of words drawn at random: most documents holding them all fail the
            // positions (checked before scoring while the top k is not full), and often none
            // passes; with a word after it half of the time.
            case 17:
                text = "\"" + (0..<3).map { _ in Self.word(&rng, Self.common) }.joined(separator: " ") + "\""
                if rng.next() % 2 == 0 { text += " " + other }
            // Unions of single terms (TopK+Union.swift): OR at the root, a prefix's many
            // expansions (`ord1*`: 64 of 111), a fielded prefix, either under filters.
            case 18:
                let second = Self.word(&rng, vocabulary)
                switch rng.next() % 7 {
                case 0: text = words[0] + " OR " + other + " OR " + second
                case 1: text = words[0] + " OR ord\(1 + rng.next() % 9)*"
                // A range, one year, open below, open above (in turn, not drawn).
                case 2: text = "ord\(1 + rng.next() % 9)* year:" + ["2012..2016", "2013", "..2014", "2016.."][q / 20 % 4]
                case 3: text = "(" + words[0] + " OR " + other + ") year:" + ["2014..2019", "2016", "2015..", "..2012"][q / 20 % 4]
                case 4: text = String(words[0].prefix(2)) + "* OR title:" + other
                // Expansions held in the title in some segments, only in the body in others.
                case 5: text = "title:" + String(other.prefix(2)) + "*"
                default: text = "(" + words[0] + " OR " + other + ") org:3"
                }
            default: break
            }
            let node = QueryParser.parse(text)
            shapes[shape == 11 ? "not alone" : shape == 12 ? "a b OR c" : (13...16).contains(shape) ? "nested" : shape == 18 ? "union"
                : text.contains("\"") ? "phrase" : text.contains(" OR ") ? "or" : text.contains(" -") ? "not" : text.contains("*") ? "prefix" : "words",
                   default: 0] += 1
            let k = [1, 3, 10, 25][Int(rng.next() % 4)]

            // Brute force over the raw documents, by the definition of `QueryNode` (the
            // exhaustive evaluator's), for every shape.
            let want = try bruteForce(node, searcher, raw, counted, idf, averages)
            // The tree for every shape.
            let tree = try searcher.search(text, limit: k, )
            let treeCounted = try searcher.search(text, limit: k, countTotal: true, )
            #expect(tree.hits.map(\.id) == Array(want.hits.prefix(k).map(\.id)), "query \(q) \"\(text)\" k \(k): tree ids differ")
            for (g, w) in zip(tree.hits, want.hits) {
                #expect(abs(g.score - w.score) <= 0.0005 + 1e-9, "query \"\(text)\": tree score \(g.score) vs \(w.score)")
            }
            #expect(tree.fallback == (want.fallback ? "or" : nil), "query \"\(text)\": tree fallback")
            #expect(treeCounted.total == want.hits.count && treeCounted.exactTotal == nil, "query \"\(text)\": tree count \(treeCounted.total) vs \(want.hits.count)")
            if tree.exactTotal == false { treeSkipped += 1 } else { #expect(tree.total == want.hits.count, "query \"\(text)\": tree exact total") }
            let treePage = try searcher.search(text, limit: 5, offset: k, )
            #expect(treePage.hits.map(\.id) == Array(want.hits.dropFirst(k).prefix(5).map(\.id)), "query \"\(text)\": tree second page")
            // The automatic path and the exhaustive one (the judge of the other tests).
            let automatic = try searcher.search(text, limit: k)
            #expect(automatic.hits.map(\.id) == tree.hits.map(\.id), "query \"\(text)\": automatic differs")
            let exhaustive = try searcher.search(text, limit: 0, strategy: .exhaustive)
            #expect(exhaustive.hits.map(\.id) == want.hits.map(\.id), "query \"\(text)\": exhaustive differs from brute force")
            // The tree scores bit for bit as the exhaustive evaluator does.
            #expect(tree.hits.map(\.score) == Array(exhaustive.hits.prefix(k).map(\.score)), "query \"\(text)\": tree scores differ")
            #expect(tree.fallback == exhaustive.fallback)
            // Sorted by year and counted through the tree's matches.
            let byYear = try searcher.search(text, limit: k, offset: 0, countTotal: false, order: .year)
            // Ties by the score without the proximity bonus, as the sort defines it.
            let yearOrder = try bruteForce(node, searcher, raw, counted, idf, averages, proximity: false).hits.sorted { a, b in
                let ya = raw[a.id]!.year, yb = raw[b.id]!.year
                return ya != yb ? ya > yb : a.score != b.score ? a.score > b.score : a.id < b.id
            }
            #expect(byYear.hits.map(\.id) == Array(yearOrder.prefix(k).map(\.id)) && byYear.total == want.hits.count, "query \"\(text)\": --sort year")
            let counts = try searcher.counts(text, by: [[.year]])
            #expect(counts.total == want.hits.count && counts.fallback == want.fallback, "query \"\(text)\": --count")
            #expect(Set(try searcher.matchingDocumentIDs(text).ids) == Set(want.hits.map(\.id)), "query \"\(text)\": matching ids")

            // The engine's raw scores (before rounding for printing) against brute force.
            var context = try EvaluationContext(searcher: searcher)
            if let strict = try searcher.queryTree(node, &context, requireAll: true) {
                let proximity = Array(Set(context.proximityTerms)).sorted()
                var outcome = try TreeEvaluator(searcher: searcher, context: context).top(strict, proximityTerms: proximity, k: k, countAll: false)
                if outcome.matched == 0 && searcher.canFallBack(node), let loose = try searcher.queryTree(node, &context, requireAll: false) {
                    outcome = try TreeEvaluator(searcher: searcher, context: context).top(loose, proximityTerms: proximity, k: k, countAll: false)
                }
                if !outcome.exact { blocksSkipped += 1 }
                // A conjunction of words or a lone phrase (TopK+Conjunction.swift): the flat walk
                // gives the tree's walk's documents, scores (bit for bit), count and exactness.
                if let form = ConjunctionQuery(strict, idf: context.idf) {
                    if form.phraseFields != 0 { flatPhrases += 1 } else { flatWords += 1 }
                    if (0..<form.wordCount).contains(where: { form.wordStarts[$0 + 1] - form.wordStarts[$0] > 1 }) { flatAlternatives += 1 }
                    for countAll in [false, true] {
                        let flat = try TreeEvaluator(searcher: searcher, context: context).top(strict, proximityTerms: proximity, k: k, countAll: countAll)
                        let walked = try TreeEvaluator(searcher: searcher, context: context).top(strict, proximityTerms: proximity, k: k, countAll: countAll,
                                                                                                  flatConjunctions: false)
                        #expect(flat.top.map(\.id) == walked.top.map(\.id) && flat.top.map(\.score) == walked.top.map(\.score),
                                "query \"\(text)\": flat conjunction vs tree")
                        #expect(flat.matched == walked.matched && flat.exact == walked.exact, "query \"\(text)\": flat conjunction count vs tree")
                    }
                }
                // A union (TopK+Union.swift): its window scan gives the same documents, scores,
                // count and exactness whatever the chunk (1: a document at a time).
                if UnionQuery(strict, idf: context.idf) != nil {
                    flatUnions += 1
                    let whole = try TreeEvaluator(searcher: searcher, context: context).top(strict, proximityTerms: proximity, k: k, countAll: false)
                    for chunk in [1, 3, 64] {
                        let split = try TreeEvaluator(searcher: searcher, context: context).top(strict, proximityTerms: proximity, k: k, countAll: false,
                                                                                                 unionChunk: chunk)
                        #expect(split.top.map(\.id) == whole.top.map(\.id) && split.top.map(\.score) == whole.top.map(\.score),
                                "query \"\(text)\": union chunk \(chunk)")
                        #expect(split.matched == whole.matched && split.exact == whole.exact, "query \"\(text)\": union chunk \(chunk) count")
                    }
                    // Under a year filter: the same with the filter checked per document as
                    // walking the year runs (`YearRuns`), counting every match or not (the
                    // count compared whenever both are exact).
                    if text.contains("year:") {
                        yearUnions += 1
                        var plain = try EvaluationContext(searcher: perDocument)
                        let tree = try #require(try perDocument.queryTree(node, &plain, requireAll: true))
                        for countAll in [false, true] {
                            let a = try TreeEvaluator(searcher: searcher, context: context).top(strict, proximityTerms: proximity, k: k, countAll: countAll)
                            let b = try TreeEvaluator(searcher: perDocument, context: plain).top(tree, proximityTerms: proximity, k: k, countAll: countAll)
                            #expect(a.top.map(\.id) == b.top.map(\.id) && a.top.map(\.score) == b.top.map(\.score), "query \"\(text)\": union with year runs vs without")
                            if countAll { #expect(a.exact && b.exact) }
                            if a.exact && b.exact { #expect(a.matched == b.matched, "query \"\(text)\" countAll \(countAll): count with year runs vs without") }
                        }
                    }
                }
                #expect(outcome.top.map(\.id) == Array(want.hits.prefix(k).map(\.id)), "query \(q) \"\(text)\" k \(k): ids differ")
                for (g, w) in zip(outcome.top, want.hits) {
                    #expect(abs(g.score - w.score) <= 1e-9 * max(1, abs(w.score)), "query \"\(text)\": score \(g.score) vs \(w.score)")
                }
                if outcome.exact { #expect(outcome.matched == want.hits.count, "query \"\(text)\": exact total") }
            } else {
                #expect(want.hits.isEmpty, "query \"\(text)\": no condition, yet brute force matches")
            }

            // The whole search, both strategies: same hits, same scores, same fallback, and
            // the exact count (`--count`) equal to the exhaustive one.
            let fast = try searcher.search(text, limit: k)
            let slow = try searcher.search(text, limit: k, strategy: .exhaustive)
            #expect(fast.hits.map(\.id) == slow.hits.map(\.id), "query \"\(text)\": strategies differ")
            #expect(fast.hits.map(\.score) == slow.hits.map(\.score), "query \"\(text)\": scores differ")
            #expect(fast.fallback == slow.fallback)
            let counted = try searcher.search(text, limit: k, countTotal: true)
            #expect(counted.total == slow.total && counted.exactTotal == nil, "query \"\(text)\": count \(counted.total) vs \(slow.total)")
            #expect(counted.hits.map(\.id) == slow.hits.map(\.id))
            // A later page too.
            let fastPage = try searcher.search(text, limit: 5, offset: k)
            let slowPage = try searcher.search(text, limit: 5, offset: k, strategy: .exhaustive)
            #expect(fastPage.hits.map(\.id) == slowPage.hits.map(\.id), "query \"\(text)\": second page differs")
        }
        // Other weights on the same searcher, whose bound scales are memoised by now: the fast
        // path follows them (`scoring` empties the memo), with the same page as the exhaustive one.
        var weighted = searcher.scoring
        weighted.weights = [.title: 0.2, .meta: 0.1, .body: 4.0, .parts: 2.0]
        searcher.scoring = weighted
        var reweightedSkipped = 0
        for (i, word) in Self.common.enumerated() {
            let text = i % 2 == 0 ? word : word + " " + Self.common[(i + 3) % Self.common.count]
            for k in [1, 3, 10] {
                let fast = try searcher.search(text, limit: k)
                let slow = try searcher.search(text, limit: k, strategy: .exhaustive)
                #expect(fast.hits.map(\.id) == slow.hits.map(\.id) && fast.hits.map(\.score) == slow.hits.map(\.score),
                        "query \"\(text)\" k \(k) after new weights")
                if fast.exactTotal == false { reweightedSkipped += 1 }
            }
        }
        #expect(reweightedSkipped > 0, "no block skipped after the new weights; the check does not cover pruning")
        // Every shape must have been drawn.
        #expect(Set(shapes.keys) == ["phrase", "or", "not", "prefix", "words", "not alone", "a b OR c", "nested", "union"], "shapes drawn: \(shapes)")
        // The skip path must actually have been exercised, by both evaluators.
        #expect(blocksSkipped > 0, "no query skipped a block; the test does not cover pruning")
        #expect(treeSkipped > 0, "no search skipped a block; the test does not cover pruning")
        // The flat conjunction walk must have run for words and for phrases.
        #expect(flatWords > 0 && flatPhrases > 0, "flat conjunctions drawn: \(flatWords) of words, \(flatPhrases) phrases")
        // ... and for a word of two or more alternatives (its smallest cursor, its largest score).
        #expect(flatAlternatives > 0, "no flat conjunction had a word of two or more alternatives")
        #expect(flatUnions > 0, "no union drawn")
        #expect(yearUnions > 0, "no year-filtered union drawn")
    }

    /// What a query node gives for one raw document: no condition (nothing searchable), a
    /// miss, or a match with its score.
    enum Brute { case noCondition, miss, match(Double) }

    /// The ranking by brute force: every raw document scored by the definition of each query
    /// node (as `Searcher.evaluate` documents it), the OR fallback, the proximity bonus;
    /// best first, ties by id.
    func bruteForce(_ node: QueryNode, _ searcher: Searcher, _ raw: [Int64: RawDocument],
                    _ counted: [Int64: [IndexField: (tf: [String: Int], length: Int)]],
                    _ idf: (String) throws -> Double, _ averages: [Double], proximity: Bool = true) throws -> (hits: [(score: Double, id: Int64)], fallback: Bool) {
        let scoring = searcher.scoring
        // Plans, phrase terms and prefix expansions, made once per query (not per document).
        var plans: [String: QueryPlan] = [:], phraseTerms: [String: [String]] = [:], expansions: [String: [String]] = [:]
        func planOf(_ text: String) throws -> QueryPlan {
            if let p = plans[text] { return p }
            let p = try searcher.plan(text)
            plans[text] = p
            return p
        }
        func words(_ text: String) -> [String] {
            if let t = phraseTerms[text] { return t }
            let t = searcher.wordTerms(text)
            phraseTerms[text] = t
            return t
        }
        func expand(_ p: String, _ fields: Set<IndexField>) throws -> [String] {
            let key = p + "|" + fields.map { String($0.rawValue) }.sorted().joined()
            if let e = expansions[key] { return e }
            let e = try searcher.prefixExpansions(p, fields: fields)
            expansions[key] = e
            return e
        }
        func termScore(_ t: String, _ fields: Set<IndexField>, _ counts: [IndexField: (tf: [String: Int], length: Int)]) throws -> Double? {
            var pf = 0.0, found = false
            for f in [IndexField.title, .body, .meta] where fields.contains(f) {
                guard let c = counts[f], let tf = c.tf[t] else { continue }
                found = true
                let len = Double(SmallFloat.decode(SmallFloat.encode(UInt32(c.length))))
                pf += (scoring.weights[f] ?? 1) * Double(tf) / (1 - scoring.b + scoring.b * len / averages[Int(f.rawValue)])
            }
            return found ? try idf(t) * pf * (scoring.k1 + 1) / (scoring.k1 + pf) : nil
        }
        func alternative(_ terms: [String], _ weight: Double, _ fields: Set<IndexField>, phrase: [IndexField]?, _ d: RawDocument,
                         _ counts: [IndexField: (tf: [String: Int], length: Int)]) throws -> Double? {
            var sum = 0.0
            for t in terms { guard let v = try termScore(t, fields, counts) else { return nil }; sum += v }
            if let phrase {
                let inOrder = phrase.contains { f in
                    let ts = f == .title ? d.title : d.body
                    return ts.count >= terms.count && (0...(ts.count - terms.count)).contains { i in terms.indices.allSatisfy { ts[i + $0] == terms[$0] } }
                }
                if !inOrder { return nil }
            }
            return sum * weight
        }
        func eval(_ n: QueryNode, _ d: RawDocument, _ counts: [IndexField: (tf: [String: Int], length: Int)], _ requireAll: Bool) throws -> Brute {
            switch n {
            case let .words(text, field):
                let plan = try planOf(text)
                if plan.clauses.isEmpty { return .noCondition }
                let fields = Searcher.fields(field)
                let anyRequired = requireAll && plan.clauses.contains(where: \.required)
                var sum = 0.0, any = false
                for c in plan.clauses {
                    var best: Double?
                    for a in c.alternatives { if let v = try alternative(a.terms, a.weight, fields, phrase: nil, d, counts) { best = max(best ?? 0, v) } }
                    if let best { sum += best; any = true } else if anyRequired && c.required { return .miss }
                }
                return any ? .match(sum) : .miss
            case let .phrase(text, field):
                let terms = words(text)
                if terms.isEmpty { return .noCondition }
                if terms.count == 1 { return try eval(.words(text, field: field), d, counts, true) }
                let fields = Searcher.phraseFields(field)
                return try alternative(terms, 1, Set(fields), phrase: fields, d, counts).map(Brute.match) ?? .miss
            case let .prefix(p, field):
                let fields = Searcher.fields(field)
                var best: Double?
                for t in try expand(p, fields) { if let v = try termScore(t, fields, counts) { best = max(best ?? 0, v) } }
                return best.map(Brute.match) ?? .miss
            case let .filter(f):
                switch f {
                case let .year(r): return d.year != 0 && r.contains(d.year) ? .match(0) : .miss
                case let .authority(v): return d.authority.lowercased().contains(v.lowercased()) ? .match(0) : .miss
                default: Issue.record("filter \(f) not judged"); return .miss
                }
            case let .and(parts):
                var sum = 0.0, anyText = false, matchedText = false, conditions = false
                for p in parts {
                    if case let .not(inner) = p {
                        conditions = true
                        if case .match = try eval(inner, d, counts, true) { return .miss }
                        continue
                    }
                    let isFilter: Bool = { if case .filter = p { return true }; return false }()
                    switch try eval(p, d, counts, isFilter ? true : requireAll) {
                    case .noCondition: continue
                    case .miss:
                        if isFilter || requireAll { return .miss }
                        anyText = true
                    case let .match(v):
                        if isFilter { conditions = true; continue }
                        anyText = true
                        matchedText = true
                        sum += v
                    }
                }
                if anyText { return matchedText ? .match(sum) : .miss }
                return conditions ? .match(0) : .noCondition
            case let .or(parts):
                var sum = 0.0, any = false, conditions = false
                for p in parts {
                    switch try eval(p, d, counts, true) {
                    case .noCondition: continue
                    case .miss: conditions = true
                    case let .match(v): sum += v; any = true; conditions = true
                    }
                }
                return any ? .match(sum) : conditions ? .miss : .noCondition
            case let .not(inner):
                if case .match = try eval(inner, d, counts, true) { return .miss }
                return .match(0)
            }
        }
        // The typed terms of the required words outside exclusions.
        func proximityTerms(_ n: QueryNode) throws -> [String] {
            switch n {
            case let .words(text, _):
                return try planOf(text).clauses.filter(\.required).compactMap { c in c.alternatives.first.flatMap { $0.terms.count == 1 ? $0.terms[0] : nil } }
            case let .phrase(text, field): return words(text).count == 1 ? try proximityTerms(.words(text, field: field)) : []
            case let .and(parts), let .or(parts): return try parts.flatMap { p -> [String] in if case .not = p { return [] }; return try proximityTerms(p) }
            default: return []
            }
        }
        let terms = proximity ? Array(Set(try proximityTerms(node))).sorted() : []
        func rank(_ requireAll: Bool) throws -> [(score: Double, id: Int64)] {
            var out: [(score: Double, id: Int64)] = []
            for (id, d) in raw {
                guard case var .match(score) = try eval(node, d, counted[id]!, requireAll) else { continue }
                if terms.count >= 2 {
                    func span(_ ts: [String]) -> Int {
                        var best = Int.max
                        for i in ts.indices where terms.contains(ts[i]) {
                            var seen = Set<String>()
                            for j in i..<ts.count {
                                if terms.contains(ts[j]) { seen.insert(ts[j]) }
                                if seen.count == terms.count { best = min(best, j - i + 1); break }
                            }
                        }
                        return best
                    }
                    score += Searcher.proximityBonus(span: min(span(d.body), span(d.title)), terms: terms.count)
                }
                out.append((score, id))
            }
            return out.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        }
        let strict = try rank(true)
        if strict.isEmpty && searcher.canFallBack(node) {
            let loose = try rank(false)
            return (loose, !loose.isEmpty)
        }
        return (strict, false)
    }
}

