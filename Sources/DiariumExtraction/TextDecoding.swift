import Foundation

/// Turns a file's bytes into UTF-8 text: BOM first, then a declared charset, then valid
/// UTF-8, else Windows-1252 (a superset of ISO-8859-1 in practice). Output is NFC.
public enum TextDecoding {
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
    public static func nfc(_ s: String) -> String {
        var copy = s
        let needs = copy.withUTF8 { b -> Bool in
            var i = 0
            let n = b.count
            while i < n {
                var end = n
                // Eight bytes none of which is from CC on (ASCII and Latin text) change nothing;
                // when one is, the scalars starting in them are looked at one by one before the
                // next eight are loaded (not the overlapping eight from the next byte).
                if i &+ 8 <= n {
                    let w = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if !ByteWord.hasByte(w, atLeast: 0xCC) {
                        i &+= 8
                        continue
                    }
                    end = i &+ 8
                }
                while i < end {
                    if b[i] < 0xCC { i += 1; continue }
                    let (u, width) = UTF8Scan.scalar(b, at: i)
                    if mayChangeUnderNFC(u) { return true }
                    i += width
                }
            }
            return false
        }
        return needs ? s.precomposedStringWithCanonicalMapping : s
    }

    /// Whether NFC may change a text at `u` (NFC_Quick_Check No or Maybe, UAX #15): a combining
    /// mark (canonical combining class ≠ 0), Hangul jamo, or one of `nfcStarters`. Below U+0300
    /// nothing is (the caller skips those).
    @inline(__always)
    static func mayChangeUnderNFC(_ u: Unicode.Scalar) -> Bool {
        // Dashes, quotes, bullets, `…`, super- and subscripts, currency signs: class 0, no
        // starter of `nfcStarters`; the commonest scalars from U+0300 on in Swedish text.
        if u.value >= 0x2002 && u.value <= 0x20CF { return false }
        if u.properties.canonicalCombiningClass != .notReordered || (0x1100...0x11FF).contains(u.value) { return true }
        return isNFCStarter(u.value)
    }

    /// Whether `v` is in `nfcStarters` (a binary search; the common punctuation U+2002–U+2125
    /// is answered at once).
    @inline(__always)
    static func isNFCStarter(_ v: UInt32) -> Bool {
        if v < 0x0374 || (v >= 0x2002 && v <= 0x2125) { return false }
        var low = 0, high = nfcStarters.count
        while low < high {
            let mid = (low + high) / 2
            if nfcStarters[mid].upperBound < v { low = mid + 1 } else { high = mid }
        }
        return low < nfcStarters.count && nfcStarters[low].contains(v)
    }

    /// The scalars of class 0 from U+0300 on (Hangul jamo aside) that NFC changes — it never
    /// keeps them (Full_Composition_Exclusion: singletons such as U+212B ANGSTROM SIGN → Å and
    /// U+2126 OHM SIGN → Ω, excluded decompositions) — or composes with the scalar before them
    /// (Indic two-part vowel signs and length marks, …). Written by `scripts/nfc-starters.py`
    /// (Unicode 14); `TextDecodingTests` judges `nfc` against Foundation's NFC for every scalar.
    static let nfcStarters: [ClosedRange<UInt32>] = [
        0x0374...0x0374, 0x037E...0x037E, 0x0387...0x0387, 0x0958...0x095F, 0x09BE...0x09BE, 0x09D7...0x09D7,
        0x09DC...0x09DD, 0x09DF...0x09DF, 0x0A33...0x0A33, 0x0A36...0x0A36, 0x0A59...0x0A5B, 0x0A5E...0x0A5E,
        0x0B3E...0x0B3E, 0x0B56...0x0B57, 0x0B5C...0x0B5D, 0x0BBE...0x0BBE, 0x0BD7...0x0BD7, 0x0CC2...0x0CC2,
        0x0CD5...0x0CD6, 0x0D3E...0x0D3E, 0x0D57...0x0D57, 0x0DCF...0x0DCF, 0x0DDF...0x0DDF, 0x0F43...0x0F43,
        0x0F4D...0x0F4D, 0x0F52...0x0F52, 0x0F57...0x0F57, 0x0F5C...0x0F5C, 0x0F69...0x0F69, 0x0F73...0x0F73,
        0x0F75...0x0F76, 0x0F78...0x0F78, 0x0F81...0x0F81, 0x0F93...0x0F93, 0x0F9D...0x0F9D, 0x0FA2...0x0FA2,
        0x0FA7...0x0FA7, 0x0FAC...0x0FAC, 0x0FB9...0x0FB9, 0x102E...0x102E, 0x1B35...0x1B35, 0x1F71...0x1F71,
        0x1F73...0x1F73, 0x1F75...0x1F75, 0x1F77...0x1F77, 0x1F79...0x1F79, 0x1F7B...0x1F7B, 0x1F7D...0x1F7D,
        0x1FBB...0x1FBB, 0x1FBE...0x1FBE, 0x1FC9...0x1FC9, 0x1FCB...0x1FCB, 0x1FD3...0x1FD3, 0x1FDB...0x1FDB,
        0x1FE3...0x1FE3, 0x1FEB...0x1FEB, 0x1FEE...0x1FEF, 0x1FF9...0x1FF9, 0x1FFB...0x1FFB, 0x1FFD...0x1FFD,
        0x2000...0x2001, 0x2126...0x2126, 0x212A...0x212B, 0x2329...0x232A, 0x2ADC...0x2ADC, 0xF900...0xFA0D,
        0xFA10...0xFA10, 0xFA12...0xFA12, 0xFA15...0xFA1E, 0xFA20...0xFA20, 0xFA22...0xFA22, 0xFA25...0xFA26,
        0xFA2A...0xFA6D, 0xFA70...0xFAD9, 0xFB1D...0xFB1D, 0xFB1F...0xFB1F, 0xFB2A...0xFB36, 0xFB38...0xFB3C,
        0xFB3E...0xFB3E, 0xFB40...0xFB41, 0xFB43...0xFB44, 0xFB46...0xFB4E, 0x11127...0x11127, 0x1133E...0x1133E,
        0x11357...0x11357, 0x114B0...0x114B0, 0x114BA...0x114BA, 0x114BD...0x114BD, 0x115AF...0x115AF, 0x11930...0x11930,
        0x1D15E...0x1D164, 0x1D1BB...0x1D1C0, 0x2F800...0x2FA1D,
    ]
}
