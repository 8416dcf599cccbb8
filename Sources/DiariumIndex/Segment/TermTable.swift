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
public struct TermTable: Sendable {
    /// All interned terms, back to back.
    public private(set) var arena: [UInt8] = []
    /// `starts[id]..<starts[id + 1]` is the term with that id in `arena`.
    public private(set) var starts: [Int32] = [0]
    private var hashes: [UInt32] = []
    private var slots: [UInt64]
    private var mask: Int

    /// An empty table sized for about `capacity` terms.
    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    /// Number of interned terms.
    @inlinable public var count: Int { starts.count - 1 }

    /// Bytes held by the table, for memory accounting.
    public var memoryFootprint: Int {
        arena.capacity + starts.capacity * 4 + hashes.capacity * 4 + slots.capacity * 8
    }

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
    public func hash(ofID id: Int32) -> UInt32 { hashes[Int(id)] }

    /// Returns the id of `term`, adding it if new; `inserted` tells which.
    @inline(__always)
    public mutating func intern(_ term: UnsafeRawBufferPointer) -> (id: Int32, inserted: Bool) {
        intern(term, hash: TermTable.hash(term))
    }

    /// `intern(term)` for a caller that knows `TermTable.hash(term)` already.
    public mutating func intern(_ term: UnsafeRawBufferPointer, hash h: UInt32) -> (id: Int32, inserted: Bool) {
        let found = probe(term, hash: h)
        if found.id >= 0 { return (found.id, false) }
        let id = Int32(count)
        arena.append(contentsOf: term)
        starts.append(Int32(arena.count))
        hashes.append(h)
        if count * 2 > slots.count {
            grow()
        } else {
            slots[found.slot] = UInt64(h) << 32 | UInt64(id + 1)
        }
        return (id, true)
    }

    /// The id of `term`, if interned.
    public func lookup(_ term: UnsafeRawBufferPointer) -> Int32? {
        let id = probe(term, hash: TermTable.hash(term)).id
        return id >= 0 ? id : nil
    }

    /// Calls `body` with the bytes of term `id`.
    @inlinable
    public func withTerm<R>(_ id: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let lo = Int(starts[Int(id)]), hi = Int(starts[Int(id) + 1])
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[lo..<hi])) }
    }

    /// The bytes of term `id` as an array.
    public func term(_ id: Int32) -> [UInt8] {
        Array(arena[Int(starts[Int(id)])..<Int(starts[Int(id) + 1])])
    }

    /// The id of `term` (or -1) and the slot where the probe ended (the free slot for it).
    @inline(__always)
    private func probe(_ term: UnsafeRawBufferPointer, hash h: UInt32) -> (id: Int32, slot: Int) {
        let mask = self.mask
        return slots.withUnsafeBufferPointer { s in
            starts.withUnsafeBufferPointer { st in
                arena.withUnsafeBytes { a -> (Int32, Int) in
                    var i = Int(h) & mask
                    while true {
                        let slot = s[i]
                        if slot == 0 { return (-1, i) }
                        if UInt32(truncatingIfNeeded: slot >> 32) == h {
                            let id = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                            let lo = Int(st[id]), hi = Int(st[id + 1])
                            if hi - lo == term.count
                                && (term.count == 0 || memcmp(a.baseAddress! + lo, term.baseAddress!, term.count) == 0)
                            {
                                return (Int32(id), i)
                            }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        var fresh = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        hashes.withUnsafeBufferPointer { hs in
            fresh.withUnsafeMutableBufferPointer { s in
                for id in 0..<hs.count {
                    var i = Int(hs[id]) & mask
                    while s[i] != 0 { i = (i + 1) & mask }
                    s[i] = UInt64(hs[id]) << 32 | UInt64(id + 1)
                }
            }
        }
        slots = fresh
        self.mask = mask
    }
}
