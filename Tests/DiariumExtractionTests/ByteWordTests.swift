import Testing
import DiariumTestSupport
import DiariumExtraction

/// `ByteWord`'s eight-byte tests against the rule applied to each byte: every byte value at
/// every place among seeded random neighbours (which may match too), and the word with the
/// value in all eight places.
@Suite struct ByteWordTests {
    @Test func eachTestEqualsTheRuleOnEveryByte() {
        var rng = SeededRandom(state: 29)
        func word(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        var checked = 0
        for value in 0...255 {
            for place in 0..<8 {
                // Neighbours from a small alphabet around the thresholds, so words with no match
                // are common too.
                let alphabet: [UInt8] = [0x41, 0x61, 0x20, 0x7F, 0x80, 0xBF, 0xC3, 0xCB, 0xA5]
                for _ in 0..<4 {
                    var bytes = (0..<8).map { _ in alphabet[rng.below(alphabet.count)] }
                    bytes[place] = UInt8(value)
                    let w = word(bytes)
                    for b: UInt8 in [0x00, 0x0A, 0x22, 0x5C, 0xC2, 0xEF, 0xFF] {
                        #expect(ByteWord.hasByte(w, equalTo: b) == bytes.contains(b), "\(bytes) = \(b)")
                        #expect((ByteWord.equalMask(w, b) | ByteWord.belowMask(w, 0x20) != 0) == bytes.contains { $0 == b || $0 < 0x20 }, "\(bytes) = \(b) or < 20")
                    }
                    for n: UInt8 in [0x01, 0x20, 0x80] {
                        #expect(ByteWord.hasByte(w, below: n) == bytes.contains { $0 < n }, "\(bytes) < \(n)")
                    }
                    for t: UInt8 in [0x80, 0xC2, 0xCC, 0xFF] {
                        #expect(ByteWord.hasByte(w, atLeast: t) == bytes.contains { $0 >= t }, "\(bytes) ≥ \(t)")
                    }
                    #expect(ByteWord.scalarStarts(w) == bytes.filter { $0 & 0xC0 != 0x80 }.count, "\(bytes)")
                    checked += 1
                }
            }
            let same = word(Array(repeating: UInt8(value), count: 8))
            #expect(ByteWord.hasByte(same, equalTo: UInt8(value)))
            #expect(ByteWord.hasByte(same, atLeast: 0xCC) == (value >= 0xCC))
        }
        #expect(checked == 256 * 8 * 4)
    }
}
