import DiariumTestSupport
import Foundation
import Testing

@testable import DiariumExtraction

/// Text comes out in NFC whatever form the file used: a search for a word finds it however
/// its letters were encoded.
@Suite struct TextDecodingTests {
    /// NFC maps singletons to other scalars: U+212B ANGSTROM SIGN to Å, U+2126 OHM SIGN to Ω,
    /// U+212A KELVIN SIGN to K. A text written with them reads as one written with the letters.
    @Test func singletonsAreNormalised() {
        let written = "Anders \u{212B}ngstr\u{F6}m, 5 \u{2126}, 300 \u{212A}"
        for bytes in [Array(written.utf8), [0xEF, 0xBB, 0xBF] + Array(written.utf8)] {
            let text = TextDecoding.decode(bytes).text
            #expect(Array(text.unicodeScalars) == Array("Anders \u{C5}ngstr\u{F6}m, 5 \u{3A9}, 300 K".unicodeScalars))
        }
    }

    /// The fast test (`mayChangeUnderNFC`, from U+0300 on) judged against Foundation's NFC for
    /// every scalar of the first two planes and the compatibility ideographs' supplement, alone
    /// and decomposed (NFD: a letter and its marks, Hangul jamo, two-part vowel signs).
    @Test func nfcEqualsFoundationForEveryScalar() {
        var differ: [String] = []
        for v in Array(0...0x1FFFF) + Array(0x2F800...0x2FA1F) {
            guard let u = Unicode.Scalar(v) else { continue }
            let alone = String(Character(u))
            for text in [alone, alone.decomposedStringWithCanonicalMapping] {
                let expected = text.precomposedStringWithCanonicalMapping
                if !TextDecoding.nfc(text).unicodeScalars.elementsEqual(expected.unicodeScalars) {
                    differ.append(text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " "))
                }
            }
        }
        #expect(differ.isEmpty, "\(differ.count) differ: \(differ.prefix(20))")
    }

    /// Texts of Latin words with a mark, Hangul, a singleton or punctuation now and then, at
    /// random offsets of the eight-byte steps that pass over ASCII and Latin bytes, and each of
    /// those at every offset 0–16 of an ASCII run: `nfc` agrees with Foundation's NFC.
    @Test func nfcOnBytesEqualsFoundationInLongerTexts() {
        var r = SeededRandom(state: 17)
        let latin = ["a", "å", "Ä", "ö", "é", "x", " ", "\n", "\u{A0}", "\u{FF}", "ł", "ˇ"]
        let others = ["\u{301}", "e\u{301}", "\u{308}", "–", "…", "€", "\u{212B}", "\u{1100}\u{1161}", "한", "\u{0300}", "\u{0344}", "👍"]
        var changed = 0
        for _ in 0..<5_000 {
            var s = ""
            for _ in 0..<(1 + r.below(60)) { s += r.below(20) == 0 ? others[r.below(others.count)] : latin[r.below(latin.count)] }
            let expected = s.precomposedStringWithCanonicalMapping
            if !expected.unicodeScalars.elementsEqual(s.unicodeScalars) { changed += 1 }
            #expect(TextDecoding.nfc(s).unicodeScalars.elementsEqual(expected.unicodeScalars), "\(Array(s.unicodeScalars))")
        }
        #expect(changed > 100)
        for other in others {
            for at in 0...16 {
                let s = String(repeating: "a", count: at) + other + String(repeating: "b", count: 24)
                let expected = s.precomposedStringWithCanonicalMapping
                #expect(TextDecoding.nfc(s).unicodeScalars.elementsEqual(expected.unicodeScalars), "\(other) at \(at)")
                let pair = String(repeating: "a", count: at) + "e" + other + "å" + other
                #expect(TextDecoding.nfc(pair).unicodeScalars.elementsEqual(pair.precomposedStringWithCanonicalMapping.unicodeScalars), "e\(other) at \(at)")
            }
        }
    }

    /// `Extractor.clean` on bytes, eight at a time where none is a control byte or EF, agrees
    /// with the rule applied scalar by scalar: CR LF and lone CR become LF, control characters but
    /// tab and LF and every U+FEFF are dropped, other scalars of EF (U+F000–U+FFFF) kept.
    @Test func cleanEqualsTheRuleByteByByte() {
        func reference(_ text: String) -> String {
            var out = ""
            var lastCR = false
            for u in text.unicodeScalars {
                if u == "\r" { out.unicodeScalars.append("\n"); lastCR = true; continue }
                if u == "\n" && lastCR { lastCR = false; continue }
                lastCR = false
                if u.value < 0x20 && u != "\n" && u != "\t" { continue }
                if u.value == 0xFEFF { continue }
                out.unicodeScalars.append(u)
            }
            return out
        }
        var r = SeededRandom(state: 23)
        let pieces = ["a", "å", "ö", "x", " ", "ord ", "\n", "\t", "\r", "\r\n", "\u{1}", "\u{1F}", "\u{7F}", "\u{FEFF}",
                      "\u{FF01}", "\u{F8FF}", "\u{FFFD}", "–", "é"]
        var cleaned = 0
        for _ in 0..<5_000 {
            var s = ""
            for _ in 0..<(1 + r.below(40)) { s += r.below(6) == 0 ? pieces[r.below(pieces.count)] : pieces[r.below(5)] }
            let expected = reference(s)
            if expected != s { cleaned += 1 }
            #expect(Array(Extractor.clean(s).unicodeScalars) == Array(expected.unicodeScalars), "\(Array(s.unicodeScalars))")
        }
        #expect(cleaned > 100)
    }
}
