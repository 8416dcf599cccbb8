@testable import DiariumIndex

/// Fixture writers for segment layouts that diarium no longer writes (docs/index-format.md,
/// "Versioning"): the current writer cannot make them, so tests that check how an old index is
/// refused build them here from a current segment's bytes, with the layout's constants from
/// `SegmentFormat` and its checksum from `CRC32`.
enum OldSegments {
    /// The shape main's commits 34d4fb4..c8090c9 wrote: format version 6 before the BOUNDS
    /// section existed. From a current segment whose SKIPS section is empty (every term in at
    /// most 128 documents, so no skip entry: their 28-byte form then is moot) it writes version
    /// 6 into the header, drops BOUNDS' directory entry and writes the directory, the footer and
    /// its CRC-32 anew (the sections keep today's layout: a reader refuses the version before it
    /// reads one). The file is intact (its checksum holds), only old. Nil when `segment` is not
    /// such a segment (no directory, no BOUNDS, or skip entries).
    static func version6WithoutBounds(_ segment: [UInt8]) -> [UInt8]? {
        let footerSize = SegmentFormat.footerSize, entrySize = SegmentFormat.directoryEntrySize
        guard segment.count >= SegmentFormat.headerSize + footerSize, u32(segment, 8) == SegmentFormat.version else { return nil }
        let footer = segment.count - footerSize
        let directoryOffset = Int(u64(segment, footer))
        guard directoryOffset >= SegmentFormat.headerSize, directoryOffset + 4 <= footer else { return nil }
        let count = Int(u32(segment, directoryOffset))
        guard directoryOffset + 4 + count * entrySize <= footer else { return nil }
        var kept: [ArraySlice<UInt8>] = []
        var sawBounds = false
        for i in 0..<count {
            let at = directoryOffset + 4 + i * entrySize
            let id = SegmentFormat.Section(rawValue: u32(segment, at))
            if id == .skips, u64(segment, at + 12) != 0 { return nil }
            if id == .bounds { sawBounds = true } else { kept.append(segment[at..<(at + entrySize)]) }
        }
        guard sawBounds else { return nil }
        var out = Array(segment[0..<directoryOffset])
        for i in 0..<4 { out[8 + i] = UInt8(truncatingIfNeeded: UInt32(6) >> (8 * i)) }
        append32(&out, UInt32(kept.count))
        for entry in kept { out += entry }
        out += segment[footer..<(segment.count - 4)]   // the footer but its checksum
        append32(&out, out.withUnsafeBytes { CRC32.checksum($0) })
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
}
