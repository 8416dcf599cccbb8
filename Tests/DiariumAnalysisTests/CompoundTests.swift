import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumAnalysis

/// One row of Tests/Fixtures/compounds.tsv: a word and its right splits (empty for a word that is
/// not a compound).
private struct CompoundCase {
    let word: String
    let answers: [[String]]
}

private let compoundFixture: [CompoundCase] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    let text = (try? String(contentsOfFile: root.appendingPathComponent("Fixtures/compounds.tsv").path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { line in
        if line.hasPrefix("#") { return nil }
        let columns = line.split(separator: "\t")
        guard columns.count == 2 else { return nil }
        let answers = columns[1] == "-" ? [] : columns[1].split(separator: "|").map { $0.split(separator: "+").map(String.init) }
        return CompoundCase(word: String(columns[0]), answers: answers)
    }
}()

@Suite struct CompoundTests {
    /// A small list in the shape of wswedish: base forms with their inflected forms.
    static let words = [
        "moln", "molnet", "molnen", "tjänst", "tjänsten", "tjänster", "tjänsterna",
        "information", "informationen", "informations", "säkerhet", "säkerheten", "arbete", "arbetet",
        "arbeta", "risk", "risken", "analys", "analysen", "analyser", "kommun", "kommunen",
        "styrelse", "styrelsen", "styrelsens", "styrelser", "skola", "skolan", "verk", "verket",
        "kon", "konen", "sekvens", "sekvensen", "konsekvens", "konsekvensen", "för", "slag", "slaget",
        "förslag", "förslaget", "remiss", "remissen", "svar", "svaret", "lag", "lagen", "gata", "gatan",
        "belysning", "belysningen",
    ]

    @Test func systemWordListIsInstalled() throws {
        let splitter = try #require(CompoundSplitter.shared, "no word list at /usr/share/dict/swedish: install Debian's wswedish")
        #expect(splitter.lexicon.count > 100_000)
        #expect(splitter.split("molntjänsterna") == ["moln", "tjänst"])
        #expect(splitter.split("informationssäkerhetsarbete") == ["information", "säkerhet", "arbete"])
    }

    @Test func splitsOnASmallList() {
        let splitter = CompoundSplitter(words: CompoundTests.words)
        #expect(splitter.split("molntjänsterna") == ["moln", "tjänst"])
        #expect(splitter.split("riskanalysen") == ["risk", "analys"])
        #expect(splitter.split("informationssäkerhetsarbete") == ["information", "säkerhet", "arbete"])
        #expect(splitter.split("kommunstyrelsens") == ["kommun", "styrelse"])
        #expect(splitter.split("skolverket") == ["skola", "verk"])          // a dropped -a
        #expect(splitter.split("gatubelysning") == ["gata", "belysning"])  // -u- for -a
        #expect(splitter.split("remissvaret") == ["remiss", "svar"])        // remiss + svar, one s dropped
        #expect(splitter.split("informationsarbetet") == ["information", "arbete"])
    }

    @Test func particlesAreNotParts() {
        let splitter = CompoundSplitter(words: CompoundTests.words)
        #expect(splitter.split("förslaget") == nil)
    }

    @Test func shortAndUnknownWordsGiveNil() throws {
        let splitter = CompoundSplitter(words: CompoundTests.words)
        #expect(splitter.split("kommun") == nil)
        #expect(splitter.split("molnet") == nil)
        #expect(splitter.split("") == nil)
        #expect(splitter.split("xylofonkvartett") == nil)
        #expect(splitter.split("tjänstexyz") == nil)
        #expect(splitter.split("東京都庁舎東京都庁舎") == nil)
        let shared = try #require(CompoundSplitter.shared)
        #expect(shared.split("qwzxkvjlmnbgrt") == nil)
        #expect(shared.split("kommun") == nil)
        #expect(shared.split("arbete") == nil)
    }

    @Test func aListedWordStaysWholeUnlessFrequenciesSayOtherwise() {
        // Without frequencies the list alone decides: "konsekvens" is in it, kon + sekvens is not
        // clearly better, so it stays whole.
        let plain = CompoundSplitter(words: CompoundTests.words)
        #expect(plain.split("konsekvensen") == nil)
        // Frequencies of a corpus where kon and sekvens are everywhere and konsekvens is rare.
        let skewed = CompoundSplitter(words: CompoundTests.words,
                                      frequencies: ["kon": 5000, "konen": 1000, "sekvens": 3000, "konsekvens": 2])
        #expect(skewed.split("konsekvensen") == ["kon", "sekvens"])
        let usual = CompoundSplitter(words: CompoundTests.words,
                                     frequencies: ["kon": 3, "sekvens": 2, "konsekvens": 900, "konsekvensen": 400])
        #expect(usual.split("konsekvensen") == nil)
    }

    @Test func minimumPartLengthIsConfigurable() {
        let splitter = CompoundSplitter(words: ["år", "året", "redovisning", "redovisningen"], minimumPartLength: 2)
        #expect(splitter.split("årsredovisningen") == ["år", "redovisning"])
        #expect(CompoundSplitter(words: ["år", "året", "redovisning"]).split("årsredovisning") == nil)
    }

    @Test func readsLatin1AndUTF8WordLists() throws {
        let text = "moln\nMolnet\ntjänst\r\ntjänsten\ntjänsterna\nA-aktie\nNina\növersättning"
        let scratch = try ScratchDirectory("lexicon")
        let latin1 = scratch.path + "/latin1.txt", utf8 = scratch.path + "/utf8.txt"
        try Data(text.unicodeScalars.map { UInt8($0.value) }).write(to: URL(fileURLWithPath: latin1))
        try Data(text.utf8).write(to: URL(fileURLWithPath: utf8))
        for path in [latin1, utf8] {
            let splitter = try #require(CompoundSplitter(contentsOfFile: path))
            #expect(splitter.lexicon.count == 6)  // the hyphenated entry and the short name are skipped
            #expect(splitter.split("molntjänsterna") == ["moln", "tjänst"])
        }
        #expect(CompoundSplitter(contentsOfFile: "/nonexistent/word/list") == nil)
    }

    /// The system list (ISO 8859-1) is read by a table-driven loop; its UTF-8 transcoding by
    /// the general one. Both must give the same words in the same order (ids), also for lines
    /// with CR, digits, over-long words, short capitalised names and no final line feed.
    @Test func latin1FastPathReadsWhatTheGeneralPathReads() throws {
        var latin1 = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/usr/share/dict/swedish")))
        latin1 += Array("\nKalle\r\nkalle\nQzxa\nÅsberg\nx2y\n\n\(String(repeating: "a", count: 64))\n\(String(repeating: "b", count: 63))\r\nærø\nslut".unicodeScalars.map { UInt8($0.value) })
        let utf8 = Array(String(decoding: latin1.map { UInt16($0) }, as: UTF16.self).utf8)
        #expect(utf8.count > latin1.count)
        let fast = Lexicon(fileContents: latin1), general = Lexicon(fileContents: utf8)
        #expect(fast.count > 100_000)
        #expect(fast.count == general.count)
        #expect(fast.bytes == general.bytes)
        #expect(fast.starts == general.starts)
        for word in ["kalle", "åsberg", "ärö", "slut", String(repeating: "b", count: 63)] {
            #expect(Array(word.unicodeScalars.map { UInt8($0.value) }).withUnsafeBufferPointer { fast.find($0) } >= 0, "\(word)")
        }
        for word in ["qzxa", "x2y", String(repeating: "a", count: 64)] {
            #expect(Array(word.unicodeScalars.map { UInt8($0.value) }).withUnsafeBufferPointer { fast.find($0) } < 0, "\(word)")
        }
    }

    /// Base forms and word facts are computed on first use and kept in atomics shared by every
    /// thread (`CompoundSplitter.base`, `facts`): asked from two threads at once, in opposite
    /// orders, for every word of the system list, they equal the same computation without the
    /// caches, and a second ask gives the kept value.
    @Test func lazyBaseFormsEqualTheComputedOnesOnTwoThreads() async throws {
        let splitter = try #require(CompoundSplitter.shared)
        let n = splitter.lexicon.count
        let halves = await withTaskGroup(of: [Int32].self) { group in
            for reversed in [false, true] {
                group.addTask {
                    var out = [Int32](repeating: -1, count: n)
                    for k in 0 ..< n {
                        let id = reversed ? n - 1 - k : k
                        out[id] = Int32(splitter.base(id)) << 8 | Int32(splitter.facts(id))
                    }
                    return out
                }
            }
            var results: [[Int32]] = []
            for await r in group { results.append(r) }
            return results
        }
        #expect(halves.count == 2 && halves[0] == halves[1])
        let flags = splitter.flags
        var differ = 0, lemmas = 0, based = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * (Lexicon.maxWordLength + 8)) { scratch in
            let p = scratch.baseAddress!
            let facts = { CompoundSplitter.computeFacts($0, splitter.lexicon, flags, p + Lexicon.maxWordLength + 8) }
            for id in 0 ..< n {
                let f = facts(id)
                let b = CompoundSplitter.baseForm(id, splitter.lexicon, splitter.minimumPartLength, facts, p)
                if f & CompoundSplitter.Flag.lemma != 0 { lemmas += 1 }
                if b != id { based += 1 }
                if halves[0][id] != Int32(b) << 8 | Int32(f) || splitter.base(id) != b || splitter.facts(id) != f { differ += 1 }
            }
        }
        #expect(differ == 0)
        // The check is not empty: in wswedish about 7 % of the words are lemmas with definite
        // forms of their own, and more than half reduce to another word.
        #expect(lemmas > n / 20 && based > n / 2, "\(lemmas) lemmas, \(based) reduced, of \(n)")
        let id = CompoundSplitter.find("tjänsterna", splitter.lexicon)
        #expect(id >= 0 && splitter.lexicon.string(splitter.base(id)) == "tjänst")
    }

    /// Precision (right splits / splits made) and recall (right splits / compounds) over the
    /// hand-checked list.
    @Test func precisionAndRecallOnTheHandCheckedList() throws {
        let splitter = try #require(CompoundSplitter.shared)
        let cases = compoundFixture
        #expect(cases.count >= 200)
        #expect(cases.filter { $0.answers.isEmpty }.count >= 60)
        var made = 0, right = 0, compounds = 0
        var mistakes: [String] = []
        for c in cases {
            let parts = splitter.split(c.word)
            if !c.answers.isEmpty { compounds += 1 }
            if let parts {
                made += 1
                if c.answers.contains(parts) { right += 1 } else { mistakes.append("\(c.word): \(parts.joined(separator: "+"))") }
            } else if !c.answers.isEmpty {
                mistakes.append("\(c.word): not split")
            }
        }
        let precision = Double(right) / Double(max(made, 1))
        let recall = Double(right) / Double(max(compounds, 1))
        print("compounds.tsv: \(cases.count) words, \(compounds) compounds; \(made) splits, \(right) right; "
              + "precision \(precision), recall \(recall)")
        print("mistakes: " + mistakes.joined(separator: "; "))
        #expect(precision >= 0.9)
        #expect(recall >= 0.7)
    }
}
