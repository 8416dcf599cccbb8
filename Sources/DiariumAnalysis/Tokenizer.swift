/// What a token stands for.
public enum TokenKind: UInt8, Sendable {
    /// A word: letters and digits between separators.
    case word
    /// A form spanning several words, emitted before them at the first word's position:
    /// `PUL-bedömning` → `pulbedömning`, `KS-2015-0123` → `ks-2015-0123`, an e-mail address or
    /// a URL kept whole.
    case joined
    /// A part of a compound word, at the compound's position (`informationssäkerhetsarbete` →
    /// `informationssäkerhet`, `arbete`), or the word a suspended hyphen stands for
    /// (`risk- och sårbarhetsanalys` → `riskanalys`). Made by the analyzer, not the tokenizer.
    case part
}

/// One token found by the tokenizer.
public struct RawToken {
    /// The lowercased, normalised token (UTF-8), valid only during the callback.
    public let word: UnsafeRawBufferPointer
    /// Byte offset of the token's first byte in the source text.
    public let start: Int
    /// Byte offset just past the token's last byte in the source text.
    public let end: Int
    /// Word or joined form.
    public let kind: TokenKind
}

/// Splits UTF-8 text into lowercased words. Works on bytes: ASCII and Latin-1 letters take a
/// fast path; any other scalar is decoded and classified by its Unicode properties (letters,
/// marks and digits of every script are word characters). å, ä and ö stay distinct letters;
/// the Norwegian and Danish æ and ø are written as their Swedish forms ä and ö.
///
/// Words joined without spaces also give a joined form: hyphenated words their concatenation
/// (`e-post` → `e`, `post`, `epost`), case numbers and other digit groups their whole form
/// (`2015/123`, `KS-2015-0123`), e-mail addresses and URLs their whole form.
///
/// Not copyable: it owns its word buffer (one tokenizer per thread).
public struct Tokenizer: ~Copyable {
    /// Words longer than this many bytes are cut (they are almost always garbage, e.g. base64).
    public static let maxWordBytes = 96
    /// Joined forms longer than this are not emitted.
    public static let maxJoinedBytes = 200

    // The current word, lowercased: a fixed raw buffer of `maxWordBytes + 8` bytes, `count`
    // used, owned by this tokenizer (no uniqueness checks or per-word resizing in the hot loop).
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var count = 0
    private var spanWords: [(start: Int, end: Int, lo: Int, hi: Int, hasDigit: Bool)] = []
    private var spanBytes: [UInt8] = []
    private var spanJoiners: [UInt8] = []
    private var joined: [UInt8] = []

    /// A tokenizer with empty work buffers.
    public init() {
        buffer = .allocate(capacity: Tokenizer.maxWordBytes + 8)
        buffer.initialize(repeating: 0)
    }

    deinit { buffer.deallocate() }

    @inline(__always)
    static func isJoiner(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "-") || b == UInt8(ascii: "/") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
            || b == UInt8(ascii: "@") || b == UInt8(ascii: "_")
    }

    /// Whether a word character starts at `i`.
    @inline(__always)
    static func startsWord(_ t: UnsafeRawBufferPointer, _ i: Int) -> Bool {
        guard i < t.count else { return false }
        let b = t[i]
        if b < 0x80 { return (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) }
        guard let s = decode(t, at: i).0 else { return false }
        return isWordScalar(s)
    }

    /// Whether a non-ASCII scalar is a word character (letter, mark or digit).
    @inline(__always)
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v >= 0xC0 && v <= 0xFF { return v != 0xD7 && v != 0xF7 }
        if v < 0xC0 { return v == 0xAA || v == 0xB5 || v == 0xBA }
        let p = s.properties
        return p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark || p.generalCategory == .spacingMark
    }

    /// Calls `body` for every token of `text`, in order.
    public mutating func tokenize(_ text: UnsafeRawBufferPointer, _ body: (RawToken) -> Void) {
        let n = text.count
        var i = 0
        spanWords.removeAll(keepingCapacity: true)
        spanBytes.removeAll(keepingCapacity: true)
        spanJoiners.removeAll(keepingCapacity: true)
        var urlEnd = -1
        while i < n {
            // Find the next word character.
            let b = text[i]
            if b < 0x80 {
                let alnum = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                if !alnum {
                    if !spanWords.isEmpty { flushSpan(text, body) }
                    i += 1
                    continue
                }
            } else if !Tokenizer.startsWord(text, i) {
                if !spanWords.isEmpty { flushSpan(text, body) }
                i += Tokenizer.decode(text, at: i).1
                continue
            }
            if spanWords.isEmpty && i > urlEnd, b | 0x20 == UInt8(ascii: "h") || b | 0x20 == UInt8(ascii: "w"),
               let e = Tokenizer.urlEnd(text, at: i) {
                // A URL: the whole form first, then its words as usual.
                urlEnd = e
                emitLowercased(text, i, e, body)
            }
            // Scan one word into `buffer`.
            let start = i
            let scanned = Tokenizer.scanWord(text, from: start, into: buffer)
            i = scanned.end
            count = scanned.count
            let hasDigit = scanned.hasDigit
            let limit = Tokenizer.maxWordBytes
            if count > limit { trimBuffer() }
            var joins = i + 1 < n && Tokenizer.isJoiner(text[i]) && Tokenizer.startsWord(text, i + 1)
            // A word split by a hyphen at a line end (`sekretess-` / `lagen`): the next word
            // joins it as a hyphen would, so `sekretesslagen` is indexed too; the text is not
            // rewritten.
            var resume = i + 1
            if !joins, i < n, text[i] == UInt8(ascii: "-"), let next = Tokenizer.lineEndHyphenContinuation(text, at: i) {
                joins = true
                resume = next
            }
            if spanWords.isEmpty && !joins {
                // The common case: a word on its own.
                body(RawToken(word: UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), start: start, end: i, kind: .word))
                continue
            }
            let lo = spanBytes.count
            spanBytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<count]))
            spanWords.append((start, i, lo, spanBytes.count, hasDigit))
            // Does a joiner connect it to the next word?
            if joins && spanWords.count < 16 {
                spanJoiners.append(text[i])
                i = resume
                continue
            }
            flushSpan(text, body)
        }
        flushSpan(text, body)
    }

    /// Appends to `out` the byte offset where each word of `text` starts: the words `tokenize`
    /// gives as `.word` tokens (maximal runs of word characters, found by the same
    /// `startsWord` and `scanWord`), so the k-th offset is the start of the word at position k
    /// of an analysis of `text`. Nothing is lowercased or emitted: a snippet counts the words
    /// of a region this way and analyses only the few it shows (`Snippets.bestExact`).
    /// With `limit`, it stops at the first word past `out` holding `limit` offsets and returns
    /// false (more words follow, not looked at); true when `out` holds every word.
    @discardableResult
    public static func wordStarts(_ text: UnsafeRawBufferPointer, into out: inout [Int], limit: Int = .max) -> Bool {
        let n = text.count
        guard n > 0, let base = text.baseAddress else { return true }
        let t = base.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < n {
            let b = t[i]
            if b < 0x80 {
                guard (b &- 0x61) < 26 || (b &- 0x41) < 26 || (b &- 0x30) < 10 else { i &+= 1; continue }
            } else if !startsWord(text, i) {
                i += decode(text, at: i).1
                continue
            }
            // A word past the limit: there are more words than `out` holds.
            guard out.count < limit else { return false }
            out.append(i)
            i = max(i + 1, wordEnd(text, from: i))
        }
        return true
    }

    /// Where the word starting at `i` ends: `scanWord`'s end, without writing the word.
    @inline(__always)
    static func wordEnd(_ text: UnsafeRawBufferPointer, from i: Int) -> Int {
        let t = text.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let n = text.count
        var i = i
        while i < n {
            let c = t[i]
            if c < 0x80 {
                guard (c &- 0x61) < 26 || (c &- 0x30) < 10 || (c &- 0x41) < 26 else { break }
                i &+= 1
            } else if c == 0xC3, i &+ 1 < n, t[i &+ 1] & 0xC0 == 0x80 {
                // Latin-1 letters but × and ÷ (C3 97, C3 B7), as `scanWord` reads them.
                if t[i &+ 1] == 0x97 || t[i &+ 1] == 0xB7 { break }
                i &+= 2
            } else {
                guard let l = wordScalarLength(text, at: i) else { break }
                i &+= l
            }
        }
        return i
    }

    /// The length of the scalar at `i` when it continues a word, else nil. Kept out of line:
    /// `isWordScalar` reads Unicode properties, whose type metadata a caller would otherwise
    /// fetch on every call (`wordEnd`, once per word) even for ASCII words.
    @inline(never)
    static func wordScalarLength(_ text: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let (scalar, l) = decode(text, at: i)
        guard let scalar, isWordScalar(scalar) else { return nil }
        return l
    }

    /// Words after a line-end hyphen that show the hyphen is a real one (`offentlighets- och
    /// sekretesslagen`, `kommun- eller regionfullmäktige`).
    static let conjunctions: [[UInt8]] = ["och", "eller", "samt", "respektive", "resp", "som", "till", "utan", "men", "and", "or"].map { Array($0.utf8) }

    /// When a `-` at `i` ends a line (blanks allowed around the line break) and the next line
    /// starts with a lowercase word that is not a conjunction: that word's start.
    static func lineEndHyphenContinuation(_ t: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let n = t.count
        guard i < n, t[i] == UInt8(ascii: "-") else { return nil }
        var j = i + 1
        while j < n && (t[j] == 0x20 || t[j] == 0x09) { j += 1 }
        if j < n && t[j] == 0x0D { j += 1 }
        guard j < n, t[j] == 0x0A else { return nil }
        j += 1
        while j < n && (t[j] == 0x20 || t[j] == 0x09) { j += 1 }
        guard j < n else { return nil }
        // A lowercase letter: ASCII a–z or a two-byte Latin-1 lowercase letter (å, ä, ö, é, …).
        let c = t[j]
        let lower = (c >= 0x61 && c <= 0x7A) || (c == 0xC3 && j + 1 < n && t[j + 1] >= 0x9F && t[j + 1] <= 0xBF && t[j + 1] != 0xB7)
        guard lower else { return nil }
        var e = j
        while e < n && ((t[e] >= 0x61 && t[e] <= 0x7A) || t[e] >= 0x80) { e += 1 }
        let word = Array(t[j..<e])
        if conjunctions.contains(word) { return nil }
        return j
    }

    /// Scans the word starting at `i` into `out`, lowercased and normalised: its end in `text`,
    /// the bytes written (more than `maxWordBytes` only when the word was cut mid-scalar; see
    /// `trimBuffer`) and whether it holds an ASCII digit. `out` has room for `maxWordBytes + 8`.
    @inline(__always)
    static func scanWord(_ text: UnsafeRawBufferPointer, from i: Int, into out: UnsafeMutableBufferPointer<UInt8>)
        -> (end: Int, count: Int, hasDigit: Bool) {
        // Raw pointers: the loop runs for every byte of every word.
        let t = text.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let o = out.baseAddress!
        let n = text.count, limit = maxWordBytes
        var i = i, count = 0, hasDigit = false
        while i < n {
            let c = t[i]
            if c < 0x80 {
                if (c &- 0x61) < 26 {
                    if count < limit { o[count] = c; count &+= 1 }
                } else if (c &- 0x30) < 10 {
                    hasDigit = true
                    if count < limit { o[count] = c; count &+= 1 }
                } else if (c &- 0x41) < 26 {
                    if count < limit { o[count] = c | 0x20; count &+= 1 }
                } else { break }
                i &+= 1
            } else if c == 0xC3, i &+ 1 < n, t[i &+ 1] & 0xC0 == 0x80 {
                // Latin-1 letters (å, ä, ö, é, …), two bytes: the common non-ASCII case.
                var v = 0xC0 | UInt32(t[i &+ 1] & 0x3F)
                if v == 0xD7 || v == 0xF7 { break }  // × and ÷
                if v <= 0xDE { v &+= 0x20 }
                if v == 0xE6 { v = 0xE4 } else if v == 0xF8 { v = 0xF6 }  // æ → ä, ø → ö
                if count < limit {
                    o[count] = UInt8(0xC0 | (v >> 6))
                    o[count &+ 1] = UInt8(0x80 | (v & 0x3F))
                    count &+= 2
                }
                i &+= 2
            } else {
                // Any other scalar: decoded and classified out of line (rare in Swedish text).
                let l = scanScalar(text, at: i, into: out, count: &count)
                if l == 0 { break }
                i &+= l
            }
        }
        return (i, count, hasDigit)
    }

    /// The word scalar at `i` (not ASCII, not a two-byte Latin-1 letter), lowercased into `out`
    /// at `count` while there is room: its length in bytes, or 0 if it is not a word character.
    @inline(never)
    static func scanScalar(_ text: UnsafeRawBufferPointer, at i: Int, into out: UnsafeMutableBufferPointer<UInt8>,
                           count: inout Int) -> Int {
        let (scalar, l) = decode(text, at: i)
        guard let scalar, isWordScalar(scalar) else { return 0 }
        if count < maxWordBytes {
            var scratch: [UInt8] = []
            _ = appendLowercased(scalar, to: &scratch)
            for b in scratch where count < out.count { out[count] = b; count += 1 }
        }
        return l
    }

    /// Cuts an over-long word on a scalar boundary.
    private mutating func trimBuffer() {
        var cut = Tokenizer.maxWordBytes
        while cut > 0 && (buffer[cut] & 0xC0) == 0x80 { cut -= 1 }
        count = cut
    }

    /// Emits the words of the current span, preceded by its joined form when it has one.
    private mutating func flushSpan(_ text: UnsafeRawBufferPointer, _ body: (RawToken) -> Void) {
        guard !spanWords.isEmpty else { return }
        if spanWords.count > 1 {
            let first = spanWords[0], last = spanWords[spanWords.count - 1]
            let anyDigit = spanWords.contains { $0.hasDigit }
            let hyphensOnly = spanJoiners.allSatisfy { $0 == UInt8(ascii: "-") }
            let hasAt = spanJoiners.contains(UInt8(ascii: "@"))
            if hyphensOnly && !anyDigit {
                // PUL-bedömning → pulbedömning
                joined.removeAll(keepingCapacity: true)
                for w in spanWords { joined.append(contentsOf: spanBytes[w.lo..<w.hi]) }
                if joined.count <= Tokenizer.maxJoinedBytes {
                    joined.withUnsafeBytes { body(RawToken(word: $0, start: first.start, end: last.end, kind: .joined)) }
                }
            } else if anyDigit || hasAt {
                // KS-2015-0123, 2015/123, 1998:899, name@example.se: the whole form, separators kept.
                emitLowercased(text, first.start, last.end, body)
            }
        }
        for w in spanWords {
            spanBytes.withUnsafeBytes { b in
                body(RawToken(word: UnsafeRawBufferPointer(rebasing: b[w.lo..<w.hi]), start: w.start, end: w.end, kind: .word))
            }
        }
        spanWords.removeAll(keepingCapacity: true)
        spanBytes.removeAll(keepingCapacity: true)
        spanJoiners.removeAll(keepingCapacity: true)
    }

    /// Emits `text[lo..<hi]` lowercased as one joined token.
    private mutating func emitLowercased(_ text: UnsafeRawBufferPointer, _ lo: Int, _ hi: Int, _ body: (RawToken) -> Void) {
        guard hi - lo <= Tokenizer.maxJoinedBytes else { return }
        joined.removeAll(keepingCapacity: true)
        var i = lo
        while i < hi {
            let c = text[i]
            if c < 0x80 {
                joined.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c)
                i += 1
            } else {
                let (scalar, l) = Tokenizer.decode(text, at: i)
                if let scalar, !Tokenizer.appendLowercased(scalar, to: &joined) {
                    Tokenizer.appendUTF8(scalar.value, to: &joined)
                }
                i += l
            }
        }
        joined.withUnsafeBytes { body(RawToken(word: $0, start: lo, end: hi, kind: .joined)) }
    }

    /// End of a URL (`http://`, `https://`, `www.`) starting at `i`, trailing punctuation
    /// excluded; nil if none starts there. (E-mail addresses are found as joined spans.)
    static func urlEnd(_ t: UnsafeRawBufferPointer, at i: Int) -> Int? {
        func has(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard i + count <= t.count else { return false }
            let p = prefix.utf8Start
            for k in 0..<count where t[i + k] | 0x20 != p[k] | 0x20 { return false }
            return true
        }
        guard has("http://") || has("https://") || has("www.") else { return nil }
        var e = i
        while e < t.count {
            let c = t[e]
            if c <= 0x20 || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'")
                || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
                { break }
            e += 1
        }
        while e > i, [UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"), UInt8(ascii: "?")].contains(t[e - 1]) { e -= 1 }
        return e - i > 4 ? e : nil
    }

    /// Decodes the scalar at `i`; nil (length 1) for an invalid sequence.
    @inline(__always)
    static func decode(_ t: UnsafeRawBufferPointer, at i: Int) -> (Unicode.Scalar?, Int) {
        let b0 = UInt32(t[i])
        let n = t.count
        func cont(_ k: Int) -> UInt32? {
            guard i + k < n else { return nil }
            let c = t[i + k]
            return c & 0xC0 == 0x80 ? UInt32(c & 0x3F) : nil
        }
        if b0 & 0xE0 == 0xC0 {
            guard b0 >= 0xC2, let c1 = cont(1) else { return (nil, 1) }
            return (Unicode.Scalar((b0 & 0x1F) << 6 | c1), 2)
        } else if b0 & 0xF0 == 0xE0 {
            guard let c1 = cont(1), let c2 = cont(2) else { return (nil, 1) }
            let v = (b0 & 0x0F) << 12 | c1 << 6 | c2
            guard v >= 0x800 else { return (nil, 1) }
            return (Unicode.Scalar(v), 3)  // nil for surrogates
        } else if b0 & 0xF8 == 0xF0 {
            guard let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) else { return (nil, 1) }
            let v = (b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            guard v >= 0x10000, v <= 0x10FFFF else { return (nil, 1) }
            return (Unicode.Scalar(v), 4)
        }
        return (nil, 1)
    }

    @inline(__always)
    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Appends the lowercased, normalised form of a word scalar; false if it is not a word
    /// character.
    @inline(__always)
    static func appendLowercased(_ s: Unicode.Scalar, to out: inout [UInt8]) -> Bool {
        var v = s.value
        if v >= 0xC0 && v <= 0xFF {
            // Latin-1 letters: everything but × and ÷; capitals map by +0x20 (ß and ÿ are lower).
            if v == 0xD7 || v == 0xF7 { return false }
            if v <= 0xDE { v += 0x20 }
            if v == 0xE6 { v = 0xE4 }        // æ → ä
            else if v == 0xF8 { v = 0xF6 }   // ø → ö
            if out.count < maxWordBytes {
                out.append(UInt8(0xC0 | (v >> 6)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            }
            return true
        }
        if v < 0xC0 {
            // Latin-1 punctuation and symbols; ª, µ and º are letters but rare: treat as letters.
            guard v == 0xAA || v == 0xB5 || v == 0xBA else { return false }
        }
        let p = s.properties
        guard p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
                || p.generalCategory == .spacingMark else { return false }
        if out.count < maxWordBytes {
            if p.changesWhenLowercased {
                out.append(contentsOf: p.lowercaseMapping.utf8)
            } else {
                appendUTF8(s.value, to: &out)
            }
        }
        return true
    }
}
