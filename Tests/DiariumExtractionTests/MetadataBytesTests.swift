import Testing
import DiariumTestSupport
@testable import DiariumExtraction

/// The metadata rules read plain lines (`UTF8Scan.isPlain`) on bytes: each byte path is judged
/// against the `String` and `Character` rule it replaces, on seeded lines of letterhead words in
/// every case, numbers, dates, dashes and quotes, and characters that are not plain (combining
/// marks, CR LF, Greek, the Kelvin sign), so both the byte path and the fallback are exercised.
@Suite struct MetadataBytesTests {
    static func lines(count: Int, seed: UInt64) -> [String] {
        var rng = SeededRandom(state: seed)
        let words = ["Protokoll", "PROTOKOLL", "protokollsutdrag", "Beslut", "Delegationsbeslut", "Rapport", "rapport", "RIKTLINJE",
                     "Riktlinjer", "Policy", "Dir.", "Prop.", "avtal", "Avtal", "Förordning", "FÖRESKRIFTER", "DPIA", "Pul-bedömning",
                     "Kommunstyrelsen", "KOMMUNSTYRELSEN", "Räddningsnämnden", "Norrvika kommun", "NORRVIKA KOMMUN", "Region Skåne",
                     "Socialförvaltningen", "Tekniska förvaltningen", "Skolverket", "Finansdepartementet", "Juridiska avdelningen",
                     "IT-enheten", "Avveckling av Fiskeriverket", "Miljöområdet", "Policy för nämnden", "författningssamling",
                     "FÖRFATTNINGSSAMLING", "Författare", "Datum", "2019-04-12", "12 mars 2015", "den 3 FEBRUARI 2021", "3 jan 1999",
                     "31 april 2020", "9999-99-99", "2021-02-29", "§ 45", "§", "-", "12", "½", "²", "KS 2015/123", "Dnr", "Ärende:",
                     "Rubrik:", "info@norrvika.se", "–", "—", "“citat”", "•", "…", "ÅÄÖ", "åäö", "ß", "µ", "ÿ", "Ü", "×", "÷", "É",
                     "e\u{301}", "A\u{30A}rende", "\r\n", "\r", "Ω", "\u{212A}ommun", "Ĳssel", " ", "  ", "\t", "|", ",", "*", "#", "_",
                     "\u{A0}", "Gymnasienämnden, Norrvika kommun", "Beslutad av", "x"]
        func pick() -> String { words[Int(rng.next() % UInt64(words.count))] }
        return (0..<count).map { _ in
            (0..<Int(rng.next() % 6)).map { _ in pick() }.joined(separator: rng.next() % 4 == 0 ? "  " : " ")
        }
    }

    @Test func labelTypeOnBytesIsTheStringRule() {
        var found = 0, plain = 0
        for line in Self.lines(count: 20_000, seed: 5) {
            if line.utf8.withContiguousStorageIfAvailable({ UTF8Scan.isPlain($0, 0..<$0.count) }) == true { plain += 1 }
            for strict in [false, true] {
                let bytes = MetadataExtractor.labelType(line, strict: strict), strings = MetadataExtractor.labelTypeByStrings(line, strict: strict)
                #expect(bytes == strings, "\(line.debugDescription) strict \(strict)")
                if bytes != nil { found += 1 }
            }
        }
        #expect(found > 1_000 && plain > 5_000 && plain < 19_000)
    }

    @Test func authorityFilterPassesEveryName() {
        var names = 0, rejected = 0
        for text in Self.lines(count: 20_000, seed: 6) {
            let name = MetadataExtractor.findAuthorityNameByStrings(text)
            if name != nil { names += 1 }
            if !MetadataExtractor.mayBeAuthorityName(text) { rejected += 1 }
            #expect(name == nil || MetadataExtractor.mayBeAuthorityName(text), "\(text.debugDescription)")
            #expect(MetadataExtractor.authorityName(text) == name, "\(text.debugDescription)")
        }
        #expect(names > 500 && rejected > 5_000)
    }

    /// The date rule as it was, on `String`s: ISO dates, and `D monthname YYYY` over the line's
    /// words (runs of ASCII letters and digits), lowercased.
    static func referenceDates(_ line: String) -> [String] {
        var found: [(Int, String)] = []
        let chars = Array(line.utf8)
        let n = chars.count
        func digits(_ i: Int, _ count: Int) -> Int? {
            guard i + count <= n else { return nil }
            return chars[i..<(i + count)].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? Int(String(decoding: chars[i..<(i + count)], as: UTF8.self)) : nil
        }
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < n && chars[i] >= 0x30 && chars[i] <= 0x39 }
        var i = 0
        while i + 10 <= n {
            if !isDigit(i - 1), let y = digits(i, 4), chars[i + 4] == 0x2D, let m = digits(i + 5, 2), chars[i + 7] == 0x2D,
               let d = digits(i + 8, 2), !isDigit(i + 10) {
                if let s = DateFinder.iso(y, m, d) { found.append((i, s)) }
                i += 10
            } else { i += 1 }
        }
        var words: [(offset: Int, word: String)] = []
        var k = 0
        func isWord(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        while k < n {
            guard isWord(chars[k]) else { k += 1; continue }
            let start = k
            while k < n && isWord(chars[k]) { k += 1 }
            words.append((start, String(decoding: chars[start..<k], as: UTF8.self).lowercased()))
        }
        if words.count >= 3 {
            for w in 0..<(words.count - 2) {
                guard words[w].word.count <= 2, let d = Int(words[w].word),
                      let mi = DateFinder.months.firstIndex(of: words[w + 1].word) ?? DateFinder.shortMonths.firstIndex(of: words[w + 1].word),
                      words[w + 2].word.count == 4, let y = Int(words[w + 2].word), let s = DateFinder.iso(y, mi + 1, d) else { continue }
                found.append((words[w].offset, s))
            }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }

    @Test func datesOnBytesAreTheStringRule() {
        var dated = 0
        for line in Self.lines(count: 20_000, seed: 7) {
            let dates = DateFinder.dates(in: line)
            if !dates.isEmpty { dated += 1 }
            #expect(dates == Self.referenceDates(line), "\(line.debugDescription)")
        }
        #expect(dated > 1_000)
        #expect(DateFinder.dates(in: "den 3 februari 2021 och 2015-03-12, 29 feb 2020") == ["2021-02-03", "2015-03-12", "2020-02-29"])
        #expect(DateFinder.iso(1999, 1, 9) == "1999-01-09" && DateFinder.iso(2100, 1, 1) == nil && DateFinder.iso(2021, 2, 29) == nil)
    }

    @Test func lineRulesOnBytesAreTheStringRules() {
        for line in Self.lines(count: 20_000, seed: 8) {
            let lower = line.lowercased()
            let words = lower.split(separator: " ")
            let letterhead = (words.count <= 3 && words.last.map { last in MetadataExtractor.unitSuffixes.contains { last.hasSuffix($0) } } == true)
                || (words.count == 1 && MetadataExtractor.columnLabels.contains(lower)) || (words.count <= 12 && lower.contains("@"))
            #expect(MetadataExtractor.isLetterheadLine(lower) == letterhead, "\(line.debugDescription)")
            #expect(MetadataExtractor.isMastheadWord(line) == (line.trimmed().lowercased() == "författningssamling"), "\(line.debugDescription)")
            #expect(MetadataExtractor.namesPlace(line) == (lower.hasSuffix("kommun") || lower.hasSuffix("region")), "\(line.debugDescription)")
            #expect(line.lowercasedPlain == line.lowercased(), "\(line.debugDescription)")
            #expect(line.isUppercasedPlain == (line == line.uppercased()), "\(line.debugDescription)")
            #expect(MetadataExtractor.classifyLeading(line, 12) == DocumentType.classify(String(line.prefix(12))), "\(line.debugDescription)")
        }
        #expect(MetadataExtractor.isMastheadWord("  FÖRFATTNINGSSAMLING ") && MetadataExtractor.namesPlace("NORRVIKA KOMMUN"))
        #expect(MetadataExtractor.isLetterheadLine("juridiska avdelningen") && !MetadataExtractor.isLetterheadLine("rapport om avdelningen och enheten"))
    }
}
