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
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/stemwords")
    p.arguments = ["-l", language, "-i", input]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
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

    @Test func analyzerStemsSwedishInflections() throws {
        let a = try Analyzer()
        #expect(a.terms("molntjänsten molntjänster molntjänsterna") == ["molntjänst", "molntjänst", "molntjänst"])
        #expect(a.terms("Office 365") == ["offic", "365"])
        #expect(throws: AnalysisError.self) { try Analyzer(language: "klingon") }
    }
}
