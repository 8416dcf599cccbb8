import DiariumAnalysis
import DiariumExtraction
import DiariumIndex

/// Turns an extracted document into the index's fields: title, body, and a metadata field
/// holding authority, type, diarienummer, year, date and the path's folder and file names.
public enum DocumentFields {
    /// The searchable metadata text of a document.
    public static func metadataText(_ doc: ExtractedDocument, components: [String]) -> String {
        var parts: [String] = []
        if let a = doc.authority { parts.append(a) }
        if let t = doc.type { parts.append(t) }
        if let d = doc.dnr { parts.append(d) }
        if let y = doc.year { parts.append(String(y)) }
        if let d = doc.date { parts.append(d) }
        parts.append(contentsOf: components)
        // Secrecy provisions cited, searchable as `osl:26:1`.
        parts.append(contentsOf: Citations.secrecyProvisions(in: doc.text))
        return parts.joined(separator: "\n")
    }

    /// The number of characters (`Character`s) of `text`, counted on bytes when every scalar
    /// is one that no grapheme rule joins to a neighbour: a scalar below U+0300, or one of
    /// Latin Extended Additional (U+1E00–U+1EFF), the general punctuation that is neither a
    /// format character nor a joiner (U+2010–U+2027, U+2030–U+205E: dashes, quotes, bullets,
    /// `…`), currency signs (U+20A0–U+20C0) or letterlike symbols (U+2100–U+214F). Each such
    /// scalar is a character of its own, but a CR before an LF, which joins it. Otherwise (a
    /// combining mark, an emoji, Hangul, …) `text.count`.
    public static func characterCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { b -> Int? in
            var count = 0, previous: UInt8 = 0
            var i = 0
            let n = b.count
            while i < n {
                // Eight ASCII bytes without a line feed (most of a text): eight characters.
                // (Before the Latin path below: 31 M instructions on docs2k, callgrind.)
                if i &+ 8 <= n {
                    let w = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    let lineFeed = ByteWord.hasByte(w, equalTo: 0x0A)
                    if !lineFeed && w & ByteWord.highs == 0 {
                        count &+= 8
                        previous = UInt8(truncatingIfNeeded: UInt64(littleEndian: w) >> 56)
                        i &+= 8
                        continue
                    }
                    // Latin text (å, ä, ö): no byte from CC on, so each lead byte is a character
                    // and each continuation byte (10xxxxxx) none, as below.
                    if !lineFeed && !ByteWord.hasByte(w, atLeast: 0xCC) {
                        count &+= ByteWord.scalarStarts(w)
                        previous = UInt8(truncatingIfNeeded: UInt64(littleEndian: w) >> 56)
                        i &+= 8
                        continue
                    }
                }
                let c = b[i]
                if c < 0x80 {
                    if !(c == 0x0A && previous == 0x0D) { count += 1 }
                    previous = c
                    i += 1
                    continue
                }
                previous = c
                if c < 0xCC {
                    // U+0080–U+02FF (a two-byte lead below CC); a continuation byte is not counted.
                    if c & 0xC0 != 0x80 { count += 1 }
                    i += 1
                    continue
                }
                guard c & 0xF0 == 0xE0, i + 2 < n else { return nil }
                let v = (UInt32(c & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
                guard b[i + 1] & 0xC0 == 0x80, b[i + 2] & 0xC0 == 0x80, DocumentFields.standsAlone(v) else { return nil }
                count += 1
                i += 3
            }
            return count
        } ?? text.count
    }

    /// Whether scalar `v` (from U+0800 to U+FFFF) is always a grapheme cluster of its own (see
    /// `characterCount`).
    @inline(__always)
    static func standsAlone(_ v: UInt32) -> Bool {
        (0x1E00...0x1EFF).contains(v) || (0x2010...0x2027).contains(v) || (0x2030...0x205E).contains(v)
            || (0x20A0...0x20C0).contains(v) || (0x2100...0x214F).contains(v)
    }

    /// Analyses title, body and metadata with `analyzer`.
    /// Compound parts of the title and text go to their own low-weight field (`.parts`).
    public static func analyze(_ doc: ExtractedDocument, components: [String], analyzer: Analyzer) -> [IndexField: FieldTerms] {
        var fields: [IndexField: FieldTerms] = [:]
        var parts = FieldTerms()
        fields[.title] = terms(doc.title ?? "", analyzer, parts: &parts)
        // Header and footer lines repeated on most pages count once (`repeatedLines`).
        fields[.body] = terms(doc.indexedText, analyzer, parts: &parts)
        var none = FieldTerms()
        fields[.meta] = terms(metadataText(doc, components: components), analyzer, parts: &none)
        parts.finish()
        fields[.parts] = parts
        return fields
    }

    static func terms(_ text: String, _ analyzer: Analyzer, parts: inout FieldTerms) -> FieldTerms {
        // Sized from the text's length (about one word per 5-6 bytes of Swedish prose, most of a
        // short text's words distinct), so the buffers seldom grow while the tokens come.
        let bytes = text.utf8.count
        var field = FieldTerms(expectedTerms: min(bytes / 10, 1 << 12), expectedTokens: bytes / 7)
        var count: UInt32 = 0
        analyzer.analyze(text) { token in
            switch token.kind {
            case .part:
                parts.add(token.term, hash: token.termHash, position: token.position)
                parts.length += 1
            case .word:
                field.add(token.term, hash: token.termHash, position: token.position)
                field.noteWord(position: token.position, start: token.start)
                count += 1
            case .joined:
                field.add(token.term, hash: token.termHash, position: token.position)
            }
        }
        field.length = count
        field.finish()
        return field
    }
}
