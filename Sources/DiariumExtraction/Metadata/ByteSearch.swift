#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search on UTF-8 bytes (memchr and memcmp). Foundation's `range(of:)` goes through
/// NSString and UTF-16 and was the top cost of metadata extraction; this is not.
enum ByteSearch {
    /// Offset of the first `needle` in `haystack` at or after `from`, or nil.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty, from >= 0, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                // memchr for the first byte, memcmp for the rest (memmem is not exported to Swift).
                let base = h.baseAddress!, first = Int32(n[0])
                var i = from
                let last = h.count - n.count
                while i <= last {
                    guard let p = memchr(base + i, first, last - i + 1) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(p))
                    if memcmp(base + at, n.baseAddress!, n.count) == 0 { return at }
                    i = at + 1
                }
                return nil
            }
        }
    }

    /// Whether `haystack` contains `needle`.
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        find(Array(needle.utf8), in: Array(haystack.utf8)) != nil
    }

    /// Whether the byte before `offset` continues a word (an ASCII letter or digit, or part
    /// of a multi-byte letter such as å).
    @inline(__always)
    static func continuesWord(_ bytes: [UInt8], before offset: Int) -> Bool {
        guard offset > 0 else { return false }
        let b = bytes[offset - 1]
        return b >= 0x80 || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
    }
}
