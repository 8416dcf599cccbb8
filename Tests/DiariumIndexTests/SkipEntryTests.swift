import Testing
@testable import DiariumIndex

/// `SkipEntry` owns the 24-byte skip entry: what `write(into:)` writes, `init(reading:)` and the
/// single-field readers the cursor uses read back, at any entry index.
@Suite struct SkipEntryTests {
    @Test func roundTrip() {
        let entries = [
            SkipEntry(lastDoc: 127, postingsEnd: 300, positionIndex: 0, positionBlockOffset: 0, maxFrequency: 1, minNorm: 0),
            SkipEntry(lastDoc: 70_000, postingsEnd: 1 << 20, positionIndex: 9_999, positionBlockOffset: 4_321, maxFrequency: 77, minNorm: 12),
            SkipEntry(lastDoc: .max - 1, postingsEnd: .max, positionIndex: .max, positionBlockOffset: .max, maxFrequency: .max, minNorm: .max),
        ]
        var w = ByteWriter()
        for e in entries { e.write(into: &w) }
        #expect(w.bytes.count == entries.count * SkipEntry.size)
        #expect(SegmentFormat.skipEntrySize == SkipEntry.size)
        w.bytes.withUnsafeBytes { bytes in
            var r = ByteReader(bytes)
            for (b, e) in entries.enumerated() {
                #expect(SkipEntry(reading: &r) == e)
                #expect(SkipEntry.lastDoc(bytes, b) == e.lastDoc)
                #expect(SkipEntry.postingsEnd(bytes, b) == e.postingsEnd)
                #expect(SkipEntry.positionIndex(bytes, b) == e.positionIndex)
                #expect(SkipEntry.positionBlockOffset(bytes, b) == e.positionBlockOffset)
                #expect(SkipEntry.maxFrequency(bytes, b) == e.maxFrequency)
                #expect(SkipEntry.minNorm(bytes, b) == e.minNorm)
            }
            #expect(!r.failed && r.isAtEnd)
            // Little-endian on disk, padding zero.
            #expect(Array(bytes[0..<4]) == [127, 0, 0, 0])
            #expect(Array(bytes[21..<24]) == [0, 0, 0])
            // A truncated entry is reported, not trapped on.
            var short = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(SkipEntry.size - 1)]))
            _ = SkipEntry(reading: &short)
            #expect(short.failed)
        }
    }
}
