import DiariumAnalysis
import DiariumIndex

/// Picks the passage of a document that holds the most distinct query terms and marks the
/// matched words with `«` and `»`.
///
/// From the index (`Searcher.passages`): the query terms' body positions come from the
/// postings, the window of `window` positions with the most distinct terms (then the most
/// matches) is chosen among them, and only the bytes holding that window — found through the
/// segment's position → offset table, `SegmentReader.storedTextRange` — are decompressed and
/// analysed, where the same rule picks the words shown. A hit in a 100 MB text costs what a hit
/// in a letter costs. A text stored without the table is analysed as below (`best(text:)`).
enum Snippets {
    /// Words a snippet shows.
    static let window = 28
    /// Words shown before the first match.
    static let lead = 4

    /// A snippet and where it is: `anchor` is the UTF-8 offset in the text of its first
    /// matched word (of its first word when nothing matched), from which the page is found;
    /// `range` the bytes of the text it shows.
    struct Passage: Equatable {
        var text: String
        var anchor: Int
        var range: Range<Int> = 0..<0
    }

    /// The position of the first match in the window of `window` positions that holds the most
    /// distinct terms (then the most matches), the earliest of equals — the rule `best(in:)`
    /// applies to a text's words, applied to `events` (position, term index), sorted by position.
    static func bestWindowStart(_ events: [(position: UInt32, term: Int)], termCount: Int) -> UInt32? {
        guard !events.isEmpty else { return nil }
        var counts = [Int](repeating: 0, count: termCount)
        var distinct = 0, matched = 0
        var bestDistinct = -1, bestCount = -1, bestFirst = events[0].position
        var lo = 0
        for hi in events.indices {
            let e = events[hi]
            if counts[e.term] == 0 { distinct += 1 }
            counts[e.term] += 1
            matched += 1
            // The window ends at this event and holds the positions after `position − window`.
            while Int(events[lo].position) + window <= Int(e.position) {
                counts[events[lo].term] -= 1
                if counts[events[lo].term] == 0 { distinct -= 1 }
                matched -= 1
                lo += 1
            }
            if distinct > bestDistinct || (distinct == bestDistinct && matched > bestCount) {
                bestDistinct = distinct; bestCount = matched; bestFirst = events[lo].position
            }
        }
        return bestFirst
    }

    /// Texts up to this many bytes are analysed whole; a longer one (a 2,000-page PDF) only
    /// around the place where the query terms occur, so a hit in it costs what a hit in a
    /// letter costs.
    static let wholeTextLimit = 16 << 10
    /// Bytes analysed around that place.
    static let regionBytes = 8 << 10

    static func best(text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> Passage {
        guard text.count > wholeTextLimit else { return best(in: text, terms: terms, analyzer: analyzer) }
        let region = Snippets.region(of: text, terms: terms)
        var passage = best(in: Array(text[region]), terms: terms, analyzer: analyzer)
        passage.anchor += region.lowerBound
        passage.range = (passage.range.lowerBound + region.lowerBound)..<(passage.range.upperBound + region.lowerBound)
        if region.lowerBound > 0 && !passage.text.hasPrefix("…") { passage.text = "…" + passage.text }
        return passage
    }

    /// The `regionBytes` of `text` around the densest cluster of the terms' first occurrences
    /// (a term is a stem, so it is looked for as the start of a word, ASCII and Latin-1
    /// letters in either case); the start of the text when none occurs. On UTF-8 boundaries.
    static func region(of text: [UInt8], terms: Set<[UInt8]>) -> Range<Int> {
        var hits: [(offset: Int, term: Int)] = []
        for (t, term) in terms.enumerated() where !term.isEmpty {
            var from = 0
            var found = 0
            while found < 64, let at = wordStart(term, in: text, from: from) {
                hits.append((at, t))
                found += 1
                from = at + term.count
            }
        }
        var centre = 0
        if !hits.isEmpty {
            hits.sort { $0.offset < $1.offset }
            // The hit with the most distinct terms within half a region after it.
            var bestCount = 0
            var j = 0
            var counts: [Int: Int] = [:]
            for i in hits.indices {
                while j < hits.count && hits[j].offset - hits[i].offset <= regionBytes / 2 {
                    counts[hits[j].term, default: 0] += 1
                    j += 1
                }
                if counts.count > bestCount { bestCount = counts.count; centre = hits[i].offset }
                counts[hits[i].term, default: 0] -= 1
                if counts[hits[i].term] == 0 { counts[hits[i].term] = nil }
            }
        }
        var lo = max(0, centre - regionBytes / 4)
        var hi = min(text.count, lo + regionBytes)
        // Whole scalars, starting after a space where one is near.
        while lo > 0 && (text[lo] & 0xC0) == 0x80 { lo -= 1 }
        while hi < text.count && (text[hi] & 0xC0) == 0x80 { hi += 1 }
        if lo > 0, let space = text[lo..<min(hi, lo + 64)].firstIndex(where: { $0 == 0x20 || $0 == 0x0A }) { lo = space + 1 }
        return lo..<hi
    }

    /// The first offset at or after `from` where `term` starts a word of `text`, comparing
    /// ASCII and two-byte Latin-1 letters without case.
    static func wordStart(_ term: [UInt8], in text: [UInt8], from: Int) -> Int? {
        @inline(__always) func fold(_ b: UInt8, _ previous: UInt8) -> UInt8 {
            if b >= 0x41 && b <= 0x5A { return b | 0x20 }
            // The second byte of À…Þ (C3 80 – C3 9E) → à…þ.
            if previous == 0xC3 && b >= 0x80 && b <= 0x9E && b != 0x97 { return b + 0x20 }
            return b
        }
        let n = text.count, m = term.count
        guard m > 0, n >= m else { return nil }
        let first = term[0]
        var i = from
        while i + m <= n {
            if fold(text[i], i > 0 ? text[i - 1] : 0) == first {
                let before = i > 0 ? text[i - 1] : 0x20
                let boundary = !((before >= 0x61 && before <= 0x7A) || (before >= 0x41 && before <= 0x5A) || (before >= 0x30 && before <= 0x39) || before >= 0x80)
                if boundary {
                    var k = 1
                    while k < m && fold(text[i + k], text[i + k - 1]) == term[k] { k += 1 }
                    if k == m { return i }
                }
            }
            i += 1
        }
        return nil
    }

    /// The words of `text` with the index in `index` of the term each matches (-1: none). A
    /// word inside a matched joined form (a case number, an address) is matched too.
    static func words(text: [UInt8], index: [[UInt8]: Int], analyzer: Analyzer) -> [(start: Int, end: Int, match: Int)] {
        var tokens: [(start: Int, end: Int, match: Int)] = []
        var joinedMatches: [(start: Int, end: Int, match: Int)] = []
        text.withUnsafeBytes { buf in
            analyzer.analyze(buf) { t in
                let m = index[Array(t.term)] ?? -1
                if t.kind == .word {
                    let covering = m >= 0 ? m : (joinedMatches.last.flatMap { t.start >= $0.start && t.end <= $0.end ? $0.match : nil } ?? -1)
                    tokens.append((t.start, t.end, covering))
                } else if m >= 0 {
                    joinedMatches.append((t.start, t.end, m))
                }
            }
        }
        return tokens
    }

    /// Byte ranges of the words of `text` that match `terms` (the words a snippet marks), over
    /// the whole text.
    static func matches(text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> [Range<Int>] {
        var index: [[UInt8]: Int] = [:]
        for t in terms { index[t] = 0 }
        return words(text: text, index: index, analyzer: analyzer).filter { $0.match >= 0 }.map { $0.start..<$0.end }
    }

    static func best(in text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> Passage {
        let termList = Array(terms)
        var index: [[UInt8]: Int] = [:]
        for (i, t) in termList.enumerated() { index[t] = i }
        // match: index into termList or -1
        let tokens = words(text: text, index: index, analyzer: analyzer)
        guard !tokens.isEmpty else { return Passage(text: "", anchor: 0) }
        // Slide a window of `window` tokens; keep the one with most distinct matches (then most matches).
        var bestStart = 0, bestDistinct = -1, bestCount = -1
        var counts = [Int](repeating: 0, count: termList.count)
        var distinct = 0, matched = 0
        for i in 0..<tokens.count {
            let m = tokens[i].match
            if m >= 0 { if counts[m] == 0 { distinct += 1 }; counts[m] += 1; matched += 1 }
            if i >= window {
                let o = tokens[i - window].match
                if o >= 0 { counts[o] -= 1; if counts[o] == 0 { distinct -= 1 }; matched -= 1 }
            }
            let start = max(0, i - window + 1)
            if distinct > bestDistinct || (distinct == bestDistinct && matched > bestCount) {
                bestDistinct = distinct; bestCount = matched; bestStart = start
            }
        }
        // The window found ends at a match and may start up to `window` words before its
        // first one; shown, it starts `lead` words before that first match (all its matches
        // stay in, the window only moves on), or `window` words before the end of the text.
        var anchor = tokens[0].start
        if bestDistinct > 0 {
            var first = bestStart
            while first < tokens.count && tokens[first].match < 0 { first += 1 }
            if first < tokens.count { anchor = tokens[first].start }
            bestStart = max(bestStart, min(first - lead, tokens.count - window))
        } else {
            bestStart = 0
        }
        let last = min(tokens.count, bestStart + window) - 1
        var out = bestStart > 0 ? "…" : ""
        var cursor = tokens[bestStart].start
        for k in bestStart...last {
            let t = tokens[k]
            out += clean(text[cursor..<t.start])
            let word = String(decoding: text[t.start..<t.end], as: UTF8.self)
            out += t.match >= 0 ? "«\(word)»" : word
            cursor = t.end
        }
        // Trailing punctuation of the last word.
        var tail = cursor
        while tail < text.count && tail < cursor + 2, text[tail] == UInt8(ascii: ".") || text[tail] == UInt8(ascii: ")") { tail += 1 }
        out += clean(text[cursor..<tail])
        if last < tokens.count - 1 { out += " …" }
        return Passage(text: out, anchor: anchor, range: tokens[bestStart].start..<tail)
    }

    /// The text between two words, with every whitespace run (line breaks included) as one space.
    static func clean(_ bytes: ArraySlice<UInt8>) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for s in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if s.properties.isWhitespace { space = true; continue }
            if space { out.append(" "); space = false }
            out.append(s)
        }
        if space { out.append(" ") }
        return String(out)
    }
}

extension Searcher {
    /// Snippets of the hits `(segment, doc)` marking `terms`, in the order given. Hits are taken
    /// segment by segment in document order, so one body cursor per term and segment serves
    /// them all (`advance(to:)` jumps by the skip entries).
    func passages(for hits: [(segment: Int, doc: UInt32)], terms: Set<[UInt8]>) throws -> [Snippets.Passage] {
        let termList = terms.sorted { $0.lexicographicallyPrecedes($1) }
        var out = [Snippets.Passage](repeating: Snippets.Passage(text: "", anchor: 0), count: hits.count)
        let order = hits.indices.sorted { hits[$0].segment != hits[$1].segment ? hits[$0].segment < hits[$1].segment : hits[$0].doc < hits[$1].doc }
        var buffers = PostingsBuffers()
        // The cursors point into `buffers`: kept alive to the end.
        defer { withExtendedLifetime(buffers) {} }
        var cursors: [PostingsCursor?] = []
        var cursorSegment = -1
        for i in order {
            let (si, doc) = hits[i]
            let r = reader.segments[si].reader
            if si != cursorSegment {
                buffers = PostingsBuffers()
                cursors = try termList.map { try r.cursor($0, fields: [.body], buffers: buffers) }
                cursorSegment = si
            }
            var events: [(position: UInt32, term: Int)] = []
            for t in cursors.indices where cursors[t] != nil {
                cursors[t]!.advance(to: doc)
                if let e = cursors[t]!.error { throw e }
                if cursors[t]!.doc == doc { for p in try cursors[t]!.positions(.body) { events.append((p, t)) } }
            }
            events.sort { $0.position != $1.position ? $0.position < $1.position : $0.term < $1.term }
            out[i] = try passage(r, doc, events: events, termCount: termList.count, terms: terms)
        }
        return out
    }

    /// The snippet of one document from its matched body positions: the best window's bytes
    /// (and at most `TextPositions.interval` words either side) read and analysed.
    private func passage(_ r: SegmentReader, _ doc: UInt32, events: [(position: UInt32, term: Int)], termCount: Int,
                         terms: Set<[UInt8]>) throws -> Snippets.Passage {
        let first = Snippets.bestWindowStart(events, termCount: termCount) ?? 0
        // The window `best(in:)` finds ends at its last match and starts up to `window` words
        // before its first (it is then shown from `lead` words before its first); the words
        // either side of that, so the choice among the region's windows is the whole text's.
        let margin = UInt32(Snippets.window) + 4
        let lo = first > margin ? first - margin : 0
        let (hi, overflow) = first.addingReportingOverflow(margin)
        guard let region = try r.storedTextRange(doc, positions: lo...(overflow ? UInt32.max : hi)) else {
            return Snippets.best(text: try r.storedText(doc), terms: terms, analyzer: analyzer)
        }
        let bytes = try r.storedText(doc, range: region.bytes)
        var p = Snippets.best(in: bytes, terms: terms, analyzer: analyzer)
        let shift = region.bytes.lowerBound
        p.anchor += shift
        p.range = (p.range.lowerBound + shift)..<(p.range.upperBound + shift)
        if region.wordsBefore && !p.text.hasPrefix("…") { p.text = "…" + p.text }
        if region.wordsAfter && !p.text.hasSuffix("…") { p.text += " …" }
        return p
    }
}

import Foundation
