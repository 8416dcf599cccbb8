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
