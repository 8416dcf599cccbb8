/// The page bookkeeping of a paged document: page `n` (1-based) starts at UTF-8 byte
/// `starts[n - 1]` of the text, `starts` ascending from 0. One owner for every lookup, so the
/// catalog, the snippets and `show --page` agree on where a page begins and ends.
public enum PageMap {
    /// The 1-based page holding byte `offset`: the last page whose start is at or before it.
    /// O(log pages). Nil when `starts` is empty; offsets before 0 are on page 1.
    public static func page(atOffset offset: Int, in starts: [Int]) -> Int? {
        guard !starts.isEmpty else { return nil }
        var low = 0, high = starts.count   // the answer is in low..<high
        while high - low > 1 {
            let mid = (low + high) / 2
            if starts[mid] <= offset { low = mid } else { high = mid }
        }
        return low + 1
    }

    /// The byte range of page `page` (1-based) in a text of `textLength` bytes; nil when the
    /// page does not exist.
    public static func range(ofPage page: Int, in starts: [Int], textLength: Int) -> Range<Int>? {
        guard page >= 1, page <= starts.count else { return nil }
        let lower = min(max(0, starts[page - 1]), textLength)
        let upper = page < starts.count ? min(max(lower, starts[page]), textLength) : textLength
        return lower..<upper
    }

    // MARK: - Stored form

    /// The stored form of `starts` (the catalog's `page_starts`): each start as a 32-bit
    /// little-endian unsigned integer, in page order. Fixed width, so a page is found by binary
    /// search on the stored bytes without decoding them (`page(atOffset:encoded:)`).
    public static func encode(_ starts: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(starts.count * 4)
        for s in starts {
            let v = UInt32(clamping: max(0, s))
            out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
        }
        return out
    }

    /// The starts of a stored form; a trailing partial entry is ignored.
    public static func decode<C: RandomAccessCollection>(_ bytes: C) -> [Int] where C.Element == UInt8, C.Index == Int {
        (0..<(bytes.count / 4)).map { entry(bytes, $0) }
    }

    /// The number of pages of a stored form.
    public static func count<C: RandomAccessCollection>(_ bytes: C) -> Int where C.Element == UInt8 { bytes.count / 4 }

    /// `page(atOffset:in:)` on the stored form, O(log pages), nothing decoded but the probes.
    public static func page<C: RandomAccessCollection>(atOffset offset: Int, encoded bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        let n = bytes.count / 4
        guard n > 0 else { return nil }
        var low = 0, high = n
        while high - low > 1 {
            let mid = (low + high) / 2
            if entry(bytes, mid) <= offset { low = mid } else { high = mid }
        }
        return low + 1
    }

    /// `range(ofPage:in:textLength:)` on the stored form.
    public static func range<C: RandomAccessCollection>(ofPage page: Int, encoded bytes: C, textLength: Int) -> Range<Int>? where C.Element == UInt8, C.Index == Int {
        let n = bytes.count / 4
        guard page >= 1, page <= n else { return nil }
        let lower = min(max(0, entry(bytes, page - 1)), textLength)
        let upper = page < n ? min(max(lower, entry(bytes, page)), textLength) : textLength
        return lower..<upper
    }

    @inline(__always)
    static func entry<C: RandomAccessCollection>(_ bytes: C, _ i: Int) -> Int where C.Element == UInt8, C.Index == Int {
        let b = bytes.startIndex + i * 4
        return Int(bytes[b]) | Int(bytes[b + 1]) << 8 | Int(bytes[b + 2]) << 16 | Int(bytes[b + 3]) << 24
    }

    /// Whether `starts` is valid for a text of `textLength` bytes: begins at 0, never
    /// decreases, never passes the end.
    public static func isValid(_ starts: [Int], textLength: Int) -> Bool {
        guard let first = starts.first else { return true }
        guard first == 0 else { return false }
        var previous = 0
        for s in starts {
            if s < previous || s > textLength { return false }
            previous = s
        }
        return true
    }
}
