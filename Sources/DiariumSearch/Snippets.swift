import DiariumAnalysis
import DiariumIndex
import Foundation

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

    /// Whether the text has words before or after the bytes a snippet is chosen from (a
    /// region of it): `shown` then writes the ellipsis on that side itself, even when the
    /// snippet starts at the region's first word or ends at its last (no second string built
    /// to add it, no grapheme-aware `hasPrefix` to see whether it is there).
    struct Outside {
        var before = false
        var after = false
        static let none = Outside()
    }

    /// The position of the first match in the window of `window` positions that holds the most
    /// distinct terms (then the most matches), the earliest of equals — the rule `best(in:)`
    /// applies to a text's words, applied to `events` (position, term index), sorted by position.
    static func bestWindowStart(_ events: [(position: UInt32, term: Int)], termCount: Int) -> UInt32? {
        bestWindow(events, termCount: termCount)?.first
    }

    /// `bestWindowStart`'s window: the positions of its first match and of the match it ends at
    /// (the window holds the positions after `last − window`).
    static func bestWindow(_ events: [(position: UInt32, term: Int)], termCount: Int) -> (first: UInt32, last: UInt32)? {
        guard !events.isEmpty else { return nil }
        var counts = [Int](repeating: 0, count: termCount)
        var distinct = 0, matched = 0
        var bestDistinct = -1, bestCount = -1, bestFirst = events[0].position, bestLast = events[0].position
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
                bestDistinct = distinct; bestCount = matched; bestFirst = events[lo].position; bestLast = e.position
            }
        }
        return (bestFirst, bestLast)
    }

    /// The body positions whose words a snippet analyses around `first`, the first match of the
    /// best window of the positions (`bestWindowStart`); the stored text is read from the
    /// checkpoint at or before `lo` to the one after `hi` (`SegmentReader.storedTextRange`).
    ///
    /// `exact` (every counted match is one the postings hold — a joined form in the text counts
    /// once, at its first word, as its position does (`words`) —: no joined form typed among the
    /// query words, no compound head in the document): the words shown and no others, `lead` before `first`
    /// to `window − 1` after it. The best window of the positions ends at its last match, at
    /// most `window − 1` after `first`, so it lies in the region with every match it holds;
    /// any other window the region holds is all or part of a window of the text, no better than
    /// the best and, if as good, not earlier (the earliest of equals was chosen): `best(in:)`
    /// chooses the same window as over the whole text, and the region holds the words it shows
    /// (`lead` before `first`, `window` from there) — or, when the text ends within `window`
    /// words (`atEnd`), its last `window` words, from `window − 1` before `first` at the most.
    /// Otherwise the text's words differ from the positions (a joined form is one position and
    /// two marked words; a compound's marked word has none), and `window + 4` words either side
    /// are analysed, where `best(in:)` chooses among those windows by the words themselves.
    static func regionPositions(first: UInt32, exact: Bool, atEnd: Bool = false) -> (lo: UInt32, hi: UInt32) {
        let before = UInt32(exact ? (atEnd ? window - 1 : lead) : window + 4), after = UInt32(exact ? window - 1 : window + 4)
        let (hi, overflow) = first.addingReportingOverflow(after)
        return (first > before ? first - before : 0, overflow ? UInt32.max : hi)
    }

    /// Texts up to this many bytes are analysed whole; a longer one (a 2,000-page PDF) only
    /// around the place where the query terms occur, so a hit in it costs what a hit in a
    /// letter costs.
    static let wholeTextLimit = 16 << 10
    /// Bytes analysed around that place.
    static let regionBytes = 8 << 10

    static func best(text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> Passage {
        best(text: text, terms: MatchTerms(terms.sorted { $0.lexicographicallyPrecedes($1) }), analyzer: analyzer)
    }

    static func best(text: [UInt8], terms: MatchTerms, analyzer: Analyzer) -> Passage {
        guard text.count > wholeTextLimit else { return best(in: text, terms: terms, analyzer: analyzer) }
        let region = Snippets.region(of: text, terms: Set(terms.terms))
        var passage = best(in: Array(text[region]), terms: terms, analyzer: analyzer, outside: Outside(before: region.lowerBound > 0, after: region.upperBound < text.count))
        passage.anchor += region.lowerBound
        passage.range = (passage.range.lowerBound + region.lowerBound)..<(passage.range.upperBound + region.lowerBound)
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

    /// The UTF-8 of `terms`, sorted and distinct: the form `Searcher.passages` takes. Sorted,
    /// not hashed: a fresh process pays a scan of the runtime's conformance records for the
    /// first hash of `[UInt8]` (~0.4 M instructions).
    static func markedTerms(_ terms: [String]) -> [[UInt8]] {
        let sorted = terms.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        var out: [[UInt8]] = []
        for t in sorted where out.last != t { out.append(t) }
        return out
    }

    /// The terms a snippet marks, for comparing a token's bytes without building anything:
    /// sorted, with the terms that start with each byte.
    struct MatchTerms {
        let terms: [[UInt8]]
        /// `byFirst[b]`: indices into `terms` of those starting with byte `b`.
        private var byFirst: [[Int]]

        init(_ terms: [[UInt8]]) {
            self.terms = terms
            byFirst = Array(repeating: [], count: 256)
            for (i, t) in terms.enumerated() where !t.isEmpty { byFirst[Int(t[0])].append(i) }
        }

        /// The index of the term equal to `bytes`, or -1.
        @inline(__always)
        func index(of bytes: UnsafeRawBufferPointer) -> Int {
            guard let first = bytes.first else { return -1 }
            for i in byFirst[Int(first)] where terms[i].count == bytes.count {
                if terms[i].withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) { return i }
            }
            return -1
        }

        /// Whether some term is a prefix of `word`: the only words an analyzer whose terms are
        /// prefixes of their words (`Analyzer.termsArePrefixesOfWords`) can match.
        @inline(__always)
        func startsSome(_ word: UnsafeRawBufferPointer) -> Bool {
            guard let first = word.first else { return false }
            for i in byFirst[Int(first)] where terms[i].count <= word.count {
                if terms[i].withUnsafeBytes({ memcmp($0.baseAddress!, word.baseAddress!, $0.count) == 0 }) { return true }
            }
            return false
        }

        /// `compoundHeads[i]`: term `i` is a part of a compound in the document (its `parts`
        /// field holds it), so a word ending in it is marked (`compoundHead(of:)`). Empty: none.
        var compoundHeads: [Bool] = []

        /// Letters (bytes) a compound's modifier has at least, and an inflection ending after its
        /// head at most (`analyserna`, `avtalens`, `planerandet`).
        static let minimumModifier = 3
        static let longestEnding = 6

        /// Where in the lowercased `word` the last part may start that stems to a term of
        /// `compoundHeads` — the term found at most `longestEnding` bytes before the word's end
        /// and at least `minimumModifier` after its start (`riskanalys`, `säkerhetsanalyserna`
        /// for `analys`) — and that term; nil when none. The caller stems the part to confirm.
        func compoundHead(of word: UnsafeRawBufferPointer) -> (from: Int, term: Int)? {
            for i in compoundHeads.indices where compoundHeads[i] {
                let t = terms[i]
                guard t.count >= 3, word.count >= t.count + Self.minimumModifier else { continue }
                let hi = word.count - t.count
                let lo = max(Self.minimumModifier, hi - Self.longestEnding)
                for k in lo...hi where word[k] == t[0] {
                    if t.withUnsafeBytes({ memcmp($0.baseAddress!, word.baseAddress! + k, t.count) == 0 }) { return (k, i) }
                }
            }
            return nil
        }
    }

    /// The words of `text` with the index in `terms` of the term each matches (-1: none). A
    /// word inside a matched joined form (a case number, an address, `e-post` for `epost`) is
    /// matched too. Only the words starting with a term are stemmed (when the analyzer's terms
    /// are prefixes of their words); the others are tokenised alone, and nothing is allocated
    /// per word.
    /// A word whose last part is a term of `terms.compoundHeads` (`riskanalys` for `analys` in a
    /// document whose compound parts hold `analys`) is matched too, the whole word marked: its
    /// candidates are found by bytes, and their last part stemmed after the pass.
    ///
    /// What a word counts in a window is what its position holds in the postings: `own`, the
    /// term the word itself (or, a compound head, its last part) matches, and `joined`, the
    /// term of a matched joined form starting at it (a joined form shares its first word's
    /// position); a word matched only as a later part of a joined form counts nothing.
    static func words(text: [UInt8], terms: MatchTerms, analyzer: Analyzer) -> [(start: Int, end: Int, match: Int, own: Int, joined: Int)] {
        text.withUnsafeBytes { words($0, terms: terms, analyzer: analyzer) }
    }

    /// `words(text:terms:analyzer:)` of the bytes `buf`.
    static func words(_ buf: UnsafeRawBufferPointer, terms: MatchTerms, analyzer: Analyzer) -> [(start: Int, end: Int, match: Int, own: Int, joined: Int)] {
        var tokens: [(start: Int, end: Int, match: Int, own: Int, joined: Int)] = []
        tokens.reserveCapacity(buf.count / 6 + 8)
        var joined: (start: Int, end: Int, match: Int) = (0, 0, -1)
        // The matched joined form not yet given to its first word.
        var pending = -1
        var heads: [(token: Int, part: [UInt8], term: Int)] = []
        let filter: ((UnsafeRawBufferPointer) -> Bool)? = analyzer.termsArePrefixesOfWords ? { terms.startsSome($0) } : nil
        let compounds = terms.compoundHeads.contains(true)
        analyzer.analyze(buf, stemming: filter) { t in
            let m = terms.index(of: t.term)
            if t.kind == .word {
                let inJoined = joined.match >= 0 && t.start >= joined.start && t.end <= joined.end
                let covering = m >= 0 ? m : (inJoined ? joined.match : -1)
                if covering < 0 && compounds, let h = terms.compoundHead(of: t.word) {
                    heads.append((tokens.count, Array(UnsafeRawBufferPointer(rebasing: t.word[h.from...])), h.term))
                }
                tokens.append((t.start, t.end, covering, m, inJoined ? pending : -1))
                pending = -1
            } else if m >= 0 {
                joined = (t.start, t.end, m)
                pending = m
            }
        }
        for h in heads where analyzer.term(ofWord: String(decoding: h.part, as: UTF8.self)).map({ Array($0.utf8) == terms.terms[h.term] }) ?? false {
            tokens[h.token].match = h.term
            tokens[h.token].own = h.term
        }
        return tokens
    }

    /// Byte ranges of the words of `text` that match `terms` (the words a snippet marks), over
    /// the whole text.
    static func matches(text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> [Range<Int>] {
        matches(text: text, terms: MatchTerms(terms.sorted { $0.lexicographicallyPrecedes($1) }), analyzer: analyzer)
    }

    /// `matches(text:terms:analyzer:)` with the terms (and their compound heads) as a snippet
    /// takes them: the one place a whole text's marked words are found (`Searcher.matchRanges`).
    static func matches(text: [UInt8], terms: MatchTerms, analyzer: Analyzer) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for w in words(text: text, terms: terms, analyzer: analyzer) where w.match >= 0 { out.append(w.start..<w.end) }
        return out
    }

    static func best(in text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> Passage {
        best(in: text, terms: MatchTerms(terms.sorted { $0.lexicographicallyPrecedes($1) }), analyzer: analyzer)
    }

    /// `outside`: words of the whole text before or after `text` (see `Outside`).
    static func best(in text: [UInt8], terms: MatchTerms, analyzer: Analyzer, outside: Outside = .none) -> Passage {
        let tokens = words(text: text, terms: terms, analyzer: analyzer)
        guard !tokens.isEmpty else { return Passage(text: outside.before ? "…" : outside.after ? " …" : "", anchor: 0) }
        // Slide a window of `window` tokens; keep the one with most distinct matches (then most matches).
        var bestStart = 0, bestDistinct = -1, bestCount = -1
        // Matches counted as the postings count them (`words`): a joined form once, at its
        // first word, so the window chosen is the one `bestWindowStart` finds by positions.
        var counts = [Int](repeating: 0, count: terms.terms.count)
        var distinct = 0, matched = 0
        @inline(__always) func add(_ m: Int) { if m >= 0 { if counts[m] == 0 { distinct += 1 }; counts[m] += 1; matched += 1 } }
        @inline(__always) func remove(_ o: Int) { if o >= 0 { counts[o] -= 1; if counts[o] == 0 { distinct -= 1 }; matched -= 1 } }
        for i in 0..<tokens.count {
            add(tokens[i].own)
            add(tokens[i].joined)
            if i >= window {
                remove(tokens[i - window].own)
                remove(tokens[i - window].joined)
            }
            let start = max(0, i - window + 1)
            if distinct > bestDistinct || (distinct == bestDistinct && matched > bestCount) {
                bestDistinct = distinct; bestCount = matched; bestStart = start
            }
        }
        guard bestDistinct > 0 else {
            return text.withUnsafeBytes { shown($0, tokens, total: tokens.count, from: 0, first: nil, outside: outside) }
        }
        // Its first counted match (a joined form's later word, marked, is not one).
        var first = bestStart
        while first < tokens.count && tokens[first].own < 0 && tokens[first].joined < 0 { first += 1 }
        let start = shownStart(windowStart: bestStart, first: first, total: tokens.count)
        return text.withUnsafeBytes { shown($0, tokens, total: tokens.count, from: start, first: first, outside: outside) }
    }

    /// Where a snippet starts (a word index): the best window found ends at a match and may
    /// start up to `window` words before its first one (`first`); shown, it starts `lead`
    /// words before that first match (all its matches stay in, the window only moves on), or
    /// `window` words before the end of the text (`total` words).
    @inline(__always)
    static func shownStart(windowStart: Int, first: Int, total: Int) -> Int {
        max(windowStart, min(first - lead, total - window))
    }

    /// The snippet showing words `start ..< start + window` of a text of `total` words, of which
    /// `tokens` (`words`, offsets into `t`) are words `base...`: the matched
    /// words marked, whitespace runs as one space, `…` where words are left out. Its anchor is
    /// the first marked word from `start` to `first` (the first counted match; nil: none, the
    /// anchor is the first word). `outside`: words of the whole text before or after `t`, which
    /// put an ellipsis on that side too.
    static func shown(_ t: UnsafeRawBufferPointer, _ tokens: [(start: Int, end: Int, match: Int, own: Int, joined: Int)], base: Int = 0,
                      total: Int, from start: Int, first: Int?, outside: Outside = .none) -> Passage {
        var anchor = tokens[start - base].start
        if let first {
            // The anchor: the first word marked from where the snippet starts.
            var marked = start
            while marked < first && tokens[marked - base].match < 0 { marked += 1 }
            anchor = tokens[marked - base].start
        }
        let last = min(total, start + window) - 1
        // The snippet's UTF-8, written into one buffer reserved for the most it can take: the
        // bytes from the first word to the last and its tail (whitespace runs only shrink),
        // a pair of marks per word and the two ellipses.
        let from = tokens[start - base].start
        var tail = tokens[last - base].end
        // Trailing punctuation of the last word.
        while tail < t.count && tail < tokens[last - base].end + 2, t[tail] == UInt8(ascii: ".") || t[tail] == UInt8(ascii: ")") { tail += 1 }
        let capacity = (tail - from) + (last - start + 1) * (openMark.utf8CodeUnitCount + closeMark.utf8CodeUnitCount)
            + ellipsis.utf8CodeUnitCount + spaceEllipsis.utf8CodeUnitCount
        let text = String(unsafeUninitializedCapacity: capacity) { buffer in
            var out = ByteSink(buffer)
            if start > 0 || outside.before { out.append(ellipsis) }
            var cursor = from
            for k in start...last {
                let w = tokens[k - base]
                out.appendCleaned(t, cursor..<w.start)
                if w.match >= 0 { out.append(openMark) }
                out.append(UnsafeRawBufferPointer(rebasing: t[w.start..<w.end]))
                if w.match >= 0 { out.append(closeMark) }
                cursor = w.end
            }
            out.appendCleaned(t, cursor..<tail)
            if last < total - 1 || outside.after { out.append(spaceEllipsis) }
            return out.count
        }
        return Passage(text: text, anchor: anchor, range: from..<tail)
    }

    /// `best(in:)` of a region whose every counted match is one of `events` (`regionPositions`'
    /// `exact`), analysing only the words it shows: the window is chosen from the positions
    /// (`bestWindow`; the region's first word is at body position `firstPosition`), the
    /// region's words are counted (`Tokenizer.wordStarts`) only as far as the snippet needs
    /// them, and only the shown words — widened to whole joined spans (`endsJoined`) — are
    /// analysed. nil, for the whole region to be analysed instead, when the words analysed do
    /// not count the matches `events` holds at their positions.
    ///
    /// The count stops past `window` words after the window's first match (and past its last):
    /// with more words after them, the start `shownStart` finds does not depend on how many
    /// (`total − window` is beyond `first − lead`), the snippet ends `window` words after its
    /// start, before the words counted end, and a word follows it (`shown`'s ellipsis). So
    /// `total` below, the words counted, gives what the region's word count would; a joined
    /// span reaching past the words counted has more of them counted.
    static func bestExact(in text: [UInt8], events: [(position: UInt32, term: Int)], firstPosition: UInt32, terms: MatchTerms,
                          analyzer: Analyzer, outside: Outside = .none) -> Passage? {
        // The window, from the positions: its first match and the match it ends at, as word
        // indices of the region.
        let best = bestWindow(events, termCount: terms.terms.count)
        var f = 0, end = 0
        if let best {
            f = Int(best.first) - Int(firstPosition)
            end = Int(best.last) - Int(firstPosition)
            // A region of n bytes holds at most n words: positions past that are a damaged
            // segment's, and must not size what is reserved below.
            guard f >= 0, f <= end, end < text.count else { return nil }
        }
        return text.withUnsafeBytes { all -> Passage? in
            // Words 0 ... first + `window` (`bestWindow`'s last match is within `window − 1` of
            // its first; `max` guards the rule, not the data).
            var limit = max(end, f + window) + 1
            var starts: [Int] = []
            starts.reserveCapacity(min(limit, text.count) + 1)
            var complete = Tokenizer.wordStarts(all, into: &starts, limit: limit)
            guard !starts.isEmpty else { return nil }
            // The words shown, as `best(in:)` finds them from the words' matches.
            var start = 0
            var first: Int?
            if best != nil {
                guard end < starts.count else { return nil }
                start = shownStart(windowStart: max(0, end - window + 1), first: f, total: starts.count)
                first = f
            }
            let last = min(starts.count, start + window) - 1
            // Whole joined spans on both sides (a joined form's words are marked and counted by
            // it); one reaching past the words counted has more counted.
            var a = start
            while a > 0 && endsJoined(text[..<starts[a]]) { a -= 1 }
            var e = last + 1
            while true {
                if e == starts.count && !complete {
                    limit *= 2
                    starts.removeAll(keepingCapacity: true)
                    complete = Tokenizer.wordStarts(all, into: &starts, limit: limit)
                }
                guard e < starts.count, endsJoined(text[..<starts[e]]) else { break }
                e += 1
            }
            let total = starts.count
            let lo = starts[a], hi = e < total ? starts[e] : text.count
            var tokens = words(UnsafeRawBufferPointer(rebasing: all[lo..<hi]), terms: terms, analyzer: analyzer)
            guard tokens.count == e - a else { return nil }
            // Every word analysed counts a match exactly where the postings hold one.
            var k = 0
            for i in tokens.indices {
                tokens[i].start += lo
                tokens[i].end += lo
                let position = firstPosition + UInt32(a + i)
                while k < events.count && events[k].position < position { k += 1 }
                let held = k < events.count && events[k].position == position
                guard held == (tokens[i].own >= 0 || tokens[i].joined >= 0) else { return nil }
            }
            return shown(all, tokens, base: a, total: total, from: start, first: first, outside: outside)
        }
    }

    /// Whether the word starting right after `bytes` may be joined to the one before it: the
    /// last byte is not whitespace (`e-` | `post`), or the last byte before trailing whitespace
    /// is a hyphen (a line-end hyphen, `sekretess-⏎lagen`). Either a joiner or harmless.
    static func endsJoined(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.endIndex
        while i > bytes.startIndex, bytes[i - 1] == 0x20 || (bytes[i - 1] >= 0x09 && bytes[i - 1] <= 0x0D) { i -= 1 }
        guard i > bytes.startIndex else { return false }
        return i == bytes.endIndex || bytes[i - 1] == UInt8(ascii: "-")
    }

    private static let ellipsis: StaticString = "…"
    private static let spaceEllipsis: StaticString = " …"
    private static let openMark: StaticString = "«"
    private static let closeMark: StaticString = "»"

    /// The text between two words, with every whitespace run (line breaks included) as one space.
    static func clean(_ bytes: ArraySlice<UInt8>) -> String {
        Array(bytes).withUnsafeBytes { b in
            String(unsafeUninitializedCapacity: b.count) { buffer in
                var out = ByteSink(buffer)
                out.appendCleaned(b, 0..<b.count)
                return out.count
            }
        }
    }

    /// Bytes written one after another into a buffer the caller reserved for all of them (a
    /// snippet's UTF-8, `shown`): no capacity check or generic append per word.
    struct ByteSink {
        private let base: UnsafeMutableBufferPointer<UInt8>
        /// Bytes written.
        private(set) var count = 0

        init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { base = buffer }

        @inline(__always)
        mutating func append(_ byte: UInt8) {
            precondition(count < base.count, "a snippet's bytes overran their buffer")
            base[count] = byte
            count &+= 1
        }

        @inline(__always)
        mutating func append(_ bytes: UnsafeRawBufferPointer) {
            guard let from = bytes.baseAddress, !bytes.isEmpty else { return }
            precondition(bytes.count <= base.count - count, "a snippet's bytes overran their buffer")
            UnsafeMutableRawPointer(base.baseAddress! + count).copyMemory(from: from, byteCount: bytes.count)
            count &+= bytes.count
        }

        @inline(__always)
        mutating func append(_ string: StaticString) {
            append(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
        }

        /// Appends bytes `range` of `text` with every run of whitespace (Unicode White_Space)
        /// written as one space.
        @inline(__always)
        mutating func appendCleaned(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) {
            var i = range.lowerBound
            var space = false
            while i < range.upperBound {
                let n = whitespaceLength(text, at: i, end: range.upperBound)
                if n > 0 { space = true; i += n; continue }
                if space { append(0x20); space = false }
                append(text[i])
                i += 1
            }
            if space { append(0x20) }
        }
    }

    /// The length of the UTF-8 whitespace character (Unicode White_Space: U+0009–000D, U+0020,
    /// U+0085, U+00A0, U+1680, U+2000–200A, U+2028, U+2029, U+202F, U+205F, U+3000) at `i`, or
    /// 0 when none starts there.
    @inline(__always)
    static func whitespaceLength(_ t: UnsafeRawBufferPointer, at i: Int, end: Int) -> Int {
        let b = t[i]
        if b < 0x80 { return b == 0x20 || (b >= 0x09 && b <= 0x0D) ? 1 : 0 }
        switch b {
        case 0xC2:
            guard i + 1 < end else { return 0 }
            return t[i + 1] == 0x85 || t[i + 1] == 0xA0 ? 2 : 0
        case 0xE1:
            guard i + 2 < end else { return 0 }
            return t[i + 1] == 0x9A && t[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < end else { return 0 }
            let b1 = t[i + 1], b2 = t[i + 2]
            if b1 == 0x80 { return b2 <= 0x8A && b2 >= 0x80 || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF ? 3 : 0 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : 0
        case 0xE3:
            guard i + 2 < end else { return 0 }
            return t[i + 1] == 0x80 && t[i + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }
}

extension Searcher {
    /// Snippets of the hits `(segment, doc)` marking `terms`, in the order given. Hits are taken
    /// segment by segment in document order, so one body cursor per term and segment serves
    /// them all (`advance(to:)` jumps by the skip entries).
    func passages(for hits: [(segment: Int, doc: UInt32)], terms: Set<[UInt8]>, joinedForms: Bool = false) throws -> [Snippets.Passage] {
        try passages(for: hits, terms: terms.sorted { $0.lexicographicallyPrecedes($1) }, joinedForms: joinedForms)
    }

    /// `termList`: the terms sorted and distinct (`Snippets.markedTerms`). `joinedForms`: some
    /// term is a joined form (`EvaluationContext.joinedForms`), so windows are chosen among the
    /// wider region's (`passage`).
    func passages(for hits: [(segment: Int, doc: UInt32)], terms termList: [[UInt8]], joinedForms: Bool) throws -> [Snippets.Passage] {
        let matchTerms = Snippets.MatchTerms(termList)
        var out = [Snippets.Passage](repeating: Snippets.Passage(text: "", anchor: 0), count: hits.count)
        let order = hits.indices.sorted { hits[$0].segment != hits[$1].segment ? hits[$0].segment < hits[$1].segment : hits[$0].doc < hits[$1].doc }
        var buffers = PostingsBuffers()
        // The cursors point into `buffers`: kept alive to the end.
        defer { withExtendedLifetime(buffers) {} }
        var cursors: [PostingsCursor?] = []
        var cursorSegment = -1
        // One buffer each for a hit's positions and events, their capacity kept from hit to hit.
        var positions: [UInt32] = []
        var events: [(position: UInt32, term: Int)] = []
        for i in order {
            let (si, doc) = hits[i]
            let r = reader.segments[si].reader
            if si != cursorSegment {
                buffers = PostingsBuffers()
                // The entries the query's planning found (`found(_:)`): no second lookup.
                cursors = try termList.map { t in
                    try found(String(decoding: t, as: UTF8.self))[si].flatMap { try r.cursor($0, fields: [.body, .parts], buffers: buffers) }
                }
                cursorSegment = si
            }
            events.removeAll(keepingCapacity: true)
            var terms = matchTerms
            for t in cursors.indices where cursors[t] != nil {
                cursors[t]!.advance(to: doc)
                if let e = cursors[t]!.error { throw e }
                guard cursors[t]!.doc == doc else { continue }
                if cursors[t]!.frequency(.body) > 0 {
                    try cursors[t]!.positions(.body, into: &positions)
                    for p in positions { events.append((p, t)) }
                }
                if cursors[t]!.frequency(.parts) > 0 {
                    if terms.compoundHeads.isEmpty { terms.compoundHeads = Array(repeating: false, count: termList.count) }
                    terms.compoundHeads[t] = true
                }
            }
            events.sort { $0.position != $1.position ? $0.position < $1.position : $0.term < $1.term }
            out[i] = try passage(r, doc, events: events, terms: terms, joinedForms: joinedForms)
        }
        return out
    }

    /// The snippet of one document from its matched body positions: the best window's bytes
    /// (and at most `TextPositions.interval` words either side) read and analysed.
    private func passage(_ r: SegmentReader, _ doc: UInt32, events: [(position: UInt32, term: Int)],
                         terms: Snippets.MatchTerms, joinedForms: Bool) throws -> Snippets.Passage {
        // A hit through compound parts alone has no body positions to place the window by (parts
        // have none): a short text is analysed whole, where its compounds are found.
        if events.isEmpty && terms.compoundHeads.contains(true), try r.storedTextLength(doc) <= Snippets.wholeTextLimit {
            return Snippets.best(text: try r.storedText(doc), terms: terms, analyzer: analyzer)
        }
        let first = Snippets.bestWindowStart(events, termCount: terms.terms.count) ?? 0
        let exact = !joinedForms && !terms.compoundHeads.contains(true)
        var (lo, hi) = Snippets.regionPositions(first: first, exact: exact)
        guard var region = try r.storedTextRange(doc, positions: lo...hi) else {
            return Snippets.best(text: try r.storedText(doc), terms: terms, analyzer: analyzer)
        }
        if exact && !region.wordsAfter {
            // The region reaches the end of the text: a snippet near it shows the last `window`
            // words, which may start up to `window − 1` words before `first`.
            (lo, hi) = Snippets.regionPositions(first: first, exact: exact, atEnd: true)
            region = try r.storedTextRange(doc, positions: lo...hi) ?? region
        }
        // A region edge inside a span of joined words (`e-` | `post`: the checkpoint is a later
        // word of a joined form; `sekretess-⏎` | `lagen` joins across a line end too) would
        // analyse them as loose words, unmarked and uncounted: the region then reaches one
        // checkpoint further, until no joiner meets an edge. `margin` bytes before it are read to see.
        var margin = 0
        var bytes: [UInt8] = []
        while true {
            margin = region.wordsBefore ? min(8, region.bytes.lowerBound) : 0
            bytes = try r.storedText(doc, range: (region.bytes.lowerBound - margin)..<region.bytes.upperBound)
            let cutBefore = region.wordsBefore && Snippets.endsJoined(bytes[..<margin])
            let cutAfter = region.wordsAfter && Snippets.endsJoined(bytes[...])
            guard cutBefore || cutAfter else { break }
            if cutBefore { lo = region.positions.lowerBound - 1 }
            if cutAfter { hi = region.positions.upperBound }
            guard let wider = try r.storedTextRange(doc, positions: lo...hi) else { break }
            region = wider
        }
        if margin > 0 { bytes.removeFirst(margin) }
        // Exact: only the words shown are analysed (`bestExact`); else the whole region. Words
        // of the text before or after the region put an ellipsis on that side (`Outside`).
        let outside = Snippets.Outside(before: region.wordsBefore, after: region.wordsAfter)
        var p = (exact ? Snippets.bestExact(in: bytes, events: events, firstPosition: region.positions.lowerBound, terms: terms,
                                            analyzer: analyzer, outside: outside) : nil)
            ?? Snippets.best(in: bytes, terms: terms, analyzer: analyzer, outside: outside)
        let shift = region.bytes.lowerBound
        p.anchor += shift
        p.range = (p.range.lowerBound + shift)..<(p.range.upperBound + shift)
        return p
    }
}
