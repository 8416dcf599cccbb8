/// Finds calendar dates in Swedish and ISO forms: `2015-03-12`, `12 mars 2015`,
/// `den 3 februari 2021`, `2015-03-12 § 45`. Impossible dates (`9999-99-99`) are rejected.
///
/// On UTF-8 bytes: every form needs ASCII digits, so a line without one is passed over after
/// one scan; month names are compared on bytes, without a `String` per word.
enum DateFinder {
    static let months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]
    static let shortMonths = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    /// `months`, then `shortMonths`, as bytes (month number = index mod 12 + 1).
    static let monthBytes: [[UInt8]] = (months + shortMonths).map { Array($0.utf8) }

    /// A valid ISO date string, or nil.
    static func iso(_ y: Int, _ m: Int, _ d: Int) -> String? {
        guard (1900...2099).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= days[m - 1] else { return nil }
        // `%04d-%02d-%02d` without Foundation's formatter: y has four digits, m and d at most two.
        func digit(_ v: Int) -> UInt8 { 0x30 + UInt8(v % 10) }
        let bytes: [UInt8] = [digit(y / 1000), digit(y / 100), digit(y / 10), digit(y), 0x2D, digit(m / 10), digit(m), 0x2D, digit(d / 10), digit(d)]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// All dates in `line`, in order of appearance.
    static func dates(in line: String) -> [String] {
        var line = line
        return line.withUTF8 { dates(in: $0) }
    }

    /// All dates in the UTF-8 bytes `chars`, in order of appearance.
    static func dates(in chars: UnsafeBufferPointer<UInt8>) -> [String] {
        let n = chars.count
        @inline(__always) func isDigit(_ i: Int) -> Bool { i >= 0 && i < n && chars[i] >= 0x30 && chars[i] <= 0x39 }
        guard chars.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return [] }
        var found: [(Int, String)] = []
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
        // of ASCII letters and digits (other bytes separate them); three words in a row are
        // read, the day (1–2 digits), the month's name in any case and the year (4 digits).
        @inline(__always) func isWordByte(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        func month(_ r: Range<Int>) -> Int? {
            for (index, name) in monthBytes.enumerated() where name.count == r.count {
                var k = 0
                while k < name.count && chars[r.lowerBound + k] | 0x20 == name[k] { k += 1 }
                // A digit's byte with 0x20 set is itself, and no month name holds a digit.
                if k == name.count { return index % 12 }
            }
            return nil
        }
        var window: [Range<Int>] = []   // the last three words
        window.reserveCapacity(3)
        var k = 0
        while k < n {
            guard isWordByte(chars[k]) else { k += 1; continue }
            let start = k
            while k < n && isWordByte(chars[k]) { k += 1 }
            if window.count == 3 { window.removeFirst() }
            window.append(start..<k)
            guard window.count == 3 else { continue }
            let (day, name, year) = (window[0], window[1], window[2])
            guard day.count <= 2, let d = digits(day.lowerBound, day.count), let mi = month(name),
                  year.count == 4, let y = digits(year.lowerBound, 4), let s = iso(y, mi + 1, d) else { continue }
            found.append((day.lowerBound, s))
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
