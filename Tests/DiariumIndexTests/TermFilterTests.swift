import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumIndex

/// TERMFILTER (`TermFilter`): what `write(into:)` writes reads back the same, every term put in
/// passes, absent terms mostly do not, a section of the wrong size is refused, and a segment's
/// lookups and verification use it.
@Suite struct TermFilterTests {
    /// Random lowercase words of 3–12 letters (some with å, ä, ö), distinct.
    static func words(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededRandom(state: seed)
        let letters = "abcdefghijklmnopqrstuvwxyzåäö".unicodeScalars.map { String($0) }
        var seen = Set<[UInt8]>()
        var out: [[UInt8]] = []
        while out.count < count {
            let n = 3 + Int(rng.next() % 10)
            let w = Array((0..<n).map { _ in letters[Int(rng.next() % UInt64(letters.count))] }.joined().utf8)
            if seen.insert(w).inserted { out.append(w) }
        }
        return out
    }

    @Test func roundTripsAndPassesEveryTerm() throws {
        let all = Self.words(25_000, seed: 8)
        let held = Array(all[..<5_000]), absent = all[5_000...]
        let filter = TermFilter(hashes: held.map { TermFilter.hash($0) })
        var w = ByteWriter()
        filter.write(into: &w)
        let blocks = TermFilter.blocks(forTerms: held.count)
        #expect(blocks == 196)  // 5,000 × 10 bits in 256-bit blocks
        #expect(w.bytes.count == TermFilter.headerSize + blocks * TermFilter.blockSize)
        try w.bytes.withUnsafeBytes { bytes in
            #expect(TermFilter(reading: bytes, terms: held.count) == filter)
            let view = try #require(TermFilter.View(bytes, terms: held.count))
            for t in held { #expect(t.withUnsafeBytes { view.mayContain($0) }, "\(String(decoding: t, as: UTF8.self))") }
            // About 1 % of absent terms pass (Parquet's split-block filter at 10 bits a term).
            let passed = absent.filter { t in t.withUnsafeBytes { view.mayContain($0) } }.count
            #expect(passed > 0 && passed < absent.count / 40, "\(passed) of \(absent.count) absent terms passed")
        }
    }

    /// The hash is part of the format: an index written by one build is read by the next. The
    /// values were computed by an independent implementation (Python, FNV-1a 64 and fmix64).
    @Test func hashIsFixed() {
        #expect(TermFilter.hash([]) == 0xefd0_1f60_ba99_2926)
        #expect(TermFilter.hash(Array("örebro".utf8)) == 0x630a_429c_dd0f_51c8)
    }

    @Test func sectionOfTheWrongSizeIsRefused() {
        var w = ByteWriter()
        TermFilter(hashes: (0..<100).map { UInt64($0) &* 0x9e37_79b9_7f4a_7c15 }).write(into: &w)
        w.bytes.withUnsafeBytes { bytes in
            #expect(TermFilter.View(bytes, terms: 100) != nil)
            #expect(TermFilter.View(UnsafeRawBufferPointer(rebasing: bytes.dropLast()), terms: 100) == nil)
            #expect(TermFilter.View(UnsafeRawBufferPointer(rebasing: bytes.prefix(3)), terms: 100) == nil)
            // A block count that is not the one for the segment's terms.
            #expect(TermFilter.View(bytes, terms: 1_000) == nil)
            #expect(TermFilter.View(bytes, terms: 0) == nil)
        }
        // No terms: no blocks, and nothing passes.
        var empty = ByteWriter()
        TermFilter(hashes: []).write(into: &empty)
        empty.bytes.withUnsafeBytes { bytes in
            #expect(bytes.count == TermFilter.headerSize)
            let view = TermFilter.View(bytes, terms: 0)
            #expect(view != nil)
            #expect(view?.mayContain(UnsafeRawBufferPointer(start: nil, count: 0)) == false)
        }
    }

    /// A segment holds its terms' filter: every term it holds is found, and a zeroed filter
    /// behind a valid checksum (a buggy writer) turns its terms away at lookup — which the
    /// full verification reports.
    @Test func segmentLookupsAndVerificationUseTheFilter() throws {
        let dir = try ScratchDirectory()
        let index = try VerifierTests.makeIndex(dir)
        let segment = try VerifierTests.segmentFiles(index)[0]
        let reader = try SegmentReader(path: segment)
        var terms: [[UInt8]] = []
        try reader.forEachTerm { key, _ in terms.append(key); return true }
        #expect(terms.count == reader.termCount && !terms.isEmpty)
        for t in terms { #expect(try reader.lookUp(t) != nil) }
        #expect(try reader.lookUp(Array("riskanalyser".utf8)) == nil)
        let filter = try #require(reader.sections[SegmentFormat.Section.termFilter.rawValue])
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        for i in (filter.lowerBound + TermFilter.headerSize)..<filter.upperBound { bytes[i] = 0 }
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((bytes.count - 4)..., with: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let damaged = try SegmentReader(path: segment)
        #expect(try damaged.lookUp(terms[0]) == nil)
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.errors == 1)
        #expect(report.problems.first?.message.contains("term filter") == true)
    }
}
