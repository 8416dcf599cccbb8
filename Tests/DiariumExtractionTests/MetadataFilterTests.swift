import Testing
import DiariumTestSupport
@testable import DiariumExtraction

/// The byte filters in front of the labelled-line rules (`mayHoldTitleLabel`,
/// `mayNameAuthority`) only pass lines over: every line the full rule would read a label from
/// gets through, in any case and with any neighbours, judged against the rule itself.
@Suite struct MetadataFilterTests {
    /// Lines built from labels (in every case a writer uses), colons, separators and Swedish
    /// words, long keys and later labels on the same line.
    static func lines(count: Int) -> [String] {
        var rng = SeededRandom(state: 17)
        let labels = MetadataExtractor.titleLabels + MetadataExtractor.authorityLabels + ["dnr", "datum", "sfs nr", "ärende nr"]
        let words = ["Riskanalys", "av", "e-posttjänsten", "Kommunstyrelsen", "Socialstyrelsens", "författningssamling",
                     "BOVERKETS", "FÖRFATTNINGSSAMLING", "Försvarsdepartementet", "2013:352", "Ändring", "införd:", "Rubrik:",
                     "Ärende:", "ÄRENDE:", "Avser:", "Titel:", "Angående:", "ANGÅENDE:", "om", "för", "Äldrenämnden", "Utfärdad:",
                     "|", "*", "__", "#", "\t", "  ", "Övrigt", "ÖVERFÖRMYNDARNÄMNDEN", "ärende", "Nämnd", "Utfärdare", "x"]
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        func cased(_ s: String) -> String {
            switch rng.next() % 3 {
            case 0: s
            case 1: s.uppercased()
            default: s.prefix(1).uppercased() + s.dropFirst()
            }
        }
        return (0..<count).map { _ in
            var parts: [String] = []
            if rng.next() % 3 == 0 { parts.append(pick([" ", "\t", "** ", "# ", "  "])) }
            if rng.next() % 4 != 0 { parts.append(cased(pick(labels))) }
            parts.append(pick([":", ": ", " ", "  ", " | ", "\t", ""]))
            for _ in 0..<Int(rng.next() % 12) { parts.append(cased(pick(words))); parts.append(pick([" ", " ", ": ", "  "])) }
            return parts.joined()
        }
    }

    @Test func titleLabelFilterPassesEveryLineWithATitleLabel() {
        var withLabel = 0
        for line in Self.lines(count: 20_000) {
            let full = MetadataExtractor.labelledPairs(line).contains { MetadataExtractor.titleLabels.contains($0.0) }
            if full { withLabel += 1 }
            #expect(!full || MetadataExtractor.mayHoldTitleLabel(line), "\(line)")
        }
        #expect(withLabel > 1_000)
    }

    @Test func authorityFilterPassesEveryLineTheRuleReads() {
        var passed = 0, rejected = 0
        for line in Self.lines(count: 20_000) {
            let lower = Array(String(line.trimmed().prefix(32)).lowercased().utf8)
            let full = MetadataExtractor.authorityLabelBytes.contains { lower.starts(with: $0) }
                || line.trimmed().lowercased().hasSuffix("ngssamling")
            if MetadataExtractor.mayNameAuthority(line) { passed += 1 } else { rejected += 1 }
            #expect(!full || MetadataExtractor.mayNameAuthority(line), "\(line)")
        }
        // The filter does pass lines over (else it would cost without saving).
        #expect(passed > 1_000 && rejected > 1_000)
    }
}
