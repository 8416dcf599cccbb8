import Foundation

/// Turns a file's bytes into UTF-8 text: BOM first, then a declared charset, then valid
/// UTF-8, else Windows-1252 (a superset of ISO-8859-1 in practice). Output is NFC.
enum TextDecoding {
    /// Decodes `bytes`; `declared` is a charset named by the document itself, if any.
    static func decode(_ bytes: [UInt8], declared: String? = nil) -> (text: String, encoding: String) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return (nfc(String(decoding: bytes.dropFirst(3), as: UTF8.self)), "utf-8")
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let le = bytes[0] == 0xFF
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var i = 2
            while i + 1 < bytes.count {
                units.append(le ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            return (nfc(String(decoding: units, as: UTF16.self)), le ? "utf-16le" : "utf-16be")
        }
        let label = declared.map(normalizedLabel)
        // One validating pass makes the text when the bytes are UTF-8 (checked, then decoded
        // again, they took two).
        let utf8 = String(validating: bytes, as: UTF8.self)
        if let label, label == "windows-1252" || label == "iso-8859-1", utf8 == nil || !hasNonASCII(bytes) {
            return (nfc(windows1252(bytes)), label)
        }
        if let utf8 { return (nfc(utf8), "utf-8") }
        return (nfc(windows1252(bytes)), "windows-1252")
    }

    static func normalizedLabel(_ raw: String) -> String {
        let l = raw.trimmed().lowercased()
        switch l {
        case "latin1", "latin-1", "iso8859-1", "iso_8859-1", "iso-8859-1", "l1", "iso-8859-15", "iso8859-15", "latin-9":
            return "iso-8859-1"
        case "cp1252", "windows-1252", "win-1252", "x-cp1252": return "windows-1252"
        case "utf8", "utf-8": return "utf-8"
        default: return l
        }
    }

    static func hasNonASCII(_ bytes: [UInt8]) -> Bool { bytes.contains { $0 >= 0x80 } }

    static func isValidUTF8(_ bytes: some Sequence<UInt8>) -> Bool {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Windows-1252 to String: 0x80–0x9F are the Windows punctuation, not C1 controls.
    static func windows1252(_ bytes: [UInt8]) -> String {
        let high: [UInt32] = [
            0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
            0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
        ]
        var scalars = String.UnicodeScalarView()
        for b in bytes {
            let v: UInt32 = (b >= 0x80 && b < 0xA0) ? high[Int(b) - 0x80] : UInt32(b)
            scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// NFC, computed only when the text holds a scalar that NFC can change (the common case
    /// skips it). On bytes: only a scalar from U+0300 on (a lead byte from `CC`) is decoded and
    /// looked up (`mayChangeUnderNFC`).
    static func nfc(_ s: String) -> String {
        var copy = s
        let needs = copy.withUTF8 { b -> Bool in
            var i = 0
            while i < b.count {
                if b[i] < 0xCC { i += 1; continue }
                let (u, width) = UTF8Scan.scalar(b, at: i)
                if mayChangeUnderNFC(u) { return true }
                i += width
            }
            return false
        }
        return needs ? s.precomposedStringWithCanonicalMapping : s
    }

    /// Whether NFC may change a text at `u` (NFC_Quick_Check No or Maybe, UAX #15): a combining
    /// mark (canonical combining class ≠ 0), a scalar NFC never keeps (Full_Composition_Exclusion:
    /// singletons such as U+212B ANGSTROM SIGN → Å and U+2126 OHM SIGN → Ω, and excluded
    /// decompositions), Hangul jamo, or one of the starters that compose with the scalar before
    /// them (`isComposingStarter`). Below U+0300 nothing is (the caller skips those).
    @inline(__always)
    static func mayChangeUnderNFC(_ u: Unicode.Scalar) -> Bool {
        let p = u.properties
        if p.canonicalCombiningClass != .notReordered || (0x1100...0x11FF).contains(u.value) { return true }
        return p.isFullCompositionExclusion || isComposingStarter(u.value)
    }

    /// The scalars of class 0 that NFC composes with the scalar before them (the second half of
    /// a primary composite: Indic two-part vowel signs and length marks, Myanmar, Balinese and
    /// a few of the supplementary planes' scripts; the Hangul vowels and trailing consonants are
    /// `mayChangeUnderNFC`'s range). From UnicodeData's canonical decompositions (Unicode 14);
    /// `TextDecodingTests` judges the whole test against Foundation's NFC.
    @inline(__always)
    static func isComposingStarter(_ v: UInt32) -> Bool {
        switch v {
        case 0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57,
             0x0DCF, 0x0DDF, 0x102E, 0x1B35, 0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930:
            return true
        default:
            return false
        }
    }
}
