/// One word found by the tokenizer.
public struct RawToken {
    /// The lowercased, normalised word (UTF-8), valid only during the callback.
    public let word: UnsafeRawBufferPointer
    /// Byte offset of the word's first byte in the source text.
    public let start: Int
    /// Byte offset just past the word's last byte in the source text.
    public let end: Int
}

/// Splits UTF-8 text into lowercased words. Works on bytes: ASCII and Latin-1 letters take a
/// fast path; any other scalar is decoded and classified by its Unicode properties (letters,
/// marks and digits of every script are word characters). å, ä and ö stay distinct letters;
/// the Norwegian and Danish æ and ø are written as their Swedish forms ä and ö.
public struct Tokenizer {
    /// Words longer than this many bytes are cut (they are almost always garbage, e.g. base64).
    public static let maxWordBytes = 96

    private var buffer: [UInt8] = []

    /// A tokenizer with an empty work buffer.
    public init() { buffer.reserveCapacity(Tokenizer.maxWordBytes + 8) }

    /// Calls `body` for every word of `text`, in order.
    public mutating func tokenize(_ text: UnsafeRawBufferPointer, _ body: (RawToken) -> Void) {
        let n = text.count
        var i = 0
        var start = -1
        buffer.removeAll(keepingCapacity: true)
        while i < n {
            let b = text[i]
            var len = 1
            var isWord = false
            if b < 0x80 {
                if b >= 0x61 && b <= 0x7A || b >= 0x30 && b <= 0x39 {
                    isWord = true
                    if buffer.count < Tokenizer.maxWordBytes { buffer.append(b) }
                } else if b >= 0x41 && b <= 0x5A {
                    isWord = true
                    if buffer.count < Tokenizer.maxWordBytes { buffer.append(b | 0x20) }
                }
            } else {
                let (scalar, l) = Tokenizer.decode(text, at: i)
                len = l
                if let scalar {
                    isWord = Tokenizer.appendLowercased(scalar, to: &buffer)
                }
            }
            if isWord {
                if start < 0 { start = i }
            } else if start >= 0 {
                emit(start: start, end: i, body)
                start = -1
            }
            i += len
        }
        if start >= 0 { emit(start: start, end: n, body) }
    }

    @inline(__always)
    private mutating func emit(start: Int, end: Int, _ body: (RawToken) -> Void) {
        if buffer.count > Tokenizer.maxWordBytes {
            // Cut on a scalar boundary.
            var cut = Tokenizer.maxWordBytes
            while cut > 0 && (buffer[cut] & 0xC0) == 0x80 { cut -= 1 }
            buffer.removeSubrange(cut...)
        }
        buffer.withUnsafeBytes { body(RawToken(word: $0, start: start, end: end)) }
        buffer.removeAll(keepingCapacity: true)
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
