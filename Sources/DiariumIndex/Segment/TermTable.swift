#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// An open-addressing hash table that interns byte strings as dense ids `0..<count`, storing
/// every term once in one arena. Lookups take a borrowed buffer, so the hot path allocates
/// nothing per token.
///
/// A slot holds the term's hash beside its id (`hash << 32 | id + 1`, 0 empty), so a probe
/// reads the arena only when the hashes agree: one cache line per probe, not three. A caller
/// that has the hash already (a document's `FieldTerms` interned the same bytes with the same
/// function, `hash(ofID:)`) passes it to `intern(_:hash:)`.
///
/// A value with copy-on-write storage: the arena, the term starts, the hashes and the slots
/// are raw allocations of one `Storage` object (no array uniqueness or capacity checks per
/// byte or per term; a copy is made only when a shared table is changed). Interning a term is
/// most of what indexing does per token — most of a short document's tokens are the first of
/// their term in it — so the insert is a bounds check and a copy, not four array appends.
public struct TermTable: @unchecked Sendable {
    // @unchecked: `storage` is only changed through a unique reference (`isKnownUniquelyReferenced`
    // before every mutation), so a table shared between threads is never written.
    private var storage: Storage

    /// An empty table sized for about `capacity` terms.
    public init(capacity: Int = 64) {
        storage = Storage(capacity: capacity)
    }

    /// Number of interned terms.
    public var count: Int { storage.count }

    /// Bytes held by the table, for memory accounting.
    public var memoryFootprint: Int { storage.footprint }

    /// FNV-1a, 32 bit, of `term`: terms are short, and this mixes well enough for power-of-two
    /// tables. The one hash of every `TermTable`, so tables can share it (`intern(_:hash:)`).
    @inline(__always)
    public static func hash(_ term: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for b in term { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }

    /// The hash (`TermTable.hash`) of term `id`.
    @inline(__always)
    public func hash(ofID id: Int32) -> UInt32 {
        precondition(id >= 0 && Int(id) < storage.count)
        return storage.hashes[Int(id)]
    }

    /// Returns the id of `term`, adding it if new; `inserted` tells which.
    @inline(__always)
    public mutating func intern(_ term: UnsafeRawBufferPointer) -> (id: Int32, inserted: Bool) {
        intern(term, hash: TermTable.hash(term))
    }

    /// `intern(term)` for a caller that knows `TermTable.hash(term)` already.
    @inline(__always)
    public mutating func intern(_ term: UnsafeRawBufferPointer, hash h: UInt32) -> (id: Int32, inserted: Bool) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage.intern(term, hash: h)
    }

    /// Reads what a probe for a term whose hash is `h` reads first — its first slot and, when
    /// that slot's hash is `h`, the start of the term it holds — and returns a value made of
    /// them that means nothing. A loop that warms the slots of many terms first and interns
    /// them after has their cache misses outstanding together instead of one after another
    /// (the builder's table is larger than the caches; its probes were 13 % of an ingest's
    /// samples, most on these loads). Fold the result into something kept, so it is not dropped.
    @inline(__always)
    public func warm(hash h: UInt32) -> UInt64 { storage.warm(h) }

    /// The id of `term`, if interned.
    public func lookup(_ term: UnsafeRawBufferPointer) -> Int32? {
        let id = storage.probe(term, hash: TermTable.hash(term)).id
        return id >= 0 ? id : nil
    }

    /// Calls `body` with the bytes of term `id`.
    @inline(__always)
    public func withTerm<R>(_ id: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(id >= 0 && Int(id) < storage.count)
        return try withExtendedLifetime(storage) { try body(storage.term(Int(id))) }
    }

    /// Calls `body` with every term's bytes back to back (`arena`) and where each starts:
    /// term `id` is `arena[starts[id] ..< starts[id + 1]]` (`count + 1` starts). Valid only
    /// during the call.
    @inline(__always)
    public func withStorage<R>(_ body: (_ arena: UnsafePointer<UInt8>, _ starts: UnsafePointer<Int32>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(storage.arena, storage.starts) }
    }

    /// The bytes of term `id` as an array.
    public func term(_ id: Int32) -> [UInt8] {
        withTerm(id) { Array($0) }
    }

    /// The table's memory: raw allocations owned by one object, freed with it.
    final class Storage {
        /// All interned terms, back to back.
        private(set) var arena: UnsafeMutablePointer<UInt8>
        private var arenaCapacity: Int
        /// `starts[id]..<starts[id + 1]` is the term with that id in `arena` (`count + 1` used).
        private(set) var starts: UnsafeMutablePointer<Int32>
        private(set) var hashes: UnsafeMutablePointer<UInt32>
        /// Room for ids (`starts` has one more).
        private var idCapacity: Int
        private(set) var count = 0
        private var slots: UnsafeMutablePointer<UInt64>
        private var mask: Int

        init(capacity: Int) {
            var size = 16
            while size < capacity * 2 { size <<= 1 }
            slots = .allocate(capacity: size)
            slots.initialize(repeating: 0, count: size)
            mask = size - 1
            idCapacity = max(8, size / 2)
            starts = .allocate(capacity: idCapacity + 1)
            starts[0] = 0
            hashes = .allocate(capacity: idCapacity)
            arenaCapacity = idCapacity * 8
            arena = .allocate(capacity: arenaCapacity)
        }

        deinit {
            arena.deallocate()
            starts.deallocate()
            hashes.deallocate()
            slots.deallocate()
        }

        var footprint: Int { arenaCapacity + (idCapacity + 1) * 4 + idCapacity * 4 + (mask + 1) * 8 }

        /// A copy with the same capacities.
        func copy() -> Storage {
            let c = Storage(capacity: 0)
            c.slots.deallocate()
            c.starts.deallocate()
            c.hashes.deallocate()
            c.arena.deallocate()
            c.mask = mask
            c.slots = .allocate(capacity: mask + 1)
            c.slots.initialize(from: slots, count: mask + 1)
            c.idCapacity = idCapacity
            c.starts = .allocate(capacity: idCapacity + 1)
            c.starts.initialize(from: starts, count: count + 1)
            c.hashes = .allocate(capacity: idCapacity)
            c.hashes.initialize(from: hashes, count: count)
            c.arenaCapacity = arenaCapacity
            c.arena = .allocate(capacity: arenaCapacity)
            c.arena.initialize(from: arena, count: Int(starts[count]))
            c.count = count
            return c
        }

        @inline(__always)
        func term(_ id: Int) -> UnsafeRawBufferPointer {
            let lo = Int(starts[id]), hi = Int(starts[id &+ 1])
            return UnsafeRawBufferPointer(start: arena + lo, count: hi &- lo)
        }

        @inline(__always)
        func warm(_ h: UInt32) -> UInt64 {
            let slot = slots[Int(h) & mask]
            guard slot != 0 && UInt32(truncatingIfNeeded: slot >> 32) == h else { return slot }
            let lo = Int(starts[Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1])
            return lo < arenaCapacity ? slot &+ UInt64(arena[lo]) : slot
        }

        /// The id of `term` (or -1) and the slot where the probe ended (the free slot for it).
        @inline(__always)
        func probe(_ term: UnsafeRawBufferPointer, hash h: UInt32) -> (id: Int32, slot: Int) {
            var i = Int(h) & mask
            let n = term.count
            while true {
                let slot = slots[i]
                if slot == 0 { return (-1, i) }
                if UInt32(truncatingIfNeeded: slot >> 32) == h {
                    let id = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1
                    let lo = Int(starts[id])
                    if Int(starts[id &+ 1]) &- lo == n && (n == 0 || TermTable.equal(arena + lo, term.baseAddress!, n)) {
                        return (Int32(id), i)
                    }
                }
                i = (i &+ 1) & mask
            }
        }

        @inline(__always)
        func intern(_ term: UnsafeRawBufferPointer, hash h: UInt32) -> (id: Int32, inserted: Bool) {
            let found = probe(term, hash: h)
            if found.id >= 0 { return (found.id, false) }
            return (insert(term, hash: h, slot: found.slot), true)
        }

        private func insert(_ term: UnsafeRawBufferPointer, hash h: UInt32, slot: Int) -> Int32 {
            let id = count
            let end = Int(starts[id])
            let n = term.count
            precondition(end + n <= Int(Int32.max), "TermTable: arena over 2 GiB")
            if end + n > arenaCapacity {
                var c = arenaCapacity * 2
                while c < end + n { c *= 2 }
                let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
                fresh.initialize(from: arena, count: end)
                arena.deallocate()
                arena = fresh
                arenaCapacity = c
            }
            if n > 0 { (arena + end).initialize(from: term.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n) }
            if id == idCapacity {
                let c = idCapacity * 2
                let s = UnsafeMutablePointer<Int32>.allocate(capacity: c + 1)
                s.initialize(from: starts, count: id + 1)
                starts.deallocate()
                starts = s
                let hs = UnsafeMutablePointer<UInt32>.allocate(capacity: c)
                hs.initialize(from: hashes, count: id)
                hashes.deallocate()
                hashes = hs
                idCapacity = c
            }
            starts[id + 1] = Int32(end + n)
            hashes[id] = h
            count = id + 1
            if count * 2 > mask + 1 {
                grow()
            } else {
                slots[slot] = UInt64(h) << 32 | UInt64(id + 1)
            }
            return Int32(id)
        }

        private func grow() {
            let size = (mask + 1) * 2
            let fresh = UnsafeMutablePointer<UInt64>.allocate(capacity: size)
            fresh.initialize(repeating: 0, count: size)
            let m = size - 1
            for id in 0..<count {
                var i = Int(hashes[id]) & m
                while fresh[i] != 0 { i = (i + 1) & m }
                fresh[i] = UInt64(hashes[id]) << 32 | UInt64(id + 1)
            }
            slots.deallocate()
            slots = fresh
            mask = m
        }
    }

    /// Whether the `n` bytes at `a` and `b` are equal: by eight, then the rest by one (terms are
    /// short: a call to `memcmp` cost more than the comparison).
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        let x = UnsafeRawPointer(a)
        var k = 0
        while k &+ 8 <= n {
            if x.loadUnaligned(fromByteOffset: k, as: UInt64.self) != b.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
            k &+= 8
        }
        while k < n {
            if x.load(fromByteOffset: k, as: UInt8.self) != b.load(fromByteOffset: k, as: UInt8.self) { return false }
            k &+= 1
        }
        return true
    }
}
