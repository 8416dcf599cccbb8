import Foundation
import Testing
import DiariumExtraction

@testable import DiariumIngest

/// The folders and name of a JSON Lines path (`Ingester.components(nfc:)`): the worker puts the
/// whole path in NFC and cuts it at `/`, where it once cut the received path and put each piece
/// in NFC. The two agree because `/` is a starter that composes with nothing.
@Suite struct PathComponentsTests {
    /// Cut first, then NFC each piece (by characters, so a `/` with a combining mark after it
    /// is no cut): the rule the worker's single NFC replaced.
    static func cutThenNFC(_ path: String) -> [String] {
        path.split(separator: "/").map { TextDecoding.nfc(String($0)) }
    }

    @Test func theComponentsOfTheNFCPathAreTheNFCOfTheReceivedOnes() {
        let paths = [
            "Kommunstyrelsen/2015/brev.txt",
            "/Na\u{0308}mnden//beslut.txt/",                    // NFD ä, empty pieces
            "Nämnden/\u{0301}akt/x.pdf",                         // a combining mark after a /
            "Na\u{0308}/\u{0308}/o\u{0308}",                     // marks on both sides of cuts
            "\u{1100}\u{1161}/\u{11A8}x/\u{1100}\u{1161}\u{11A8}", // Hangul jamo across a cut
            "Å/A\u{030A}/\u{212B}ngström/e\u{0301}\u{0327}",      // Ångström sign, marks reordered
            "a/\u{0301}",
            "/",
        ]
        for path in paths {
            let nfc = TextDecoding.nfc(path)
            #expect(Ingester.components(nfc: nfc) == Self.cutThenNFC(path), "\(Array(path.unicodeScalars))")
        }
        #expect(Ingester.components(nfc: TextDecoding.nfc("/Na\u{0308}mnden//beslut.txt/")) == ["Nämnden", "beslut.txt"])
        #expect(Ingester.components(nfc: TextDecoding.nfc("Nämnden/\u{0301}akt/x.pdf")) == ["Nämnden/\u{0301}akt", "x.pdf"])
    }
}
