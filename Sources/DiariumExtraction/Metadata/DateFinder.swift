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
        // Swedish: [den] D monthname YYYY
        let lower = line.lowercased()
        let words = lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        var offsets: [Int] = []
        var search = lower.startIndex
        for w in words {
            if let r = lower.range(of: w, range: search..<lower.endIndex) {
                offsets.append(lower.utf8.distance(from: lower.startIndex, to: r.lowerBound))
                search = r.upperBound
            } else { offsets.append(0) }
        }
        if words.count >= 3 {
            for k in 0..<(words.count - 2) {
                guard let d = Int(words[k]), words[k].count <= 2,
                      let mi = months.firstIndex(of: words[k + 1]) ?? shortMonths.firstIndex(of: words[k + 1]),
                      words[k + 2].count == 4, let y = Int(words[k + 2]),
                      let s = iso(y, mi + 1, d) else { continue }
                found.append((offsets[k], s))
            }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
