import Foundation

/// Character sets named in MIME headers and parameters (`charset=`, RFC 2047 and RFC 2231).
enum MailCharset {
    /// Decodes `bytes` in the charset a message names. UTF-8, ISO-8859-1, Windows-1252 and
    /// US-ASCII go through `TextDecoding` (so mislabelled text still comes out readable); a few
    /// other common charsets through Foundation; anything else is decoded as UTF-8, else
    /// Windows-1252. Returns the text (NFC) and the encoding it was decoded from.
    static func decode(_ bytes: [UInt8], charset: String?) -> (text: String, encoding: String) {
        guard let raw = charset?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return TextDecoding.decode(bytes) }
        let label = TextDecoding.normalizedLabel(raw)
        switch label {
        case "utf-8", "iso-8859-1", "windows-1252":
            return TextDecoding.decode(bytes, declared: label)
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us":
            return TextDecoding.decode(bytes)
        default:
            break
        }
        if let encoding = foundationEncoding(label), !(bytes.allSatisfy { $0 < 0x80 } && encoding.isASCIICompatible),
           let s = String(data: Data(bytes), encoding: encoding) {
            return (TextDecoding.nfc(s), label)
        }
        return TextDecoding.decode(bytes)
    }

    static func foundationEncoding(_ label: String) -> String.Encoding? {
        switch label {
        case "utf-16": return .utf16
        case "utf-16le": return .utf16LittleEndian
        case "utf-16be": return .utf16BigEndian
        case "iso-8859-2", "latin2": return .isoLatin2
        case "windows-1250", "cp1250": return .windowsCP1250
        case "windows-1251", "cp1251": return .windowsCP1251
        case "windows-1253", "cp1253": return .windowsCP1253
        case "windows-1254", "cp1254": return .windowsCP1254
        case "macintosh", "mac", "x-mac-roman": return .macOSRoman
        case "shift_jis", "shift-jis", "sjis": return .shiftJIS
        case "euc-jp": return .japaneseEUC
        case "iso-2022-jp": return .iso2022JP
        default: return nil
        }
    }
}

private extension String.Encoding {
    /// Whether ASCII bytes mean ASCII in this encoding (then pure-ASCII input needs no
    /// Foundation round trip).
    var isASCIICompatible: Bool {
        switch self {
        case .utf16, .utf16LittleEndian, .utf16BigEndian, .iso2022JP: return false
        default: return true
        }
    }
}

/// RFC 2047 encoded words in header fields: `=?UTF-8?Q?Beg=C3=A4ran?=`, `=?iso-8859-1?B?…?=`.
enum EncodedWords {
    /// Decodes a header value (already unfolded): encoded words are decoded, whitespace between
    /// two adjacent encoded words is dropped, and adjacent words in one charset are joined
    /// before decoding (so a UTF-8 character split across two words survives). Bytes outside
    /// encoded words are read as UTF-8, else Windows-1252. Control characters become spaces.
    static func decode(_ raw: [UInt8]) -> String {
        var out = ""
        var pending: [UInt8] = []
        var pendingCharset: String? = nil
        var plain: [UInt8] = []
        var afterWord = false

        func flushPending() {
            if let charset = pendingCharset { out += MailCharset.decode(pending, charset: charset).text }
            pending = []
            pendingCharset = nil
        }
        func flushPlain() {
            if !plain.isEmpty { out += plainText(plain) }
            plain = []
        }

        var i = 0
        let n = raw.count
        while i < n {
            if raw[i] == UInt8(ascii: "="), i + 1 < n, raw[i + 1] == UInt8(ascii: "?"), let word = parseWord(raw, at: i) {
                if afterWord && plain.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
                    plain = []
                }
                if !plain.isEmpty || pendingCharset != word.charset {
                    flushPending()
                    flushPlain()
                }
                pendingCharset = word.charset
                pending += word.bytes
                afterWord = true
                i = word.end
                continue
            }
            plain.append(raw[i])
            i += 1
        }
        flushPending()
        flushPlain()
        return TextDecoding.nfc(String(String.UnicodeScalarView(out.unicodeScalars.map { s in
            (s.value < 0x20 || s.value == 0x7F) ? " " : s
        })))
    }

    /// Bytes outside encoded words: ASCII as is, 8-bit bytes as UTF-8 or Windows-1252.
    static func plainText(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return TextDecoding.decode(bytes).text
    }

    struct Word {
        var charset: String
        var bytes: [UInt8]
        var end: Int
    }

    /// The encoded word starting at `start` (`=?charset[*lang]?Q|B?text?=`), or nil when the
    /// bytes there are not one. The text holds no whitespace, as RFC 2047 requires.
    static func parseWord(_ raw: [UInt8], at start: Int) -> Word? {
        let n = raw.count
        var j = start + 2
        let charsetStart = j
        while j < n, raw[j] != UInt8(ascii: "?") {
            let c = raw[j]
            if c <= 0x20 || c >= 0x7F || j - charsetStart > 40 { return nil }
            j += 1
        }
        guard j < n, j > charsetStart, j + 2 < n, raw[j + 2] == UInt8(ascii: "?") else { return nil }
        var charset = String(decoding: raw[charsetStart..<j], as: UTF8.self).lowercased()
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }  // RFC 2231 language
        charset = TextDecoding.normalizedLabel(charset)
        let mode = raw[j + 1] | 0x20
        guard mode == UInt8(ascii: "q") || mode == UInt8(ascii: "b") else { return nil }
        let textStart = j + 3
        var k = textStart
        while k + 1 < n, !(raw[k] == UInt8(ascii: "?") && raw[k + 1] == UInt8(ascii: "=")) {
            if raw[k] == 0x20 || raw[k] == 0x09 || raw[k] == 0x0D || raw[k] == 0x0A { return nil }
            k += 1
        }
        guard k + 1 < n else { return nil }
        let text = raw[textStart..<k]
        let bytes = mode == UInt8(ascii: "b") ? MailBase64.decode(text) : QuotedPrintable.decode(text, header: true)
        return Word(charset: charset, bytes: bytes, end: k + 2)
    }
}
