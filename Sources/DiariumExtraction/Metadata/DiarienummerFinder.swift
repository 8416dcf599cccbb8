/// Finds diarienummer (case numbers) in their common forms: `KS 2015/123`, `KS-2015-0123`,
/// `2021.456` (labelled only), `BYGG 2021-000771`, `Fi2025/01524`, `SFS 1998:899`, `C 1995-0032`.
enum DiarienummerFinder {
    static let labelBytes: [[UInt8]] = labels.map { Array($0.utf8) }
    /// Prefixes of numbers that are not case numbers.
    static let notCasePrefixes: Set<String> = ["ISSN", "ISBN", "TEL", "FAX", "ORG", "ORGNR", "SE", "BG", "PG", "PAGE", "SIDA", "NR", "TELEFON", "MOBIL"]
    static let labels = ["sfs nr", "sfs-nummer", "diarienummer", "diarienr", "vårt dnr", "ert dnr", "dnr", "ärendenummer", "ärendenr", "beteckning", "reg.nr", "registreringsnummer"]

    /// The case number in `text` after a label such as `Dnr:`, or, with `labelled == false`,
    /// the first token that has a case-number shape on its own.
    ///
    /// On bytes: a line without a case number's core (`UTF8Scan.hasCaseNumberCore`) is passed
    /// over after one scan, and labels are found without lowercasing the line.
    static func find(in line: String, labelled: Bool) -> String? {
        var line = line
        return line.withUTF8 { b -> String? in
            guard UTF8Scan.hasCaseNumberCore(b) else { return nil }
            guard labelled else { return shaped(b, allowBare: false) }
            for label in labelBytes {
                // The label's first occurrence, as a search of the lowercased line finds it.
                guard let at = UTF8Scan.find(ignoringCase: label, in: b), !continuesWord(b, before: at) else { continue }
                var i = at + label.count
                while i < b.count, case let c = b[i], c == 0x3A || c == 0x2E || c == 0x20 || c == 0x2A || c == 0x7C || c == 0x09 { i += 1 }
                // 40 characters of the value, from a window of bytes that holds them.
                let value = String(decoding: UnsafeBufferPointer(rebasing: b[i..<min(b.count, i + 400)]), as: UTF8.self)
                if let v = shaped(String(value.prefix(40)), allowBare: true) { return v }
            }
            return nil
        }
    }

    /// Whether the byte before `offset` continues a word (`ByteSearch.continuesWord`).
    @inline(__always)
    static func continuesWord(_ b: UnsafeBufferPointer<UInt8>, before offset: Int) -> Bool {
        guard offset > 0 else { return false }
        let c = b[offset - 1]
        return c >= 0x80 || (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
    }

    /// The first case-number-shaped token at any word start in `s`.
    static func shaped(_ s: String, allowBare: Bool) -> String? {
        var s = s
        return s.withUTF8 { shaped($0, allowBare: allowBare) }
    }

    /// The first case-number-shaped token at any word start in `b` (UTF-8). A text without a
    /// case number's core has none and is not looked at further.
    static func shaped(_ b: UnsafeBufferPointer<UInt8>, allowBare: Bool) -> String? {
        guard UTF8Scan.hasCaseNumberCore(b) else { return nil }
        let c = Array(String(decoding: b, as: UTF8.self).unicodeScalars)
        return firstShaped(c, from: 0, allowBare: allowBare).map { text(c[$0]) }
    }

    /// Every case number in `line`, in order of position, without repeats: those after a
    /// label (`Dnr: 2021/456`, a bare number allowed) and those shaped like one anywhere. One
    /// pass over the line, whatever its length (`Citations.caseNumbers` over a one-line text of
    /// 20,000 numbers was quadratic when it searched the rest of the line again per number).
    static func all(in line: String) -> [String] {
        var found: [(at: Int, value: String)] = []
        var labelStarts = Set<Int>()
        // Labelled: every occurrence of every label (byte offsets; the lowercased line is used
        // for the value too when lowercasing moved bytes).
        let lower = Array(line.lowercased().utf8)
        let original = Array(line.utf8)
        let source = lower.count == original.count ? original : lower
        for label in labelBytes {
            var from = 0
            while let at = ByteSearch.find(label, in: lower, from: from) {
                from = at + 1
                guard !ByteSearch.continuesWord(lower, before: at) else { continue }
                let end = min(source.count, at + label.count + 200)
                let rest = String(decoding: source[(at + label.count)..<end], as: UTF8.self)
                    .drop { $0 == ":" || $0 == "." || $0 == " " || $0 == "*" || $0 == "|" || $0 == "\t" }
                if let v = shaped(String(rest.prefix(40)), allowBare: true) { found.append((at, v)); labelStarts.insert(at) }
            }
        }
        // Shaped: scan on from the end of each match (scalar offsets, mapped to bytes for the order).
        let c = Array(line.unicodeScalars)
        var byteOffset = 0, charIndex = 0
        var start = 0
        while start < c.count, let r = firstShaped(c, from: start, allowBare: false) {
            while charIndex < r.lowerBound { byteOffset += UTF8.width(c[charIndex]); charIndex += 1 }
            // `Dnr 2024/01078` is the label and its number (found above), not a number with prefix `Dnr`.
            if !labelStarts.contains(byteOffset) { found.append((byteOffset, text(c[r]))) }
            start = r.upperBound
        }
        var seen = Set<String>()
        return found.sorted { $0.at < $1.at }.map(\.value).filter { seen.insert($0).inserted }
    }

    /// The first case-number-shaped token in `c` (the scalars of a text) at a word start at or
    /// after `from` (`from` itself counts as a word start), as a range of `c`. Letters, numbers
    /// and capitals are told by the scalars' Unicode properties, as `Character`'s are by its
    /// first scalar's.
    static func firstShaped(_ c: [Unicode.Scalar], from: Int, allowBare: Bool) -> Range<Int>? {
        let n = c.count
        func isUpper(_ ch: Unicode.Scalar) -> Bool { ch.isUppercase && ch.isLetter }
        func digits(_ i: Int) -> Int { var k = i; while k < n && c[k].isASCII && c[k].isNumber { k += 1 }; return k - i }
        var i = from
        while i < n {
            if i > from && (c[i - 1].isLetter || c[i - 1].isNumber) { i += 1; continue }
            // Prefix of 1–8 letters, first uppercase (a trailing dot is allowed: `Prop. 2016/17:14`).
            var j = i
            while j < n && j - i < 8 && c[j].isLetter { j += 1 }
            let prefixLen = j - i
            if prefixLen >= 2 && isUpper(c[i]) {
                // Riksmöte designations: `Prop. 2016/17:14`, `Bet. 2016/17:SkU8`, `2025/26:FPM52`.
                var k = j
                if k < n && c[k] == "." { k += 1 }
                if k < n && c[k] == " " { k += 1 }
                if digits(k) == 4, k + 7 < n, c[k + 4] == "/", digits(k + 5) == 2, c[k + 7] == ":" {
                    var e = k + 8
                    while e < n && (c[e].isLetter || c[e].isNumber) { e += 1 }
                    if e > k + 8 { return i..<e }
                }
            }
            // `ELSÄK-FS 2008:2`: two letter groups joined by a hyphen.
            var jj = j
            if jj + 1 < n, c[jj] == "-", isUpper(c[jj + 1]), c[jj + 1].isLetter {
                var e = jj + 1
                while e < n && e - jj < 6 && c[e].isLetter && isUpper(c[e]) { e += 1 }
                if e < n, c[e] == " ", digits(e + 1) == 4 { jj = e }
            }
            // No prefix (a digit starts the word): "" is not among `notCasePrefixes`.
            if prefixLen > 0, notCasePrefixes.contains(text(c[i..<j]).uppercased()) { i = j; continue }
            if jj != j, digits(jj + 1) == 4, jj + 5 < n, c[jj + 5] == ":", digits(jj + 6) >= 1 {
                let e = jj + 6 + digits(jj + 6)
                return i..<e
            }
            if prefixLen >= 1 && isUpper(c[i]) && (j >= n || !c[j].isLetter) {
                var k = j
                var sep = false
                if k < n && (c[k] == " " || c[k] == "-") { k += 1; sep = true }
                let yd = digits(k)
                if yd == 4, k + 4 < n, ["/", ":", "-", "."].contains(c[k + 4]) {
                    let tail = digits(k + 5)
                    let symbol = c[k + 4]
                    let okTail = tail >= 1 && tail <= 6 && (k + 5 + tail >= n || !(c[k + 5 + tail].isLetter || c[k + 5 + tail].isNumber))
                    // `-` after a space-separated prefix needs 3+ digits (BYGG 2021-000771); `.` only when labelled
                    let okSep = symbol != "." || allowBare
                    var dashOK = symbol != "-" || tail >= 3 || (sep && c[j] == "-")
                    // `Blekinge 2021-2027` is a span of years, not a case number.
                    if symbol == "-", tail == 4, let t = Int(text(c[(k + 5)..<(k + 9)])), (1900...2099).contains(t) { dashOK = false }
                    if okTail && okSep && dashOK && (sep || prefixLen >= 1) {
                        // Not a date: YYYY-MM-DD.
                        if !(symbol == "-" && tail == 2) {
                            return i..<(k + 5 + tail)
                        }
                    }
                }
            }
            // Bare YYYY/NNN or YYYY.NNN when labelled.
            if allowBare, c[i].isNumber {
                let yd = digits(i)
                if yd == 4, i + 4 < n, c[i + 4] == "/" || c[i + 4] == "." {
                    let tail = digits(i + 5)
                    if tail >= 1 && tail <= 6 { return i..<(i + 5 + tail) }
                }
            }
            i += 1
        }
        return nil
    }
}

/// The string of `scalars`: their UTF-8 bytes decoded at once. The same string as
/// `String(String.UnicodeScalarView(scalars))`, which appended them one by one (11 k
/// instructions for a case number of a dozen scalars, callgrind).
fileprivate func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(scalars.count &* 4)
    for s in scalars { UTF8.encode(s) { bytes.append($0) } }
    return String(decoding: bytes, as: UTF8.self)
}

fileprivate extension Unicode.Scalar {
    /// `Character.isLetter` for a character of this one scalar.
    @inline(__always) var isLetter: Bool { isASCII ? (value | 0x20) >= 0x61 && (value | 0x20) <= 0x7A : properties.isAlphabetic }
    /// `Character.isNumber` for a character of this one scalar.
    @inline(__always) var isNumber: Bool { isASCII ? value >= 0x30 && value <= 0x39 : properties.numericType != nil }
    /// `Character.isUppercase` for a character of this one scalar.
    @inline(__always) var isUppercase: Bool { isASCII ? value >= 0x41 && value <= 0x5A : properties.isUppercase }
}
