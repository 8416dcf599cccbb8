import Foundation

/// What a document cites and hides: case numbers, annexes, secrecy provisions and redactions.
/// Used by the release report and to make secrecy citations searchable (`osl:26:1`).
public enum Citations {
    /// Every case number in `text`, as written, in order, without repeats.
    public static func caseNumbers(in text: String) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for line in text.split(separator: "\n") where line.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) {
            for found in DiarienummerFinder.all(in: String(line)) where seen.insert(found).inserted { out.append(found) }
        }
        return out
    }

    /// Annex numbers cited as `bilaga 3`, `Bilaga 2`, in order, without repeats.
    public static func annexes(in text: String) -> [Int] {
        var out: [Int] = []
        let words = text.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "." || $0 == "(" || $0 == ")" || $0 == ":" })
        for (i, w) in words.enumerated() where (w == "bilaga" || w == "bilagan") && i + 1 < words.count {
            if let n = Int(words[i + 1]), (1...99).contains(n), !out.contains(n) { out.append(n) }
        }
        return out
    }

    /// Secrecy provisions of the Public Access to Information and Secrecy Act cited in `text`,
    /// as `osl:CHAPTER:SECTION`: `26 kap. 1 § OSL`, `18 kap. 8 § offentlighets- och
    /// sekretesslagen`, `offentlighets- och sekretesslagen (2009:400) 18 kap. 8 §`.
    public static func secrecyProvisions(in text: String) -> [String] {
        var text = text
        return text.withUTF8 { secrecyProvisions(in: $0) }
    }

    /// Characters (whitespace runs count as one) that may separate a citation from `OSL`.
    static let citationWindow = 60

    /// `secrecyProvisions(in:)` on UTF-8 bytes: each `§` is parsed backwards as `N kap[.] M §`
    /// (whitespace runs of any length between the parts), and kept when `osl` or
    /// `sekretesslagen` (any case) occurs within `citationWindow` characters before or after.
    static func secrecyProvisions(in b: UnsafeBufferPointer<UInt8>) -> [String] {
        var out: [String] = []
        var p = 1
        while p < b.count {
            // The next A7 byte by memchr: most texts hold few `§` (this scan ran over every byte).
            guard let hit = memchr(b.baseAddress! + p, 0xA7, b.count - p) else { break }
            p = b.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            defer { p += 1 }
            guard b[p - 1] == 0xC2 else { continue }   // § is C2 A7
            var i = p - 1
            guard UTF8Scan.skipWhitespace(b, before: &i) else { continue }
            let sectionEnd = i
            while i > 0, UTF8Scan.isDigit(b[i - 1]) { i -= 1 }
            let sectionStart = i
            guard sectionStart < sectionEnd, UTF8Scan.skipWhitespace(b, before: &i) else { continue }
            if i > 0, b[i - 1] == UInt8(ascii: ".") { i -= 1 }
            guard i >= 3, UTF8Scan.equalsIgnoringASCIICase(b, at: i - 3, "kap") else { continue }
            i -= 3
            guard UTF8Scan.skipWhitespace(b, before: &i) else { continue }
            let chapterEnd = i
            while i > 0, UTF8Scan.isDigit(b[i - 1]) { i -= 1 }
            let chapterStart = i
            guard chapterStart < chapterEnd else { continue }
            let from = UTF8Scan.offset(b, back: citationWindow, from: chapterStart)
            let to = UTF8Scan.offset(b, forward: citationWindow, from: sectionEnd)
            guard UTF8Scan.containsIgnoringASCIICase(b, from: from, to: to, "osl")
                    || UTF8Scan.containsIgnoringASCIICase(b, from: from, to: to, "sekretesslagen") else { continue }
            let citation = "osl:" + String(decoding: UnsafeBufferPointer(rebasing: b[chapterStart..<chapterEnd]), as: UTF8.self)
                + ":" + String(decoding: UnsafeBufferPointer(rebasing: b[sectionStart..<sectionEnd]), as: UTF8.self)
            if !out.contains(citation) { out.append(citation) }
        }
        return out
    }

    /// Words that mark a masked passage (lowercase).
    public static let redactionMarkers = ["[maskerat]", "[maskerad]", "[sekretess]", "[borttaget]", "[borttagen]", "borttagen enl",
                                          "borttaget enl", "maskerad enl", "maskerat enl"]

    /// Masked passages: runs of `XXXX`, `███`, `[maskerat]`, `[sekretess]`, `[borttaget]`,
    /// `borttagen enl.`/`borttaget enligt`, `*****`.
    public static func redactions(in text: String) -> Int {
        var text = text
        return text.withUTF8 { redactions(in: $0) }
    }

    /// Marker words of `redactions(in:)`, compared ignoring ASCII case.
    static let redactionMarkerBytes: [[UInt8]] = redactionMarkers.map { Array($0.utf8) }

    /// `redactions(in:)` on UTF-8 bytes: the markers counted without overlaps, then the runs of
    /// `X` (4+, not followed by a letter), `█` (2+) and `*` (5+), scalar by scalar.
    static func redactions(in b: UnsafeBufferPointer<UInt8>) -> Int {
        @inline(__always) func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
        var count = 0
        for marker in redactionMarkerBytes {
            var i = 0
            let m = marker.count, first = marker[0]
            while i + m <= b.count {
                if lower(b[i]) == first {
                    var k = 1
                    while k < m && lower(b[i + k]) == marker[k] { k += 1 }
                    if k == m { count += 1; i += m; continue }
                }
                i += 1
            }
        }
        // Runs: the kind of the current run (X, █ or *) and its length.
        var run: Unicode.Scalar?
        var length = 0
        func close() {
            if let r = run, (r == "X" && length >= 4) || (r == "█" && length >= 2) || (r == "*" && length >= 5) { count += 1 }
            run = nil
            length = 0
        }
        var decoder = UTF8()
        var iterator = b.makeIterator()
        while case let .scalarValue(u) = decoder.decode(&iterator) {
            if u == "X" || u == "█" || u == "*" {
                if u == run { length += 1 } else { close(); run = u; length = 1 }
            } else if run == "X" && isLetter(u) {
                run = nil
                length = 0
            } else {
                close()
            }
        }
        close()
        return count
    }

    /// A letter in Unicode's sense (general category L*), as `Character.isLetter` decides it
    /// for a one-scalar character.
    @inline(__always)
    static func isLetter(_ u: Unicode.Scalar) -> Bool {
        if u.isASCII { let v = u.value | 0x20; return v >= 0x61 && v <= 0x7A }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Named governing documents cited as `enligt riktlinje för informationssäkerhet`,
    /// `policy för användning av molntjänster`, `rutinen för …`: each phrase as the list of its
    /// candidate forms, shortest first (`riktlinje för informationssäkerhet`, `… informationssäkerhet
    /// beslutad`, …), lowercased, within one line and sentence.
    public static func namedDocuments(in text: String) -> [[String]] {
        let heads = ["riktlinje": "riktlinje", "riktlinjen": "riktlinje", "riktlinjerna": "riktlinje", "policy": "policy",
                     "policyn": "policy", "rutin": "rutin", "rutinen": "rutin", "handbok": "handbok", "handboken": "handbok",
                     "plan": "plan", "planen": "plan", "instruktion": "instruktion", "instruktionen": "instruktion",
                     "reglemente": "reglemente", "reglementet": "reglemente"]
        let stop: Set<String> = ["och", "av", "i", "på", "med", "till", "som", "den", "det", "en", "ett", "om", "från", "för", "ska", "är"]
        var out: [[String]] = []
        var seen = Set<String>()
        for line in text.lowercased().split(whereSeparator: { $0 == "\n" || $0 == "." || $0 == ";" || $0 == "(" || $0 == ")" }) {
            let words = line.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == ":" || $0 == "\"" || $0 == "”" }).map(String.init)
            for i in words.indices where heads[words[i]] != nil && i + 2 < words.count && words[i + 1] == "för" {
                var phrase = [heads[words[i]]!, "för"]
                var forms: [String] = []
                for w in words[(i + 2)..<min(words.count, i + 7)] {
                    guard w.allSatisfy({ $0.isLetter || $0 == "-" }) else { break }
                    phrase.append(w)
                    if !stop.contains(w) { forms.append(phrase.joined(separator: " ")) }
                }
                guard let first = forms.first, seen.insert(first).inserted else { continue }
                out.append(forms)
            }
        }
        return out
    }
}
