/// Finds calendar dates in Swedish and ISO forms: `2015-03-12`, `12 mars 2015`,
/// `den 3 februari 2021`, `2015-03-12 § 45`. Impossible dates (`9999-99-99`) are rejected.
enum DateFinder {
    static let months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]
    static let shortMonths = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]

    /// A valid ISO date string, or nil.
    static func iso(_ y: Int, _ m: Int, _ d: Int) -> String? {
        guard (1900...2099).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= days[m - 1] else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// All dates in `line`, in order of appearance.
    static func dates(in line: String) -> [String] {
        var found: [(Int, String)] = []
        let chars = Array(line.utf8)
        let n = chars.count
        func digits(_ i: Int, _ count: Int) -> Int? {
            guard i + count <= n else { return nil }
            var v = 0
            for k in i..<(i + count) {
                let c = chars[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < n && chars[i] >= 0x30 && chars[i] <= 0x39 }
        // ISO: YYYY-MM-DD (also YYYY.MM.DD? no: that is a diarienummer form)
        var i = 0
        while i + 10 <= n {
            if !isDigit(i - 1), let y = digits(i, 4), chars[i + 4] == 0x2D, let m = digits(i + 5, 2), chars[i + 7] == 0x2D,
               let d = digits(i + 8, 2), !isDigit(i + 10) {
                if let s = iso(y, m, d) { found.append((i, s)) }
                i += 10
            } else { i += 1 }
        }
        // Swedish: [den] D monthname YYYY. Month names and digits are ASCII, so words are runs
        // of ASCII letters and digits (other bytes separate them).
        var words: [(offset: Int, word: String)] = []
        var k = 0
        while k < n {
            let b = chars[k]
            let isWordByte = (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
            if !isWordByte { k += 1; continue }
            let start = k
            while k < n, chars[k] >= 0x30 && chars[k] <= 0x39 || (chars[k] | 0x20 >= 0x61 && chars[k] | 0x20 <= 0x7A) { k += 1 }
            words.append((start, String(decoding: chars[start..<k], as: UTF8.self).lowercased()))
        }
        if words.count >= 3 {
            for w in 0..<(words.count - 2) {
                guard words[w].word.count <= 2, let d = Int(words[w].word),
                      let mi = months.firstIndex(of: words[w + 1].word) ?? shortMonths.firstIndex(of: words[w + 1].word),
                      words[w + 2].word.count == 4, let y = Int(words[w + 2].word),
                      let s = iso(y, mi + 1, d) else { continue }
                found.append((words[w].offset, s))
            }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
