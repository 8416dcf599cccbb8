import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumAnalysis

/// `../shared/data` beside the repository.
let sharedData: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.deletingLastPathComponent().appendingPathComponent("shared/data").path
}()

/// Runs Debian's `stemwords` (the same libstemmer the project links) over a word list.
func stemwords(_ language: String, _ input: String) throws -> [String] {
    try TestProcess.run(["/usr/bin/stemwords", "-l", language, "-i", input]).stdoutText
        .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

@Suite struct TokenizerTests {
    func words(_ s: String) -> [String] {
        var t = Tokenizer()
        var out: [String] = []
        var text = s
        text.withUTF8 { buf in t.tokenize(UnsafeRawBufferPointer(buf)) { out.append(String(decoding: $0.word, as: UTF8.self)) } }
        return out
    }

    @Test func splitsLettersAndDigitsOfAnyScript() {
        #expect(words("Riskanalys 2015: Office 365!") == ["riskanalys", "2015", "office", "365"])
        #expect(words("ÅÄÖ åäö ÉÜ") == ["åäö", "åäö", "éü"])
        #expect(words("Дума Σωκράτης 東京") == ["дума", "σωκράτης", "東京"])
    }

    @Test func keepsSwedishLettersAndFoldsNorwegianDanish() {
        #expect(words("får far FÅR") == ["får", "far", "får"])
        #expect(words("Bærum Ørebro") == ["bärum", "örebro"])
    }

    @Test func offsetsPointAtTheWordInTheSource() {
        let text = "Hej «Örebro» kommun"
        var t = Tokenizer()
        var spans: [String] = []
        var s = text
        s.withUTF8 { buf in
            t.tokenize(UnsafeRawBufferPointer(buf)) { tok in
                spans.append(String(decoding: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buf)[tok.start..<tok.end]), as: UTF8.self))
            }
        }
        #expect(spans == ["Hej", "Örebro", "kommun"])
    }

    @Test func survivesInvalidUTF8AndHugeWords() {
        let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0xC3, 0x28, 0xE2, 0x82, 0x63] + Array(repeating: 0x78, count: 5000)
        var t = Tokenizer()
        var out: [String] = []
        bytes.withUnsafeBytes { t.tokenize($0) { out.append(String(decoding: $0.word, as: UTF8.self)) } }
        #expect(out.prefix(2) == ["a", "b"])
        #expect(out.allSatisfy { $0.utf8.count <= Tokenizer.maxWordBytes })
    }
}

@Suite struct StemmerTests {
    /// Every word of the Snowball Swedish vocabulary stems as the linked libstemmer's own
    /// `stemwords` tool says (Debian ships Snowball 2.2, so the 3.x reference output differs).
    @Test(arguments: ["swedish", "english"])
    func stemsLikeTheLinkedLibstemmer(language: String) throws {
        let voc = sharedData + "/snowball/\(language)/voc.txt"
        let words = try String(contentsOfFile: voc, encoding: .utf8).split(separator: "\n").map(String.init)
        let expected = try stemwords(language, voc)
        #expect(words.count > 30_000)
        let stemmer = try Stemmer(algorithm: language)
        var mismatches = 0
        for (i, w) in words.enumerated() where stemmer.stem(w) != expected[i] { mismatches += 1 }
        #expect(mismatches == 0)
    }

    /// What `Analyzer.termsArePrefixesOfWords` promises (snippets skip the stemming of words
    /// that start with no query term): every Swedish term is a prefix of its lowercased word,
    /// over Snowball's Swedish vocabulary and the system word list (Debian's wswedish), in any
    /// case; the stemming filter only leaves declined words as written.
    @Test func swedishTermsArePrefixesOfTheirWords() throws {
        var lists = [sharedData + "/snowball/swedish/voc.txt"]
        if FileManager.default.fileExists(atPath: "/usr/share/dict/swedish") { lists.append("/usr/share/dict/swedish") }
        let analyzer = try Analyzer(language: "swedish", splitCompounds: false, cachedWords: 1 << 12)
        #expect(analyzer.termsArePrefixesOfWords)
        #expect(try !Analyzer(language: "english", splitCompounds: false).termsArePrefixesOfWords)
        var tokens = 0, stemmed = 0
        var violations: [String] = []
        for list in lists {
            let data = try Data(contentsOf: URL(fileURLWithPath: list))
            // wswedish is ISO 8859-1 on some releases: decode either way.
            let text = String(data: data, encoding: .utf8) ?? String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n") {
                for form in [String(line), line.uppercased()] {
                    analyzer.analyze(form) { t in
                        tokens += 1
                        if !t.word.elementsEqual(t.term) { stemmed += 1 }
                        if !t.word.starts(with: t.term) {
                            violations.append("\(String(decoding: t.word, as: UTF8.self)) → \(String(decoding: t.term, as: UTF8.self))")
                        }
                    }
                }
            }
        }
        #expect(tokens > 100_000 && stemmed > 20_000, "\(tokens) tokens, \(stemmed) stemmed")
        #expect(violations.isEmpty, "\(violations.prefix(20))")
        // Declined words come as written; the others as `analyze` gives them.
        var given: [(String, String)] = []
        Array("Riskanalysen visar åtgärderna".utf8).withUnsafeBytes { buf in
            analyzer.analyze(buf, stemming: { $0.first == UInt8(ascii: "r") }) { t in
                given.append((String(decoding: t.word, as: UTF8.self), String(decoding: t.term, as: UTF8.self)))
            }
        }
        #expect(given.map(\.1) == ["riskanaly", "visar", "åtgärderna"])
    }

    @Test func analyzerStemsSwedishInflections() throws {
        let a = try Analyzer(splitCompounds: false)
        #expect(a.terms("molntjänsten molntjänster molntjänsterna") == ["molntjänst", "molntjänst", "molntjänst"])
        #expect(a.terms("Office 365") == ["offic", "365"])
        // With compound splitting the parts come too, before the word, at its position.
        #expect(try Analyzer().terms("molntjänsterna") == ["moln", "tjänst", "molntjänst"])
        #expect(throws: AnalysisError.self) { try Analyzer(language: "klingon") }
    }
}

@Suite struct JoinedFormTests {
    func tokens(_ s: String) throws -> [(String, String, UInt32)] {
        var out: [(String, String, UInt32)] = []
        try Analyzer().analyze(s) { t in
            out.append((t.kind == .word ? "w" : t.kind == .joined ? "j" : "p", String(decoding: t.term, as: UTF8.self), t.position))
        }
        return out
    }

    @Test func hyphenatedWordsGiveTheirPartsAndTheJoinedForm() throws {
        let all = try tokens("PUL-bedömning och e-post")
        let t = all.filter { $0.0 != "p" }
        #expect(t.map(\.1) == ["pulbedömning", "pul", "bedömning", "och", "epost", "e", "post"])
        #expect(t.map(\.0) == ["j", "w", "w", "w", "j", "w", "w"])
        // The joined form shares its first word's position; words count on.
        #expect(t.map(\.2) == [0, 0, 1, 2, 3, 3, 4])
        // A suspended hyphen joins nothing, but stands for the compound's head:
        // "risk- och sårbarhetsanalys" also gives "riskanalys" at the position of "risk".
        let suspended = try tokens("risk- och sårbarhetsanalys")
        #expect(!suspended.contains { $0.0 == "j" })
        #expect(suspended.contains { $0.0 == "p" && $0.1 == "riskanaly" && $0.2 == 0 })
    }

    @Test func caseNumbersAddressesAndURLsAreKeptWhole() throws {
        let terms = try tokens("Dnr KS-2015-0123 och 2015/123, SFS 1998:899, ks@norrvika.se, https://www.norrvika.se/moln.").map(\.1)
        for whole in ["ks-2015-0123", "2015/123", "1998:899", "ks@norrvika.se", "https://www.norrvika.se/moln"] {
            #expect(terms.contains(whole), "\(whole) in \(terms)")
        }
        for part in ["ks", "2015", "0123", "123", "1998", "899", "moln"] { #expect(terms.contains(part)) }
        // Sentence punctuation is not part of a form.
        #expect(!terms.contains { $0.hasSuffix(".") || $0.hasSuffix(",") })
        #expect(try tokens("Office 365.").map(\.1) == ["offic", "365"])
    }

    @Test func inflectionsOfSWordsMeet() throws {
        let a = try Analyzer()
        #expect(Set(["riskanalys", "riskanalysen", "riskanalyser", "riskanalyserna"].compactMap { a.term(ofWord: $0) }).count == 1)
        #expect(a.term(ofWord: "process") == a.term(ofWord: "processen"))
    }

    @Test func foldingIsForQueriesOnly() throws {
        #expect(Analyzer.fold("örebro") == "orebro")
        #expect(Analyzer.fold("ärende åtgärd") == "arende atgard")
        #expect(try Analyzer().terms("Örebro") == ["örebro"])
    }

    /// The stop list is the Snowball Swedish list in ../shared/data.
    @Test func stopwordsAreSnowballs() throws {
        let text = try String(contentsOfFile: sharedData + "/stopwords/snowball_swedish_stop.txt", encoding: .utf8)
        let snowball = Set(text.split(separator: "\n").compactMap { line -> String? in
            let w = line.split(separator: "|").first?.trimmingCharacters(in: .whitespaces) ?? ""
            return w.isEmpty ? nil : w
        })
        #expect(snowball.count == 114)
        #expect(Stopwords.swedish == snowball)
    }
}

@Suite struct AnalyzeCommandTests {
    /// `diarium analyze` on the whole Snowball Swedish vocabulary in one call gives, for every
    /// word, the stem the linked libstemmer gives (Debian's `stemwords`).
    @Test(arguments: [("swedish", "sv"), ("english", "en")])
    func analyzeAgreesWithLibstemmer(language: String, code: String) throws {
        let voc = sharedData + "/snowball/\(language)/voc.txt"
        let expected = try stemwords(language, voc)
        let words = try String(contentsOfFile: voc, encoding: .utf8).split(separator: "\n").map(String.init)
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/diarium").path
        let r = try TestProcess.run([binary, "analyze", "-", "--language", code, "--format", "json", "--no-compounds"],
                                    input: Data(words.joined(separator: "\n").utf8))
        try #require(r.status == 0, "\(r.stderrText)")
        let data = r.stdout
        struct Token: Decodable { var kind: String; var word: String; var stem: String }
        let tokens = try JSONDecoder().decode([Token].self, from: data).filter { $0.kind == "word" }
        // Words the tokenizer splits (e.g. with an apostrophe) are compared word by word.
        var stems: [String: String] = [:]
        for t in tokens { stems[t.word] = t.stem }
        var compared = 0, mismatches: [String] = []
        for (i, w) in words.enumerated() where stems[w] != nil {
            compared += 1
            if stems[w] != expected[i] { mismatches.append("\(w): \(stems[w]!) ≠ \(expected[i])") }
        }
        #expect(compared >= words.count * 99 / 100, "compared \(compared) of \(words.count)")
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}

/// `Synonyms.Key` is what lets the searcher skip analysing most synonym groups: it must hold
/// for every word the analyzer meets. Checked on every word of the corpus and of Swedish and
/// English word forms with suffixes, hyphens, digits and case: the key of a word admits the
/// word's first indexed term.
@Suite struct SynonymKeyTests {
    @Test func keyIsAPrefixOfTheFirstTerm() throws {
        let analyzer = try Analyzer(splitCompounds: false)
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("corpus")
        var words = Set(["Riskanalysen", "riskanalysers", "KS-2015-0123", "e-post", "PuB-avtal", "365", "O365", "ks", "s", "Ds", "DPIA",
                         "fullt", "löst", "lösts", "Ärendet", "Æble", "Øre", "x1", "1x", "a-b", "ÅÄÖ", "\"Citat\"", "(parentes)", "GDPR:s"])
        let files = try #require(FileManager.default.enumerator(at: corpus, includingPropertiesForKeys: nil))
        for case let url as URL in files {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            for w in text.split(whereSeparator: { $0.isWhitespace }) { words.insert(String(w)) }
        }
        #expect(words.count > 3_000)
        var checked = 0
        for w in words {
            var first: String?
            analyzer.analyze(w) { t in if first == nil && t.kind == .word { first = String(decoding: t.term, as: UTF8.self) } }
            guard let term = first.map({ Array($0.utf8) }) else { continue }
            checked += 1
            #expect(Synonyms.key(ofExpression: w).admits(term), "\(w) → \(String(decoding: term, as: UTF8.self))")
        }
        #expect(checked > 3_000)
        #expect(Synonyms.key(ofExpression: "ordet5, x") == Synonyms.Key(prefix: Array("ordet5".utf8), closed: false))
        #expect(!Synonyms.key(ofExpression: "ordet5").admits(Array("ordet6".utf8)))
        #expect(Synonyms.key(ofExpression: "Riskanalysen").admits(Array("riskanaly".utf8)))
        #expect(Synonyms.key(ofExpression: "e-post").admits(Array("epost".utf8)) && Synonyms.key(ofExpression: "e-post").admits(Array("e".utf8)))
    }
}

/// `Synonyms.load` reads the built-in groups with the byte parser of the user's file (faster
/// for a fresh process); both parsers must give the same groups for them.
@Suite struct BuiltInSynonymsTests {
    @Test func byteParserGivesTheTextParsersGroups() {
        let text = Synonyms(text: Synonyms.builtIn)
        let bytes = Synonyms(file: Array(Synonyms.builtIn.utf8), name: "built-in")
        #expect(text.groups.count >= 9)
        #expect(bytes.groups == text.groups)
        #expect(bytes.warnings.isEmpty)
    }
}

/// The stem cache against a dictionary: every word inserted since the cache last started over
/// is found with its stem, term, term hash and parts; no other word is found. Words of 1 to 20
/// bytes (every branch of the key hash, the eight-byte loop once and twice), a third sharing a
/// prefix, 5,000 of them into room for 1,024 words and 32 KiB: the table grows from 1,024 to
/// 2,048 slots at the 641st word (more than 5/8 full), and the arena fills and the cache starts
/// over several times after that. The whole dictionary is checked right after the growth and
/// right after each restart, and every 97 words.
@Suite struct StemCacheTests {
    @Test func findsWhatItHoldsAndNothingElse() {
        var rng = SeededRandom(state: 17)
        let cache = StemCache(maxEntries: 1 << 10)
        var inserted: [[UInt8]: (stem: [UInt8], termCount: Int, parts: [UInt8])] = [:]
        var since: Set<[UInt8]> = []  // inserted since the cache last started over
        var restarts = 0, restartsAfterGrowth = 0
        var grewAt: Int?  // words held when the table grew
        let letters = Array("abcdeåäö".utf8)
        #expect(cache.slotCount == 1 << 10)
        func check(_ w: [UInt8]) {
            let e = w.withUnsafeBytes { cache.lookup($0) }
            guard since.contains(w), let want = inserted[w] else { #expect(e == nil, "\(w)"); return }
            guard let e else { Issue.record("not found: \(w)"); return }
            let term = Array(want.stem.prefix(want.termCount))
            #expect(Array(e.stem) == want.stem && Array(e.term) == term && Array(e.parts) == want.parts)
            #expect(e.termHash == term.withUnsafeBytes { StemCache.hash($0) })
        }
        func checkAll(_ word: [UInt8]) {
            for w in inserted.keys { check(w) }
            check(word + [0x7A])
            check(Array(word.dropLast()))
        }
        for k in 0 ..< 5_000 {
            let length = 1 + Int(rng.next() % 20)
            var word = k % 3 == 0 ? Array("infor".utf8) : []
            while word.count < length { word.append(letters[Int(rng.next() % UInt64(letters.count))]) }
            if inserted[word] != nil { continue }
            let stem = Array(word.prefix(max(1, word.count - Int(rng.next() % 3))))
            let termCount = max(1, stem.count - Int(rng.next() % 2))
            let parts = (0 ..< Int(rng.next() % 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let slotsBefore = cache.slotCount
            let entry = word.withUnsafeBytes { w in
                stem.withUnsafeBytes { s in parts.withUnsafeBytes { cache.insert(w, stem: s, termCount: termCount, parts: $0) } }
            }
            #expect(entry.map { Array($0.term) } == Array(stem.prefix(termCount)))
            inserted[word] = (stem, termCount, parts)
            let restarted = cache.count == 1
            if restarted {
                since = []
                restarts += 1
                if grewAt != nil { restartsAfterGrowth += 1 }
            }
            since.insert(word)
            #expect(since.count == cache.count)
            let grew = cache.slotCount != slotsBefore
            if grew {
                #expect(grewAt == nil && cache.slotCount == 2 * slotsBefore)
                grewAt = cache.count
            }
            if grew || restarted || k % 97 == 0 { checkAll(word) }
        }
        #expect(grewAt == 641 && cache.slotCount == 1 << 11)
        #expect(restartsAfterGrowth > 2)
    }
}
