import DiariumAnalysis
import DiariumIndex
import Testing

/// The analyzer hands each token's term hash to the index (`AnalyzedToken.termHash`, used by
/// `FieldTerms.add(_:hash:position:)`), so the two modules' hash functions must agree: a term
/// interned under another hash would be a second, different term.
@Suite struct TermHashTests {
    @Test func everyTokensHashIsTheIndexsHashOfItsTerm() throws {
        let analyzer = try Analyzer(language: "swedish", splitCompounds: true)
        // Words met first and again (cached), compounds and their parts, a suspended hyphen
        // (`risk- och sårbarhetsanalys`), numbers, a case number, an address, letters outside
        // Latin-1, and a word a `stemming` filter declines.
        let text = """
            Riskanalysen för informationssäkerhetsarbetet: risk- och sårbarhetsanalys, riskanalysen igen.
            Dnr KS 2019/1234, 2019-05-06, 12 345 kr, info@kommun.se, https://kommun.se/a?b=c.
            Ärendehanteringssystemet och Ærø, 東京都, naïve, STYRELSENS protokoll §§ 3–4.
            """
        var tokens = 0, parts = 0
        for pass in 0 ..< 2 {   // the second pass reads every word from the stem cache
            analyzer.analyze(text) { token in
                tokens += 1
                if token.kind == .part { parts += 1 }
                #expect(token.termHash == TermTable.hash(token.term), "pass \(pass): \(String(decoding: token.term, as: UTF8.self))")
            }
        }
        #expect(tokens > 60 && parts >= 8)
        var declined = 0
        var t = text
        t.withUTF8 { utf8 in
            analyzer.analyze(UnsafeRawBufferPointer(utf8), stemming: { $0.count % 2 == 0 }) { token in
                if token.term.elementsEqual(token.word) { declined += 1 }
                #expect(token.termHash == TermTable.hash(token.term))
            }
        }
        #expect(declined > 10)
    }
}
