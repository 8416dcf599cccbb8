/// Small scans over UTF-8 bytes for the extractors and metadata finders: whitespace of any
/// script, ASCII digits and case-insensitive ASCII words, without building `String`s or
/// `Character`s.
enum UTF8Scan {
    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Length in bytes of the whitespace character at `i` (0 when it is not whitespace): ASCII
    /// blanks and line breaks, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
    /// U+205F and U+3000 — the characters `Character.isWhitespace` accepts.
    @inline(__always)
    static func whitespaceLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let c = b[i]
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) ? 1 : 0 }
        if c == 0xC2, i + 1 < b.count { return b[i + 1] == 0xA0 || b[i + 1] == 0x85 ? 2 : 0 }
        guard c == 0xE1 || c == 0xE2 || c == 0xE3, i + 2 < b.count else { return 0 }
        let c1 = b[i + 1], c2 = b[i + 2]
        switch c {
        case 0xE1: return c1 == 0x9A && c2 == 0x80 ? 3 : 0                       // U+1680
        case 0xE2:
            if c1 == 0x80 { return c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF ? 3 : 0 }
            return c1 == 0x81 && c2 == 0x9F ? 3 : 0                                // U+205F
        default: return c1 == 0x80 && c2 == 0x80 ? 3 : 0                         // U+3000
        }
    }

    /// Moves `i` back over the run of whitespace characters that ends just before it; false
    /// when there is none.
    static func skipWhitespace(_ b: UnsafeBufferPointer<UInt8>, before i: inout Int) -> Bool {
        let start = i
        scan: while i > 0 {
            for width in 1...3 where i - width >= 0 && whitespaceLength(b, at: i - width) == width {
                i -= width
                continue scan
            }
            break
        }
        return i < start
    }

    /// Moves `i` past the whitespace that starts there, up to `end` (the buffer's end if nil);
    /// whether it moved. The forward twin of `skipWhitespace(_:before:)`.
    @inline(__always) @discardableResult
    static func skipWhitespace(_ b: UnsafeBufferPointer<UInt8>, from i: inout Int, to end: Int? = nil) -> Bool {
        let start = i, end = end ?? b.count
        while i < end, case let w = whitespaceLength(b, at: i), w > 0 { i += w }
        return i > start
    }

    /// The offset `count` characters before `from`, a run of whitespace counting as one.
    static func offset(_ b: UnsafeBufferPointer<UInt8>, back count: Int, from: Int) -> Int {
        var i = from, n = 0
        while i > 0 && n < count {
            if skipWhitespace(b, before: &i) { n += 1; continue }
            i -= 1
            while i > 0 && b[i] & 0xC0 == 0x80 { i -= 1 }                        // to the lead byte
            n += 1
        }
        return i
    }

    /// The offset `count` characters after `from`, a run of whitespace counting as one.
    static func offset(_ b: UnsafeBufferPointer<UInt8>, forward count: Int, from: Int) -> Int {
        var i = from, n = 0
        while i < b.count && n < count {
            let w = whitespaceLength(b, at: i)
            if w > 0 {
                i += w
                skipWhitespace(b, from: &i)
            } else {
                i += 1
                while i < b.count && b[i] & 0xC0 == 0x80 { i += 1 }
            }
            n += 1
        }
        return i
    }

    /// Whether the bytes at `i` spell `word` (lowercase ASCII), its letters in any case.
    @inline(__always)
    static func equalsIgnoringASCIICase(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i >= 0, i + n <= b.count else { return false }
        let w = word.utf8Start
        for k in 0..<n {
            let x = b[i + k], c = w[k]
            if x != c && !(c >= 0x61 && c <= 0x7A && x == c &- 0x20) { return false }
        }
        return true
    }

    /// Whether `word` (lowercase ASCII) occurs, its letters in any case, in `text`.
    static func containsIgnoringASCIICase(_ text: String, _ word: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { containsIgnoringASCIICase($0, from: 0, to: $0.count, word) }
    }

    /// Whether `word` (lowercase ASCII) occurs, its letters in any case, in `b[from..<to]`.
    static func containsIgnoringASCIICase(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard n > 0, to - from >= n else { return false }
        // The first letter in either case first, then the rest.
        let first = word.utf8Start[0], upper = first >= 0x61 && first <= 0x7A ? first - 0x20 : first
        for i in from...(to - n) where (b[i] == first || b[i] == upper) && equalsIgnoringASCIICase(b, at: i, word) { return true }
        return false
    }

    /// The scalar at `i` (a lead byte) and its length in bytes; U+FFFD, 1 for a byte that
    /// starts no valid sequence.
    @inline(__always)
    static func scalar(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int) {
        let c = b[i]
        if c < 0x80 { return (Unicode.Scalar(c), 1) }
        let n = sequenceLength(c)
        guard n > 1, i + n <= b.count else { return ("\u{FFFD}", 1) }
        var v = UInt32(c) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
        for k in 1..<n {
            let x = b[i + k]
            guard x & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
            v = v << 6 | UInt32(x & 0x3F)
        }
        return (Unicode.Scalar(v) ?? "\u{FFFD}", n)
    }

    /// Whether the byte `h` of a text matches the byte `n` of a lowercase needle at the same
    /// place, letters in any case: ASCII, and Latin-1 letters (the byte after `C3`: À–Þ but ×
    /// match à–þ but ÷), which is how `lowercased()` folds Swedish text.
    @inline(__always)
    static func foldedEqual(_ h: UInt8, _ n: UInt8, afterC3: Bool) -> Bool {
        if h == n { return true }
        if n >= 0x61 && n <= 0x7A { return h == n &- 0x20 }
        return afterC3 && n >= 0xA0 && n <= 0xBE && n != 0xB7 && h == n &- 0x20
    }

    /// Offset of the first occurrence of `needle` (lowercase UTF-8) in `b[from..<to]`, letters
    /// in any case (`foldedEqual`): a search of the text as `lowercased()` would give it,
    /// without building the lowercased copy.
    static func find(ignoringCase needle: [UInt8], in b: UnsafeBufferPointer<UInt8>, from: Int = 0, to: Int? = nil) -> Int? {
        let to = to ?? b.count
        let n = needle.count
        guard n > 0, to - from >= n else { return nil }
        let first = needle[0], firstUpper: UInt8 = first >= 0x61 && first <= 0x7A ? first - 0x20 : first
        var i = from
        while i <= to - n {
            let c = b[i]
            if c == first || c == firstUpper {
                var k = 1
                while k < n && foldedEqual(b[i + k], needle[k], afterC3: needle[k - 1] == 0xC3) { k += 1 }
                if k == n { return i }
            }
            i += 1
        }
        return nil
    }

    /// Whether `b` holds a case-number shape's core: four ASCII digits, then `/`, `:` or `.`
    /// and a digit, or `-` and a run of digits that is not two long (`2021-03-04` is a date).
    /// Every form `DiarienummerFinder` accepts has one, so a line without it has none.
    static func hasCaseNumberCore(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var run = 0, i = 0
        while i < b.count {
            let c = b[i]
            if isDigit(c) {
                run += 1
            } else {
                if run >= 4, i + 1 < b.count, isDigit(b[i + 1]) {
                    if c == 0x2F || c == 0x3A || c == 0x2E { return true }
                    if c == 0x2D {
                        var k = i + 1
                        while k < b.count && isDigit(b[k]) { k += 1 }
                        if k - i - 1 != 2 { return true }
                    }
                }
                run = 0
            }
            i += 1
        }
        return false
    }

    /// Whether `b[range]` is plain text: every scalar is below U+0100 (ASCII, or `C2`/`C3` and
    /// a continuation byte) or general punctuation (U+2010–U+2027 and U+2030–U+205E: dashes,
    /// quotes, bullets, `…`), and none is a carriage return. In plain text each `Character` is
    /// one scalar (no combining mark, no CR LF pair), so a `Character` walk, a split on spaces
    /// and a comparison (canonical equivalence) are byte walks and byte comparisons; only the
    /// Latin-1 letters have a case, mapped by `lowerLatin1` and `changesUnderUppercasing`.
    static func isPlain(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let c = b[i]
            if c < 0x80 {
                if c == 0x0D { return false }
                i += 1
            } else if c == 0xC2 || c == 0xC3 {
                guard i + 1 < end, b[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
            } else if c == 0xE2 {
                guard i + 2 < end, b[i + 2] & 0xC0 == 0x80 else { return false }
                let c1 = b[i + 1], c2 = b[i + 2]
                guard (c1 == 0x80 && (c2 >= 0x90 && c2 <= 0xA7 || c2 >= 0xB0)) || (c1 == 0x81 && c2 <= 0x9E) else { return false }
                i += 3
            } else {
                return false
            }
        }
        return true
    }

    /// Bytes of the UTF-8 sequence its lead byte `c` starts; 1 for a byte that starts none (a
    /// continuation byte).
    @inline(__always)
    static func sequenceLength(_ c: UInt8) -> Int { c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1 }

    /// The byte of plain text (`isPlain`) at a place where the text is lowercased, given
    /// whether the byte before it is `C3`: A–Z and À–Þ but × to their small letters, as
    /// `lowercased()` maps them (no other scalar below U+0100 changes).
    @inline(__always)
    static func lowerLatin1(_ c: UInt8, afterC3: Bool) -> UInt8 {
        if c >= 0x41 && c <= 0x5A { return c | 0x20 }
        if afterC3 && c >= 0x80 && c <= 0x9E && c != 0x97 { return c + 0x20 }
        return c
    }

    /// Whether `uppercased()` changes plain text (`isPlain`): it holds a–z, µ, ß, à–ÿ but ÷.
    static func changesUnderUppercasing(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            let c = b[i]
            if c >= 0x61 && c <= 0x7A { return true }
            if c == 0xC2, i + 1 < range.upperBound, b[i + 1] == 0xB5 { return true }
            if c == 0xC3, i + 1 < range.upperBound, case let x = b[i + 1], x >= 0x9F && x != 0xB7 { return true }
            i += sequenceLength(c)
        }
        return false
    }

    /// Whether the character at `i` of plain text (`isPlain`) is a capital letter, as
    /// `Character.isUppercase` tells: A–Z, À–Þ but ×.
    @inline(__always)
    static func isUppercaseLatin1(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let c = b[i]
        if c >= 0x41 && c <= 0x5A { return true }
        return c == 0xC3 && i + 1 < b.count && b[i + 1] >= 0x80 && b[i + 1] <= 0x9E && b[i + 1] != 0x97
    }

    /// Whether `b[range]`, lowercased (`lowerLatin1`), is `word` (lowercase UTF-8).
    @inline(__always)
    static func equalsIgnoringLatin1Case(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: [UInt8]) -> Bool {
        range.count == word.count && hasSuffixIgnoringLatin1Case(b, range, word)
    }

    /// Whether `b[range]`, lowercased (`lowerLatin1`), ends with `suffix` (lowercase UTF-8 that
    /// starts with a whole character).
    static func hasSuffixIgnoringLatin1Case(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ suffix: [UInt8]) -> Bool {
        guard range.count >= suffix.count else { return false }
        let start = range.upperBound - suffix.count
        for k in 0..<suffix.count where lowerLatin1(b[start + k], afterC3: start + k > 0 && b[start + k - 1] == 0xC3) != suffix[k] {
            return false
        }
        return true
    }
}
