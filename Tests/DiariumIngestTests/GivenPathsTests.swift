import Foundation
import Testing
import DiariumExtraction

@testable import DiariumIngest

/// The paths a JSON Lines ingest was given (`GivenPaths`): a path given again answers the line
/// that gave it first, as the `[String: Int]` it replaces did, in 24 bytes a path.
@Suite struct GivenPathsTests {
    @Test func aPathGivenAgainAnswersItsFirstLine() {
        var given = GivenPaths()
        #expect(given.record("Kommunstyrelsen/brev.txt", line: 1) == nil)
        #expect(given.record("Kommunstyrelsen/brev2.txt", line: 2) == nil)
        #expect(given.record("kommunstyrelsen/brev.txt", line: 3) == nil, "case matters")
        #expect(given.record("Kommunstyrelsen/brev.txt", line: 4) == 1)
        #expect(given.record("Kommunstyrelsen/brev.txt", line: 5) == 1, "the first line stays")
        #expect(given.count == 3)
    }

    /// Canonically equivalent paths are one path once the ingest has put them in NFC, as they
    /// were as dictionary keys (Swift's `String` equality): "ä" precomposed and as "a" +
    /// combining diaeresis. The table compares bytes: the NFC is the caller's (the worker's,
    /// once a line; JSONLIngestTests refuses an NFD copy of a path end to end).
    @Test func canonicallyEquivalentPathsAreOneInNFC() {
        var given = GivenPaths()
        let composed = "Nämnden/beslut.txt"
        let decomposed = "Na\u{0308}mnden/beslut.txt"
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        #expect(given.record(TextDecoding.nfc(composed), line: 7) == nil)
        #expect(given.record(TextDecoding.nfc(decomposed), line: 8) == 7)
        #expect(given.record(decomposed, line: 9) == nil, "bytes not in NFC are another path")
    }

    /// 100,000 distinct paths of the benchmark's shape are all new, each again answers its own
    /// line, and the table's bytes are its buckets' (24 bytes each, at most about 65 a path; the
    /// strings' dictionary held about 135 a path in use).
    @Test func manyPathsStayDistinctInTheirBytes() {
        var given = GivenPaths()
        let n = 100_000
        func path(_ i: Int) -> String { "/work/bench/corpus-100k/Arbetsmarknadsnämnden/\(2000 + i % 25)/dok\(i).html" }
        let new = (0..<n).filter { given.record(path($0), line: $0 + 1) == nil }.count
        #expect(new == n && given.count == n)
        for i in stride(from: 0, to: n, by: 997) { #expect(given.record(path(i), line: n + 1) == i + 1) }
        #expect(given.heapBytes >= n * 24 && given.heapBytes <= n * 65, "\(given.heapBytes)")
    }
}
