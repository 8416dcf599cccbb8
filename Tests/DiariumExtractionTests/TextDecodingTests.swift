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
}
