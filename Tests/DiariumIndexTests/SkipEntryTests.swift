import Testing
@testable import DiariumIndex
import DiariumTestSupport

/// `SkipEntry` owns the 32-byte skip entry: what `write(into:)` writes, `init(reading:)` and the
/// single-field readers the cursor uses read back, at any entry index.
@Suite struct SkipEntryTests {
    @Test func roundTrip() {
        let entries = [
            SkipEntry(lastDoc: 127, postingsEnd: 300, positionIndex: 0, positionBlockOffset: 0,
                      maxFrequency: (1, 0, 0, 0), minNorm: (3, .max, .max, .max), maxPseudoFrequency: 2.5),
            SkipEntry(lastDoc: 70_000, postingsEnd: 1 << 20, positionIndex: 9_999, positionBlockOffset: 4_321,
                      maxFrequency: (2, 77, 1, 5), minNorm: (12, 40, 2, 90), maxPseudoFrequency: 13.062_5),
            SkipEntry(lastDoc: .max - 1, postingsEnd: .max, positionIndex: .max, positionBlockOffset: .max,
                      maxFrequency: (.max, .max, .max, .max), minNorm: (.max, .max, .max, .max), maxPseudoFrequency: .infinity),
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
                #expect(SkipEntry.maxPseudoFrequency(bytes, b).bitPattern == e.maxPseudoFrequency.bitPattern)
            }
            #expect(!r.failed && r.isAtEnd)
            // Little-endian on disk.
            #expect(Array(bytes[0..<4]) == [127, 0, 0, 0])
            #expect(Array(bytes[16..<18]) == [1, 0])
            #expect(bytes[24] == 3)
            #expect(Array(bytes[28..<32]) == [0, 0, 0x20, 0x40])  // 2.5 as f32
            // A truncated entry is reported, not trapped on.
            var short = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(SkipEntry.size - 1)]))
            _ = SkipEntry(reading: &short)
            #expect(short.failed)
        }
        // Frequencies past 16 bits are stored saturated, never wrapped.
        #expect(SkipEntry.stored(70_000) == SkipEntry.saturated)
        #expect(SkipEntry.stored(65_534) == 65_534)
    }

    /// `BoundReference` owns the BOUNDS section: what `write(into:)` writes reads back.
    @Test func boundReferenceRoundTrip() {
        let reference = BoundReference(b: 0.75, weights: [3, 1, 1.5, 0.3], averages: [6.25, 812.5, 11, 0])
        var w = ByteWriter()
        reference.write(into: &w)
        #expect(w.bytes.count == BoundReference.size)
        w.bytes.withUnsafeBytes { bytes in
            var r = ByteReader(bytes)
            #expect(BoundReference(reading: &r) == reference)
            #expect(!r.failed && r.isAtEnd)
            var short = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(BoundReference.size - 1)]))
            _ = BoundReference(reading: &short)
            #expect(short.failed)
        }
    }

    /// A stored block maximum is never below the value it stands for.
    @Test func storedMaximumRoundsUp() {
        var rng = SeededRandom(state: 17)
        for _ in 0..<10_000 {
            let v = Double(rng.next() % 1_000_000) / Double(1 + rng.next() % 977)
            #expect(Double(BoundReference.stored(v)) >= v)
            #expect(Double(BoundReference.stored(v)) <= v * (1 + 1e-5))
        }
        #expect(BoundReference.stored(0) == 0)
    }

    /// `BoundReference.scale` (its proof in the doc comment): for random documents, references
    /// and query parameters, the query's pseudo frequency over a field mask never exceeds the
    /// scale × the reference's, and the scale is 1 at the reference itself.
    @Test func scaleBoundsEveryDocument() {
        var rng = SeededRandom(state: 6)
        func unit() -> Double { Double(rng.next() % 1_000_001) / 1_000_000 }
        for _ in 0..<300 {
            let refAverages = (0..<4).map { _ in rng.next() % 5 == 0 ? 0 : 1 + unit() * 900 }
            let reference = BoundReference(b: 0.05 + unit() * 0.9, weights: (0..<4).map { _ in 0.1 + unit() * 4 }, averages: refAverages)
            let b = 0.05 + unit() * 0.9
            let weights = (0..<4).map { _ in unit() * 4 }
            let averages = refAverages.map { $0 == 0 && rng.next() % 2 == 0 ? 0 : 0.5 + unit() * 1_200 }
            let mask = UInt8(1 + rng.next() % 15)
            let rho = reference.scale(weights: weights, b: b, averages: averages, mask: mask)
            #expect(rho.isFinite)
            for _ in 0..<50 {
                var tf: [UInt32] = [], norms: [UInt8] = []
                for f in 0..<4 {
                    // A field the segment never fills has length 0 everywhere.
                    norms.append(refAverages[f] == 0 ? 0 : UInt8(rng.next() % 256))
                    tf.append(rng.next() % 3 == 0 ? 0 : UInt32(1 + rng.next() % 40))
                }
                let at = reference.pseudoFrequency(tf: (tf[0], tf[1], tf[2], tf[3]), norms: (norms[0], norms[1], norms[2], norms[3]))
                var query = 0.0
                for f in 0..<4 where mask & (1 << UInt8(f)) != 0 && tf[f] > 0 {
                    query += Double(tf[f]) * BoundReference.factor(weight: weights[f], b: b, length: Double(SmallFloat.decode(norms[f])),
                                                                   average: averages[f])
                }
                #expect(query <= rho * Double(BoundReference.stored(at)))
            }
        }
        // At the reference itself the scale is 1 (up to its rounding margin).
        let reference = BoundReference(b: 0.75, weights: [3, 1, 1.5, 0.3], averages: [6, 800, 12, 40])
        let rho = reference.scale(weights: [3, 1, 1.5, 0.3], b: 0.75, averages: [6, 800, 12, 40], mask: 0b1111)
        #expect(rho >= 1 && rho < 1 + 1e-9)
        // b outside (0, 1): no finite scale.
        #expect(reference.scale(weights: [3, 1, 1.5, 0.3], b: 0, averages: [6, 800, 12, 40], mask: 0b1111) == .infinity)
    }
}
