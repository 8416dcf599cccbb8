/// An open-addressing hash table that interns byte strings as dense ids `0..<count`, storing
/// every term once in one arena. Lookups take a borrowed buffer, so the hot path allocates
/// nothing per token.
public struct TermTable: Sendable {
    /// All interned terms, back to back.
    public private(set) var arena: [UInt8] = []
    /// `starts[id]..<starts[id + 1]` is the term with that id in `arena`.
    public private(set) var starts: [Int32] = [0]
    private var hashes: [UInt32] = []
    private var slots: [Int32]
    private var mask: Int

    /// An empty table sized for about `capacity` terms.
    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// Number of interned terms.
    @inlinable public var count: Int { starts.count - 1 }

    /// Bytes held by the table, for memory accounting.
    public var memoryFootprint: Int {
        arena.capacity + starts.capacity * 4 + hashes.capacity * 4 + slots.capacity * 4
    }

    @inline(__always)
    static func hash(_ term: UnsafeRawBufferPointer) -> UInt32 {
        // FNV-1a, 32 bit: terms are short, and this mixes well enough for power-of-two tables.
        var h: UInt32 = 0x811C_9DC5
        for b in term { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }

    /// Returns the id of `term`, adding it if new; `inserted` tells which.
    public mutating func intern(_ term: UnsafeRawBufferPointer) -> (id: Int32, inserted: Bool) {
        let h = TermTable.hash(term)
        if let id = find(term, hash: h) { return (id, false) }
        let id = Int32(count)
        arena.append(contentsOf: term)
        starts.append(Int32(arena.count))
        hashes.append(h)
        if count * 2 > slots.count { grow() } else { place(id, hash: h) }
        return (id, true)
    }

    /// The id of `term`, if interned.
    public func lookup(_ term: UnsafeRawBufferPointer) -> Int32? {
        find(term, hash: TermTable.hash(term))
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

    private func find(_ term: UnsafeRawBufferPointer, hash h: UInt32) -> Int32? {
        var i = Int(h) & mask
        return arena.withUnsafeBytes { a -> Int32? in
            while true {
                let id = slots[i]
                if id < 0 { return nil }
                if hashes[Int(id)] == h {
                    let lo = Int(starts[Int(id)]), hi = Int(starts[Int(id) + 1])
                    if hi - lo == term.count
                        && (term.count == 0 || memcmp(a.baseAddress! + lo, term.baseAddress!, term.count) == 0)
                    {
                        return id
                    }
                }
                i = (i + 1) & mask
            }
        }
    }

    private mutating func place(_ id: Int32, hash h: UInt32) {
        var i = Int(h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = id
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for id in 0..<count { place(Int32(id), hash: hashes[id]) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
