import Testing
@testable import DiariumIndex

/// `SkipEntry` owns the 28-byte skip entry: what `write(into:)` writes, `init(reading:)` and the
/// single-field readers the cursor uses read back, at any entry index.
@Suite struct SkipEntryTests {
    @Test func roundTrip() {
        let entries = [
            SkipEntry(lastDoc: 127, postingsEnd: 300, positionIndex: 0, positionBlockOffset: 0,
                      maxFrequency: (1, 0, 0, 0), minNorm: (3, .max, .max, .max)),
            SkipEntry(lastDoc: 70_000, postingsEnd: 1 << 20, positionIndex: 9_999, positionBlockOffset: 4_321,
                      maxFrequency: (2, 77, 1, 5), minNorm: (12, 40, 2, 90)),
            SkipEntry(lastDoc: .max - 1, postingsEnd: .max, positionIndex: .max, positionBlockOffset: .max,
                      maxFrequency: (.max, .max, .max, .max), minNorm: (.max, .max, .max, .max)),
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
                let m = [e.maxFrequency.0, e.maxFrequency.1, e.maxFrequency.2, e.maxFrequency.3]
                let n = [e.minNorm.0, e.minNorm.1, e.minNorm.2, e.minNorm.3]
                for f in 0..<4 {
                    // A saturated maximum reads as unbounded.
                    #expect(SkipEntry.maxFrequency(bytes, b, field: f) == (m[f] == SkipEntry.saturated ? .max : UInt32(m[f])))
                    #expect(SkipEntry.minNorm(bytes, b, field: f) == n[f])
                }
            }
            #expect(!r.failed && r.isAtEnd)
            // Little-endian on disk.
            #expect(Array(bytes[0..<4]) == [127, 0, 0, 0])
            #expect(Array(bytes[16..<18]) == [1, 0])
            #expect(bytes[24] == 3)
            // A truncated entry is reported, not trapped on.
            var short = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(SkipEntry.size - 1)]))
            _ = SkipEntry(reading: &short)
            #expect(short.failed)
        }
        // Frequencies past 16 bits are stored saturated, never wrapped.
        #expect(SkipEntry.stored(70_000) == SkipEntry.saturated)
        #expect(SkipEntry.stored(65_534) == 65_534)
    }
}
