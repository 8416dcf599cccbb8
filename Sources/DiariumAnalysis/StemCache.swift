/// Remembers the stem of each word seen, keyed by the word's bytes: text is Zipfian, so most
/// tokens are words already stemmed. Open addressing over one byte arena; cleared when full.
struct StemCache {
    private var arena: [UInt8] = []
    // Per entry: word at keyStart..<keyStart+keyLen, then its stem (stemLen bytes) right after.
    private var keyStart: [Int32] = []
    private var keyLen: [UInt16] = []
    private var stemLen: [UInt16] = []
    private var termLen: [UInt16] = []
    private var hashes: [UInt32] = []
    private var slots: [Int32]
    private let maxEntries: Int

    init(maxEntries: Int = 1 << 16) {
        self.maxEntries = maxEntries
        slots = [Int32](repeating: -1, count: maxEntries * 2)
    }

    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for x in b { h = (h ^ UInt32(x)) &* 0x0100_0193 }
        return h
    }

    /// Calls `body` with the cached stem and term of `word`, or returns false.
    @inline(__always)
    func lookup(_ word: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> Bool {
        let h = StemCache.hash(word)
        let mask = slots.count - 1
        var i = Int(h) & mask
        return arena.withUnsafeBytes { a in
            while true {
                let e = slots[i]
                if e < 0 { return false }
                let k = Int(e)
                if hashes[k] == h && Int(keyLen[k]) == word.count {
                    let start = Int(keyStart[k])
                    if word.count == 0 || memcmp(a.baseAddress! + start, word.baseAddress!, word.count) == 0 {
                        let stemStart = start + word.count
                        let stem = UnsafeRawBufferPointer(rebasing: a[stemStart..<(stemStart + Int(stemLen[k]))])
                        let term = UnsafeRawBufferPointer(rebasing: a[stemStart..<(stemStart + Int(termLen[k]))])
                        body(stem, term)
                        return true
                    }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Remembers `word` → `stem` with `term` = the first `termCount` bytes of the stem.
    mutating func insert(_ word: UnsafeRawBufferPointer, stem: UnsafeRawBufferPointer, termCount: Int) {
        if hashes.count >= maxEntries || arena.count > (1 << 30) {
            arena.removeAll(keepingCapacity: true)
            keyStart.removeAll(keepingCapacity: true); keyLen.removeAll(keepingCapacity: true)
            stemLen.removeAll(keepingCapacity: true); termLen.removeAll(keepingCapacity: true)
            hashes.removeAll(keepingCapacity: true)
            for i in slots.indices { slots[i] = -1 }
        }
        let h = StemCache.hash(word)
        let k = Int32(hashes.count)
        keyStart.append(Int32(arena.count))
        keyLen.append(UInt16(word.count))
        stemLen.append(UInt16(stem.count))
        termLen.append(UInt16(termCount))
        hashes.append(h)
        arena.append(contentsOf: word)
        arena.append(contentsOf: stem)
        let mask = slots.count - 1
        var i = Int(h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = k
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
