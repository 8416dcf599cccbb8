import DiariumAnalysis
import DiariumIndex
import Foundation

/// Scores of matching documents, one dictionary per segment of the snapshot. `nil` stands for
/// "no condition" (a query part with no searchable words), which AND and OR ignore.
typealias SegmentHits = [[UInt32: Double]]

/// Per-query caches: term postings per segment and field set, idf, averages.
struct EvaluationContext {
    let averages: FieldAverages
    /// BM25F's field factors for these averages (shared by every scorer of the query).
    let factors: FieldFactors
    let documentCount: Int
    var matches: [String: [Searcher.TermMatches]] = [:]
    var idf: [String: Double] = [:]
    /// Terms to mark in snippets.
    var highlight: [String] = []
    /// Whether a query word is a joined form (`ks-2015-0123`, `pulbedömning`): its words are
    /// marked in a text apart from the one position the index gives it, so its snippets choose
    /// their window among the wider region's (`Searcher.passages`).
    var joinedForms = false
    /// The typed terms of required query words, for the proximity bonus.
    var proximityTerms: [String] = []

    init(searcher: Searcher) throws {
        let s = searcher.statistics
        averages = s.averages
        factors = s.factors
        documentCount = s.documentCount
    }
}

/// A snapshot's collection statistics for BM25F: average field lengths, the field factors for
/// them, the document count.
struct CollectionStatistics {
    let averages: FieldAverages
    let factors: FieldFactors
    let documentCount: Int

    init(_ reader: IndexReader, _ scoring: BM25F) {
        var totals = [UInt64](repeating: 0, count: IndexField.allCases.count)
        var docs = 0
        for s in reader.segments {
            for f in IndexField.allCases { totals[Int(f.rawValue)] += s.reader.totalFieldLengths[Int(f.rawValue)] }
            docs += s.reader.documentCount
        }
        averages = FieldAverages(totals.map { docs == 0 ? 1 : Double($0) / Double(docs) })
        factors = FieldFactors(scoring, averages: averages)
        // Like the document frequencies (from the segments' dictionaries), deleted documents
        // count until a merge drops them.
        documentCount = max(docs, 1)
    }
}

extension Searcher {
    static func fields(_ f: QueryNode.TextField?) -> Set<IndexField> {
        switch f {
        case nil: return Set(IndexField.allCases)
        case .title?: return [.title]
        case .body?: return [.body]
        }
    }

    /// A term's matches per segment (cached per field set) and its idf.
    func termMatches(_ term: String, _ fields: Set<IndexField>, _ c: inout EvaluationContext) throws -> [TermMatches] {
        let key = fields.map { String($0.rawValue) }.sorted().joined() + "\u{0}" + term
        if let m = c.matches[key] { return m }
        let m = try reader.segments.map { try collect(Array(term.utf8), in: $0, fields: fields) }
        c.matches[key] = m
        _ = try idf(of: term, &c)
        return m
    }

    /// A term's idf from the dictionaries alone: its document frequency is, per segment, the
    /// number of documents holding it in any field, summed over segments, deleted documents
    /// included.
    /// The entries found stay in `found(_:)`'s memo, so the term's cursors open without a
    /// second dictionary search.
    func idf(of term: String, _ c: inout EvaluationContext) throws -> Double {
        if let v = c.idf[term] { return v }
        let row = try found(term)
        return idf(of: term, &c) { row.reduce(0) { $0 + ($1?.documentFrequency ?? 0) } }
    }

    /// `idf(of:)` with the document frequency given by `documentFrequency`, called only when
    /// the term's idf is not in `c` yet (a prefix's expansions sum their dictionary entries').
    func idf(of term: String, _ c: inout EvaluationContext, documentFrequency: () throws -> Int) rethrows -> Double {
        if let v = c.idf[term] { return v }
        let v = scoring.idf(documentFrequency: try documentFrequency(), documentCount: c.documentCount)
        c.idf[term] = v
        return v
    }

    /// Documents holding every term of `terms`, scored by BM25F × `weight`, for one segment.
    func conjunction(_ terms: [String], weight: Double, fields: Set<IndexField>, segment si: Int,
                     _ c: inout EvaluationContext) throws -> [UInt32: Double] {
        let lists = try terms.map { try termMatches($0, fields, &c)[si] }
        guard let lead = lists.min(by: { $0.docs.count < $1.docs.count }) else { return [:] }
        let r = reader.segments[si].reader
        var out: [UInt32: Double] = [:]
        for doc in lead.docs {
            var score = 0.0
            var all = true
            let norms = r.normBytes(doc)
            for (k, list) in lists.enumerated() {
                guard let idx = Searcher.find(doc, in: list.docs) else { all = false; break }
                let f = c.factors.pseudoFrequency(tf: list.tfs[idx], norms: norms)
                score += scoring.score(idf: c.idf[terms[k]] ?? 0, pseudoFrequency: f)
            }
            if all { out[doc] = score * weight }
        }
        return out
    }

    func allLive(_ si: Int) -> [UInt32: Double] {
        let s = reader.segments[si]
        var out: [UInt32: Double] = [:]
        for d in 0..<UInt32(s.reader.documentCount) where s.isLive(d) { out[d] = 0 }
        return out
    }

    /// Whether a query with no full match may be retried as "any word".
    func canFallBack(_ node: QueryNode) -> Bool {
        switch node {
        case let .words(text, _): return ((try? plan(text).clauses.filter(\.required).count) ?? 0) > 1
        case let .and(parts): return parts.filter { if case .words = $0 { return true }; if case .phrase = $0 { return true }; return false }.count > 1
            || parts.contains { if case let .words(t, _) = $0 { return canFallBack(.words(t, field: nil)) }; return false }
        default: return false
        }
    }

    func evaluate(_ node: QueryNode, _ c: inout EvaluationContext, requireAll: Bool) throws -> SegmentHits? {
        let segments = reader.segments.indices
        switch node {
        case let .words(text, field):
            let plan = try plan(text)
            guard !plan.clauses.isEmpty else { return nil }
            let fields = Searcher.fields(field)
            if plan.hasJoinedForms { c.joinedForms = true }
            for clause in plan.clauses { for alt in clause.alternatives { c.highlight.append(contentsOf: alt.terms) } }
            for clause in plan.clauses where clause.required && requireAll {
                if let typed = clause.alternatives.first, typed.terms.count == 1 { c.proximityTerms.append(typed.terms[0]) }
            }
            return try segments.map { si -> [UInt32: Double] in
                var clauseHits: [([UInt32: Double], Bool)] = []
                for clause in plan.clauses {
                    var union: [UInt32: Double] = [:]
                    for alt in clause.alternatives {
                        for (d, v) in try conjunction(alt.terms, weight: alt.weight, fields: fields, segment: si, &c) {
                            union[d] = max(union[d] ?? 0, v)
                        }
                    }
                    clauseHits.append((union, clause.required))
                }
                return Searcher.combine(clauseHits, requireAll: requireAll)
            }
        case let .phrase(text, field):
            let terms = wordTerms(text)
            guard !terms.isEmpty else { return nil }
            c.highlight.append(contentsOf: terms)
            if terms.count == 1 { return try evaluate(.words(text, field: field), &c, requireAll: true) }
            let phraseFields = Searcher.phraseFields(field)
            return try segments.map { si in
                let candidates = try conjunction(terms, weight: 1, fields: Set(phraseFields), segment: si, &c)
                guard !candidates.isEmpty else { return [:] }
                let r = reader.segments[si].reader
                var ok: [UInt32: Double] = [:]
                for f in phraseFields {
                    // Positions of each term in this field, by document.
                    var positions: [[UInt32: [UInt32]]] = []
                    for t in terms {
                        guard let p = try r.postings(Array(t.utf8)) else { positions = []; break }
                        let lists = try r.positions(of: p, f)
                        var byDoc: [UInt32: [UInt32]] = [:]
                        for (k, d) in p.docs.enumerated() where candidates[d] != nil && p.frequency(k, f) > 0 { byDoc[d] = lists[k] }
                        positions.append(byDoc)
                    }
                    guard positions.count == terms.count else { continue }
                    for (d, score) in candidates where ok[d] == nil {
                        guard let first = positions[0][d] else { continue }
                        let rest = (1..<terms.count).map { Set(positions[$0][d] ?? []) }
                        if first.contains(where: { p in rest.enumerated().allSatisfy { $0.element.contains(p + UInt32($0.offset + 1)) } }) {
                            ok[d] = score
                        }
                    }
                }
                return ok
            }
        case let .prefix(p, field):
            let fields = Searcher.fields(field)
            let expansions = try prefixExpansions(p, fields: fields)
            guard !expansions.isEmpty else { return segments.map { _ in [:] } }
            c.highlight.append(contentsOf: expansions)
            return try segments.map { si in
                var union: [UInt32: Double] = [:]
                for t in expansions {
                    for (d, v) in try conjunction([t], weight: 1, fields: fields, segment: si, &c) { union[d] = max(union[d] ?? 0, v) }
                }
                return union
            }
        case let .filter(f):
            let accept = try filterPredicate(f)
            return segments.map { si in
                let s = reader.segments[si]
                var out: [UInt32: Double] = [:]
                for d in 0..<UInt32(s.reader.documentCount) where s.isLive(d) && accept(si, d) { out[d] = 0 }
                return out
            }
        case let .and(parts):
            var result: SegmentHits?
            var negatives: [SegmentHits] = []
            var optional: [SegmentHits] = []
            for part in parts {
                if case let .not(inner) = part {
                    // Excluded words earn no proximity bonus.
                    let proximity = c.proximityTerms
                    if let h = try evaluate(inner, &c, requireAll: true) { negatives.append(h) }
                    c.proximityTerms = proximity
                    continue
                }
                guard let h = try evaluate(part, &c, requireAll: requireAll) else { continue }
                let isText: Bool = { if case .filter = part { return false }; return true }()
                if !requireAll && isText { optional.append(h); continue }
                if let r = result {
                    result = segments.map { si in
                        var out: [UInt32: Double] = [:]
                        for (d, v) in r[si] { if let w = h[si][d] { out[d] = v + w } }
                        return out
                    }
                } else { result = h }
            }
            if !optional.isEmpty {
                // Fallback: any of the text parts, within the filters.
                let any: SegmentHits = segments.map { si in
                    var out: [UInt32: Double] = [:]
                    for h in optional { for (d, v) in h[si] { out[d, default: 0] += v } }
                    return out
                }
                result = result.map { r in segments.map { si in any[si].filter { r[si][$0.key] != nil } } } ?? any
            }
            if result == nil && !negatives.isEmpty { result = segments.map(allLive) }
            guard var r = result else { return nil }
            for n in negatives { for si in segments { for d in n[si].keys { r[si][d] = nil } } }
            return r
        case let .or(parts):
            var result: SegmentHits?
            for part in parts {
                guard let h = try evaluate(part, &c, requireAll: true) else { continue }
                if let r = result {
                    result = segments.map { si in r[si].merging(h[si], uniquingKeysWith: +) }
                } else { result = h }
            }
            return result
        case let .not(inner):
            var all = segments.map(allLive)
            let proximity = c.proximityTerms
            defer { c.proximityTerms = proximity }
            if let h = try evaluate(inner, &c, requireAll: true) { for si in segments { for d in h[si].keys { all[si][d] = nil } } }
            return all
        }
    }

    /// Required clauses intersect; optional ones (stop words) add to the score. With
    /// `requireAll` false every clause is optional and any one suffices.
    static func combine(_ clauses: [([UInt32: Double], Bool)], requireAll: Bool) -> [UInt32: Double] {
        let required = clauses.filter { $0.1 && requireAll }
        var out: [UInt32: Double]
        if let lead = required.min(by: { $0.0.count < $1.0.count }) {
            out = lead.0.filter { d in required.allSatisfy { $0.0[d.key] != nil } }.mapValues { _ in 0 }
        } else {
            out = [:]
            for (h, _) in clauses { for d in h.keys { out[d] = 0 } }
        }
        for d in Array(out.keys) { out[d] = clauses.reduce(0) { $0 + ($1.0[d] ?? 0) } }
        return out
    }

    /// Whether segment document (segment index, doc) passes a metadata filter: year,
    /// authority, type and format from the segments' fast fields; path, language, case number
    /// and OCR from the catalog.
    func filterPredicate(_ f: MetadataFilter) throws -> (Int, UInt32) -> Bool {
        let segments = reader.segments
        func ordinals(_ column: FastValues.Column, _ matches: (String) -> Bool) -> [[Bool]] {
            segments.map { s in [false] + s.reader.fastDictionary(column).map(matches) }
        }
        func contains(_ needle: String) -> (String) -> Bool {
            let n = needle.lowercased()
            return { $0.lowercased().contains(n) }
        }
        switch f {
        case let .year(r):
            return { si, d in segments[si].reader.year(d).map { r.contains($0) } ?? false }
        case let .authority(v):
            let ok = ordinals(.authority, contains(v))
            return { si, d in ok[si][Int(segments[si].reader.fastOrdinal(.authority, d))] }
        case let .type(v):
            let ok = ordinals(.docType, contains(v))
            return { si, d in ok[si][Int(segments[si].reader.fastOrdinal(.docType, d))] }
        case let .format(v):
            let ok = ordinals(.format) { $0.lowercased() == v.lowercased() }
            return { si, d in ok[si][Int(segments[si].reader.fastOrdinal(.format, d))] }
        case .path, .language, .dnr, .ocr:
            let ids = try filterIDs(f)
            return { si, d in ids.contains(segments[si].reader.documentID(d)) }
        }
    }

    /// Catalog ids matching a metadata filter.
    func filterIDs(_ f: MetadataFilter) throws -> Set<Int64> {
        switch f {
        case let .year(r): return try reader.documentIDs(years: r)
        case let .authority(v): return try reader.documentIDs(.authority, v, exact: false)
        case let .type(v): return try reader.documentIDs(.docType, v, exact: false)
        case let .format(v): return try reader.documentIDs(.format, v, exact: true)
        case let .path(v): return try reader.documentIDs(.path, v, exact: false)
        case let .language(v): return try reader.documentIDs(.language, String(v.prefix(2)), exact: true)
        case let .ocr(v): return try reader.documentIDs(ocr: v)
        case let .dnr(v):
            let wanted = CaseNumbers.key(v)
            return Set(try reader.columnValues(.dnr).filter { CaseNumbers.key($0.1) == wanted }.map(\.0))
        }
    }
}

extension Searcher {
    /// How `query` was understood, as an indented tree: each word with its analysed
    /// alternatives (stem, synonyms, English stem, å/ä/ö spellings) and their document
    /// frequencies; filters with the number of documents they let through.
    public func explain(_ query: String) throws -> String {
        var lines: [String] = []
        func df(_ term: String) -> Int { (try? documentFrequency(term)) ?? 0 }
        func walk(_ n: QueryNode, _ depth: Int) throws {
            let pad = String(repeating: "  ", count: depth)
            switch n {
            case let .words(text, field):
                let plan = try plan(text)
                if plan.clauses.isEmpty { lines.append("\(pad)(nothing searchable in \"\(text)\")") }
                for c in plan.clauses {
                    lines.append("\(pad)word \"\(c.text)\"\(field.map { " in \($0.rawValue)" } ?? "")\(c.required ? "" : " (optional: stop word)")")
                    for a in c.alternatives {
                        let terms = a.terms.map { "\($0) [df \(df($0))]" }.joined(separator: " + ")
                        lines.append("\(pad)  \(a.reason.rawValue) ×\(a.weight): \(terms)")
                    }
                }
            case let .phrase(text, field):
                lines.append("\(pad)phrase \"\(text)\"\(field.map { " in \($0.rawValue)" } ?? ""): " + wordTerms(text).map { "\($0) [df \(df($0))]" }.joined(separator: " "))
            case let .prefix(p, field):
                lines.append("\(pad)prefix \"\(p)*\"\(field.map { " in \($0.rawValue)" } ?? "")")
            case let .filter(f):
                lines.append("\(pad)filter \(f): \((try? filterIDs(f).count) ?? 0) documents")
            case let .and(parts):
                lines.append("\(pad)AND")
                for p in parts { try walk(p, depth + 1) }
            case let .or(parts):
                lines.append("\(pad)OR")
                for p in parts { try walk(p, depth + 1) }
            case let .not(inner):
                lines.append("\(pad)NOT")
                try walk(inner, depth + 1)
            }
        }
        let node: QueryNode
        do { node = try QueryParser.validated(query) } catch { throw SearchError.query(error) }
        try walk(node, 0)
        return lines.joined(separator: "\n")
    }
}
