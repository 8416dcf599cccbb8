/// Document-derived strings on their way to a terminal, a spreadsheet or a browser.
///
/// Everything diarium prints that came from a received file — titles, authorities, paths and
/// file names, snippets, e-mail headers, extracted text, error messages that name a file — is
/// untrusted: a file named `ESC ]0;… BEL` retitles the terminal, a `<title>` of
/// `=HYPERLINK(…)` becomes a live formula in LibreOffice, a `DC.creator` of `<img onerror=…>`
/// runs in a Markdown viewer, and U+202E turns `gpj.exe` into `exe.jpg` on screen. Every writer
/// (the CLI's text, CSV, Markdown and HTML output, the report renderers, a future web front end)
/// passes such strings through one of these functions; JSON output goes through `json`, which
/// writes the invisible ones as `\u` escapes (JSON is the lossless export).
///
/// The policy, decided per Unicode scalar (never per `Character`: Swift reads `"\r\n"` as one
/// `Character`, which is how row injection slipped past a check for `"\n"`):
/// - C0 controls and DEL become their Control Pictures (`ESC` → `␛`, `LF` → `␊`, U+2400–U+2421);
///   in `block` text, LF and TAB stay and CR LF becomes LF;
/// - C1 controls (U+0080–U+009F, including NEL), bidirectional formatting characters (LRE, RLE,
///   PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM), invisible characters (zero-width space,
///   joiners, word joiner, invisible operators, the BOM, the Mongolian vowel separator,
///   interlinear annotation controls) and the line and paragraph separators become `�`
///   (U+FFFD), so that what is hidden shows;
/// - everything else passes unchanged.
public enum SafeText {
    /// What one scalar becomes: kept, or replaced by a visible stand-in.
    @inline(__always)
    static func replacement(_ v: UInt32, block: Bool) -> Unicode.Scalar? {
        switch v {
        case 0x0A, 0x09: return block ? nil : Unicode.Scalar(0x2400 + v)
        case 0x00...0x1F: return Unicode.Scalar(0x2400 + v)
        case 0x7F: return "\u{2421}"
        case 0x80...0x9F: return "\u{FFFD}"
        case 0x061C, 0x180E, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF, 0xFFF9...0xFFFB:
            return "\u{FFFD}"
        default: return nil
        }
    }

    /// Whether a string may hold a scalar that `replacement` changes: a byte below 0x20, DEL,
    /// or the UTF-8 of a scalar of the ranges above (C2 80–9F: C1 controls; D8 9C: U+061C;
    /// E1 A0 8E: U+180E; E2 80 8B–8F and A8–AE, E2 81 A0–A4 and A6–A9: U+200B–U+2069; EF BB BF:
    /// U+FEFF; EF BF B9–BB: U+FFF9–FFFB). A fast path: most strings are plain. The sequences
    /// are matched whole, not by lead byte alone, so that `«`, `»` (C2 AB, C2 BB) and `…` (E2 80
    /// A6), which every snippet holds, keep a string on it: by lead byte, the 41 fields of a
    /// page of ten hits went through the scalar-by-scalar copy, 1.3 M instructions of a fresh
    /// `diarium search` (callgrind). `SafeTextTests` judges it against `replacement`.
    static func mayNeedWork(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { u in
            let n = u.count
            var i = 0
            while i < n {
                let b = u[i]
                i += 1
                if b < 0x80 {
                    if b < 0x20 || b == 0x7F { return true }
                    continue
                }
                // Continuation bytes (80–BF) never equal the lead bytes below.
                switch b {
                case 0xC2:
                    if i < n, u[i] <= 0x9F { return true }
                case 0xD8:
                    if i < n, u[i] == 0x9C { return true }
                case 0xE1:
                    if i + 1 < n, u[i] == 0xA0, u[i + 1] == 0x8E { return true }
                case 0xE2:
                    guard i + 1 < n else { break }
                    let b1 = u[i], b2 = u[i + 1]
                    if b1 == 0x80, (0x8B...0x8F).contains(b2) || (0xA8...0xAE).contains(b2) { return true }
                    if b1 == 0x81, (0xA0...0xA4).contains(b2) || (0xA6...0xA9).contains(b2) { return true }
                case 0xEF:
                    guard i + 1 < n else { break }
                    let b1 = u[i], b2 = u[i + 1]
                    if b1 == 0xBB, b2 == 0xBF { return true }
                    if b1 == 0xBF, (0xB9...0xBB).contains(b2) { return true }
                default:
                    break
                }
            }
            return false
        }
    }

    static func clean(_ s: String, block: Bool) -> String {
        guard mayNeedWork(s) else { return s }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for u in s.unicodeScalars {
            if block && u.value == 0x0A && previousCR { out.removeLast(); out.append("\n"); previousCR = false; continue }
            previousCR = u.value == 0x0D
            if let r = replacement(u.value, block: block) { out.append(r) } else { out.append(u) }
        }
        return String(out)
    }

    /// A one-line field for a terminal or a plain-text file (title, authority, path, snippet,
    /// header): every control, line break, bidi and invisible character made visible.
    public static func line(_ s: String) -> String { clean(s, block: false) }

    /// Multi-line text (an extracted document): as `line`, but LF and TAB kept and CR LF read as LF.
    public static func block(_ s: String) -> String { clean(s, block: true) }

    // MARK: JSON

    /// JSON text from an encoder, with DEL, C1, bidi and invisible characters written as
    /// `\uXXXX` escapes: the same strings to a JSON reader (lossless), nothing hidden or
    /// reordered on a terminal. (The encoder already escapes C0 controls; outside strings, JSON
    /// text is ASCII, so every such scalar is inside a string.)
    public static func json(_ encoded: String) -> String {
        guard mayNeedWork(encoded) else { return encoded }
        var out = String.UnicodeScalarView()
        for u in encoded.unicodeScalars {
            if u.value >= 0x20, replacement(u.value, block: false) != nil {
                let hex = String(u.value, radix: 16, uppercase: false)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    // MARK: CSV

    /// One RFC 4180 field, safe to open in a spreadsheet: `line`-cleaned; a cell starting with
    /// `=`, `+`, `-`, `@`, TAB or CR (a formula to Excel, LibreOffice and Google Sheets) gets a
    /// leading `'` (the OWASP rule); quoted when it holds a comma, a quote or any line break
    /// (checked per byte, after cleaning too, so a raw break can never split a row).
    /// `separator` is the field separator in use (`,`, or `;` for a spreadsheet set to Swedish,
    /// or TAB): a field holding it is quoted too.
    public static func csvField(_ s: String) -> String { csvField(s, separator: UInt8(ascii: ",")) }

    /// `csvField` for a file whose fields are separated by `separator`.
    public static func csvField(_ s: String, separator: UInt8) -> String {
        var v = line(s)
        if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { v = "'" + v }
        return csvQuoted(v, separator: separator)
    }

    /// A number (or other text diarium made itself) as a CSV field: quoted if need be, never
    /// prefixed, so `-1` and `3.5` stay numbers.
    public static func csvNumber(_ s: String) -> String { csvQuoted(s, separator: UInt8(ascii: ",")) }

    /// `csvNumber` for a file whose fields are separated by `separator`.
    public static func csvNumber(_ s: String, separator: UInt8) -> String { csvQuoted(s, separator: separator) }

    /// Quotes `v` when it holds the separator, a comma, a quote, CR, LF, or another line break
    /// (VT, FF, NEL, U+2028, U+2029): decided on UTF-8 bytes.
    static func csvQuoted(_ v: String, separator: UInt8 = UInt8(ascii: ",")) -> String {
        var needs = false
        var previous: UInt8 = 0, beforePrevious: UInt8 = 0
        for b in v.utf8 {
            if b == separator { needs = true; break }
            switch b {
            case UInt8(ascii: ","), UInt8(ascii: "\""), 0x0A, 0x0B, 0x0C, 0x0D: needs = true
            case 0x85 where previous == 0xC2: needs = true                                      // NEL
            case 0xA8, 0xA9: if previous == 0x80 && beforePrevious == 0xE2 { needs = true }     // U+2028, U+2029
            default: break
            }
            if needs { break }
            beforePrevious = previous
            previous = b
        }
        guard needs else { return v }
        var out = "\""
        for u in v.unicodeScalars {
            if u == "\"" { out += "\"\"" } else { out.unicodeScalars.append(u) }
        }
        return out + "\""
    }

    /// A CSV record of text fields, ended by CR LF.
    public static func csvRow(_ fields: [String]) -> String { fields.map { csvField($0) }.joined(separator: ",") + "\r\n" }

    // MARK: Markdown and HTML

    /// Inline Markdown (a table cell, a list item): `line`-cleaned, HTML special characters as
    /// entities (no raw tag or entity reaches the renderer), and the ASCII punctuation Markdown
    /// reads as syntax inside a line (`\ | * _ [ ] ~ \``) escaped with a backslash, so a name
    /// can neither break a table nor become a link, an image or emphasis.
    public static func markdown(_ s: String) -> String {
        let v = line(s)
        var out = ""
        out.reserveCapacity(v.utf8.count)
        for u in v.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\\", "|", "*", "_", "[", "]", "~", "`": out += "\\"; out.unicodeScalars.append(u)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Text for HTML element content or a quoted attribute value: `line`-cleaned, `& < > " '`
    /// as entities.
    public static func html(_ s: String) -> String { htmlEntities(line(s)) }

    /// Multi-line text for HTML element content or a quoted attribute value (a document's text
    /// shown with its line breaks, a snippet): `block`-cleaned (LF and TAB kept, CR LF as LF),
    /// `& < > " '` as entities.
    public static func htmlBlock(_ s: String) -> String { htmlEntities(block(s)) }

    /// `v` with `& < > " '` as character references.
    static func htmlEntities(_ v: String) -> String {
        guard v.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return v }
        var out = ""
        out.reserveCapacity(v.utf8.count + 16)
        for u in v.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
