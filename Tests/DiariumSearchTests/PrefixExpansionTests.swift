import DiariumIndex
import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumSearch

/// A prefix expands to the first 64 indexed terms in byte order over the whole index, whatever
/// the segment boundaries: the same expansions, hits and `--count` before and after the
/// segments are merged into one.
@Suite struct PrefixExpansionTests {
    @Test func expansionsDoNotDependOnSegmentBoundaries() throws {
        let scratch = try ScratchDirectory("prefix")
        let writer = try IndexWriter(directory: scratch.path, memoryBudget: 1 << 20)
        writer.mergeFactor = 0
        var next = 0
        func add(_ words: [String]) throws {
            var record = DocumentRecord(path: "doc\(next).txt", sha256: String(repeating: "0", count: 64), size: 1, mtime: 0,
                                        format: "text", status: .ok, ingestedAt: "2026-01-01T00:00:00Z")
            record.year = 2020
            next += 1
            _ = try writer.add(record, fields: [.title: TopKPropertyTests.fieldTerms(["dok"]), .body: TopKPropertyTests.fieldTerms(words)],
                               storedText: Array(words.joined(separator: " ").utf8))
        }
        // Segment 1: 80 terms forsk100…forsk179; segment 2: 40 terms forsk000…forsk039, which
        // sort before all of them. The index's first 64 are forsk000…forsk039 and forsk100…forsk123.
        for i in 100..<180 { try add(["forsk\(i)", "gemensam"]) }
        try writer.commit()
        for i in 0..<40 { try add(["forsk" + String(format: "%03d", i), "gemensam"]) }
        try writer.commit()
        let want = (0..<40).map { "forsk" + String(format: "%03d", $0) } + (100..<124).map { "forsk\($0)" }

        var reader = try IndexReader(directory: scratch.path)
        #expect(reader.segments.count == 2)
        var searcher = try Searcher(reader: reader)
        #expect(try searcher.prefixExpansions("forsk", fields: [.body]) == want)
        let split = try searcher.search("forsk*", limit: 200, countTotal: true)
        #expect(split.total == 64)

        try writer.optimize()
        writer.close()
        reader = try IndexReader(directory: scratch.path)
        #expect(reader.segments.count == 1)
        searcher = try Searcher(reader: reader)
        #expect(try searcher.prefixExpansions("forsk", fields: [.body]) == want)
        let merged = try searcher.search("forsk*", limit: 200, countTotal: true)
        #expect(merged.total == split.total)
        #expect(Set(merged.hits.map(\.id)) == Set(split.hits.map(\.id)))
    }
}
