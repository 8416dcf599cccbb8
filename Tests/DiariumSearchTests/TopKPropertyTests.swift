import DiariumAnalysis
import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex
@testable import DiariumSearch

/// Random documents and random queries: the block-max top-k path must give the same ranked
/// results (same documents, same order, same scores within float tolerance) as a brute-force
/// scorer written here from the raw documents — across several segments, with replaced
/// (deleted) documents, after the merge policy ran and after `optimize` — for every query shape
/// the block-max path takes (words, fields, filters, phrases, `OR`, `-` exclusions, prefixes,
/// the proximity bonus, the OR fallback). It must also agree with the exhaustive evaluator:
/// the same page and the same exact count.
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

    @Test func blockMaxTopKEqualsBruteForce() throws {
        var rng = SeededRandom(state: 2026)
        let analyzer = try Analyzer(splitCompounds: false)
        let vocabulary = Self.common + (0..<300).map { "ord\($0)" }
        let scratch = try ScratchDirectory("topk")
        let directory = scratch.path
        let writer = try IndexWriter(directory: directory, memoryBudget: 48 << 10)
        writer.mergeFactor = 3
        var raw: [Int64: RawDocument] = [:]
        var idOfPath: [String: Int64] = [:]
        func add(_ path: String) throws {
            let n = 5 + Int(rng.next() % 300)
            let body = Self.terms((0..<n).map { _ in Self.word(&rng, vocabulary) }, analyzer)
            let title = Self.terms((0..<(1 + Int(rng.next() % 6))).map { _ in Self.word(&rng, vocabulary) }, analyzer)
            let year = 2010 + Int(rng.next() % 12)
            let authority = "Nämnd \(rng.next() % 5)"
            let meta = Self.terms([authority, String(year)], analyzer)
            var record = DocumentRecord(path: path, sha256: String(repeating: "0", count: 64), size: 1, mtime: 0, format: "text",
                                        status: .ok, ingestedAt: "2026-01-01T00:00:00Z")
            record.year = year
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
        try check(reader, raw, &rng, vocabulary, analyzer, queries: 60)

        try writer.optimize()
        writer.close()
        reader = try IndexReader(directory: directory)
        #expect(reader.segments.count == 1)
        #expect(reader.segments[0].deletedCount == 0)
        #expect(reader.liveDocumentCount == raw.count)
        try check(reader, raw, &rng, vocabulary, analyzer, queries: 40)
    }

    func check(_ reader: IndexReader, _ raw: [Int64: RawDocument], _ rng: inout SeededRandom, _ vocabulary: [String],
               _ analyzer: Analyzer, queries: Int) throws {
        let searcher = try Searcher(reader: reader)
        let scoring = searcher.scoring
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
        for q in 0..<queries {
            let words = (0..<(1 + Int(rng.next() % 3))).map { _ in rng.next() % 4 == 0 ? "ord\(rng.next() % 300)" : Self.word(&rng, vocabulary) }
            var text = words.joined(separator: " ")
            var years: ClosedRange<Int>?
            // A phrase that occurs: two or three consecutive words of a document's body.
            func phrase() -> String {
                let d = raw[ids[Int(rng.next() % UInt64(ids.count))]]!
                let length = 2 + Int(rng.next() % 2)
                guard d.body.count > length else { return "\"" + words.joined(separator: " ") + "\"" }
                let i = Int(rng.next() % UInt64(d.body.count - length))
                return "\"" + d.body[i..<(i + length)].joined(separator: " ") + "\""
            }
            let shape = rng.next() % 12
            switch shape {
            case 0: years = 2012...2016; text += " year:2012..2016"
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
            default: break
            }
            shapes[text.contains("\"") ? "phrase" : text.contains(" OR ") ? "or" : text.contains(" -") ? "not" : text.contains("*") ? "prefix" : "words", default: 0] += 1
            let k = [1, 3, 10, 25][Int(rng.next() % 4)]

            // The evaluator under test.
            var context = try EvaluationContext(searcher: searcher)
            guard var weighted = try searcher.weightedQuery(QueryParser.parse(text), &context) else {
                Issue.record("query \(text) should take the block-max path")
                continue
            }
            let evaluator = BlockMaxEvaluator(scoring: scoring, averages: context.averages, idf: context.idf)
            var outcome = try evaluator.run(weighted.query, segments: reader.segments, k: k, countAll: false, accept: weighted.accept)
            if outcome.matched == 0 && searcher.canFallBack(QueryParser.parse(text)) {
                weighted.query.requireAll = false
                outcome = try evaluator.run(weighted.query, segments: reader.segments, k: k, countAll: false, accept: weighted.accept)
            }
            if !outcome.exact { blocksSkipped += 1 }

            // Brute force over the raw documents, by the definition of `WeightedQuery`.
            func alternativeScore(_ alt: WeightedQuery.Alternative, _ d: RawDocument, _ counts: [IndexField: (tf: [String: Int], length: Int)]) throws -> Double? {
                let fields = [IndexField.title, .body, .meta].filter { alt.fields.contains($0) }
                var sum = 0.0
                for t in alt.terms {
                    var pf = 0.0, found = false
                    for f in fields {
                        guard let c = counts[f], let tf = c.tf[t] else { continue }
                        found = true
                        let len = Double(SmallFloat.decode(SmallFloat.encode(UInt32(c.length))))
                        let avg = averages[Int(f.rawValue)]
                        pf += (scoring.weights[f] ?? 1) * Double(tf) / (1 - scoring.b + scoring.b * len / avg)
                    }
                    guard found else { return nil }
                    sum += try idf(t) * pf * (scoring.k1 + 1) / (scoring.k1 + pf)
                }
                if let phraseFields = alt.phraseFields {
                    let inOrder = phraseFields.contains { f in
                        let ts = fieldTerms(d, f)
                        return ts.count >= alt.terms.count && (0...(ts.count - alt.terms.count)).contains { i in
                            alt.terms.indices.allSatisfy { ts[i + $0] == alt.terms[$0] }
                        }
                    }
                    if !inOrder { return nil }
                }
                return sum * alt.weight
            }
            func clauseScore(_ clause: WeightedQuery.Clause, _ d: RawDocument, _ counts: [IndexField: (tf: [String: Int], length: Int)]) throws -> Double? {
                var best: [Int: Double] = [:]
                for alt in clause.alternatives {
                    if let v = try alternativeScore(alt, d, counts) { best[alt.group] = max(best[alt.group] ?? 0, v) }
                }
                return best.isEmpty ? nil : best.values.reduce(0, +)
            }
            // The shortest window holding every term: from each position, the farthest of
            // the terms' next occurrences (found by a backward scan per term).
            func span(_ ts: [String], _ terms: [String]) -> Int {
                var farthest = [Int](repeating: -1, count: ts.count)
                for t in terms {
                    var next = Int.max
                    for i in ts.indices.reversed() {
                        if ts[i] == t { next = i }
                        farthest[i] = next == Int.max || farthest[i] == Int.max ? Int.max : max(farthest[i], next)
                    }
                }
                var best = Int.max
                for i in ts.indices where farthest[i] != Int.max { best = min(best, farthest[i] - i + 1) }
                return best
            }
            var expected: [(score: Double, id: Int64)] = []
            for (id, d) in raw {
                if let years, !years.contains(d.year) { continue }
                let counts = counted[id]!
                if try weighted.query.excluded.contains(where: { group in try group.allSatisfy { try clauseScore($0, d, counts) != nil } }) { continue }
                var total = 0.0, matchedAll = true, matchedAny = false
                for clause in weighted.query.clauses {
                    if let v = try clauseScore(clause, d, counts) { total += v; matchedAny = true }
                    else if clause.required && weighted.query.requireAll { matchedAll = false }
                }
                let required = weighted.query.requireAll && weighted.query.clauses.contains { $0.required }
                guard required ? matchedAll : matchedAny else { continue }
                let terms = weighted.query.proximityTerms
                if terms.count >= 2 {
                    let best = min(span(d.body, terms), span(d.title, terms))
                    if best != Int.max { total += Searcher.proximityWeight * Double(terms.count - 1) / Double(max(best, terms.count - 1)) }
                }
                expected.append((total, id))
            }
            expected.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
            let want = Array(expected.prefix(k))
            let got = outcome.top
            #expect(got.map(\.id) == want.map(\.id), "query \(q) \"\(text)\" k \(k): ids differ")
            for (g, w) in zip(got, want) {
                #expect(abs(g.score - w.score) <= 1e-9 * max(1, abs(w.score)), "query \"\(text)\": score \(g.score) vs \(w.score)")
            }
            if outcome.exact { #expect(outcome.matched == expected.count, "query \"\(text)\": exact total") }

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
        // Every shape must have been drawn.
        #expect(Set(shapes.keys) == ["phrase", "or", "not", "prefix", "words"], "shapes drawn: \(shapes)")
        // The skip path must actually have been exercised.
        #expect(blocksSkipped > 0, "no query skipped a block; the test does not cover pruning")
    }
}

