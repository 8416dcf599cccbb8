import DiariumAnalysis
import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumSearch

/// The page's shortcuts judged against the paths they replace, on hostile text: the region's
/// words counted on bytes (`Tokenizer.wordStarts`), a snippet analysing only the words shown
/// (`Snippets.bestExact`) and the query read on bytes (`QueryParser.tokenize(bytes:)`).
@Suite struct PageShortcutTests {
    /// Pieces of text: Swedish words, joined forms, line-end and suspended hyphens, URLs,
    /// combining marks, × and ÷, invalid and cut UTF-8, non-ASCII punctuation and spaces.
    static let pieces: [[UInt8]] = [
        "risk", "Riskanalysen", "åtgärd", "ÅTGÄRDERNA", "beslutet", "KS-2015-0123", "PuL-bedömning", "e-post", "sekretess-\nlagen",
        "risk- och sårbarhetsanalys", "https://www.kommun.se/a-b", "info@kommun.se", "2015/123", "naïve", "e\u{0301}n", "\u{0301}x",
        "3×4", "a÷b", "日本語", "Łódź", "straße", " ", "  ", "\n", "\u{00A0}", "\u{2003}", ", ", ".", "(", ")", "\"", "“", "”", "„",
        "-", "–", "—", "…", "AND", "OR", "NOT", "-risk", "org:x", "år:2015", "&&", "||", "\r\n", "\u{0085}", "\u{200D}", "\u{FE0F}",
    ].map { Array($0.utf8) } + [[0xC3], [0xC3, 0x28], [0xE2, 0x80], [0xFF], [0x80], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80]]

    static func text(_ rng: inout SeededRandom, count: Int, valid: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<count {
            let p = pieces[Int(rng.next() % UInt64(valid ? pieces.count - 7 : pieces.count))]
            out += p
            if rng.next() % 3 == 0 { out.append(0x20) }
        }
        return out
    }

    /// `wordStarts` gives the start of every `.word` token `tokenize` gives, in order.
    @Test func wordStartsAreTheTokenizersWords() {
        var rng = SeededRandom(state: 41)
        var tokenizer = Tokenizer()
        for _ in 0..<2000 {
            let text = Self.text(&rng, count: 1 + Int(rng.next() % 30))
            var expected: [Int] = []
            var got: [Int] = []
            text.withUnsafeBytes { buf in
                tokenizer.tokenize(buf) { if $0.kind == .word { expected.append($0.start) } }
                Tokenizer.wordStarts(buf, into: &got)
            }
            #expect(got == expected, "\(text)")
        }
    }

    /// With a limit, `wordStarts` gives the first words and says whether more follow.
    @Test func wordStartsStopAtTheLimit() {
        var rng = SeededRandom(state: 53)
        for _ in 0..<2000 {
            let text = Self.text(&rng, count: 1 + Int(rng.next() % 30))
            var all: [Int] = []
            var got: [Int] = []
            let limit = text.withUnsafeBytes { buf -> Int in
                Tokenizer.wordStarts(buf, into: &all)
                return Int(rng.next() % UInt64(all.count + 3))
            }
            let complete = text.withUnsafeBytes { Tokenizer.wordStarts($0, into: &got, limit: limit) }
            #expect(got == Array(all.prefix(limit)), "\(text)")
            #expect(complete == (all.count <= limit), "\(text)")
        }
    }

    /// A joined span running past the words `bestExact` counts (`window` after the first
    /// match) has more of them counted: the snippet is the whole region's.
    @Test func aJoinedSpanPastTheWordsCountedIsCountedOn() throws {
        let analyzer = try Analyzer(language: "swedish", splitCompounds: true, cachedWords: 1 << 12)
        let terms = Snippets.MatchTerms([Array("risk".utf8)])
        for chainStart in 30..<44 {
            // Word 10 matches; a chain of 14 hyphen-joined words starts at `chainStart`.
            var words = (0..<60).map { "ord\($0 % 7 == 0 ? "en" : "et")" }
            words[10] = "risk"
            let chain = (0..<14).map { "del\($0)" }.joined(separator: "-")
            words.replaceSubrange(chainStart..<(chainStart + 14), with: [chain])
            let text = Array(words.joined(separator: " ").utf8)
            var events: [(position: UInt32, term: Int)] = []
            for (k, w) in Snippets.words(text: text, terms: terms, analyzer: analyzer).enumerated() {
                if w.own >= 0 { events.append((UInt32(k), w.own)) }
                if w.joined >= 0 { events.append((UInt32(k), w.joined)) }
            }
            let exact = try #require(Snippets.bestExact(in: text, events: events, firstPosition: 0, terms: terms, analyzer: analyzer))
            #expect(exact == Snippets.best(in: text, terms: terms, analyzer: analyzer), "chain at \(chainStart)")
            #expect(exact.text.contains("«risk»"))
        }
    }

    /// A damaged segment's position far past its region's text gives no exact snippet (the
    /// whole region is analysed instead) rather than sizing the word count by it: a position
    /// near 2^32 once reserved tens of GB and ended the process.
    @Test func aPositionPastTheRegionGivesNoExactSnippet() throws {
        let analyzer = try Analyzer(language: "swedish", splitCompounds: true, cachedWords: 1 << 12)
        let terms = Snippets.MatchTerms([Array("risk".utf8)])
        let text = Array("en risk i texten och en risk till".utf8)
        for position: UInt32 in [UInt32(text.count), 4_000_000_000, .max - 1] {
            #expect(Snippets.bestExact(in: text, events: [(position, 0)], firstPosition: 0, terms: terms, analyzer: analyzer) == nil)
        }
        // Undamaged positions still give one.
        #expect(Snippets.bestExact(in: text, events: [(1, 0), (6, 0)], firstPosition: 0, terms: terms, analyzer: analyzer) != nil)
    }

    /// A snippet from the words shown alone is the whole region's, whenever it is given.
    @Test func exactSnippetIsTheWholeRegions() throws {
        var rng = SeededRandom(state: 43)
        let analyzer = try Analyzer(language: "swedish", splitCompounds: true, cachedWords: 1 << 12)
        let queries = ["risk", "riskanalys", "åtgärd", "beslut", "pulbedömning", "lagen", "sekretesslagen", "kommun", "post", "naïve", "x"]
        var given = 0
        for round in 0..<1500 {
            let text = Self.text(&rng, count: 5 + Int(rng.next() % (round % 2 == 0 ? 40 : 120)))
            var termSet = Set<[UInt8]>()
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                analyzer.analyze(queries[Int(rng.next() % UInt64(queries.count))]) { termSet.insert(Array($0.term)) }
            }
            let terms = Snippets.MatchTerms(termSet.sorted { $0.lexicographicallyPrecedes($1) })
            // The postings' matches: the words the whole text's analysis counts.
            var events: [(position: UInt32, term: Int)] = []
            for (k, w) in Snippets.words(text: text, terms: terms, analyzer: analyzer).enumerated() {
                if w.own >= 0 { events.append((UInt32(k) + 7, w.own)) }
                if w.joined >= 0 { events.append((UInt32(k) + 7, w.joined)) }
            }
            let whole = Snippets.best(in: text, terms: terms, analyzer: analyzer)
            if let p = Snippets.bestExact(in: text, events: events, firstPosition: 7, terms: terms, analyzer: analyzer) {
                given += 1
                #expect(p == whole, "\(String(decoding: text, as: UTF8.self)) \(terms.terms.map { String(decoding: $0, as: UTF8.self) })")
            }
        }
        #expect(given > 1000)
    }

    /// The query read on bytes gives the tokens the character path gives (`tokenize` falls
    /// back to characters when an ideographic space, U+3000, is in the text: one put first,
    /// white space, changes no token).
    @Test func queryTokensOnBytesAreTheCharacters() {
        var rng = SeededRandom(state: 47)
        var onBytes = 0
        for _ in 0..<5000 {
            let s = String(decoding: Self.text(&rng, count: 1 + Int(rng.next() % 12), valid: rng.next() % 2 == 0), as: UTF8.self)
            var copy = s
            guard let bytes = copy.withUTF8({ QueryParser.tokenize(bytes: $0) }) else { continue }
            onBytes += 1
            #expect(bytes == QueryParser.tokenize("\u{3000}" + s), "\(Array(s.unicodeScalars.map { String($0.value, radix: 16) }))")
        }
        #expect(onBytes > 1000)
    }
}
