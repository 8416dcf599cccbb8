import Foundation

/// The compressed RTF body of an Outlook message (MS-OXRTFCP): a 16-byte header (compressed
/// size, raw size, `LZFu` or `MELA`, CRC) and LZ77 runs against a 4 KiB ring dictionary that
/// starts with a fixed RTF prefix. Output is capped at `limit` and at the raw size.
enum CompressedRTF {
    enum Failure: Error { case damaged(String) }

    static let prefix = Array(("{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx").utf8)

    static func decompress(_ data: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        guard data.count >= 16 else { throw .damaged("header truncated") }
        func u32(_ p: Int) -> Int { Int(data[p]) | Int(data[p + 1]) << 8 | Int(data[p + 2]) << 16 | Int(data[p + 3]) << 24 }
        let rawSize = min(u32(4), limit)
        let type = u32(8)
        if type == 0x414C_454D { return Array(data[16..<min(data.count, 16 + rawSize)]) }   // MELA: stored
        guard type == 0x7546_5A4C else { throw .damaged("unknown compression type") }          // LZFu
        var dictionary = [UInt8](repeating: 0, count: 4096)
        dictionary.replaceSubrange(0..<prefix.count, with: prefix)
        var write = prefix.count
        var out: [UInt8] = []
        out.reserveCapacity(min(rawSize, 1 << 20))
        var p = 16
        while p < data.count && out.count < rawSize {
            let control = data[p]
            p += 1
            for bit in 0..<8 {
                guard p < data.count, out.count < rawSize else { break }
                if control & (1 << bit) == 0 {
                    let b = data[p]
                    p += 1
                    out.append(b)
                    dictionary[write] = b
                    write = (write + 1) & 4095
                } else {
                    guard p + 1 < data.count else { throw .damaged("reference truncated") }
                    let ref = Int(data[p]) << 8 | Int(data[p + 1])
                    p += 2
                    let offset = ref >> 4, length = (ref & 15) + 2
                    if offset == write { return out }   // the end marker
                    for k in 0..<length {
                        guard out.count < rawSize else { break }
                        let b = dictionary[(offset + k) & 4095]
                        out.append(b)
                        dictionary[write] = b
                        write = (write + 1) & 4095
                    }
                }
            }
        }
        return out
    }
}

/// Plain text from RTF (the `.rtf` files of a release, Outlook's RTF bodies): groups,
/// control words and symbols, `\'hh` in the document's code page (Windows-1252 unless
/// `\ansicpg` says UTF-8), `\uN` with its `\ucN` fallback skipped, paragraphs, tabs and table
/// cells. Destinations that are not text (font and colour tables, styles, pictures, objects,
/// field instructions, every `\*` destination) are skipped. Iterative: nesting costs one state
/// per group, and past `maxDepth` groups only their braces are counted.
enum RTFReader {
    static let maxDepth = 256

    static let skippedDestinations: Set<String> = ["fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "fldinst",
                                                   "themedata", "datastore", "xmlnstbl", "listtable", "listoverridetable",
                                                   "rsidtbl", "generator", "latentstyles", "filetbl", "revtbl", "header",
                                                   "footer", "headerl", "headerr", "headerf", "footerl", "footerr", "footerf",
                                                   "bkmkstart", "bkmkend", "template", "colorschememapping", "mmathpr",
                                                   "pgdsctbl", "protusertbl", "userprops", "nonshppict", "blipuid"]

    struct State {
        var skip = false
        var unicodeSkip = 1
        var htmlrtf = false
    }

    static func text(_ rtf: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(rtf.count / 2)
        var stack: [State] = []
        var state = State()
        var overflow = 0          // groups deeper than maxDepth
        var pendingSkip = 0       // fallback characters still to skip after \uN
        var utf8Codepage = false
        var i = 0
        let n = rtf.count

        func emitScalar(_ v: UInt32) {
            guard !state.skip, !state.htmlrtf, overflow == 0, let s = Unicode.Scalar(v) else { return }
            out.append(contentsOf: Array(String(Character(s)).utf8))
        }
        func emitByte(_ b: UInt8) {
            guard !state.skip, !state.htmlrtf, overflow == 0 else { return }
            if b < 0x80 || utf8Codepage { out.append(b) } else { out.append(contentsOf: Array(TextDecoding.windows1252([b]).utf8)) }
        }

        while i < n {
            let c = rtf[i]
            switch c {
            case UInt8(ascii: "{"):
                if stack.count >= maxDepth { overflow += 1 } else { stack.append(state) }
                i += 1
            case UInt8(ascii: "}"):
                if overflow > 0 { overflow -= 1 } else if let s = stack.popLast() { state = s }
                i += 1
            case UInt8(ascii: "\\"):
                i += 1
                guard i < n else { break }
                let d = rtf[i]
                if isLetter(d) {
                    var j = i
                    while j < n && isLetter(rtf[j]) && j - i < 32 { j += 1 }
                    let word = String(decoding: rtf[i..<j], as: UTF8.self)
                    var param: Int? = nil
                    var k = j
                    var negative = false
                    if k < n && rtf[k] == UInt8(ascii: "-") { negative = true; k += 1 }
                    var digits = 0
                    var value = 0
                    while k < n && rtf[k] >= 0x30 && rtf[k] <= 0x39 && digits < 10 { value = value * 10 + Int(rtf[k] - 0x30); k += 1; digits += 1 }
                    if digits > 0 { param = negative ? -value : value; j = k }
                    if j < n && rtf[j] == UInt8(ascii: " ") { j += 1 }
                    i = j
                    if pendingSkip > 0 { pendingSkip -= 1; continue }
                    switch word {
                    case "par", "line", "row", "sect", "page": emitByte(0x0A)
                    case "tab", "cell": emitByte(0x09)
                    case "emdash": emitScalar(0x2014)
                    case "endash": emitScalar(0x2013)
                    case "bullet": emitScalar(0x2022)
                    case "lquote": emitScalar(0x2018)
                    case "rquote": emitScalar(0x2019)
                    case "ldblquote": emitScalar(0x201C)
                    case "rdblquote": emitScalar(0x201D)
                    case "u":
                        if let p = param { emitScalar(UInt32(p < 0 ? p + 65_536 : p)); pendingSkip = state.unicodeSkip }
                    case "uc": state.unicodeSkip = max(0, min(param ?? 1, 10))
                    case "ansicpg": utf8Codepage = param == 65001
                    case "htmlrtf": state.htmlrtf = param != 0
                    default:
                        if skippedDestinations.contains(word) { state.skip = true }
                    }
                } else if d == UInt8(ascii: "'") {
                    if i + 2 < n, let b = UInt8(String(decoding: rtf[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                        if pendingSkip > 0 { pendingSkip -= 1 } else { emitByte(b) }
                        i += 3
                    } else {
                        i += 1
                    }
                } else {
                    i += 1
                    if pendingSkip > 0 { pendingSkip -= 1; continue }
                    switch d {
                    case UInt8(ascii: "*"): state.skip = true
                    case UInt8(ascii: "~"): emitScalar(0xA0)
                    case UInt8(ascii: "_"): emitByte(UInt8(ascii: "-"))
                    case UInt8(ascii: "-"): break
                    case 0x0A, 0x0D: emitByte(0x0A)
                    case UInt8(ascii: "\\"), UInt8(ascii: "{"), UInt8(ascii: "}"): emitByte(d)
                    default: break
                    }
                }
            case 0x0A, 0x0D:
                i += 1
            default:
                if pendingSkip > 0 { pendingSkip -= 1 } else { emitByte(c) }
                i += 1
            }
        }
        let text = TextDecoding.nfc(String(decoding: out, as: UTF8.self))
        return TextBuilder.collapse(Extractor.clean(text)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @inline(__always)
    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) }
}
