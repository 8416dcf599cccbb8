/// Fixture writers for segment layouts that diarium no longer writes (docs/index-format.md,
/// "Versioning"): the current writer cannot make them, so tests that check how an old index is
/// refused build them here from a current segment's bytes.
public enum OldSegments {
    /// The shape main's commits 34d4fb4..c8090c9 wrote: format version 6 before the BOUNDS
    /// section (id 12) existed. From a current version-6 segment whose SKIPS section is empty
    /// (every term in at most 128 documents, so no skip entry: their 28-byte form then is moot)
    /// it drops BOUNDS' directory entry and writes the directory, the footer and its CRC-32 anew.
    /// The file is intact (its checksum holds), only old. Nil when `segment` is not such a
    /// segment (no directory, no BOUNDS, or skip entries).
    public static func version6WithoutBounds(_ segment: [UInt8]) -> [UInt8]? {
        let footerSize = 24, headerSize = 16, entrySize = 20
        let boundsID: UInt32 = 12, skipsID: UInt32 = 9
        guard segment.count >= headerSize + footerSize, u32(segment, 8) == 6 else { return nil }
        let footer = segment.count - footerSize
        let directoryOffset = Int(u64(segment, footer))
        guard directoryOffset >= headerSize, directoryOffset + 4 <= footer else { return nil }
        let count = Int(u32(segment, directoryOffset))
        guard directoryOffset + 4 + count * entrySize <= footer else { return nil }
        var kept: [ArraySlice<UInt8>] = []
        var sawBounds = false
        for i in 0..<count {
            let at = directoryOffset + 4 + i * entrySize
            let id = u32(segment, at)
            if id == skipsID, u64(segment, at + 12) != 0 { return nil }
            if id == boundsID { sawBounds = true } else { kept.append(segment[at..<(at + entrySize)]) }
        }
        guard sawBounds else { return nil }
        var out = Array(segment[0..<directoryOffset])
        append32(&out, UInt32(kept.count))
        for entry in kept { out += entry }
        out += segment[footer..<(footer + 20)]   // directory offset, documents, flags, magic
        append32(&out, crc32(out))
        return out
    }

    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) }
    }

    private static func u64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) }
    }

    private static func append32(_ b: inout [UInt8], _ v: UInt32) {
        for i in 0..<4 { b.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }

    /// CRC-32 (IEEE 802.3, reflected, as zlib's and the segment footer's), bit by bit: fixtures
    /// are small.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
