import Foundation

/// What diarium makes of poppler's output, without running poppler: pure functions over bytes,
/// so the fuzz suite can drive them (`DiariumFuzzing.pdfOutput`).
///
/// - `pages(_:)` splits `pdftotext` output at form feeds (poppler ends every page with one)
///   and normalises each page's text for search: NFKC (`ﬁ` → `fi`), soft hyphens and control
///   characters dropped, line ends as `\n`, trailing blanks trimmed.
/// - `assemble(_:)` joins the pages into one text with `pageStarts` (page `n` starts at byte
///   `pageStarts[n - 1]`, every page ends with a line feed), decides per page whether the text
///   layer needs OCR, and finds the header and footer lines repeated on most pages.
/// - `htmlMeta(_:)` splits `pdftotext -htmlmeta` output into the information dictionary and
///   the text; `info(_:)` and `xmp(_:)` read `pdfinfo -isodates` and `pdfinfo -meta`.
/// - `paintedPixels(_:)` reads `pdftoppm -gray` images: a page with none is blank.
public enum PDFText {
    /// One document's text, paged.
    public struct Paged: Sendable, Equatable {
        /// The pages' text, each ending with `\n`.
        public var text: String
        /// UTF-8 offset where each page starts.
        public var pageStarts: [Int]
        /// 1-based pages whose text layer is empty or garbage.
        public var ocrPages: [Int]
        /// Byte ranges of `text` holding header/footer lines repeated on most pages, after
        /// their first occurrence.
        public var repeatedLines: [Range<Int>]
    }

    /// The pages of `pdftotext` output: the text between form feeds, normalised. A final page
    /// without its form feed (output cut short) still counts when it has text.
    public static func pages(_ output: [UInt8]) -> [String] { pages(output[...]) }

    /// `pages` of a slice (the body of `htmlMeta`).
    public static func pages(_ output: ArraySlice<UInt8>) -> [String] {
        var pages: [String] = []
        var start = output.startIndex
        for i in output.indices where output[i] == 0x0C {
            pages.append(normalise(output[start..<i]))
            start = i + 1
        }
        if start < output.endIndex {
            let rest = normalise(output[start..<output.endIndex])
            if !rest.isEmpty { pages.append(rest) }
        }
        return pages
    }

    /// One page's text for search: invalid UTF-8 repaired (as U+FFFD), NFKC, soft hyphens and
    /// control characters dropped, CR and CR LF as LF, tabs as spaces, blanks at line starts
    /// and ends dropped, a run of blanks inside a line (layout mode's columns) as two spaces,
    /// at most two blank lines in a row, none at the page's start and end.
    ///
    /// One pass over UTF-8 bytes (every character it drops or changes is ASCII or a fixed
    /// two- or three-byte sequence). NFKC, through Foundation, runs only when the page has a
    /// character outside `isNFKCStable` (Swedish text has none: å, ä, ö, é, §, –, ’, € are
    /// stable); it was half of diarium's own CPU on the PDF benchmark as a String walk.
    public static func normalise(_ bytes: ArraySlice<UInt8>) -> String {
        if isNFKCStable(bytes) { return normaliseBytes(bytes) }
        let nfkc = String(decoding: bytes, as: UTF8.self).precomposedStringWithCompatibilityMapping
        return normaliseBytes(ArraySlice(nfkc.utf8))
    }

    /// Whether `bytes` is valid UTF-8 that NFKC leaves as it is, by a short list: ASCII,
    /// U+00C0–U+00FF (precomposed Latin letters, × and ÷), § « ° » and the soft hyphen,
    /// – — ‘ ’ “ ” • €, U+FEFF and U+FFFD. Anything else (a ligature, a no-break space, a
    /// combining mark that could compose, invalid UTF-8) says no.
    static func isNFKCStable(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            if b == 0xC3 {
                guard i + 1 < end, bytes[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
                continue
            }
            if b == 0xC2 {
                guard i + 1 < end else { return false }
                switch bytes[i + 1] { case 0xA7, 0xAB, 0xAD, 0xB0, 0xBB: i += 2; continue
                default: return false }
            }
            guard i + 2 < end else { return false }
            let b1 = bytes[i + 1], b2 = bytes[i + 2]
            if b == 0xE2 && b1 == 0x80 {
                switch b2 { case 0x93, 0x94, 0x98, 0x99, 0x9C, 0x9D, 0xA2: i += 3; continue
                default: return false }
            }
            if (b == 0xE2 && b1 == 0x82 && b2 == 0xAC) || (b == 0xEF && b1 == 0xBB && b2 == 0xBF) || (b == 0xEF && b1 == 0xBF && b2 == 0xBD) {
                i += 3
                continue
            }
            return false
        }
        return true
    }

    /// `normalise` after NFKC, on valid UTF-8.
    static func normaliseBytes(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var line: [UInt8] = []
        var pendingBlank = 0      // empty lines waiting (kept only before more text)
        var pendingSpaces = 0     // blanks after the line's last visible character
        func endLine() {
            pendingSpaces = 0
            if line.isEmpty {
                if !out.isEmpty { pendingBlank += 1 }
                return
            }
            for _ in 0..<min(pendingBlank, 2) { out.append(0x0A) }
            pendingBlank = 0
            out.append(contentsOf: line)
            out.append(0x0A)
            line.removeAll(keepingCapacity: true)
        }
        var lastCR = false
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let b = bytes[i]
            if b == 0x0D { endLine(); lastCR = true; i += 1; continue }
            if b == 0x0A { if !lastCR { endLine() }; lastCR = false; i += 1; continue }
            lastCR = false
            if b == 0x20 || b == 0x09 {
                if !line.isEmpty { pendingSpaces += 1 }
                i += 1
                continue
            }
            if b < 0x20 || b == 0x7F { i += 1; continue }
            // U+0080–U+009F (C1 controls) and U+00AD (soft hyphen): C2 80–9F, C2 AD.
            if b == 0xC2, i + 1 < end, bytes[i + 1] < 0xA0 || bytes[i + 1] == 0xAD { i += 2; continue }
            // U+FEFF: EF BB BF.
            if b == 0xEF, i + 2 < end, bytes[i + 1] == 0xBB, bytes[i + 2] == 0xBF { i += 3; continue }
            // A visible character (or a byte of one): the blanks before it as one or two spaces.
            if pendingSpaces > 0 {
                line.append(0x20)
                if pendingSpaces >= 2 { line.append(0x20) }
                pendingSpaces = 0
            }
            line.append(b)
            i += 1
        }
        endLine()
        // `out` ends with "\n" unless empty; the page's own separator is added by `assemble`.
        if out.last == 0x0A { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// The pages joined, with page starts, the pages needing OCR and the repeated lines.
    public static func assemble(_ pages: [String]) -> Paged {
        var text = ""
        text.reserveCapacity(pages.reduce(0) { $0 + $1.utf8.count + 1 })
        var starts: [Int] = []
        starts.reserveCapacity(pages.count)
        var ocr: [Int] = []
        var offset = 0
        for (i, page) in pages.enumerated() {
            starts.append(offset)
            text += page
            text += "\n"
            offset += page.utf8.count + 1
            if needsOCR(page) { ocr.append(i + 1) }
        }
        return Paged(text: text, pageStarts: starts, ocrPages: ocr, repeatedLines: repeatedLines(text, starts))
    }

    /// Whether any of the first 60 lines of a page (as `normalise` leaves it) has a layout gap
    /// (two spaces) between words: text in columns side by side, not in reading order.
    public static func hasColumns(_ page: Substring) -> Bool {
        var lines = 0
        var previousSpace = false
        for b in page.utf8 {
            if b == 0x0A {
                lines += 1
                if lines >= 60 { return false }
                previousSpace = false
                continue
            }
            if b == 0x20 {
                if previousSpace { return true }
                previousSpace = true
            } else {
                previousSpace = false
            }
        }
        return false
    }

    // MARK: - Is the text layer usable?

    /// Fewer letters than this on a page: the layer is (almost) empty.
    static let minLetters = 16

    /// Whether a page's text layer is empty or garbage: fewer than `minLetters` letters, fewer
    /// letters than half its visible characters (leaders such as `……` or `____` of a form
    /// aside), U+FFFD for more than 2 % of them, or glyph names (`/g123`, `(cid:12)`,
    /// `/uni00E4`) for more than a tenth of its words.
    public static func needsOCR(_ page: String) -> Bool {
        var letters = 0, visible = 0, replacement = 0, words = 0, glyphNames = 0
        var inWord = false
        let scalars = Array(page.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let u = scalars[i]
            let space = u == " " || u == "\n" || u == "\t"
            if space { inWord = false; i += 1; continue }
            if !inWord {
                words += 1
                inWord = true
                if isGlyphName(scalars, at: i) { glyphNames += 1 }
            }
            let leader = u == "." || u == "_" || u == "-" || u == "…" || u == "·" || u == "–" || u == "—"
            if !leader { visible += 1 }
            // ASCII (most of any page) without a Unicode property lookup.
            if u.value < 0x80 {
                if (u.value | 0x20) >= 0x61 && (u.value | 0x20) <= 0x7A { letters += 1 }
            } else if u.value == 0xFFFD { replacement += 1 } else if u.properties.isAlphabetic { letters += 1 }
            i += 1
        }
        if letters < minLetters { return true }
        if letters * 2 < visible { return true }
        if replacement * 50 > visible { return true }
        return glyphNames * 10 > words
    }

    /// `/g123`, `/G12`, `/uni00E4`, `/glyph12` or `(cid:12)` starting at `i`.
    static func isGlyphName(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        func digits(from j: Int) -> Int {
            var k = j
            while k < s.count, s[k].properties.numericType != nil || (s[k].value | 0x20 >= 0x61 && s[k].value | 0x20 <= 0x66 && k > j) { k += 1 }
            return k - j
        }
        if s[i] == "(", i + 5 < s.count, s[i + 1] == "c", s[i + 2] == "i", s[i + 3] == "d", s[i + 4] == ":" {
            return digits(from: i + 5) > 0
        }
        guard s[i] == "/", i + 2 < s.count else { return false }
        var j = i + 1
        for prefix in ["glyph", "uni", "g", "G"] {
            let p = Array(prefix.unicodeScalars)
            if j + p.count < s.count, Array(s[j..<(j + p.count)]) == p, s[j + p.count].properties.numericType != nil {
                j += p.count
                return digits(from: j) > 0
            }
        }
        return false
    }

    // MARK: - Headers and footers

    /// Lines looked at at each end of a page.
    static let edgeLines = 3

    /// Lines among the first and last `edgeLines` of each page that recur (digits aside: `Sida
    /// 3 av 12`) on at least 60 % of the pages, and on at least 3: their byte ranges, except
    /// on the first page where each occurs. Documents of fewer than 3 pages have none.
    public static func repeatedLines(_ text: String, _ starts: [Int]) -> [Range<Int>] {
        guard starts.count >= 3 else { return [] }
        let bytes = Array(text.utf8)
        var edges: [[(key: [UInt8], range: Range<Int>)]] = []
        var count: [[UInt8]: Int] = [:]
        for (p, start) in starts.enumerated() {
            let end = p + 1 < starts.count ? starts[p + 1] : bytes.count
            var lines: [Range<Int>] = []
            var s = start
            for i in start..<end where bytes[i] == 0x0A {
                if i > s { lines.append(s..<i) }
                s = i + 1
            }
            if s < end { lines.append(s..<end) }
            let picked = lines.count <= 2 * edgeLines ? lines : Array(lines.prefix(edgeLines) + lines.suffix(edgeLines))
            var seen = Set<[UInt8]>()
            var entries: [(key: [UInt8], range: Range<Int>)] = []
            for r in picked {
                let key = lineKey(bytes[r])
                guard key.count >= 3 else { continue }
                entries.append((key, r))
                if seen.insert(key).inserted { count[key, default: 0] += 1 }
            }
            edges.append(entries)
        }
        let needed = max(3, (starts.count * 6 + 9) / 10)
        var firstSeen = Set<[UInt8]>()
        var out: [Range<Int>] = []
        for entries in edges {
            for e in entries where count[e.key, default: 0] >= needed {
                if firstSeen.insert(e.key).inserted { continue }
                out.append(e.range)
            }
        }
        return out.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// A line's identity as a header or footer: digit runs as `#`, spaces collapsed.
    static func lineKey(_ line: ArraySlice<UInt8>) -> [UInt8] {
        var key: [UInt8] = []
        var lastSpace = true, lastDigit = false
        for b in line {
            if b == 0x20 || b == 0x09 {
                if !lastSpace { key.append(0x20) }
                lastSpace = true
                lastDigit = false
                continue
            }
            lastSpace = false
            if b >= 0x30 && b <= 0x39 {
                if !lastDigit { key.append(UInt8(ascii: "#")) }
                lastDigit = true
                continue
            }
            lastDigit = false
            key.append(b)
        }
        while key.last == 0x20 { key.removeLast() }
        return key
    }

    // MARK: - pdftotext -htmlmeta

    /// Splits `pdftotext -htmlmeta` output into the information dictionary's fields and the
    /// text. poppler writes a head (`<title>` for the Title, `<meta name="Author" content="…"/>`
    /// for Subject, Keywords, Author, Creator, Producer, CreationDate and ModDate — older
    /// versions say LastModifiedDate — with `& < > " '` escaped and dates in ISO 8601, as
    /// `pdfinfo -isodates` prints them), then `<pre>` and the text as `-layout` prints it,
    /// unescaped, then `</pre></body></html>`. So the head ends at the first `<pre>` (a value
    /// cannot hold a raw `<`), and the text runs from there to the fixed ending; output cut short
    /// (the output cap) keeps what came. Values are at most 2,000 characters; empty ones are left out.
    public static func htmlMeta(_ output: [UInt8]) -> (fields: [String: String], text: ArraySlice<UInt8>) {
        let open = Array("<pre>\n".utf8)
        guard let pre = ByteSearch.find(open, in: output) else { return ([:], output[output.endIndex...]) }
        var end = output.endIndex
        let ending = Array("</pre>\n</body>\n</html>\n".utf8)
        if output.count - (pre + open.count) >= ending.count, output[(end - ending.count)...].elementsEqual(ending) { end -= ending.count }
        let head = String(decoding: output[..<pre], as: UTF8.self)
        var fields: [String: String] = [:]
        func keep(_ key: String, _ raw: Substring) {
            let value = decodeEntities(String(raw)).trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty { fields[key] = String(value.prefix(2_000)) }
        }
        if let t = head.range(of: "<title>"), let close = head[t.upperBound...].range(of: "</title>") {
            keep("Title", head[t.upperBound..<close.lowerBound])
        }
        var rest = head[...]
        while let m = rest.range(of: "<meta name=\"") {
            rest = rest[m.upperBound...]
            guard let q = rest.firstIndex(of: "\"") else { break }
            let name = String(rest[..<q])
            rest = rest[rest.index(after: q)...]
            guard rest.hasPrefix(" content=\"") else { continue }
            rest = rest.dropFirst(" content=\"".count)
            guard let q2 = rest.firstIndex(of: "\"") else { break }
            let key = name == "LastModifiedDate" ? "ModDate" : name
            if infoKeys.contains(key), key != "Title" { keep(key, rest[..<q2]) }
            rest = rest[rest.index(after: q2)...]
        }
        return (fields, output[(pre + open.count)..<max(pre + open.count, end)])
    }

    /// Whether the file may hold an XMP packet for `pdfinfo -meta`: the name `/Metadata` (the
    /// catalog's entry, or the `/Type /Metadata` of the stream itself, which is never inside a
    /// compressed object stream) occurs in its bytes. A false positive costs one `pdfinfo`.
    public static func mayHaveXMP(_ bytes: [UInt8]) -> Bool {
        ByteSearch.find(Array("/Metadata".utf8), in: bytes) != nil
    }

    // MARK: - Blank pages

    /// `pages` (ascending) as ranges to render: a new range starts where the next page is more
    /// than `maxGap` pages after the previous one.
    public static func clusters(_ pages: [Int], maxGap: Int) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for p in pages where p >= 1 {
            if let last = out.last, p > last.upperBound, p - last.upperBound <= maxGap {
                out[out.count - 1] = last.lowerBound...p
            } else if out.last.map({ p > $0.upperBound }) ?? true {
                out.append(p...p)
            }
        }
        return out
    }

    /// For each grey-scale image of `pdftoppm -gray` output (binary PGM, `P5`, one after the
    /// other, one per page), how many of its pixels are darker than white. Stops at the first
    /// malformed or truncated image (the pages before it are still counted); images with more
    /// than one byte per sample are not read.
    public static func paintedPixels(_ output: [UInt8]) -> [Int] {
        var out: [Int] = []
        var i = 0
        func number() -> Int? {
            // Whitespace and `#` comments, then decimal digits.
            while i < output.count {
                if output[i] == 0x23 { while i < output.count && output[i] != 0x0A { i += 1 }; continue }
                if output[i] == 0x20 || (output[i] >= 0x09 && output[i] <= 0x0D) { i += 1; continue }
                break
            }
            var v = 0, digits = 0
            while i < output.count, output[i] >= 0x30, output[i] <= 0x39, digits < 9 {
                v = v * 10 + Int(output[i] - 0x30)
                i += 1
                digits += 1
            }
            return digits > 0 ? v : nil
        }
        while i + 2 <= output.count, output[i] == 0x50, output[i + 1] == 0x35 {
            i += 2
            guard let w = number(), let h = number(), let maxval = number(), maxval > 0, maxval < 256,
                  i < output.count, w > 0, h > 0 else { break }
            i += 1   // the single whitespace before the samples
            let (size, overflow) = w.multipliedReportingOverflow(by: h)
            guard !overflow, size <= output.count - i else { break }
            var painted = 0
            let white = UInt8(maxval)
            for b in output[i..<(i + size)] where b < white { painted += 1 }
            out.append(painted)
            i += size
        }
        return out
    }

    // MARK: - pdfinfo

    /// What `pdfinfo -isodates` says about a document.
    public struct Info: Sendable, Equatable {
        /// The document information dictionary's text fields as printed (`Title`, `Author`,
        /// `Subject`, `Keywords`, `Creator`, `Producer`, `CreationDate`, `ModDate`), non-empty only.
        public var fields: [String: String] = [:]
        /// `Pages:`.
        public var pages: Int?
        /// `Encrypted: yes (…)`.
        public var encrypted = false
        /// `copy:no` in the encryption line.
        public var copyForbidden = false
        /// `Metadata Stream: yes`: there is an XMP packet for `pdfinfo -meta`.
        public var hasXMP = false
    }

    static let infoKeys: Set<String> = ["Title", "Subject", "Keywords", "Author", "Creator", "Producer", "CreationDate", "ModDate"]

    /// Parses `pdfinfo -isodates` output. Unknown lines are ignored; a value is at most 2,000
    /// characters.
    public static func info(_ output: [UInt8]) -> Info {
        var info = Info()
        for raw in String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = raw.firstIndex(of: ":") else { continue }
            let key = String(raw[..<colon])
            let value = raw[raw.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "Pages": info.pages = Int(value)
            case "Encrypted":
                info.encrypted = value.hasPrefix("yes")
                info.copyForbidden = value.contains("copy:no")
            case "Metadata Stream": info.hasXMP = value == "yes"
            default:
                if infoKeys.contains(key), !value.isEmpty { info.fields[key] = String(value.prefix(2_000)) }
            }
        }
        return info
    }

    /// The XMP properties diarium uses, from `pdfinfo -meta` output: `dc:title`,
    /// `dc:creator`, `dc:description`, `dc:language`, `xmp:CreateDate`, `xmp:ModifyDate`,
    /// `xmp:CreatorTool`, `pdf:Producer` (the old `xap:` prefix read as `xmp:`). For a list
    /// (`rdf:Alt`, `rdf:Seq`, `rdf:Bag`) its first item; as elements or as attributes.
    public static func xmp(_ output: [UInt8]) -> [String: String] {
        let s = String(decoding: output.prefix(1 << 20), as: UTF8.self)
        var out: [String: String] = [:]
        let wanted: [(String, [String])] = [
            ("dc:title", ["dc:title"]), ("dc:creator", ["dc:creator"]), ("dc:description", ["dc:description"]),
            ("dc:language", ["dc:language"]), ("xmp:CreateDate", ["xmp:CreateDate", "xap:CreateDate"]),
            ("xmp:ModifyDate", ["xmp:ModifyDate", "xap:ModifyDate"]), ("xmp:CreatorTool", ["xmp:CreatorTool", "xap:CreatorTool"]),
            ("pdf:Producer", ["pdf:Producer"]),
        ]
        for (name, tags) in wanted {
            for tag in tags {
                if let v = elementValue(s, tag) ?? attributeValue(s, tag), !v.isEmpty {
                    out[name] = String(v.prefix(2_000))
                    break
                }
            }
        }
        return out
    }

    /// The text of `<tag …>…</tag>`, or of its first `<rdf:li>`; entities decoded.
    static func elementValue(_ s: String, _ tag: String) -> String? {
        guard let open = s.range(of: "<\(tag)"), let gt = s[open.upperBound...].firstIndex(of: ">") else { return nil }
        // `<dc:title/>` or `<dc:titleX` are not it.
        let after = s[open.upperBound..<gt]
        if after.hasSuffix("/") || !(after.isEmpty || after.first == " " || after.first == "\n" || after.first == "\t") { return nil }
        guard let close = s[gt...].range(of: "</\(tag)>") else { return nil }
        var inner = s[s.index(after: gt)..<close.lowerBound]
        if let li = inner.range(of: "<rdf:li"), let liEnd = inner[li.upperBound...].firstIndex(of: ">"),
           let liClose = inner[liEnd...].range(of: "</rdf:li>") {
            inner = inner[inner.index(after: liEnd)..<liClose.lowerBound]
        }
        if inner.contains("<") { return nil }
        return decodeEntities(inner.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `tag="value"` as an attribute of an `rdf:Description`.
    static func attributeValue(_ s: String, _ tag: String) -> String? {
        guard let r = s.range(of: "\(tag)=\"") else { return nil }
        guard let end = s[r.upperBound...].firstIndex(of: "\"") else { return nil }
        return decodeEntities(String(s[r.upperBound..<end]).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = s
        for (e, c) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&#xA;", " "), ("&#10;", " "), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: e, with: c)
        }
        return out
    }

    /// A Title that a program wrote rather than the author: `Microsoft Word - Dokument1`,
    /// `Untitled`, a file name (`1987-4TOB6.doc`), a template name.
    public static func isMachineTitle(_ title: String) -> Bool {
        let t = title.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        if t.count < 3 { return true }
        if lower.hasPrefix("microsoft word - ") || lower.hasPrefix("microsoft powerpoint - ") || lower.hasPrefix("microsoft excel - ") { return true }
        if ["untitled", "namnlös", "dokument1", "document1", "dokument", "document", "presentation", "title", "titel"].contains(lower) { return true }
        for ext in [".doc", ".docx", ".dot", ".dotx", ".rtf", ".odt", ".pdf", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".tmp", ".indd", ".qxd"]
        where lower.hasSuffix(ext) { return true }
        return false
    }
}
