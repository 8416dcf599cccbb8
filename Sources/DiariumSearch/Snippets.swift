import DiariumAnalysis

/// Picks the passage of a document that holds the most distinct query terms and marks the
/// matched words with `«` and `»`.
enum Snippets {
    static let window = 28

    /// The words of `text` with the index in `index` of the term each matches (-1: none). A
    /// word inside a matched joined form (a case number, an address) is matched too.
    static func words(text: [UInt8], index: [[UInt8]: Int], analyzer: Analyzer) -> [(start: Int, end: Int, match: Int)] {
        var tokens: [(start: Int, end: Int, match: Int)] = []
        var joinedMatches: [(start: Int, end: Int, match: Int)] = []
        text.withUnsafeBytes { buf in
            analyzer.analyze(buf) { t in
                let m = index[Array(t.term)] ?? -1
                if t.kind == .word {
                    let covering = m >= 0 ? m : (joinedMatches.last.flatMap { t.start >= $0.start && t.end <= $0.end ? $0.match : nil } ?? -1)
                    tokens.append((t.start, t.end, covering))
                } else if m >= 0 {
                    joinedMatches.append((t.start, t.end, m))
                }
            }
        }
        return tokens
    }

    /// Byte ranges of the words of `text` that match `terms` (the words a snippet marks).
    static func matches(text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> [Range<Int>] {
        var index: [[UInt8]: Int] = [:]
        for t in terms { index[t] = 0 }
        return words(text: text, index: index, analyzer: analyzer).filter { $0.match >= 0 }.map { $0.start..<$0.end }
    }

    static func best(text: [UInt8], terms: Set<[UInt8]>, analyzer: Analyzer) -> String {
        let termList = Array(terms)
        var index: [[UInt8]: Int] = [:]
        for (i, t) in termList.enumerated() { index[t] = i }
        // match: index into termList or -1
        let tokens = words(text: text, index: index, analyzer: analyzer)
        guard !tokens.isEmpty else { return "" }
        // Slide a window of `window` tokens; keep the one with most distinct matches (then most matches).
        var bestStart = 0, bestDistinct = -1, bestCount = -1
        var counts = [Int](repeating: 0, count: termList.count)
        var distinct = 0, matched = 0
        for i in 0..<tokens.count {
            let m = tokens[i].match
            if m >= 0 { if counts[m] == 0 { distinct += 1 }; counts[m] += 1; matched += 1 }
            if i >= window {
                let o = tokens[i - window].match
                if o >= 0 { counts[o] -= 1; if counts[o] == 0 { distinct -= 1 }; matched -= 1 }
            }
            let start = max(0, i - window + 1)
            if distinct > bestDistinct || (distinct == bestDistinct && matched > bestCount) {
                bestDistinct = distinct; bestCount = matched; bestStart = start
            }
        }
        // Centre a little: start a few words before the first match in the window.
        if bestDistinct > 0 {
            var first = bestStart
            while first < tokens.count && tokens[first].match < 0 { first += 1 }
            bestStart = max(0, min(bestStart, first - 4))
        } else {
            bestStart = 0
        }
        let last = min(tokens.count, bestStart + window) - 1
        var out = bestStart > 0 ? "…" : ""
        var cursor = tokens[bestStart].start
        for k in bestStart...last {
            let t = tokens[k]
            out += clean(text[cursor..<t.start])
            let word = String(decoding: text[t.start..<t.end], as: UTF8.self)
            out += t.match >= 0 ? "«\(word)»" : word
            cursor = t.end
        }
        // Trailing punctuation of the last word.
        var tail = cursor
        while tail < text.count && tail < cursor + 2, text[tail] == UInt8(ascii: ".") || text[tail] == UInt8(ascii: ")") { tail += 1 }
        out += clean(text[cursor..<tail])
        if last < tokens.count - 1 { out += " …" }
        return out
    }

    /// The text between two words, with every whitespace run (line breaks included) as one space.
    static func clean(_ bytes: ArraySlice<UInt8>) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for s in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if s.properties.isWhitespace { space = true; continue }
            if space { out.append(" "); space = false }
            out.append(s)
        }
        if space { out.append(" ") }
        return String(out)
    }
}

import Foundation
