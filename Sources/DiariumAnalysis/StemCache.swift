#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Remembers the stem of each word seen, keyed by the word's bytes: text is Zipfian, so most
/// tokens are words already stemmed. Open addressing over one byte arena; cleared when full.
///
/// Laid out for the cache misses a probe costs (perf put more than half of the analyzer's own
/// samples on the load of the probed slot, and most of the rest on the arena's bytes):
/// - a slot is 8 bytes, the word's hash and where its entry starts in the arena, so eight
///   slots share a cache line and a probe that passes over a neighbour stays in that line;
/// - the slot table grows with the words it holds (at most 5/8 full) instead of being
///   allocated at its largest: the words of an ingest (~90k distinct in 18 MB of text) take a
///   2 MiB table (2^18 slots; 2^17 hold at most 81,920 words at 5/8), not the sparse 8 MiB
///   table of 16-byte slots before it, in which every word had a cache line of its own;
/// - an entry keeps its lengths and term hash in front of its bytes, so the probe that compares
///   the word reads the line the token's term comes from anyway.
/// The key hash reads a word eight bytes at a time; it is private to this cache (the term hash
/// kept in each entry is `TermTable.hash`, FNV-1a, computed once per word when it is learnt).
/// The arena and table are raw allocations owned by this object (no array copies, no
/// reference counting in the lookup loop); pointers never leave it.
final class StemCache {
    /// An entry's header in the arena, before the word, the stem and the parts blob: the term
    /// hash (`UInt32`) and the lengths of word, stem, term and parts (`UInt16` each).
    private static let headerBytes = 12

    private var arena: UnsafeMutablePointer<UInt8>
    private let arenaCapacity: Int
    private var arenaCount = 0
    /// Words held (since the cache last started over).
    private(set) var count = 0
    /// `hash << 32 | entry offset + 1`; 0 is empty.
    private var slots: UnsafeMutablePointer<UInt64>
    private var mask: Int
    private let maxSlots: Int
    private let maxEntries: Int

    /// A cache of at most `maxEntries` words (a power of two).
    init(maxEntries: Int = 1 << 18) {
        precondition(maxEntries > 0 && maxEntries <= 1 << 26, "StemCache: entries outside 1...2^26")
        self.maxEntries = maxEntries
        arenaCapacity = maxEntries * 32
        // Not touched until used: a fresh `diarium search` analyses a few words.
        arena = .allocate(capacity: arenaCapacity)
        var most = 64
        while most * 5 < maxEntries * 8 { most <<= 1 }
        maxSlots = most
        let size = min(most, 1024)
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        mask = size - 1
    }

    /// Slots in the table now (a power of two; it doubles as words come, up to the table's
    /// largest, and keeps its size when the cache starts over).
    var slotCount: Int { mask + 1 }

    /// Bytes the cache can hold at most (its arena and slot table at their largest), for memory
    /// budgets: 48 bytes a word.
    var capacityBytes: Int { arenaCapacity + maxEntries * 16 }

    deinit {
        arena.deallocate()
        slots.deallocate()
    }

    /// FNV-1a over the word's bytes. The same function as `TermTable.hash`
    /// (`AnalyzedToken.termHash`).
    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for x in b { h = (h ^ UInt32(x)) &* 0x0100_0193 }
        return h
    }

    /// The cache's own key hash: the word eight bytes at a time (the last eight overlapping
    /// the ones before), shorter words in one or two loads, never reading outside `b`.
    @inline(__always)
    static func keyHash(_ b: UnsafeRawBufferPointer) -> UInt32 {
        let m: UInt64 = 0x9E37_79B9_7F4A_7C15
        let n = b.count
        var h = UInt64(truncatingIfNeeded: n) &* m
        guard let p = b.baseAddress, n > 0 else { return UInt32(truncatingIfNeeded: h >> 32) }
        if n >= 8 {
            var k = 0
            while k &+ 8 < n {
                h = (h ^ p.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* m
                h ^= h >> 29
                k &+= 8
            }
            h = (h ^ p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)) &* m
        } else if n >= 4 {
            let x = UInt64(p.loadUnaligned(as: UInt32.self)) << 32
                | UInt64(p.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self))
            h = (h ^ x) &* m
        } else {
            let x = UInt64(p.load(as: UInt8.self)) << 16 | UInt64(p.load(fromByteOffset: n >> 1, as: UInt8.self)) << 8
                | UInt64(p.load(fromByteOffset: n &- 1, as: UInt8.self))
            h = (h ^ x) &* m
        }
        h ^= h >> 32
        return UInt32(truncatingIfNeeded: (h &* m) >> 32)
    }

    /// The cached stem, term (and its hash) and compound-parts blob of `word` (valid until the
    /// next `insert`), or nil.
    @inline(__always)
    func lookup(_ word: UnsafeRawBufferPointer) -> Entry? {
        let h = StemCache.keyHash(word)
        let tag = UInt64(h) << 32
        var i = Int(h) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let e = UnsafeRawPointer(arena + (Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1))
                if Int(e.loadUnaligned(fromByteOffset: 4, as: UInt16.self)) == word.count
                    && StemCache.equal(e + StemCache.headerBytes, word) {
                    return entry(e)
                }
            }
            i = (i &+ 1) & mask
        }
    }

    /// A cached word's stem, term (the stem's first bytes), the term's hash and its compound
    /// parts blob (see `Analyzer`).
    struct Entry {
        var stem: UnsafeRawBufferPointer
        var term: UnsafeRawBufferPointer
        var termHash: UInt32
        var parts: UnsafeRawBufferPointer
    }

    /// The entry at `e` in the arena.
    @inline(__always)
    private func entry(_ e: UnsafeRawPointer) -> Entry {
        let keyLength = Int(e.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        let stemLength = Int(e.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        let termLength = Int(e.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        let partsLength = Int(e.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
        let stemStart = e + StemCache.headerBytes + keyLength
        return Entry(stem: UnsafeRawBufferPointer(start: stemStart, count: stemLength),
                     term: UnsafeRawBufferPointer(start: stemStart, count: termLength),
                     termHash: e.loadUnaligned(as: UInt32.self),
                     parts: UnsafeRawBufferPointer(start: stemStart + stemLength, count: partsLength))
    }

    /// Whether the `word.count` bytes at `a` equal `word`: by eight, four, two and one bytes,
    /// never reading past either.
    @inline(__always)
    private static func equal(_ a: UnsafeRawPointer, _ word: UnsafeRawBufferPointer) -> Bool {
        guard let b = word.baseAddress else { return true }
        let x = a
        var n = word.count, k = 0
        while n >= 8 {
            if x.loadUnaligned(fromByteOffset: k, as: UInt64.self) != b.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
            k += 8; n -= 8
        }
        if n >= 4 {
            if x.loadUnaligned(fromByteOffset: k, as: UInt32.self) != b.loadUnaligned(fromByteOffset: k, as: UInt32.self) { return false }
            k += 4; n -= 4
        }
        if n >= 2 {
            if x.loadUnaligned(fromByteOffset: k, as: UInt16.self) != b.loadUnaligned(fromByteOffset: k, as: UInt16.self) { return false }
            k += 2; n -= 2
        }
        return n == 0 || x.load(fromByteOffset: k, as: UInt8.self) == b.load(fromByteOffset: k, as: UInt8.self)
    }

    /// Remembers `word` → `stem`, with the term being the first `termCount` bytes of the stem,
    /// and the word's compound parts as a blob (see `Analyzer`), unless the word is empty or a
    /// length does not fit the entry's header (`UInt16`; the tokenizer's words are far shorter).
    /// Returns the new entry (valid until the next `insert`), or nil if it was not kept.
    @discardableResult
    func insert(_ word: UnsafeRawBufferPointer, stem: UnsafeRawBufferPointer, termCount: Int, parts: UnsafeRawBufferPointer) -> Entry? {
        guard !word.isEmpty, word.count <= Int(UInt16.max), stem.count <= Int(UInt16.max), parts.count <= Int(UInt16.max),
              termCount <= stem.count else { return nil }
        let needed = StemCache.headerBytes + word.count + stem.count + parts.count
        guard needed <= arenaCapacity else { return nil }
        if count >= maxEntries || arenaCount + needed > arenaCapacity {
            count = 0
            arenaCount = 0
            memset(slots, 0, (mask + 1) * MemoryLayout<UInt64>.stride)
        }
        if (count + 1) * 8 > (mask + 1) * 5 && mask + 1 < maxSlots { grow() }
        let e = UnsafeMutableRawPointer(arena + arenaCount)
        e.storeBytes(of: StemCache.hash(UnsafeRawBufferPointer(rebasing: stem[0 ..< termCount])), as: UInt32.self)
        e.storeBytes(of: UInt16(word.count), toByteOffset: 4, as: UInt16.self)
        e.storeBytes(of: UInt16(stem.count), toByteOffset: 6, as: UInt16.self)
        e.storeBytes(of: UInt16(termCount), toByteOffset: 8, as: UInt16.self)
        e.storeBytes(of: UInt16(parts.count), toByteOffset: 10, as: UInt16.self)
        let w = e + StemCache.headerBytes
        if let base = word.baseAddress { w.copyMemory(from: base, byteCount: word.count) }
        if let base = stem.baseAddress { (w + word.count).copyMemory(from: base, byteCount: stem.count) }
        if let base = parts.baseAddress { (w + word.count + stem.count).copyMemory(from: base, byteCount: parts.count) }
        let h = StemCache.keyHash(word)
        var i = Int(h) & mask
        while slots[i] != 0 { i = (i &+ 1) & mask }
        slots[i] = UInt64(h) << 32 | UInt64(arenaCount + 1)
        arenaCount += needed
        count += 1
        return entry(UnsafeRawPointer(e))
    }

    /// Doubles the slot table, placing each entry again by the hash its slot keeps (the arena
    /// is not read).
    private func grow() {
        let old = slots, oldSize = mask + 1
        let size = oldSize * 2
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        mask = size - 1
        for k in 0 ..< oldSize {
            let v = old[k]
            if v == 0 { continue }
            var i = Int(truncatingIfNeeded: v >> 32) & mask
            while slots[i] != 0 { i = (i &+ 1) & mask }
            slots[i] = v
        }
        old.deallocate()
    }
}
