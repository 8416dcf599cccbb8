#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Remembers the stem of each word seen, keyed by the word's bytes: text is Zipfian, so most
/// tokens are words already stemmed. Open addressing over one byte arena; cleared when full.
/// A slot is the entry itself (the word's hash, where its bytes are, the lengths): a probe reads
/// one slot and, only when the hashes agree, the arena — two cache misses for a word seen
/// before, not three (measured: the probe was most of the analyzer's own time).
/// The arena and table are raw allocations owned by this object (no array copies, no
/// reference counting in the lookup loop); pointers never leave it.
final class StemCache {
    private struct Slot {
        var hash: UInt32
        var start: Int32      // word at start..<start+keyLength, its stem right after (the term hash before it)
        var keyLength: UInt16 // 0: the slot is empty (words are never empty)
        var stemLength: UInt16
        var termLength: UInt16
        var partsLength: UInt16  // the compound-parts blob after the stem
    }

    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCapacity: Int
    private var arenaCount = 0
    private var count = 0
    private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int
    private let maxEntries: Int

    init(maxEntries: Int = 1 << 18) {
        self.maxEntries = maxEntries
        arenaCapacity = maxEntries * 16
        arena = .allocate(capacity: arenaCapacity)
        let slotCount = maxEntries * 2
        // calloc: the kernel's zeroed pages, touched only as slots fill (a fresh `diarium search`
        // analyses a few words and should not clear megabytes).
        guard let zeroed = calloc(slotCount, MemoryLayout<Slot>.stride) else { fatalError("StemCache: out of memory") }
        slots = zeroed.bindMemory(to: Slot.self, capacity: slotCount)
        mask = slotCount - 1
    }

    /// Bytes the cache can hold at most (its arena and slot table), for memory budgets.
    var capacityBytes: Int { arenaCapacity + Int(mask + 1) * MemoryLayout<Slot>.stride }

    deinit {
        arena.deallocate()
        free(slots)
    }

    /// FNV-1a over the word's bytes (words are short; measured faster here than wider steps).
    /// The same function as `TermTable.hash` (`AnalyzedToken.termHash`).
    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for x in b { h = (h ^ UInt32(x)) &* 0x0100_0193 }
        return h
    }

    /// The cached stem, term (and its hash) and compound-parts blob of `word` (valid until the
    /// next `insert`), or nil.
    @inline(__always)
    func lookup(_ word: UnsafeRawBufferPointer) -> Entry? {
        let h = StemCache.hash(word)
        var i = Int(h) & mask
        while true {
            let slot = slots[i]
            if slot.keyLength == 0 { return nil }
            if slot.hash == h && Int(slot.keyLength) == word.count {
                if StemCache.equal(arena + Int(slot.start), word) { return entry(slot) }
            }
            i = (i + 1) & mask
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

    /// The entry `slot` describes.
    @inline(__always)
    private func entry(_ slot: Slot) -> Entry {
        let stemStart = arena + Int(slot.start) + Int(slot.keyLength)
        let stem = UnsafeRawBufferPointer(start: stemStart, count: Int(slot.stemLength))
        let parts = UnsafeRawBufferPointer(start: stemStart + Int(slot.stemLength), count: Int(slot.partsLength))
        let termHash = UnsafeRawPointer(arena + Int(slot.start) - 4).loadUnaligned(as: UInt32.self)
        return Entry(stem: stem, term: UnsafeRawBufferPointer(start: stemStart, count: Int(slot.termLength)),
                     termHash: termHash, parts: parts)
    }

    /// Whether the `word.count` bytes at `a` equal `word`: by eight, four, two and one bytes,
    /// never reading past either.
    @inline(__always)
    private static func equal(_ a: UnsafeMutablePointer<UInt8>, _ word: UnsafeRawBufferPointer) -> Bool {
        guard let b = word.baseAddress else { return true }
        let x = UnsafeRawPointer(a)
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
    /// and the word's compound parts as a blob (see `Analyzer`). An empty word is not kept.
    func insert(_ word: UnsafeRawBufferPointer, stem: UnsafeRawBufferPointer, termCount: Int, parts: UnsafeRawBufferPointer) {
        guard !word.isEmpty else { return }
        // The entry: the term's hash (4 bytes, unaligned), then the word, the stem and the parts.
        let needed = 4 + word.count + stem.count + parts.count
        if count >= maxEntries || arenaCount + needed > arenaCapacity {
            count = 0
            arenaCount = 0
            memset(slots, 0, (mask + 1) * MemoryLayout<Slot>.stride)
            if needed > arenaCapacity { return }
        }
        let h = StemCache.hash(word)
        let termHash = StemCache.hash(UnsafeRawBufferPointer(rebasing: stem[0 ..< min(termCount, stem.count)]))
        UnsafeMutableRawPointer(arena + arenaCount).storeBytes(of: termHash, as: UInt32.self)
        let start = arenaCount + 4
        if let base = word.baseAddress { (arena + start).update(from: base.assumingMemoryBound(to: UInt8.self), count: word.count) }
        if let base = stem.baseAddress { (arena + start + word.count).update(from: base.assumingMemoryBound(to: UInt8.self), count: stem.count) }
        if let base = parts.baseAddress {
            (arena + start + word.count + stem.count).update(from: base.assumingMemoryBound(to: UInt8.self), count: parts.count)
        }
        var i = Int(h) & mask
        while slots[i].keyLength != 0 { i = (i + 1) & mask }
        slots[i] = Slot(hash: h, start: Int32(start), keyLength: UInt16(word.count), stemLength: UInt16(stem.count),
                        termLength: UInt16(termCount), partsLength: UInt16(parts.count))
        arenaCount += needed
        count += 1
    }
}
