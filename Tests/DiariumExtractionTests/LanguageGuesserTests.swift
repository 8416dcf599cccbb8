import DiariumTestSupport
import Testing

@testable import DiariumExtraction

/// The language guess counts the function words of each language among the first
/// `LanguageGuesser.sample` characters, on bytes. Judged here against the rule written on
/// scalars: words are runs of letters, ASCII and Latin-1 lowercased, a word with any other
/// letter matches nothing, a scalar that is no letter ends a word.
@Suite struct LanguageGuesserTests {
    static func reference(_ text: String) -> (sv: Int, en: Int) {
        let swedish = Set(LanguageGuesser.swedishWords), english = Set(LanguageGuesser.englishWords)
        var sv = 0, en = 0
        var word = "", other = false
        func end() {
            if !other && swedish.contains(word) { sv += 1 }
            if !other && english.contains(word) { en += 1 }
            word = ""
            other = false
        }
        for u in text.unicodeScalars.prefix(LanguageGuesser.sample) {
            let v = u.value
            if (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || ((0xC0...0xFF).contains(v) && v != 0xD7 && v != 0xF7) {
                word.unicodeScalars.append(Unicode.Scalar(v < 0x80 ? v | 0x20 : (v <= 0xDE ? v + 0x20 : v))!)
            } else if v >= 0x80 && Character(u).isLetter {
                other = true
                word.unicodeScalars.append(u)
            } else {
                end()
            }
        }
        end()
        return (sv, en)
    }

    @Test func countEqualsTheRuleOnScalars() {
        var r = SeededRandom(state: 31)
        let words = LanguageGuesser.swedishWords + LanguageGuesser.englishWords
            + ["Och", "ATT", "På", "PÅ", "för", "FÖR", "från", "The", "enligtx", "xoch", "ochoch", "Ärende", "är", "ÄR", "naïve", "Ωoch", "ochΩ", "enligt"]
        let separators = [" ", "  ", "\n", ", ", ". ", "–", "×", "÷", "1", "-", "\u{A0}", "’"]
        var counted = 0
        for round in 0..<3_000 {
            var s = ""
            // Some texts past the sample's end, so that the cut falls inside words too.
            let length = round % 10 == 0 ? 900 + r.below(400) : 1 + r.below(40)
            for _ in 0..<length { s += words[r.below(words.count)] + separators[r.below(separators.count)] }
            var t = s
            let got = t.withUTF8(LanguageGuesser.count)
            let expected = LanguageGuesserTests.reference(s)
            if expected.sv + expected.en > 0 { counted += 1 }
            #expect(got == expected, "\(s.prefix(200))")
        }
        #expect(counted > 2_000)
    }
}
