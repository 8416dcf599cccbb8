import DiariumAnalysis
import DiariumIndex
import DiariumIngest
import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumSearch

/// Snippets from the index (`Searcher.passages`: positions from the postings, the window's bytes
/// found through the segment's position table) judged against the whole text analysed.
@Suite(.serialized) struct SnippetTests {
    /// The «marked» words of a snippet, in order.
    static func marked(_ snippet: String) -> [String] {
        var out: [String] = []
        var rest = Substring(snippet)
        while let open = rest.firstIndex(of: "«"), let close = rest[open...].firstIndex(of: "»") {
            out.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    /// Every hit's snippet on real documents (the repository's corpus and the released PDFs of
    /// ../shared/data) against today's rule on the whole text (`Snippets.best(text:)`): where
    /// that analyses the whole text (up to 16 KiB) the two hold as many distinct query terms and
    /// are the same passage (but for one in twenty at most, see below); on longer texts
    /// the snippet from the index holds at least as many distinct query terms; and every snippet
    /// of a document whose body holds a query term marks one.
    @Test func realDocumentsGetTheSnippetsOfTheWholeText() throws {
        let scratch = try ScratchDirectory("snippets")
        let root = scratch.path
        var options = IngestOptions()
        options.ocrMode = .off
        let ingester = try Ingester(indexDirectory: root, options: options)
        var paths = [repositoryRoot.appendingPathComponent("corpus").path]
        let released = repositoryRoot.appendingPathComponent("../shared/data/released_files").standardized.path
        if FileManager.default.fileExists(atPath: released) { paths.append(released) }
        _ = try ingester.ingest(paths: paths)
        ingester.close()
        let reader = try IndexReader(directory: root)
        let searcher = try Searcher(reader: reader)
        let analyzer = try Analyzer(splitCompounds: false)
        var compared = 0, long = 0
        var differing: [String] = []
        for query in ["riskanalys", "office 365", "personuppgifter behandling", "informationssäkerhet", "sekretess", "nämnden beslut",
                      "åtgärder", "föreskrifter arkiv", "molntjänster", "protokoll", "arkivering myndighet", "säkerhet"] {
            var context = try EvaluationContext(searcher: searcher)
            _ = try searcher.evaluate(QueryParser.parse(query), &context, requireAll: false)
            let terms = Set(context.highlight.map { Array($0.utf8) })
            let result = try searcher.search(query, limit: 20)
            for hit in result.hits {
                let record = try #require(try reader.document(id: hit.id))
                let text = try #require(try reader.storedText(of: record))
                // The judge marks compound heads of the terms the document's parts hold, as
                // the index's snippet does.
                let matchTerms = try searcher.matchTerms(for: record, terms: terms)
                let old = Snippets.best(text: text, terms: matchTerms, analyzer: analyzer)
                let new = try #require(try searcher.passage(for: record, terms: terms))
                #expect(new.text == hit.snippet)
                let termsOf = { (s: String) in Set(Self.marked(s).compactMap { Searcher.termOf($0, matchTerms, analyzer: analyzer) }) }
                if text.count <= Snippets.wholeTextLimit {
                    // The same passage, but for ties between windows broken by the number of
                    // matches: a joined match (`informations-` / `säkerhet` at a line end) is
                    // one position in the index and two marked words in the text.
                    #expect(termsOf(new.text).count == termsOf(old.text).count, "\(query) in \(hit.path): \(new.text) / \(old.text)")
                    if new != old { differing.append("\(query) in \(hit.path): \(new.text) / \(old.text)") }
                } else {
                    long += 1
                    #expect(termsOf(new.text).count >= termsOf(old.text).count, "\(query) in \(hit.path): \(new.text) / \(old.text)")
                }
                if !Snippets.matches(text: text, terms: terms, analyzer: analyzer).isEmpty {
                    #expect(!Self.marked(new.text).isEmpty, "\(query) in \(hit.path): \(new.text)")
                }
                compared += 1
            }
        }
        #expect(compared > 100, "\(compared) snippets compared, \(long) of long texts")
        #expect(differing.count * 20 <= compared, "\(differing.count) of \(compared) differ: \(differing)")
    }

    /// On random documents of Swedish and multi-byte words (several blocks long, some), the
    /// snippet from the index marks exactly the words the whole text's analysis marks in the
    /// bytes it shows, holds as many distinct terms as the best window of the whole text, and
    /// its anchor is its first marked word.
    @Test func windowedSnippetsMatchTheWholeTextAnalysed() throws {
        var rng = SeededRandom(state: 2026)
        let vocabulary = ["Åtgärder", "åtgärd", "ärendet", "Ärenden", "öppenhet", "Örebro", "ÖVERSYN", "säkerhetsöversyn", "straße",
                          "日本語", "naïve", "Łódź", "nämnden", "beslut", "och", "i", "att", "kommun", "riskanalys", "molntjänster",
                          "personuppgifter", "protokoll", "fullmäktige", "sekretess", "x", "ab",
                          // Joined forms: a plain query word equal to one (`epost`) is one
                          // position in the postings and two marked words in the text.
                          "e-post", "epost", "post", "KS-2015-0123", "ks", "2015", "pul-bedömning", "pulbedömning"]
        let scratch = try ScratchDirectory("snippet-property")
        let root = scratch.path
        let folder = root + "/brev"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var texts: [String: [UInt8]] = [:]
        for d in 0..<40 {
            let n = d % 5 == 0 ? Int(rng.next() % 20_000) + 6_000 : Int(rng.next() % 900) + 1
            var words: [String] = []
            for i in 0..<n {
                // Rare words mostly: the common ones are many, so windows differ.
                let w = rng.next() % 4 == 0 ? vocabulary[Int(rng.next() % UInt64(vocabulary.count))] : "ord\(rng.next() % 500)"
                words.append(w + (i % 13 == 12 ? ".\n" : ""))
            }
            let text = words.joined(separator: " ")
            texts["brev-\(d).txt"] = Array(text.utf8)
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(folder)/brev-\(d).txt"))
        }
        let ingester = try Ingester(indexDirectory: root + "/index")
        _ = try ingester.ingest(paths: [folder])
        ingester.close()
        let reader = try IndexReader(directory: root + "/index")
        let searcher = try Searcher(reader: reader)
        let analyzer = try Analyzer(splitCompounds: false)
        var checked = 0, plain = 0
        for record in try reader.inventory() {
            let name = String(record.path.split(separator: "/").last ?? "")
            let text = try #require(texts[name])
            #expect(try reader.storedText(of: record) == text)
            for _ in 0..<6 {
                let k = 1 + Int(rng.next() % 3)
                let words = (0..<k).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }
                let terms = Set(words.compactMap { analyzer.term(ofWord: $0) }.map { Array($0.utf8) })
                let windowed = try #require(try searcher.passage(for: record, terms: terms))
                let matchTerms = try searcher.matchTerms(for: record, terms: terms)
                let whole = Snippets.best(in: text, terms: matchTerms, analyzer: analyzer)
                let termsOf = { (s: String) in Set(Self.marked(s).compactMap { Searcher.termOf($0, matchTerms, analyzer: analyzer) }) }
                #expect(termsOf(windowed.text).count == termsOf(whole.text).count, "\(words) in \(name): \(windowed.text) / \(whole.text)")
                if !matchTerms.compoundHeads.contains(true) {
                    // Every marked word a match the postings hold: the words analysed are the
                    // ones shown (`Snippets.regionPositions`), and the snippet is the whole text's.
                    #expect(windowed.text == whole.text && windowed.anchor == whole.anchor, "\(words) in \(name): \(windowed.text) / \(whole.text)")
                    plain += 1
                }
                // The marks in the shown bytes are the whole text's matches there.
                let inRange = Snippets.words(text: text, terms: matchTerms, analyzer: analyzer)
                    .filter { $0.match >= 0 && windowed.range.contains($0.start) }
                    .map { String(decoding: text[$0.start..<$0.end], as: UTF8.self) }
                #expect(Self.marked(windowed.text) == inRange, "\(words) in \(name): \(windowed.text)")
                if let first = inRange.first {
                    #expect(text[windowed.anchor...].starts(with: Array(first.utf8)))
                }
                checked += 1
            }
        }
        #expect(checked == 240)
        #expect(plain > 120, "\(plain) snippets compared whole")
    }

    /// A joined form cut by the region's first checkpoint (`e-` before it, `post` at body
    /// position 64; `sekretess-⏎lagen`, joined across the line end) is read whole: the snippet
    /// from the index marks `post` of `e-post` for `epost` as the whole text's does.
    @Test(arguments: [("e-post", "epost", "post"), ("sekretess-\nlagen", "sekretesslagen", "lagen")])
    func aJoinedFormAtTheRegionsEdgeIsReadWhole(form: String, word: String, tail: String) throws {
        let analyzer = try Analyzer(splitCompounds: false)
        func filler(_ range: Range<Int>) -> [String] { range.map { "fyll\(String(UnicodeScalar(UInt8(97 + $0 % 26))))" } }
        // The form's first word at 63, its second at 64 (a checkpoint), `word` at 68, `beslut`
        // at 91: the best window is 64…91, its first match at 68, so the snippet starts at 64.
        let words = filler(0..<63) + [form] + filler(65..<68) + [word] + filler(69..<91) + ["beslut"] + filler(92..<300)
        let text = Array(words.joined(separator: " ").utf8)
        let scratch = try ScratchDirectory("snippet-joined-edge")
        try FileManager.default.createDirectory(atPath: scratch.path + "/in", withIntermediateDirectories: true)
        try Data(text).write(to: URL(fileURLWithPath: scratch.path + "/in/kant.txt"))
        let ingester = try Ingester(indexDirectory: scratch.path + "/index")
        _ = try ingester.ingest(paths: [scratch.path + "/in"])
        ingester.close()
        let reader = try IndexReader(directory: scratch.path + "/index")
        let searcher = try Searcher(reader: reader)
        let record = try #require(try reader.inventory().first)
        let terms = Set([word, "beslut"].compactMap { analyzer.term(ofWord: $0) }.map { Array($0.utf8) })
        let windowed = try #require(try searcher.passage(for: record, terms: terms))
        let whole = Snippets.best(in: text, terms: try searcher.matchTerms(for: record, terms: terms), analyzer: analyzer)
        #expect(Self.marked(whole.text) == [tail, word, "beslut"], "\(whole.text)")
        #expect(windowed.text == whole.text && windowed.anchor == whole.anchor, "\(windowed.text) / \(whole.text)")
    }

    /// A snippet shows its first match near its start: `Snippets.lead` words before it, not
    /// the up to 27 of the window that ends at the match; all the window's matches stay in; a
    /// match near the end of the text still gets a full window. From the whole text and from
    /// the index alike.
    @Test func snippetStartsAFewWordsBeforeItsFirstMatch() throws {
        let analyzer = try Analyzer(splitCompounds: false)
        let terms: Set<[UInt8]> = [Array(try #require(analyzer.term(ofWord: "riskanalys")).utf8)]
        func filler(_ range: Range<Int>) -> [String] { range.map { "fyll\(String(UnicodeScalar(UInt8(97 + $0 % 26))))" } }
        /// Words shown before the first mark, and words shown.
        func shape(_ snippet: String) -> (before: Int, words: Int) {
            let words = snippet.split(separator: " ").filter { $0 != "…" }
            return (words.firstIndex { $0.hasPrefix("«") } ?? -1, words.count)
        }
        // One match in the middle.
        let middle = filler(0..<60) + ["riskanalys"] + filler(60..<120)
        let one = Snippets.best(in: Array(middle.joined(separator: " ").utf8), terms: terms, analyzer: analyzer)
        #expect(shape(one.text).before == Snippets.lead && shape(one.text).words == Snippets.window, "\(one.text)")
        // Two matches ten words apart: both shown, the first `lead` words in.
        let two = filler(0..<60) + ["riskanalys"] + filler(60..<70) + ["riskanalysen"] + filler(70..<120)
        let both = Snippets.best(in: Array(two.joined(separator: " ").utf8), terms: terms, analyzer: analyzer)
        #expect(shape(both.text).before == Snippets.lead && Self.marked(both.text) == ["riskanalys", "riskanalysen"], "\(both.text)")
        // A match three words from the end: the last `window` words.
        let late = filler(0..<100) + ["riskanalys"] + filler(100..<102)
        let end = Snippets.best(in: Array(late.joined(separator: " ").utf8), terms: terms, analyzer: analyzer)
        #expect(shape(end.text).before == Snippets.window - 3 && shape(end.text).words == Snippets.window && !end.text.hasSuffix("…"), "\(end.text)")

        // The same from the index.
        let scratch = try ScratchDirectory("snippet-start")
        try FileManager.default.createDirectory(atPath: scratch.path + "/in", withIntermediateDirectories: true)
        try Data(middle.joined(separator: " ").utf8).write(to: URL(fileURLWithPath: scratch.path + "/in/mitten.txt"))
        try Data(late.joined(separator: " ").utf8).write(to: URL(fileURLWithPath: scratch.path + "/in/slutet.txt"))
        let ingester = try Ingester(indexDirectory: scratch.path + "/index")
        _ = try ingester.ingest(paths: [scratch.path + "/in"])
        ingester.close()
        let hits = try Searcher(reader: IndexReader(directory: scratch.path + "/index")).search("riskanalys", limit: 2).hits
        let byName = Dictionary(uniqueKeysWithValues: hits.map { ($0.path.split(separator: "/").last.map(String.init) ?? "", $0.snippet) })
        #expect(byName["mitten.txt"] == one.text, "\(byName)")
        #expect(byName["slutet.txt"] == end.text, "\(byName)")
    }

    /// å, ä, ö and other multi-byte letters are marked whole, in any case.
    @Test func multiByteWordsAreMarkedWhole() throws {
        let scratch = try ScratchDirectory("snippet-letters")
        let root = scratch.path
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        var text = String(repeating: "Inledning utan träff i texten här. ", count: 3_000)
        text += "ÅTGÄRDER för Örebro: åtgärderna gäller säkerhetsöversyn i Łódź och 日本語 ärenden. "
        text += String(repeating: "Avslutning utan träff. ", count: 3_000)
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/in/lång.txt"))
        let ingester = try Ingester(indexDirectory: root + "/index")
        _ = try ingester.ingest(paths: [root + "/in"])
        ingester.close()
        let searcher = try Searcher(reader: IndexReader(directory: root + "/index"))
        let hit = try #require(try searcher.search("åtgärder örebro łódź", limit: 1).hits.first)
        #expect(Self.marked(hit.snippet) == ["ÅTGÄRDER", "Örebro", "åtgärderna", "Łódź"], "\(hit.snippet)")
        #expect(hit.snippet.hasPrefix("…") && hit.snippet.hasSuffix("…"))
        #expect(!hit.snippet.hasPrefix("……") && !hit.snippet.hasSuffix("… …"), "\(hit.snippet)")
    }

    /// Words of the text outside a region (`Snippets.Outside`) put one ellipsis on their side,
    /// whether or not the snippet starts at the region's first word or ends at its last; a
    /// region without words shows only the ellipsis.
    @Test func wordsOutsideTheRegionGiveOneEllipsis() throws {
        let analyzer = try Analyzer(language: "swedish", splitCompounds: false)
        let terms = Snippets.MatchTerms([Array("risk".utf8)])
        let short = Array("en risk här".utf8)
        let long = Array((["början", "risk"] + Array(repeating: "ord", count: 60)).joined(separator: " ").utf8)
        func text(_ bytes: [UInt8], _ before: Bool, _ after: Bool) -> String {
            Snippets.best(in: bytes, terms: terms, analyzer: analyzer, outside: .init(before: before, after: after)).text
        }
        #expect(text(short, false, false) == "en «risk» här")
        #expect(text(short, true, false) == "…en «risk» här")
        #expect(text(short, false, true) == "en «risk» här …")
        #expect(text(short, true, true) == "…en «risk» här …")
        // The snippet ends before the region does: its own ellipsis, not a second one.
        #expect(text(long, true, true).hasPrefix("…början «risk»"))
        #expect(text(long, true, true).hasSuffix("ord …") && !text(long, true, true).hasSuffix("… …"))
        let blank = Array(" \n ".utf8)
        #expect(text(blank, true, true) == "…")
        #expect(text(blank, false, true) == " …")
        #expect(text(blank, false, false) == "")
        // A first word that starts with a combining mark: one ellipsis before it, not two.
        let mark = text(Array("\u{301}ord risk här".utf8), true, false)
        #expect(mark.utf8.starts(with: "…".utf8) && !mark.utf8.starts(with: "……".utf8), "\(mark)")
    }

    /// A text over `wholeTextLimit` is analysed only in its region; when the snippet reaches the
    /// region's end and the text goes on, the snippet ends with an ellipsis, as it begins with
    /// one when the region starts past the text's start.
    @Test func aSnippetAtTheRegionsEndOfALongTextEndsWithAnEllipsis() throws {
        let analyzer = try Analyzer(language: "swedish", splitCompounds: false)
        let head = String(repeating: "ord ", count: 1_000)
        // No words for the rest of the region after the match, words again after it.
        let text = Array((head + "risk " + String(repeating: "-", count: 7_000) + " " + String(repeating: "slut ", count: 2_000)).utf8)
        #expect(text.count > Snippets.wholeTextLimit)
        let region = Snippets.region(of: text, terms: [Array("risk".utf8)])
        #expect(region.lowerBound > 0 && region.upperBound < text.count)
        let snippet = Snippets.best(text: text, terms: [Array("risk".utf8)], analyzer: analyzer).text
        #expect(snippet.utf8.starts(with: "…".utf8), "\(snippet)")
        #expect(snippet.contains("«risk»") && snippet.utf8.reversed().starts(with: "…".utf8.reversed()), "\(snippet)")
        #expect(!snippet.contains("slut"), "\(snippet)")
    }

    /// A query word found as the last part of a compound is marked, the whole compound
    /// (`analys` in `riskanalys`, `säkerhetsanalyserna`) — in a document whose compound parts
    /// hold the word; in a document whose parts do not (`xyzanalys` is no compound of the word
    /// list), a word merely ending in it is not marked.
    @Test func compoundPartsAreMarked() throws {
        try #require(CompoundSplitter.shared != nil, "the Swedish word list (wswedish) is not installed")
        let scratch = try ScratchDirectory("snippet-compounds")
        let root = scratch.path
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        try Data("Nämnden gjorde en riskanalys i våras. Säkerhetsanalyserna visar brister i rutinerna.".utf8)
            .write(to: URL(fileURLWithPath: root + "/in/sammansatt.txt"))
        try Data("Se analys av rutinerna och xyzanalys i bilagan.".utf8).write(to: URL(fileURLWithPath: root + "/in/enkel.txt"))
        let ingester = try Ingester(indexDirectory: root + "/index")
        _ = try ingester.ingest(paths: [root + "/in"])
        ingester.close()
        let searcher = try Searcher(reader: IndexReader(directory: root + "/index"))
        let hits = try searcher.search("analys", limit: 10).hits
        let compound = try #require(hits.first { $0.path.hasSuffix("sammansatt.txt") })
        #expect(Self.marked(compound.snippet) == ["riskanalys", "Säkerhetsanalyserna"], "\(compound.snippet)")
        let plain = try #require(hits.first { $0.path.hasSuffix("enkel.txt") })
        #expect(Self.marked(plain.snippet) == ["analys"], "\(plain.snippet)")
        // The document page's whole-text highlights mark the same words as the snippets.
        let reader = searcher.reader
        for (hit, words) in [(compound, ["riskanalys", "Säkerhetsanalyserna"]), (plain, ["analys"])] {
            let record = try #require(try reader.document(id: hit.id))
            let text = try #require(try reader.storedText(of: record))
            let marked = try searcher.matchRanges(in: text, query: "analys", of: record).map { String(decoding: text[$0], as: UTF8.self) }
            #expect(marked == words, "\(hit.path)")
        }
    }
}

extension Searcher {
    /// `terms` as the index's snippet of `record` takes them: with the compound heads of the
    /// terms the document's compound parts hold.
    func matchTerms(for record: DocumentRecord, terms: Set<[UInt8]>) throws -> Snippets.MatchTerms {
        var matchTerms = Snippets.MatchTerms(terms.sorted { $0.lexicographicallyPrecedes($1) })
        guard let segment = reader.segments.first(where: { $0.id == record.segmentID })?.reader, let doc = record.segmentDoc else { return matchTerms }
        matchTerms.compoundHeads = try matchTerms.terms.map { t in
            guard let p = try segment.postings(t), let i = p.docs.firstIndex(of: UInt32(doc)) else { return false }
            return p.frequency(i, .parts) > 0
        }
        return matchTerms
    }

    /// The term a marked word `w` matches among `terms`: its own, or the one its last part
    /// stems to (a compound head).
    static func termOf(_ w: String, _ terms: Snippets.MatchTerms, analyzer: Analyzer) -> String? {
        if let t = analyzer.term(ofWord: w), terms.terms.contains(Array(t.utf8)) { return t }
        let lower = Array(w.lowercased().utf8)
        guard let h = lower.withUnsafeBytes({ terms.compoundHead(of: $0) }),
              let t = analyzer.term(ofWord: String(decoding: lower[h.from...], as: UTF8.self)),
              Array(t.utf8) == terms.terms[h.term] else { return nil }
        return t
    }

    /// The snippet of `record` (nil when it has no stored text in this snapshot), as `passages`.
    func passage(for record: DocumentRecord, terms: Set<[UInt8]>) throws -> Snippets.Passage? {
        guard let sid = record.segmentID, let doc = record.segmentDoc,
              let si = reader.segments.firstIndex(where: { $0.id == sid }) else { return nil }
        guard doc >= 0, doc < reader.segments[si].reader.documentCount else {
            // The reader names the damage (the catalog points past the segment).
            _ = try reader.storedText(of: record)
            return nil
        }
        return try passages(for: [(si, UInt32(doc))], terms: terms).first
    }
}

/// The byte-level pieces of `Snippets.best`: the words matched with the stemming filter, and
/// the whitespace rule of the shown text.
@Suite struct SnippetBytesTests {
    /// On random text of inflected Swedish words, joined forms and multi-byte letters, the
    /// words `Snippets.words` matches (stemming only the words that start with a term) are the
    /// words the whole analysis matches, term by term.
    @Test func matchingOnlyWordsStartingWithATermMatchesTheFullAnalysis() throws {
        var rng = SeededRandom(state: 17)
        let vocabulary = ["Riskanalysen", "riskanalys", "risk", "ÅTGÄRDERNA", "åtgärd", "åtgärdens", "ärendet", "Ärenden", "Örebro",
                          "KS-2015-0123", "e-post", "PuL-bedömning", "pulbedömningen", "fullt", "löst", "hus", "husets", "x",
                          "日本語", "Łódź", "naïve", "straße", "2015/123", "info@kommun.se", "nämndens", "beslutet", "besluten"]
        let analyzer = try Analyzer(language: "swedish", splitCompounds: false, cachedWords: 1 << 12)
        var withMatches = 0
        for _ in 0..<200 {
            let text = Array((0..<60).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }.joined(separator: " ").utf8)
            let picked = (0..<(1 + Int(rng.next() % 4))).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }
            var termSet = Set<[UInt8]>()
            for w in picked { analyzer.analyze(w) { termSet.insert(Array($0.term)) } }
            let terms = Snippets.MatchTerms(termSet.sorted { $0.lexicographicallyPrecedes($1) })
            // The reference: every token analysed, terms looked up by value.
            var expected: [(start: Int, end: Int, match: Int)] = []
            var joined: (start: Int, end: Int, match: Int) = (0, 0, -1)
            text.withUnsafeBytes { buf in
                analyzer.analyze(buf) { t in
                    let m = terms.terms.firstIndex { $0.elementsEqual(t.term) } ?? -1
                    if t.kind == .word {
                        expected.append((t.start, t.end, m >= 0 ? m : (joined.match >= 0 && t.start >= joined.start && t.end <= joined.end ? joined.match : -1)))
                    } else if m >= 0 {
                        joined = (t.start, t.end, m)
                    }
                }
            }
            let got = Snippets.words(text: text, terms: terms, analyzer: analyzer)
            #expect(got.map { [$0.start, $0.end, $0.match] } == expected.map { [$0.start, $0.end, $0.match] },
                    "\(picked) in \(String(decoding: text, as: UTF8.self))")
            if expected.contains(where: { $0.match >= 0 }) { withMatches += 1 }
        }
        #expect(withMatches > 150)
    }

    /// `Snippets.whitespaceLength` is Unicode's White_Space, for every scalar up to U+FFFF
    /// (none is above), and the gaps between words collapse as `String` would.
    @Test func whitespaceIsUnicodeWhiteSpace() {
        for v in UInt32(0)...0xFFFF {
            guard let s = Unicode.Scalar(v) else { continue }
            let bytes = Array(String(s).utf8) + [0x61]
            let n = bytes.withUnsafeBytes { Snippets.whitespaceLength($0, at: 0, end: $0.count) }
            #expect((n > 0) == s.properties.isWhitespace, "U+\(String(v, radix: 16))")
            if n > 0 { #expect(n == bytes.count - 1) }
        }
        #expect(Snippets.clean(ArraySlice(Array(" ,\n\t\u{00A0}och\u{2003}\u{3000}".utf8))) == " , och ")
        #expect(Snippets.clean(ArraySlice(Array("a\u{00A0}\u{00A0}b\u{200B}".utf8))) == "a b\u{200B}")
    }
}

/// `SearchHit.highlights` counts code points over UTF-8 as the scalars of the snippet are.
@Suite struct HighlightOffsetTests {
    @Test func offsetsAreCodePointsBetweenTheMarks() {
        let snippet = "…Örebro «åtgärder» och 日本語 «Łódź», «x» slut «öppen"
        var expected: [[Int]] = []
        var start = -1
        for (i, s) in snippet.unicodeScalars.enumerated() {
            if s == "«" { start = i + 1 } else if s == "»", start >= 0 { expected.append([start, i]); start = -1 }
        }
        #expect(expected.count == 3)
        #expect(SearchHit.highlights(in: snippet) == expected)
        let scalars = Array(snippet.unicodeScalars)
        #expect(expected.map { String(String.UnicodeScalarView(scalars[$0[0]..<$0[1]])) } == ["åtgärder", "Łódź", "x"])
    }

    /// Eight bytes are counted at once where none is C2: marks at every place across those
    /// eight-byte steps (a mark's two bytes split between two of them, C2 as a step's last
    /// byte), among one- to four-byte scalars and a no-break space (C2 A0, not a mark), give
    /// the offsets of a walk scalar by scalar.
    @Test func offsetsAreTheSameAtEveryPlaceAcrossTheEightByteSteps() {
        var generator = SeededRandom(state: 17)
        let pieces = ["a", "ö", "日", "𝄞", " ", "\u{00A0}", "«", "»", "«ord»", "Å"]
        for length in 0..<40 {
            for _ in 0..<40 {
                let snippet = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
                var expected: [[Int]] = []
                var start = -1
                for (i, s) in snippet.unicodeScalars.enumerated() {
                    if s == "«" { start = i + 1 } else if s == "»", start >= 0 { expected.append([start, i]); start = -1 }
                }
                #expect(SearchHit.highlights(in: snippet) == expected, "\(Array(snippet.utf8))")
            }
        }
    }
}
