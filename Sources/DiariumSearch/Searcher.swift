import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import Foundation

/// Failures of a search.
public enum SearchError: Error, CustomStringConvertible {
    /// Reading the index failed.
    case index(IndexError)
    /// The query cannot be run as typed (parentheses nested too deep).
    case query(QueryError)

    public var description: String {
        switch self {
        case let .index(e): return e.description
        case let .query(e): return e.description
        }
    }
}

/// How a query was understood: one clause per query word (or run of words with synonyms),
/// each with the alternatives that satisfy it.
public struct QueryPlan: Sendable, Equatable, Codable {
    /// One way to satisfy a clause: all its terms must occur in the document.
    public struct Alternative: Sendable, Equatable, Codable {
        /// Indexed terms.
        public var terms: [String]
        /// Score multiplier (1 for the words typed, less for synonyms and folded spellings).
        public var weight: Double
        /// Why it is there.
        public var reason: Reason
    }

    /// Why an alternative is in a clause (its JSON form is the raw value).
    public enum Reason: String, Sendable, Equatable, Codable {
        /// The query word as typed (its stem).
        case typed
        /// The parts of a joined form typed (`ks-2015-0123`: `ks`, `2015`, `0123`).
        case parts
        /// An expression of the word's synonym group.
        case synonym
        /// The English stem of a word typed in ASCII.
        case english
        /// A spelling with å, ä, ö of a word typed without them.
        case folded
    }

    /// A query word and its alternatives.
    public struct Clause: Sendable, Equatable, Codable {
        /// The query text the clause stands for.
        public var text: String
        public var alternatives: [Alternative]
        /// Stop words are optional: they add to the score but need not match.
        public var required: Bool
    }

    public var clauses: [Clause]

    /// Whether a query word is a joined form (an alternative of its `parts`): the evaluation
    /// records it (`EvaluationContext.joinedForms`), for the exhaustive and top-k paths alike.
    var hasJoinedForms: Bool {
        clauses.contains { $0.alternatives.contains { $0.reason == .parts } }
    }
}

/// Answers keyword queries over an index snapshot: every query word must match (in the title,
/// the body or the metadata, where a year also matches the document's year); stop words are
/// optional; synonyms, English stems and (for words typed without å, ä, ö) diacritic variants
/// are alternatives ranked below the words as typed. Hits are ranked by BM25F and shown with a
/// snippet. Not thread-safe (it owns analyzers): one per thread.
public final class Searcher {
    /// The snapshot searched.
    public let reader: IndexReader
    /// Ranking parameters.
    public var scoring = BM25F() {
        didSet {
            statistics = CollectionStatistics(reader, scoring)
            boundScales = []
        }
    }
    /// The snapshot's average field lengths and BM25F's factors for them: made once per
    /// searcher (the snapshot does not change), again when `scoring` does — not per query.
    private(set) var statistics: CollectionStatistics
    /// Synonym groups used to expand queries.
    public var synonyms: Synonyms
    let analyzer: Analyzer
    private let english: Analyzer
    /// The synonym groups the cached analyses and key tables below were made from.
    private var analyzedGroupsSource: [[String]]?
    /// Analysed groups (term sequences per expression), by group index: only the groups a
    /// query could use are analysed, once per searcher.
    private var analyzedGroups: [Int: [[String]]] = [:]
    /// The keys of every expression's first word (`Synonyms.Key`) with their group, sorted by
    /// prefix: the groups a term can reach are a binary search away.
    private var closedKeys: [(prefix: [UInt8], group: Int)] = []
    private var openKeys: [(prefix: [UInt8], group: Int)] = []
    /// Groups with an expression starting with a non-ASCII character (any term possible).
    private var anyKeyGroups: [Int] = []
    /// Dictionary entries by term (`found(_:)`).
    private var lookups: [String: [FoundTerm?]] = [:]
    /// `BM25F.boundScale` per segment and field mask (`boundScale(segment:mask:)`; NaN: not
    /// computed yet), emptied when `scoring` changes.
    private var boundScales: [Double] = []

    /// `YearRuns` per segment (`yearRuns(segment:)`), made on first use.
    private var yearRunMemo: [YearRuns?]?
    /// Whether a year filter walks the segments' runs (`YearRuns`); false (tests only) checks
    /// it per document everywhere, the judge of the walk.
    var yearRunsEnabled = true
    /// What the union engine (`TopK+Union.swift`) did, summed over this searcher's queries: the
    /// cursors it opened and the windows it bounded (a bound from every leaf's skip entry each).
    /// Read by tests only: a walk past its leaves' last documents bounds no window, a year
    /// filter no document passes opens no cursor.
    struct UnionWork: Equatable {
        var cursorsOpened = 0
        var windowsBounded = 0
    }
    var unionWork = UnionWork()

    /// Segment `si`'s documents as runs of one year (nil: too many runs to pay), made once per
    /// searcher for every segment: one pass over the year column, a compare per four documents.
    func yearRuns(segment si: Int) -> YearRuns? {
        guard yearRunsEnabled else { return nil }
        if yearRunMemo == nil { yearRunMemo = reader.segments.map { YearRuns($0.reader) } }
        guard let memo = yearRunMemo, si < memo.count else { return nil }
        return memo[si]
    }

    /// The factor from segment `si`'s block bounds to this searcher's over the fields of `mask`
    /// (`BM25F.boundScale`): computed once per searcher, segment and mask, not per query (it
    /// depends only on the snapshot and the statistics; ~2k instructions each, callgrind).
    func boundScale(segment si: Int, mask: UInt8) -> Double {
        let masks = 1 << IndexField.allCases.count
        if boundScales.isEmpty { boundScales = [Double](repeating: .nan, count: reader.segments.count * masks) }
        let i = si * masks + Int(mask)
        if !boundScales[i].isNaN { return boundScales[i] }
        let v = scoring.boundScale(reader.segments[si].reader, averages: statistics.averages, mask: mask)
        boundScales[i] = v
        return v
    }

    /// The analysed groups (index and terms) that may hold an expression whose first term is
    /// one of `terms`: those whose keys admit it (`Synonyms.Key`), analysed on first use. A
    /// synonyms file of a million lines costs a byte scan for the keys, and the analysis of the
    /// few groups a query's words can reach, instead of analysing every line per search.
    func synonymGroups(forFirstTerms terms: [String]) -> [(index: Int, group: [[String]])] {
        if analyzedGroupsSource != synonyms.groups {
            analyzedGroups = [:]
            closedKeys = []
            openKeys = []
            anyKeyGroups = []
            for (g, group) in synonyms.groups.enumerated() {
                for e in group {
                    let k = Synonyms.key(ofExpression: e)
                    if k.prefix.isEmpty { anyKeyGroups.append(g) } else if k.closed { closedKeys.append((k.prefix, g)) } else { openKeys.append((k.prefix, g)) }
                }
            }
            closedKeys.sort { $0.prefix.lexicographicallyPrecedes($1.prefix) }
            openKeys.sort { $0.prefix.lexicographicallyPrecedes($1.prefix) }
            analyzedGroupsSource = synonyms.groups
        }
        // The first entry of a sorted key list whose prefix is not before `t`.
        func lowerBound(_ t: ArraySlice<UInt8>, in keys: [(prefix: [UInt8], group: Int)]) -> Int {
            var lo = 0, hi = keys.count
            while lo < hi { let mid = (lo + hi) / 2; if keys[mid].prefix.lexicographicallyPrecedes(t) { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        // Entries whose prefix starts with `t`: a contiguous run.
        func starting(with t: [UInt8], in keys: [(prefix: [UInt8], group: Int)], into out: inout [Int]) {
            var lo = lowerBound(t[...], in: keys)
            while lo < keys.count && keys[lo].prefix.starts(with: t) { out.append(keys[lo].group); lo += 1 }
        }
        // Sorted arrays, not sets: a fresh process pays a scan of the runtime's conformance
        // records for the first hash of each key type (~0.4 M instructions each).
        var candidates = anyKeyGroups
        for t in terms {
            let b = Array(t.utf8)
            guard !b.isEmpty else { continue }
            starting(with: b, in: closedKeys, into: &candidates)
            starting(with: b, in: openKeys, into: &candidates)
            // Open keys that are a proper prefix of the term: one exact search per length.
            for n in 1..<b.count {
                var lo = lowerBound(b[0..<n], in: openKeys)
                while lo < openKeys.count && openKeys[lo].prefix.elementsEqual(b[0..<n]) { candidates.append(openKeys[lo].group); lo += 1 }
            }
        }
        candidates.sort()
        var unique: [Int] = []
        for g in candidates where unique.last != g { unique.append(g) }
        return unique.map { g in
            if let a = analyzedGroups[g] { return (g, a) }
            let a = synonyms.groups[g].map { wordTerms($0) }.filter { !$0.isEmpty }
            analyzedGroups[g] = a
            return (g, a)
        }
    }

    /// A searcher over `reader`, with the built-in synonyms and those of the index directory.
    public init(reader: IndexReader) throws {
        self.reader = reader
        statistics = CollectionStatistics(reader, BM25F())
        // Queries and snippets use words and joined forms, never compound parts: no word list to load.
        // Small stem caches: a query and a page of snippet windows hold a few hundred words (the
        // default's 12 MiB of cache cost a fresh `diarium search` ~370 page faults).
        analyzer = try Analyzer(language: "swedish", splitCompounds: false, cachedWords: 1 << 12)
        english = try Analyzer(language: "english", splitCompounds: false, cachedWords: 1 << 8)
        synonyms = Synonyms.load(indexDirectory: reader.directory)
    }

    /// The indexed word terms of `text` (joined forms left out).
    func wordTerms(_ text: String, _ a: Analyzer? = nil) -> [String] {
        var out: [String] = []
        (a ?? analyzer).analyze(text) { t in if t.kind == .word { out.append(String(decoding: t.term, as: UTF8.self)) } }
        return out
    }

    /// How `query` is understood.
    public func plan(_ query: String) throws -> QueryPlan {
        var words: [(word: String, term: String)] = []
        // Joined forms (`ks-2015-0123`, `pulbedömning`) by the index of their first word, with
        // the number of words they cover.
        var joinedAt: [Int: (term: String, words: Int, text: String)] = [:]
        var openJoined: (term: String, end: Int, first: Int, text: String)?
        analyzer.analyze(query) { t in
            let term = String(decoding: t.term, as: UTF8.self)
            if t.kind == .joined {
                openJoined = (term, t.end, words.count, String(decoding: t.word, as: UTF8.self))
                return
            }
            words.append((String(decoding: t.word, as: UTF8.self), term))
            if let j = openJoined, t.end >= j.end {
                joinedAt[j.first] = (j.term, words.count - j.first, j.text)
                openJoined = nil
            }
        }
        // Synonym groups, as term sequences (analysed once per searcher).
        // Synonym expressions by their first term, from the groups the query's words can reach,
        // in group order (the longest expression wins; among equals the first group).
        var groups: [Int: [[String]]] = [:]
        var expressionsByFirstTerm: [String: [(group: Int, expr: [String])]] = [:]
        for (g, group) in synonymGroups(forFirstTerms: words.map(\.term)) {
            groups[g] = group
            for expr in group { expressionsByFirstTerm[expr[0], default: []].append((g, expr)) }
        }
        var clauses: [QueryPlan.Clause] = []
        // Few clauses: an array, not a set (see `synonymGroups`).
        var seen: [[String]] = []
        func insert(_ terms: [String]) -> Bool {
            if seen.contains(terms) { return false }
            seen.append(terms)
            return true
        }
        var i = 0
        while i < words.count {
            // The longest run of words starting here that is an expression of a synonym group.
            var matched: (length: Int, group: Int)?
            for (g, expr) in expressionsByFirstTerm[words[i].term] ?? [] where expr.count <= words.count - i && expr.count > (matched?.length ?? 0) {
                if zip(expr, words[i..<(i + expr.count)]).allSatisfy({ $0 == $1.term }) { matched = (expr.count, g) }
            }
            if let j = joinedAt[i], j.words > (matched?.length ?? 1), i + j.words <= words.count {
                // A case number, address or hyphenated word: the whole form as typed, or all its parts.
                let parts = words[i..<(i + j.words)].map(\.term)
                i += j.words
                guard insert([j.term]) else { continue }
                clauses.append(.init(text: j.text, alternatives: [.init(terms: [j.term], weight: 1, reason: .typed),
                                                                  .init(terms: parts, weight: 0.8, reason: .parts)], required: true))
                continue
            }
            let length = matched?.length ?? 1
            let typed = words[i..<(i + length)].map(\.term)
            i += length
            guard insert(typed) else { continue }
            var alternatives = [QueryPlan.Alternative(terms: typed, weight: 1, reason: .typed)]
            let text = words[(i - length)..<i].map(\.word).joined(separator: " ")
            if let m = matched {
                for expr in groups[m.group] ?? [] where expr != typed {
                    alternatives.append(.init(terms: expr, weight: 0.9, reason: .synonym))
                }
            } else {
                let word = words[i - 1].word
                if word.utf8.allSatisfy({ $0 < 0x80 }), let en = wordTerms(word, english).first, en != typed[0] {
                    alternatives.append(.init(terms: [en], weight: 1, reason: .english))
                }
                for variant in try foldedVariants(word) where variant != typed[0] {
                    alternatives.append(.init(terms: [variant], weight: 0.6, reason: .folded))
                }
            }
            let required = !(length == 1 && Stopwords.isStopword(words[i - 1].word))
            clauses.append(.init(text: text, alternatives: alternatives, required: required))
        }
        // A query of stop words only: they are all required.
        if !clauses.isEmpty && clauses.allSatisfy({ !$0.required }) {
            for k in clauses.indices { clauses[k].required = true }
        }
        return QueryPlan(clauses: clauses)
    }

    /// Spellings of a word typed without å, ä, ö that the index has with them (`orebro` →
    /// `örebro`), at most 64 tried.
    func foldedVariants(_ word: String) throws -> [String] {
        let scalars = Array(word.unicodeScalars)
        guard !scalars.contains(where: { "åäöé".unicodeScalars.contains($0) }) else { return [] }
        let slots = scalars.indices.filter { scalars[$0] == "a" || scalars[$0] == "o" }
        guard !slots.isEmpty, slots.count <= 6 else { return [] }
        // Every spelling but the word's own, the first slot varying slowest (a, å, ä; o, ö), as
        // UTF-8 built in one buffer: a mixed-radix count over the slots.
        let options: [[UInt8]] = slots.map { scalars[$0] == "a" ? [0x61, 0xE5, 0xE4] : [0x6F, 0xF6] }
        var combinations = 1
        for o in options { combinations *= o.count }
        var variants: [String] = []
        var digits = [Int](repeating: 0, count: slots.count)
        var bytes: [UInt8] = []
        for _ in 1..<combinations where variants.count < 64 {
            var k = slots.count - 1
            while digits[k] == options[k].count - 1 { digits[k] = 0; k -= 1 }
            digits[k] += 1
            bytes.removeAll(keepingCapacity: true)
            var slot = 0
            for (i, s) in scalars.enumerated() {
                if slot < slots.count && slots[slot] == i {
                    UTF8.encode(Unicode.Scalar(options[slot][digits[slot]])) { bytes.append($0) }
                    slot += 1
                } else {
                    UTF8.encode(s) { bytes.append($0) }
                }
            }
            variants.append(String(decoding: bytes, as: UTF8.self))
        }
        var out: [String] = []
        for v in variants {
            guard let term = analyzer.term(ofWord: v), !out.contains(term) else { continue }
            if try documentFrequency(term) > 0 { out.append(term) }
        }
        return out
    }

    func documentFrequency(_ term: String) throws -> Int {
        try found(term).reduce(0) { $0 + ($1?.documentFrequency ?? 0) }
    }

    /// `term`'s dictionary entry in each segment (nil: absent), looked up once per searcher for
    /// the checks of a query's spellings (`foldedVariants`), its idf, a prefix's expansions and
    /// its snippets' cursors (`passages`), which asked each segment's dictionary for the same
    /// term up to four times; every scoring cursor (the three engines', the proximity scorer's)
    /// opens from these entries too (`entry(_:segment:)`). The snapshot never changes, so an
    /// entry stays valid. The memo is bounded by entries (`lookupMemoLimit`, see there).
    func found(_ term: String) throws -> [FoundTerm?] {
        if let row = lookups[term] { return row }
        let bytes = Array(term.utf8)
        let row = try reader.segments.map { try $0.reader.lookUp(bytes) }
        remember(term, row)
        return row
    }

    /// `term`'s dictionary entry in segment `si` (nil: absent), from `found(_:)`'s memo: the
    /// query engines open their cursors from the entries planning looked up, without a second
    /// dictionary search. A term the memo has let go since (a query of more terms than it
    /// keeps) is looked up in segment `si` alone, not in every segment again through `found`,
    /// and is not kept: so a long query opens each cursor with at most one search, as before.
    func entry(_ term: String, segment si: Int) throws -> FoundTerm? {
        try entry(term, segment: si, row: lookups[term])
    }

    /// `term`'s dictionary entry in segment `si` from `row`, its entries per segment
    /// (`rememberedRow`, read once per query), or, when the memo had let it go (nil), looked up
    /// in that segment alone: the one place that rule is written.
    func entry(_ term: String, segment si: Int, row: [FoundTerm?]?) throws -> FoundTerm? {
        if let row { return si < row.count ? row[si] : nil }
        return try reader.segments[si].reader.lookUp(Array(term.utf8))
    }

    /// `term`'s entries per segment from `found(_:)`'s memo, without looking anything up (nil:
    /// not kept).
    func rememberedRow(_ term: String) -> [FoundTerm?]? { lookups[term] }

    /// Keeps `row`, `term`'s entries per segment of this snapshot (nil: absent), for `found(_:)`;
    /// the memo is emptied first when it would hold more than `lookupMemoLimit` entries.
    func remember(_ term: String, _ row: [FoundTerm?]) {
        if (lookups.count + 1) * max(1, row.count) > Self.lookupMemoLimit { lookups.removeAll(keepingCapacity: true) }
        lookups[term] = row
    }

    /// (Term, segment) entries `found(_:)` keeps at most: 32,768 × `MemoryLayout<FoundTerm?>.stride`
    /// (80 B: a `TermEntry`'s three ranges and three counts, and the optional's tag) = 2.6 MB,
    /// plus per term its key and row header (~50 B; 4,096 terms at 8 segments) — whatever the
    /// segment count: a snapshot of more segments keeps fewer terms.
    static let lookupMemoLimit = 32_768

    /// Per-document term frequencies of one term in one segment, over the fields.
    struct TermMatches {
        var docs: [UInt32] = []
        var tfs: [FieldCounts] = []
    }

    /// How a search finds its hits.
    public enum Strategy: Sendable {
        /// Block-max top-k over the query's iterator tree (`QueryTree.swift`), every shape.
        case automatic
        /// Score every matching document (the reference the tests judge the top-k path by).
        case exhaustive
    }

    /// Runs `query`, returning hits `offset..<offset+limit` of the ranking (`limit` 0: all) and
    /// the number of matches: exact when `countTotal` is set (or when nothing was skipped),
    /// otherwise possibly a lower bound (`SearchResult.exactTotal` false).
    public func search(_ query: String, limit: Int = 10, offset: Int = 0, countTotal: Bool = false,
                       strategy: Strategy = .automatic) throws -> SearchResult {
        do {
            // Queries typed on macOS arrive decomposed (a + ring); the index is NFC. Foundation's
            // normalisation only when NFC can change the query: it bridged through NSString,
            // 0.58 M instructions of a fresh `diarium search` (callgrind).
            return try run(TextDecoding.nfc(query), limit: max(0, limit), offset: max(0, offset),
                           countTotal: countTotal, strategy: strategy)
        } catch let e as IndexError {
            throw SearchError.index(e)
        } catch let e as QueryError {
            throw SearchError.query(e)
        }
    }

    /// `snippets` false: hits without snippets (the ranking alone, for re-sorting).
    func run(_ query: String, limit: Int, offset: Int, countTotal: Bool, strategy: Strategy, snippets: Bool = true) throws -> SearchResult {
        let node = try QueryParser.validated(query)
        var context = try EvaluationContext(searcher: self)
        var scored: [(score: Double, id: Int64, segment: Int, doc: UInt32)] = []
        var fallback = false
        var total = 0
        var exactTotal = true
        if strategy == .automatic {
            // Block-max top-k over the iterator tree: exactly the hits of the page (the
            // proximity bonus is part of the bounds, so k is not widened for it); every hit
            // with `limit` 0. Saturating: an offset near Int.max asks for everything, it does
            // not trap.
            let (end, overflow) = offset.addingReportingOverflow(limit)
            let k = limit == 0 || overflow ? Int.max : end
            if let strict = try queryTree(node, &context, requireAll: true) {
                let proximity = Array(Set(context.proximityTerms)).sorted()
                var outcome = try TreeEvaluator(searcher: self, context: context)
                    .top(strict, proximityTerms: proximity, k: k, countAll: countTotal || limit == 0)
                if outcome.matched == 0 && canFallBack(node), let loose = try queryTree(node, &context, requireAll: false) {
                    outcome = try TreeEvaluator(searcher: self, context: context)
                        .top(loose, proximityTerms: proximity, k: k, countAll: countTotal || limit == 0)
                    fallback = outcome.matched > 0
                }
                scored = outcome.top.map { ($0.score, $0.id, $0.segment, $0.doc) }
                total = outcome.matched
                exactTotal = outcome.exact
            }
        } else {
            var hits = try evaluate(node, &context, requireAll: true)
            if let h = hits, h.allSatisfy({ $0.isEmpty }), canFallBack(node) {
                // Nothing has every word: rank documents with any of them, and say so.
                hits = try evaluate(node, &context, requireAll: false)
                fallback = !(hits?.allSatisfy { $0.isEmpty } ?? true)
            }
            if let hits {
                for (si, h) in hits.enumerated() {
                    let r = reader.segments[si].reader
                    for (doc, score) in h { scored.append((score, r.documentID(doc), si, doc)) }
                }
            }
            try addProximityBonus(&scored, words: context.proximityTerms)
            // Highest score first; ties by catalog id, so the order is deterministic.
            scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
            total = scored.count
        }
        let page = limit <= 0 ? Array(scored.dropFirst(offset)) : Array(scored.dropFirst(offset).prefix(limit))
        let out = try pageHits(page, firstRank: offset + 1, terms: Snippets.markedTerms(context.highlight), snippets: snippets,
                               joinedForms: context.joinedForms)
        var result = SearchResult(query: query, total: total, hits: out, fallback: fallback ? "or" : nil)
        if !exactTotal { result.exactTotal = false }
        return result
    }

    /// The fields a phrase is matched in (positions must line up within one of them).
    static func phraseFields(_ field: QueryNode.TextField?) -> [IndexField] {
        field == .title ? [.title] : field == .body ? [.body] : [.title, .body]
    }

    /// The indexed terms starting with `prefix` in `fields`: the first 64 in dictionary (byte)
    /// order over the whole index, whatever its segment boundaries — each segment gives its
    /// first 64, and a term among the index's first 64 is among its segment's first 64.
    func prefixExpansions(_ prefix: String, fields: Set<IndexField>) throws -> [String] {
        try prefixLookup(prefix, fields: fields).terms
    }

    /// `prefixExpansions`, and per expansion its entry in each segment's dictionary (nil:
    /// absent), from one walk of each dictionary: a term the walk passed over is absent, and
    /// only one held in none of `fields` in a segment, past that segment's 64th, is looked up
    /// again.
    func prefixLookup(_ prefix: String, fields: Set<IndexField>) throws -> (terms: [String], found: [[FoundTerm?]]) {
        let lowered = Array(TextDecoding.nfc(prefix.lowercased()).utf8)
        let mask = IndexField.mask(fields)
        var walks: [(terms: [(term: [UInt8], found: FoundTerm)], complete: Bool)] = []
        var held = Set<[UInt8]>()
        for s in reader.segments {
            let walk = try s.reader.lookUp(prefix: lowered, fields: fields, limit: Self.prefixLimit)
            for t in walk.terms where t.found.isIn(mask) { held.insert(t.term) }
            walks.append(walk)
        }
        let expansions = held.sorted { $0.lexicographicallyPrecedes($1) }.prefix(Self.prefixLimit)
        var found: [[FoundTerm?]] = []
        for e in expansions {
            var row: [FoundTerm?] = []
            for (si, walk) in walks.enumerated() {
                // The walk's terms are in byte order: a binary search.
                var lo = 0, hi = walk.terms.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if walk.terms[mid].term.lexicographicallyPrecedes(e) { lo = mid + 1 } else { hi = mid }
                }
                if lo < walk.terms.count && walk.terms[lo].term == e {
                    row.append(walk.terms[lo].found)
                } else if walk.complete || lo < walk.terms.count {
                    row.append(nil)  // within the walk's range, not there
                } else {
                    row.append(try reader.segments[si].reader.lookUp(e))
                }
            }
            found.append(row)
        }
        let terms = expansions.map { String(decoding: $0, as: UTF8.self) }
        // The snippets' cursors open from these entries (`found(_:)`).
        for (t, row) in zip(terms, found) { remember(t, row) }
        return (terms, found)
    }

    /// Expansions of a prefix query.
    static let prefixLimit = 64

    /// Documents where the query words stand close together rank higher: every hit gets
    /// `proximityBonus` for the shortest span of body or title positions holding all k typed
    /// words (k ≥ 2). The exhaustive path's form: the block-max evaluator adds the same bonus
    /// itself, computing positions only for documents that can still enter the top k.
    func addProximityBonus(_ scored: inout [(score: Double, id: Int64, segment: Int, doc: UInt32)], words: [String]) throws {
        let terms = Array(Set(words)).sorted()
        guard terms.count >= 2, !scored.isEmpty else { return }
        var positionsCache: [String: [UInt32: [UInt32]]] = [:]  // key: segment|field|term
        for i in scored.indices {
            let hit = scored[i]
            let r = reader.segments[hit.segment].reader
            var best = Int.max
            for field in [IndexField.body, .title] {
                var lists: [[UInt32]] = []
                for t in terms {
                    let key = "\(hit.segment)|\(field.rawValue)|\(t)"
                    if positionsCache[key] == nil {
                        var byDoc: [UInt32: [UInt32]] = [:]
                        if let p = try r.postings(Array(t.utf8)) {
                            let all = try r.positions(of: p, field)
                            for (k, d) in p.docs.enumerated() where p.frequency(k, field) > 0 { byDoc[d] = all[k] }
                        }
                        positionsCache[key] = byDoc
                    }
                    guard let l = positionsCache[key]?[hit.doc] else { break }
                    lists.append(l)
                }
                if lists.count == terms.count { best = min(best, Searcher.shortestSpan(lists)) }
            }
            scored[i].score += Searcher.proximityBonus(span: best, terms: terms.count)
        }
    }

    /// The largest proximity bonus.
    static let proximityWeight = 0.5

    /// The proximity bonus for `terms` (≥ 2) query words whose shortest span of positions is
    /// `span` (`Int.max`: not all in one field): `proximityWeight × (terms − 1) / span`, at
    /// most `proximityWeight`.
    @inline(__always)
    static func proximityBonus(span: Int, terms: Int) -> Double {
        span == Int.max ? 0 : proximityWeight * Double(terms - 1) / Double(max(span, terms - 1))
    }

    /// Whether some position `p` of `lists[0]` has `p + i` in every `lists[i]` (ascending
    /// lists; the first `count` of them, all by default).
    static func hasPhrase(_ lists: [[UInt32]], count: Int? = nil) -> Bool {
        let n = count ?? lists.count
        guard n > 0, let first = lists.first else { return false }
        guard n > 1 else { return !first.isEmpty }
        // One read index per list, on the stack (this runs once per phrase candidate).
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: n) { cursors in
            cursors.initialize(repeating: 0)
            outer: for p in first {
                for i in 1..<n {
                    let want = p &+ UInt32(i)
                    let l = lists[i]
                    var j = cursors[i]
                    while j < l.count && l[j] < want { j += 1 }
                    cursors[i] = j
                    if j == l.count { return false }
                    if l[j] != want { continue outer }
                }
                return true
            }
            return false
        }
    }

    /// The smallest `max − min + 1` over choices of one position from each list (ascending
    /// lists; `Int.max` when one is empty). One read index per list: the window of the lists'
    /// current positions is measured, then the list holding its smallest position moves on
    /// (every window whose smallest position is that one is at least as wide as this one, so
    /// none is missed). No allocation or sort: this runs once per proximity-scored document.
    static func shortestSpan(_ lists: [[UInt32]]) -> Int {
        let n = lists.count
        // A closure, not the key path `\.isEmpty`: a key path is projected through the runtime
        // (~700 instructions a call, callgrind), and this runs once per proximity-scored document.
        guard n > 0, !lists.contains(where: { $0.isEmpty }) else { return Int.max }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: n) { at in
            at.initialize(repeating: 0)
            var best = Int.max
            while true {
                var lowList = 0
                var low = lists[0][at[0]], high = low
                var i = 1
                while i < n {
                    let p = lists[i][at[i]]
                    if p < low { low = p; lowList = i }
                    if p > high { high = p }
                    i &+= 1
                }
                best = min(best, Int(high - low) + 1)
                at[lowList] &+= 1
                if at[lowList] == lists[lowList].count { return best }
            }
        }
    }

    /// Index of `doc` in the ascending `docs`, by binary search.
    @inline(__always)
    static func find(_ doc: UInt32, in docs: [UInt32]) -> Int? {
        var lo = 0, hi = docs.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if docs[mid] < doc { lo = mid + 1 } else { hi = mid }
        }
        return lo < docs.count && docs[lo] == doc ? lo : nil
    }

    /// A term's postings in `fields` of one segment (its frequencies in those fields), live
    /// documents only.
    func collect(_ term: [UInt8], in segment: LiveSegment, fields: Set<IndexField> = Set(IndexField.allCases)) throws -> TermMatches {
        var out = TermMatches()
        guard let p = try segment.reader.postings(term) else { return out }
        for (i, d) in p.docs.enumerated() where segment.isLive(d) {
            var tf = FieldCounts()
            var any = false
            for field in IndexField.allCases where fields.contains(field) {
                let v = p.frequency(i, field)
                if v > 0 { tf[field] = v; any = true }
            }
            guard any else { continue }
            out.docs.append(d)
            out.tfs.append(tf)
        }
        return out
    }
}
