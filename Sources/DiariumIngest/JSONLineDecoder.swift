import DiariumExtraction

/// Reads a `JSONLDocument` from one line of JSON Lines on bytes, for the shape nearly every
/// line has: an object whose known keys hold strings, `null`, plain integers (`year`, `part`)
/// or an array of strings (`pages`), the other keys any JSON value. `JSONDecoder` stays the
/// judge: a line this reader does not fully understand — a syntax error, a known key twice, a
/// value of another type, a number with a fraction or exponent, a lone surrogate escape, `\u0000`,
/// invalid UTF-8, nesting deeper than `maxDepth` — gives nil, and the caller decodes it with
/// `JSONDecoder`, whose answer (and error message) counts. Where this reader answers, it answers
/// what `JSONDecoder` would (`JSONLineDecoderTests` compares the two on generated hostile lines).
///
/// Work is linear in the line's length with a bounded stack; strings without escapes are
/// validated and copied once (`JSONDecoder` was 5 % of a `--jsonl` ingest's instructions).
enum JSONLineDecoder {
    /// Deepest nesting of an ignored value that is read here (deeper: nil, `JSONDecoder` decides).
    static let maxDepth = 64

    /// The document of `line`, or nil where `JSONDecoder` must decide.
    static func decode(_ line: UnsafeRawBufferPointer) -> JSONLDocument? {
        var r = Reader(b: line)
        return r.document()
    }

    /// The known keys, one bit each (a key given twice sends the line to `JSONDecoder`).
    private enum Key: Int {
        case path, text, pages, title, authority, type, date, year, dnr, diarienummer, language, format, part, partName

        init?(_ b: UnsafeRawBufferPointer) {
            switch b.count {
            case 3: if Key.equal(b, "dnr") { self = .dnr; return }
            case 4:
                if Key.equal(b, "path") { self = .path; return }
                if Key.equal(b, "text") { self = .text; return }
                if Key.equal(b, "type") { self = .type; return }
                if Key.equal(b, "date") { self = .date; return }
                if Key.equal(b, "year") { self = .year; return }
                if Key.equal(b, "part") { self = .part; return }
            case 5:
                if Key.equal(b, "pages") { self = .pages; return }
                if Key.equal(b, "title") { self = .title; return }
            case 6: if Key.equal(b, "format") { self = .format; return }
            case 8:
                if Key.equal(b, "language") { self = .language; return }
                if Key.equal(b, "partName") { self = .partName; return }
            case 9: if Key.equal(b, "authority") { self = .authority; return }
            case 12: if Key.equal(b, "diarienummer") { self = .diarienummer; return }
            default: break
            }
            return nil
        }

        private static func equal(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
            s.withUTF8Buffer { k in k.count == b.count && memcmp(k.baseAddress!, b.baseAddress!, k.count) == 0 }
        }
    }

    private struct Reader {
        let b: UnsafeRawBufferPointer
        var i = 0
        /// An unescaped string's bytes are a slice of the line; an escaped one is built here.
        var scratch: [UInt8] = []

        init(b: UnsafeRawBufferPointer) { self.b = b }

        mutating func document() -> JSONLDocument? {
            skipSpace()
            guard take(0x7B) else { return nil }                     // {
            var path: String?, text: String?, pages: [String]?, title: String?, authority: String?, type: String?
            var date: String?, year: Int?, dnr: String?, diarienummer: String?, language: String?, format: String?
            var part: Int?, partName: String?
            var seen = 0
            skipSpace()
            if !take(0x7D) {                                         // }
                while true {
                    skipSpace()
                    guard let key = keyBytes() else { return nil }
                    skipSpace()
                    guard take(0x3A) else { return nil }             // :
                    skipSpace()
                    if let k = Key(key) {
                        guard seen & (1 << k.rawValue) == 0 else { return nil }
                        seen |= 1 << k.rawValue
                        switch k {
                        case .year, .part:
                            guard let v = optionalInteger() else { return nil }
                            if k == .year { year = v } else { part = v }
                        case .pages:
                            guard let v = optionalStrings() else { return nil }
                            pages = v
                        default:
                            guard let v = optionalString() else { return nil }
                            switch k {
                            case .path: path = v
                            case .text: text = v
                            case .title: title = v
                            case .authority: authority = v
                            case .type: type = v
                            case .date: date = v
                            case .dnr: dnr = v
                            case .diarienummer: diarienummer = v
                            case .language: language = v
                            case .format: format = v
                            case .partName: partName = v
                            case .year, .part, .pages: return nil
                            }
                        }
                    } else {
                        guard skipValue(depth: 0) else { return nil }
                    }
                    skipSpace()
                    if take(0x2C) { continue }                       // ,
                    guard take(0x7D) else { return nil }
                    break
                }
            }
            skipSpace()
            // `path` missing or null: `JSONDecoder` words the error.
            guard i == b.count, let path else { return nil }
            return JSONLDocument(path: path, text: text, pages: pages, title: title, authority: authority, type: type, date: date,
                                 year: year, dnr: dnr, diarienummer: diarienummer, language: language, format: format,
                                 part: part, partName: partName)
        }

        @inline(__always)
        mutating func skipSpace() {
            while i < b.count, case let c = b[i], c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
        }

        @inline(__always)
        mutating func take(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }

        /// `null`.
        mutating func takeNull() -> Bool {
            guard i + 4 <= b.count, b[i] == 0x6E, b[i + 1] == 0x75, b[i + 2] == 0x6C, b[i + 3] == 0x6C else { return false }
            i += 4
            return true
        }

        /// A key's bytes when it has no escape and is valid UTF-8 (else nil: such a key is left
        /// to `JSONDecoder`).
        mutating func keyBytes() -> UnsafeRawBufferPointer? {
            guard take(0x22) else { return nil }
            let start = i
            var ascii = true
            while i < b.count {
                let c = b[i]
                if c == 0x22 {
                    i += 1
                    let key = UnsafeRawBufferPointer(rebasing: b[start..<(i - 1)])
                    return ascii || String(validating: key, as: UTF8.self) != nil ? key : nil
                }
                if c == 0x5C || c < 0x20 { return nil }
                if c >= 0x80 { ascii = false }
                i += 1
            }
            return nil
        }

        /// A string, `null` (.some(nil)), or nil for anything else.
        mutating func optionalString() -> String?? {
            if takeNull() { return .some(nil) }
            guard let s = string() else { return nil }
            return .some(s)
        }

        /// A plain integer (`-?(0|[1-9][0-9]{0,17})`), `null` (.some(nil)), or nil for anything else.
        mutating func optionalInteger() -> Int?? {
            if takeNull() { return .some(nil) }
            let negative = take(0x2D)
            let start = i
            var v = 0
            while i < b.count, case let c = b[i], c >= 0x30 && c <= 0x39 {
                v = v &* 10 &+ Int(c - 0x30)   // more than 18 digits are refused below
                i += 1
            }
            let digits = i - start
            guard digits >= 1 && digits <= 18, !(digits > 1 && b[start] == 0x30) else { return nil }
            // A fraction or an exponent: `JSONDecoder` decides whether it is a whole number.
            if i < b.count, b[i] == 0x2E || b[i] == 0x65 || b[i] == 0x45 { return nil }
            return .some(negative ? -v : v)
        }

        /// An array of strings, `null` (.some(nil)), or nil for anything else.
        mutating func optionalStrings() -> [String]?? {
            if takeNull() { return .some(nil) }
            guard take(0x5B) else { return nil }
            var out: [String] = []
            skipSpace()
            if take(0x5D) { return .some(out) }
            while true {
                skipSpace()
                guard let s = string() else { return nil }
                out.append(s)
                skipSpace()
                if take(0x2C) { continue }
                guard take(0x5D) else { return nil }
                return .some(out)
            }
        }

        /// A string value as valid UTF-8, or nil (not a string, a bad escape, a lone surrogate,
        /// `\u0000`, invalid UTF-8). Runs of plain bytes are found in a tight loop and copied
        /// whole; only escapes are handled byte by byte.
        mutating func string() -> String? {
            guard take(0x22), let base = b.baseAddress else { return nil }
            let n = b.count
            var j = i, start = i
            var escaped = false
            scratch.removeAll(keepingCapacity: true)
            while true {
                // Eight bytes at a time while none is a quote, a backslash or a control
                // character (a bit-twiddled zero-byte test; the byte loop below finds which).
                while j &+ 8 <= n {
                    let w = base.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                    if ByteWord.equalMask(w, 0x22) | ByteWord.equalMask(w, 0x5C) | ByteWord.belowMask(w, 0x20) != 0 { break }
                    j &+= 8
                }
                while j < n {
                    let c = base.load(fromByteOffset: j, as: UInt8.self)
                    if c == 0x22 || c == 0x5C || c < 0x20 { break }
                    j += 1
                }
                guard j < n else { return nil }
                let c = base.load(fromByteOffset: j, as: UInt8.self)
                guard c >= 0x20 else { return nil }
                let run = UnsafeRawBufferPointer(start: base + start, count: j - start)
                if c == 0x22 {
                    i = j + 1
                    guard escaped else { return String(validating: run, as: UTF8.self) }
                    scratch.append(contentsOf: run)
                    return scratch.withUnsafeBytes { String(validating: $0, as: UTF8.self) }
                }
                // A backslash.
                escaped = true
                scratch.append(contentsOf: run)
                guard j + 1 < n else { return nil }
                let e = base.load(fromByteOffset: j + 1, as: UInt8.self)
                i = j + 2
                switch e {
                case 0x22, 0x5C, 0x2F: scratch.append(e)
                case 0x62: scratch.append(0x08)
                case 0x66: scratch.append(0x0C)
                case 0x6E: scratch.append(0x0A)
                case 0x72: scratch.append(0x0D)
                case 0x74: scratch.append(0x09)
                case 0x75:
                    guard var v = hex4() else { return nil }
                    if v >= 0xD800 && v < 0xDC00 {
                        guard i + 1 < n, b[i] == 0x5C, b[i + 1] == 0x75 else { return nil }
                        i += 2
                        guard let low = hex4(), low >= 0xDC00 && low < 0xE000 else { return nil }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else if (v >= 0xDC00 && v < 0xE000) || v == 0 {
                        return nil
                    }
                    guard let scalar = Unicode.Scalar(v) else { return nil }
                    scratch.append(contentsOf: UTF8.encode(scalar)!)
                default: return nil
                }
                j = i
                start = i
            }
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= b.count else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 {
                let c = b[i + k]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            i += 4
            return v
        }

        /// Passes over any JSON value, checking its syntax (strings as `string()` does).
        mutating func skipValue(depth: Int) -> Bool {
            guard depth < JSONLineDecoder.maxDepth, i < b.count else { return false }
            switch b[i] {
            case 0x22: return string() != nil
            case 0x7B, 0x5B:
                let close: UInt8 = b[i] == 0x7B ? 0x7D : 0x5D
                let object = close == 0x7D
                i += 1
                skipSpace()
                if take(close) { return true }
                while true {
                    skipSpace()
                    if object {
                        guard string() != nil else { return false }
                        skipSpace()
                        guard take(0x3A) else { return false }
                        skipSpace()
                    }
                    guard skipValue(depth: depth + 1) else { return false }
                    skipSpace()
                    if take(0x2C) { continue }
                    return take(close)
                }
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return takeNull()
            default: return number()
            }
        }

        mutating func literal(_ s: StaticString) -> Bool {
            s.withUTF8Buffer { k in
                guard i + k.count <= b.count, memcmp(k.baseAddress!, b.baseAddress! + i, k.count) == 0 else { return false }
                i += k.count
                return true
            }
        }

        /// A JSON number (RFC 8259): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        mutating func number() -> Bool {
            _ = take(0x2D)
            func digits() -> Int {
                let start = i
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
                return i - start
            }
            let first = i
            let n = digits()
            guard n >= 1, !(n > 1 && b[first] == 0x30) else { return false }
            if take(0x2E) { guard digits() >= 1 else { return false } }
            if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
                i += 1
                if !take(0x2B) { _ = take(0x2D) }
                guard digits() >= 1 else { return false }
            }
            return true
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
