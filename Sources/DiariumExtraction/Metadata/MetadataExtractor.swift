/// Explicit metadata found by a format extractor, before text heuristics run.
struct ExplicitMetadata {
    var title: (String, MetadataSource)?
    var date: (String, MetadataSource)?
    var dnr: (String, MetadataSource)?
    var authority: (String, MetadataSource)?
    var type: (String, MetadataSource)?
    var language: (String, MetadataSource)?
    /// A year without a full date (`<dc:date>1972</dc:date>`).
    var year: (Int, MetadataSource)?
    /// The text the letterhead heuristics read instead of the document's own first lines: a
    /// PDF's first page in reading order (its stored text is in layout order, where a
    /// letterhead's columns share lines). `text:line N` then counts lines of this text.
    var letterhead: String?

    /// The values whose source's tier is at least `tier`, and the others.
    func split(at tier: MetadataSource.Tier) -> (atLeast: ExplicitMetadata, below: ExplicitMetadata) {
        var high = ExplicitMetadata(), low = ExplicitMetadata()
        high.letterhead = letterhead
        func route<T>(_ value: (T, MetadataSource)?, _ key: WritableKeyPath<ExplicitMetadata, (T, MetadataSource)?>) {
            guard let value else { return }
            if value.1.tier >= tier { high[keyPath: key] = value } else { low[keyPath: key] = value }
        }
        route(title, \.title)
        route(date, \.date)
        route(dnr, \.dnr)
        route(authority, \.authority)
        route(type, \.type)
        route(language, \.language)
        route(year, \.year)
        return (high, low)
    }
}

/// Fills a document's metadata, each field with its source, preferring explicit metadata over
/// the text over folder and file names.
enum MetadataExtractor {
    static let authoritySuffixes = ["nämnden", "nämnd", "styrelsen", "förvaltningen", "kontoret", "departementet", "myndigheten",
                                    "verket", "inspektionen", "fullmäktige", "kansliet", "rådet", "revisionen", "ombudsmannen", "domstolen",
                                    "förmedlingen", "arkivet"]
    /// Lines with these words give dates that are not the document's own (entry into force,
    /// deadlines, repeal).
    static let otherDateWords: [[UInt8]] = ["träder i kraft", "trädde i kraft", "ikraftträd", "senast den", "upphör", "gäller från",
                                            "gäller fr.o.m", "utkom från trycket", "revideras", "giltig till", "redovisas senast",
                                            "ska redovisas", "redovisas den"].map { Array($0.utf8) }
    static let dateKeywords = ["beslutade", "regeringssammanträde", "utfärdat", "utfärdade",
                               "beslutad", "beslutades", "beslutsdatum", "fastställd", "fastställt", "fastställdes", "antagen", "antaget",
                               "antogs", "upprättad", "upprättat", "datum", "sammanträdesdatum", "sammanträde", "protokoll", "date",
                               "daterad", "skickat", "sent", "justerad", "godkänd", "utfärdad"]
    static let headerKeys: Set<String> = ["från", "from", "till", "to", "datum", "date", "skickat", "sent", "ämne", "subject", "kopia", "cc", "kopia till"]
    static let labelKeys: Set<String> = ["datum", "dnr", "diarienummer", "diarienr", "handläggare", "beslutad av", "status", "version",
                                         "till", "från", "sammanträdesdatum", "beslutsdatum", "dokumentansvarig", "gäller för", "gäller från",
                                         "revideras senast", "upprättad", "upprättad av", "fastställd", "ansvarig", "telefon", "e-post",
                                         "kontaktperson", "ämne", "ärende", "bilaga", "sekretess", "klassning", "system", "systemägare",
                                         "informationsägare", "deltagare", "närvarande", "plats", "tid", "blad"]

    /// Characters of each line that the metadata finders look at.
    static let maxLineLength = 16_384
    /// Characters of a title (the longest seen in ../shared/data has 1,785).
    static let maxTitleLength = 2_000

    static func fill(_ doc: inout ExtractedDocument, explicit all: ExplicitMetadata, path: [String]) {
        // Declared metadata counts before the text; embedded properties (a PDF's Title and
        // CreationDate) only where the text says nothing (`MetadataSource.Tier`).
        let (explicit, embedded) = all.split(at: .text)
        // Each line only as far as metadata can be: a single gigantic line (a file without line
        // breaks) would otherwise be scanned whole by every finder below.
        // For a paged document the letterhead is page 1's (the first page with text).
        let head = all.letterhead ?? (doc.pageStarts.count > 1 ? firstPageWithText(doc) : doc.text)
        let lines = firstLines(head, 80)
        let email = emailHeaders(lines)
        // Room for the sources set below (title, authority, type, date, year, dnr, language, …)
        // at once: grown one key at a time, the table was rehashed at 1, 2 and 4 keys.
        doc.sources.reserveCapacity(doc.sources.count + 8)
        func set(_ key: String, _ value: (String, MetadataSource)?, _ apply: (String) -> Void) {
            guard let (v, source) = value else { return }
            apply(v)
            doc.sources[key] = source
        }

        // Title
        var title = explicit.title
        if let t = title, t.1 == .htmlTitle, t.0.split(separator: " ").count <= 3 || t.0.lowercased().contains("rättsdatabas"),
           let labelled = labelledTitle(lines) {
            title = labelled
        }
        if title == nil, let subject = email["ämne"] ?? email["subject"] { title = (subject, .emailHeader("subject")) }
        if title == nil { title = textTitle(lines) }
        if title == nil { title = embedded.title }
        if title == nil, let name = path.last { title = (stripExtension(name), .fileName) }
        // A title from markup, a heading or a subject is as long as the file made it; keep a title.
        set("title", title.map { (String($0.0.prefix(maxTitleLength)), $0.1) }) { doc.title = $0 }

        // Date and year
        var date = explicit.date.flatMap { v in DateFinder.dates(in: v.0).first.map { ($0, v.1) } }
        if date == nil, let d = email["datum"] ?? email["date"] ?? email["skickat"] ?? email["sent"],
           let iso = DateFinder.dates(in: d).first {
            date = (iso, .emailHeader("date"))
        }
        if date == nil { date = keywordDate(lines) }
        let fileYear = explicit.year ?? pathYear(path) ?? embedded.year
        if date == nil {
            for (i, line) in lines.prefix(40).enumerated() where hasDigit(line) && !mentionsOtherDate(line) {
                // With a year in the file name, only a date of that year is believed.
                if let d = DateFinder.dates(in: line).first(where: { d in fileYear.map { Int(d.prefix(4)) == $0.0 } ?? true }) {
                    date = (d, .textLine(i + 1))
                    break
                }
            }
        }
        if date == nil { date = embedded.date.flatMap { v in DateFinder.dates(in: v.0).first.map { ($0, v.1) } } }
        set("date", date) { doc.date = $0 }
        if let d = doc.date, let y = Int(d.prefix(4)) {
            doc.year = y
            doc.sources["year"] = doc.sources["date"]
        } else if let (y, source) = fileYear {
            doc.year = y
            doc.sources["year"] = source
        }

        // Diarienummer
        var dnr = explicit.dnr.flatMap { v in (DiarienummerFinder.find(in: v.0, labelled: true) ?? DiarienummerFinder.shaped(v.0, allowBare: true)).map { ($0, v.1) } }
        if dnr == nil {
            for (i, line) in lines.enumerated() where hasDigit(line) {
                if let v = DiarienummerFinder.find(in: line, labelled: true) { dnr = (v, .textLine(i + 1)); break }
            }
        }
        if dnr == nil {
            for (i, line) in lines.prefix(30).enumerated() where hasDigit(line) {
                if let v = DiarienummerFinder.find(in: line, labelled: false) { dnr = (v, .textLine(i + 1)); break }
            }
        }
        if dnr == nil {
            dnr = embedded.dnr.flatMap { v in (DiarienummerFinder.find(in: v.0, labelled: true) ?? DiarienummerFinder.shaped(v.0, allowBare: true)).map { ($0, v.1) } }
        }
        set("dnr", dnr) { doc.dnr = $0 }

        // Authority
        var authority = explicit.authority.flatMap { v in authorityName(v.0).map { ($0, v.1) } }
        if authority == nil || authority.map({ if case .htmlMeta = $0.1 { true } else { false } }) == true, let labelled = labelledAuthority(lines) {
            // `Departement: Försvarsdepartementet` in the text beats a generic meta author.
            authority = labelled
        }
        if authority == nil {
            for (i, line) in lines.prefix(6).enumerated() {
                if let a = cells(line).lazy.compactMap(authorityName).first { authority = (a, .textLine(i + 1)); break }
            }
        }
        if authority == nil, !email.isEmpty {
            for line in lastLines(doc.text, 8) {
                if let a = authorityName(line) { authority = (a, .emailSignature); break }
            }
        }
        if authority == nil { authority = embedded.authority.flatMap { v in authorityName(v.0).map { ($0, v.1) } } }
        if authority == nil {
            for component in path.dropLast() {
                if let a = authorityName(component) { authority = (a, .folder); break }
            }
        }
        if authority == nil, let explicitOrg = explicit.authority { authority = explicitOrg }
        set("authority", authority) { doc.authority = $0 }

        // Document type
        var type = explicit.type.flatMap { v in
            (DocumentType.vocabulary.contains(v.0) ? v.0 : DocumentType.classify(v.0)).map { ($0, v.1) }
        }
        if type == nil, email.count >= 2 { type = ("e-post", .emailHeader(nil)) }
        if type == nil {
            var nonEmpty = 0
            for (i, line) in lines.prefix(8).enumerated() where !isBlank(line) {
                nonEmpty += 1
                if let t = labelType(line, strict: nonEmpty > 2) { type = (t, .textLine(i + 1)); break }
            }
        }
        if type == nil, let t = doc.title.flatMap(DocumentType.classify) { type = (t, .title) }
        if type == nil { type = embedded.type.flatMap { v in (DocumentType.vocabulary.contains(v.0) ? v.0 : DocumentType.classify(v.0)).map { ($0, v.1) } } }
        if type == nil, let name = path.last, let t = DocumentType.classify(stripExtension(name)) { type = (t, .fileName) }
        if type == nil, let t = classifyLeading(doc.text, 600) { type = (t, .text) }
        set("type", type ?? ("övrigt", .default)) { doc.type = $0 }

        // Language
        var language = explicit.language.map { (String($0.0.prefix(2)).lowercased(), $0.1) }
        if language == nil, let l = LanguageGuesser.guess(doc.text) { language = (l, .text) }
        if language == nil { language = embedded.language.map { (String($0.0.prefix(2)).lowercased(), $0.1) } }
        set("language", language) { doc.language = $0 }
    }

    /// The text of the first page that has a letter on it (page 1 unless it is blank).
    static func firstPageWithText(_ doc: ExtractedDocument) -> String {
        for p in 1...min(doc.pageCount, 3) {
            if let t = doc.text(ofPage: p), t.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) { return String(t) }
        }
        return doc.text
    }

    /// Whether `line` is empty or whitespace only (`trimmed().isEmpty`, without the copy).
    static func isBlank(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { b in
            var i = 0
            UTF8Scan.skipWhitespace(b, from: &i)
            return i == b.count
        }
    }

    /// `DocumentType.classify(String(text.prefix(count)))`, on the text's bytes while the first
    /// `count` characters are plain.
    static func classifyLeading(_ text: String, _ count: Int) -> String? {
        var text = text
        let found = text.withUTF8 { b -> String?? in
            guard let end = plainPrefixEnd(b, count) else { return .none }
            return .some(DocumentType.classify(UnsafeBufferPointer(rebasing: b[..<end])))
        }
        return found ?? DocumentType.classify(String(text.prefix(count)))
    }

    /// The byte offset after the first `count` characters of `b` if they (and the character
    /// after them) are plain (`UTF8Scan.isPlain`: one scalar a character), else nil.
    static func plainPrefixEnd(_ b: UnsafeBufferPointer<UInt8>, _ count: Int) -> Int? {
        var i = 0, n = 0
        while i < b.count && n <= count {
            let c = b[i]
            var width = 1
            if c >= 0x80 {
                width = UTF8Scan.sequenceLength(c)
                guard i + width <= b.count, UTF8Scan.isPlain(b, i..<(i + width)) else { return nil }
            } else if c == 0x0D {
                return nil
            }
            // The character after the cut is checked (a combining mark would join the last one), not taken.
            if n == count { return i }
            i += width
            n += 1
        }
        return i
    }

    /// The first `count` lines of `text`, each cut to `maxLineLength` characters. A line ends at
    /// a line feed that is a character of its own (not the second half of a CR LF pair), as
    /// `split(separator: "\n")` over characters would cut it.
    static func firstLines(_ text: String, _ count: Int) -> [String] {
        var text = text
        let whole = text
        return text.withUTF8 { b in
            var lines: [String] = []
            var start = 0, i = 0
            func line(_ end: Int) -> String {
                // A line of at most `maxLineLength` bytes is copied from the text, which is valid
                // UTF-8 already, as a slice at its line breaks (character boundaries), without
                // decoding it again.
                if end - start <= maxLineLength {
                    let utf8 = whole.utf8
                    return String(whole[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)])
                }
                // A line longer than `maxLineLength` characters: only a window of its bytes that
                // holds that many characters is decoded, not the whole line.
                let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<min(end, start + 8 * maxLineLength)]), as: UTF8.self)
                return String(s.prefix(maxLineLength))
            }
            while i < b.count && lines.count < count {
                // The next line feed by memchr (lines run to thousands of bytes).
                guard let hit = memchr(b.baseAddress! + i, 0x0A, b.count - i) else { break }
                i = b.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if i == 0 || b[i - 1] != 0x0D {
                    lines.append(line(i))
                    start = i + 1
                }
                i += 1
            }
            if lines.count < count { lines.append(line(b.count)) }
            return lines
        }
    }

    /// The last `count` non-empty lines of `text`, last first (a line ends at LF), read
    /// backwards from the end on bytes.
    static func lastLines(_ text: String, _ count: Int) -> [String] {
        var text = text
        return text.withUTF8 { b in
            var lines: [String] = []
            var end = b.count
            while end > 0 && lines.count < count {
                var start = end
                while start > 0 && b[start - 1] != 0x0A { start -= 1 }
                if start < end { lines.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)) }
                end = start - 1
            }
            return lines
        }
    }

    /// `Key: value` header lines at the top of an e-mail saved as text.
    static func emailHeaders(_ lines: [String]) -> [String: String] {
        var headers: [String: String] = [:]
        for line in lines.prefix(12) {
            if isBlank(line) { if headers.isEmpty { continue } else { break } }
            // Without a colon's byte there is no colon (the `Character` walk costs more).
            guard line.utf8.contains(0x3A), let colon = line.firstIndex(of: ":") else { break }
            let key = line[..<colon].trimmed().lowercased()
            guard headerKeys.contains(key) else { break }
            headers[key] = line[line.index(after: colon)...].trimmed()
        }
        let hasSubject = headers["ämne"] != nil || headers["subject"] != nil
        return hasSubject && headers.count >= 2 ? headers : [:]
    }

    /// Splits a letterhead line into cells (runs of 2+ spaces, tabs or `|` separate them).
    /// Each cell without leading and trailing `*`, `#`, `_` and spaces; empty cells dropped.
    static func cells(_ line: String) -> [String] {
        var line = line
        return line.withUTF8 { b in
            cellRanges(b).map { String(decoding: UnsafeBufferPointer(rebasing: b[$0]), as: UTF8.self) }
        }
    }

    /// The byte ranges of `cells`.
    static func cellRanges(_ b: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        forEachCell(b) { out.append($0); return false }
        return out
    }

    /// Words (runs of bytes between spaces) of `b[range]` that are not made of numbers, `-`
    /// and `§` alone, counted up to `limit` (the count stops there).
    static func wordsNotNumbers(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, limit: Int) -> Int {
        var count = 0, i = range.lowerBound
        while i < range.upperBound && count < limit {
            if b[i] == 0x20 { i += 1; continue }
            var numeric = true
            while i < range.upperBound && b[i] != 0x20 {
                let (scalar, width) = UTF8Scan.scalar(b, at: i)
                if numeric && scalar != "-" && scalar != "§" && scalar.properties.numericType == nil { numeric = false }
                i += width
            }
            if !numeric { count += 1 }
        }
        return count
    }

    /// Whether `text`'s first non-empty comma-separated piece has 1 to 6 space-separated words
    /// once trimmed — what both rules (`findAuthorityNamePlain`, `findAuthorityNameByStrings`)
    /// require first, checked on bytes before any other scan, copy or memo lookup.
    static func mayBeAuthorityName(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            let (start, end) = firstCommaPiece(b)
            var words = 0, i = start
            while i < end {
                if b[i] == 0x20 { i += 1; continue }
                words += 1
                if words > 6 { return false }
                while i < end && b[i] != 0x20 { i += 1 }
            }
            return words >= 1
        }
    }

    static let authoritySuffixBytes = authoritySuffixes.map { Array($0.utf8) }
    static let notAuthoritySuffix = Array("området".utf8)

    static let authorityLabels = ["departement", "departement/ myndighet", "departement/myndighet", "myndighet", "utgivare",
                                  "utfärdare", "beslutad av", "beslutat av", "avsändare", "organisation", "nämnd", "förvaltning",
                                  "ansvarig myndighet", "ansvarig nämnd", "beslutsinstans"]

    static let authorityLabelBytes = authorityLabels.map { Array($0.utf8) }
    /// The first bytes of `authorityLabels`.
    static let authorityLabelStarts = Set(authorityLabels.compactMap { $0.utf8.first })

    /// Whether `line`, trimmed, starts with an authority label or ends with `…ngssamling` (a
    /// masthead), in any case: what `labelledAuthority` needs of a line, on bytes. A label's
    /// letters are ASCII, `ä` and `ö`; the only capitals `lowercased()` maps to them are their
    /// ASCII and Latin-1 capitals (the Kelvin sign's `k` and the Ångström sign's `å` are in no
    /// label), so a line whose lowercased start is a label starts with it here.
    static func mayNameAuthority(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { b in
            var start = 0, end = b.count
            UTF8Scan.skipWhitespace(b, from: &start)
            _ = UTF8Scan.skipWhitespace(b, before: &end)
            guard start < end else { return false }
            func startsWithLabel(_ label: [UInt8]) -> Bool {
                guard end - start >= label.count else { return false }
                for k in 0..<label.count where !UTF8Scan.foldedEqual(b[start + k], label[k], afterC3: k > 0 && label[k - 1] == 0xC3) {
                    return false
                }
                return true
            }
            if authorityLabelStarts.contains(b[start] | (b[start] >= 0x41 && b[start] <= 0x5A ? 0x20 : 0)),
               authorityLabelBytes.contains(where: startsWithLabel) { return true }
            return end - start >= 10 && UTF8Scan.equalsIgnoringASCIICase(b, at: end - 10, "ngssamling")
        }
    }

    /// `Departement: Försvarsdepartementet`, `Utgivare: Finansinspektionen, Sverige`,
    /// `Beslutad av  Kommunstyrelsen`, or a masthead `Socialstyrelsens författningssamling`.
    static func labelledAuthority(_ lines: [String]) -> (String, MetadataSource)? {
        for (i, raw) in lines.prefix(40).enumerated() where mayNameAuthority(raw) {
            let line = raw.trimmed()
            // The labels and the masthead suffix are short: only the line's ends are lowercased.
            let lower = String(line.prefix(32)).lowercased()
            if String(line.suffix(32)).lowercased().hasSuffix("s författningssamling"), let name = line.split(separator: " ").first, name.count > 3 {
                let base = String(name.dropLast())
                if authorityName(base) != nil { return (base, .textLine(i + 1)) }
            }
            // The masthead on two lines, as PDFs have it: `BOVERKETS` / `FÖRFATTNINGSSAMLING`.
            if i > 0, lower == "författningssamling" {
                let above = lines[i - 1].trimmed()
                if above.lowercased().hasSuffix("s"), let a = authorityName(String(above.dropLast())) { return (a, .textLine(i)) }
            }
            let lowerBytes = Array(lower.utf8)
            for (label, bytes) in zip(authorityLabels, authorityLabelBytes) where lowerBytes.starts(with: bytes) {
                var rest = line.unicodeScalars.dropFirst(label.unicodeScalars.count)
                guard let first = rest.first, first == ":" || first == " " || first == "\t" || first == "|" else { continue }
                rest = rest.drop { $0 == ":" || $0 == " " || $0 == "\t" || $0 == "|" || $0 == "*" }
                let value = String(String.UnicodeScalarView(rest))
                if let a = authorityName(value) { return (a, .textLine(i + 1)) }
            }
        }
        return nil
    }

    /// The answers of `authorityName` for texts that are not plain and passed `mayBeAuthorityName`, by text. The
    /// function is pure and asked about the same few names again and again (a declared
    /// authority, the folders of a batch), and its `String` work costs tens of thousands of
    /// instructions a call; texts up to `memoLength` bytes are remembered, `memoCount` at most.
    private static let authorityMemo = Mutex<[String: String?]>([:])
    static let memoLength = 256
    static let memoCount = 4_096

    /// The authority named by `text` (`Gymnasienämnden, Norrvika kommun` → `Gymnasienämnden`).
    /// A plain text is answered on its bytes (the rule applied once, no memo); any other through
    /// the memo.
    static func authorityName(_ text: String) -> String? {
        guard mayBeAuthorityName(text) else { return nil }
        var bytes = text
        if let plain = bytes.withUTF8(findAuthorityNamePlain) { return plain }
        guard text.utf8.count <= memoLength else { return findAuthorityNameByStrings(text) }
        if let known = authorityMemo.withLock({ $0[text] }) { return known }
        let found = findAuthorityNameByStrings(text)
        authorityMemo.withLock { memo in
            if memo.count >= memoCount { memo.removeAll(keepingCapacity: true) }
            memo[text] = .some(found)
        }
        return found
    }

    static let forBytes = Array("för".utf8)

    /// The first non-empty comma-separated piece of `b`, without the whitespace around it, as
    /// byte offsets (start == end: none).
    static func firstCommaPiece(_ b: UnsafeBufferPointer<UInt8>) -> (start: Int, end: Int) {
        var start = 0
        while start < b.count && b[start] == 0x2C { start += 1 }
        var end = start
        while end < b.count && b[end] != 0x2C { end += 1 }
        UTF8Scan.skipWhitespace(b, from: &start, to: end)
        _ = UTF8Scan.skipWhitespace(b, before: &end)
        return (start, end)
    }

    /// `findAuthorityNameByStrings` on the bytes of a plain text (`UTF8Scan.isPlain`: a
    /// character is a scalar, only Latin-1 letters have a case); nil for any other text.
    static func findAuthorityNamePlain(_ b: UnsafeBufferPointer<UInt8>) -> String?? {
        guard UTF8Scan.isPlain(b, 0..<b.count) else { return .none }
        // The first non-empty comma-separated piece, trimmed (so it starts with no space), and
        // its space-separated words: how many (counting stops at 7), the first, second and last.
        let (start, end) = firstCommaPiece(b)
        guard start < end, UTF8Scan.isUppercaseLatin1(b, at: start) else { return .some(nil) }
        var count = 0, first = start..<start, second = start..<start, last = start..<start
        var i = start
        while i < end && count <= 6 {
            if b[i] == 0x20 { i += 1; continue }
            let s = i
            while i < end && b[i] != 0x20 { i += 1 }
            count += 1
            if count == 1 { first = s..<i }
            if count == 2 { second = s..<i }
            last = s..<i
        }
        guard count <= 6, !UTF8Scan.hasSuffixIgnoringLatin1Case(b, last, notAuthoritySuffix),
              authoritySuffixBytes.contains(where: { UTF8Scan.hasSuffixIgnoringLatin1Case(b, last, $0) }) else { return .some(nil) }
        // `Avveckling av Fiskeriverket` is a title that mentions an authority, not a name.
        if count >= 3, UTF8Scan.isUppercaseLatin1(b, at: last.lowerBound) { return .some(nil) }
        // `Informationssäkerhetspolicy för miljö- och hälsoskyddsnämnden` is a document's title.
        if count >= 3, UTF8Scan.equalsIgnoringLatin1Case(b, second, forBytes),
           DocumentType.classify(UnsafeBufferPointer(rebasing: b[first])) != nil { return .some(nil) }
        // Letters and `-` only (lowercase words other than "och"/"för"/"i" are allowed inside).
        var k = start
        while k < end {
            let c = b[k]
            if c < 0x80 {
                guard c == 0x20 || c == 0x2D || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) else { return .some(nil) }
                k += 1
            } else {
                let (scalar, width) = UTF8Scan.scalar(b, at: k)
                guard scalar.properties.isAlphabetic else { return .some(nil) }
                k += width
            }
        }
        guard UTF8Scan.changesUnderUppercasing(b, start..<end) == false else {
            return .some(String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self))
        }
        // All capitals: the first letter kept, the rest lowercased.
        let head = UTF8Scan.sequenceLength(b[start])
        var out = Array(UnsafeBufferPointer(rebasing: b[start..<end]))
        for k in head..<out.count { out[k] = UTF8Scan.lowerLatin1(out[k], afterC3: out[k - 1] == 0xC3) }
        return .some(String(decoding: out, as: UTF8.self))
    }

    /// `authorityName`'s rule on `String`s and `Character`s, for any text.
    static func findAuthorityNameByStrings(_ text: String) -> String? {
        let first = text.split(separator: ",").first.map { $0.trimmed() } ?? ""
        let words = first.split(separator: " ")
        guard (1...6).contains(words.count), let head = words.first?.first, head.isUppercase,
              let last = words.last?.lowercased(), !last.hasSuffix("området"),
              authoritySuffixes.contains(where: { last.hasSuffix($0) }) else { return nil }
        // `Avveckling av Fiskeriverket` is a title that mentions an authority, not a name.
        if words.count >= 3, words.last?.first?.isUppercase == true { return nil }
        // `Informationssäkerhetspolicy för miljö- och hälsoskyddsnämnden` is a document's title:
        // a name does not start with a document type followed by `för`.
        if words.count >= 3, words[1].lowercased() == "för", let w = words.first, DocumentType.classify(String(w)) != nil { return nil }
        // Lowercase words other than "och"/"för"/"i" are allowed inside (Tekniska förvaltningen).
        guard words.allSatisfy({ $0.allSatisfy { $0.isLetter || $0 == "-" } }) else { return nil }
        if first == first.uppercased() { return first.prefix(1) + first.dropFirst().lowercased() }
        return first
    }

    /// A letterhead cell that is only a type label (`PROTOKOLLSUTDRAG`, `Protokoll 2022-02-23`).
    ///
    /// On bytes: its cells, their one word that is not a number, and, in a plain cell
    /// (`UTF8Scan.isPlain`, nearly every one), case and marks are read without a `String`;
    /// `labelTypeByStrings(cell:strict:)` reads other cells, with the same rules.
    static func labelType(_ line: String, strict: Bool = false) -> String? {
        if UTF8Scan.containsIgnoringASCIICase(line, "utdrag ur protokoll") { return "protokoll" }
        var line = line
        return line.withUTF8 { b -> String? in
            var found: String?
            forEachCell(b) { cell in
                // A cell with two words that are not numbers is passed over after its second word.
                guard let word = onlyWordNotNumber(b, cell) else { return false }
                guard UTF8Scan.isPlain(b, cell) else {
                    found = labelTypeByStrings(cell: String(decoding: UnsafeBufferPointer(rebasing: b[cell]), as: UTF8.self), strict: strict)
                    return found != nil
                }
                // Past the first lines, only a letterhead label counts: capitals, or a label with a date.
                if strict && UTF8Scan.changesUnderUppercasing(b, cell) && DateFinder.dates(in: UnsafeBufferPointer(rebasing: b[cell])).isEmpty {
                    return false
                }
                found = markedType(b, word)
                return found != nil
            }
            return found
        }
    }

    /// Calls `body` with the byte range of each cell of `b` in order, until it returns true: a
    /// cell is a run of bytes in which separators (space, tab, `|`) occur only as single spaces,
    /// without `*`, `#`, `_` and spaces around it. The one cell splitter (`cellRanges` collects it).
    @inline(__always)
    static func forEachCell(_ b: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Bool) {
        @inline(__always) func trim(_ c: UInt8) -> Bool { c == 0x2A || c == 0x23 || c == 0x5F || c == 0x20 }   // * # _ space
        var start = -1, end = -1, separators = 0
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            i += 1
            if c == 0x20 { separators += 1; continue }
            if c == 0x09 || c == 0x7C { separators += 3; continue }
            if separators >= 2, start >= 0 {
                var s = start, e = end
                while s < e && trim(b[s]) { s += 1 }
                while e > s && trim(b[e - 1]) { e -= 1 }
                if s < e && body(s..<e) { return }
                start = -1
            }
            separators = 0
            if start < 0 { start = i - 1 }
            end = i
        }
        if start >= 0 {
            var s = start, e = end
            while s < e && trim(b[s]) { s += 1 }
            while e > s && trim(b[e - 1]) { e -= 1 }
            if s < e { _ = body(s..<e) }
        }
    }

    /// `labelType` on `String`s and `Character`s, for any line (the rules `labelType` reads a
    /// plain cell by on bytes).
    static func labelTypeByStrings(_ line: String, strict: Bool = false) -> String? {
        if UTF8Scan.containsIgnoringASCIICase(line, "utdrag ur protokoll") { return "protokoll" }
        // Only cells of one word (numbers aside) can be a label: the others are passed over on bytes.
        var line = line
        let candidates = line.withUTF8 { b in
            cellRanges(b).filter { wordsNotNumbers(b, $0, limit: 2) == 1 }.map { String(decoding: UnsafeBufferPointer(rebasing: b[$0]), as: UTF8.self) }
        }
        for cell in candidates {
            if let type = labelTypeByStrings(cell: cell, strict: strict) { return type }
        }
        return nil
    }

    /// The type a cell of one word that is not a number names, on `String`s and `Character`s.
    static func labelTypeByStrings(cell: String, strict: Bool) -> String? {
        let words = cell.split(separator: " ").filter { w in !w.allSatisfy { $0.isNumber || $0 == "-" || $0 == "§" } }
        guard words.count == 1 else { return nil }
        // Past the first lines, only a letterhead label counts: capitals, or a label with a date.
        if strict && cell != cell.uppercased() && DateFinder.dates(in: cell).isEmpty { return nil }
        let w = words[0].lowercased()
        for (type, marks) in DocumentType.rules where marks.contains(w) { return type }
        return nil
    }

    /// Every mark of `DocumentType.rules` with its type, in the rules' order.
    static let labelMarks: [(type: String, mark: [UInt8])] = DocumentType.byteRules.flatMap { rule in rule.1.map { (rule.0, $0) } }

    /// The type of the first rule with a mark equal to the word `b[word]` of plain text, lowercased.
    static func markedType(_ b: UnsafeBufferPointer<UInt8>, _ word: Range<Int>) -> String? {
        labelMarks.first { UTF8Scan.equalsIgnoringLatin1Case(b, word, $0.mark) }?.type
    }

    /// The one word (a run of bytes between spaces) of `b[range]` that is not made of numbers,
    /// `-` and `§` alone, if there is exactly one.
    static func onlyWordNotNumber(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        var found: Range<Int>?
        var i = range.lowerBound
        while i < range.upperBound {
            if b[i] == 0x20 { i += 1; continue }
            let start = i
            var numeric = true
            while i < range.upperBound && b[i] != 0x20 {
                let c = b[i]
                if c < 0x80 {
                    if numeric && c != 0x2D && !(c >= 0x30 && c <= 0x39) { numeric = false }
                    i += 1
                } else {
                    let (scalar, width) = UTF8Scan.scalar(b, at: i)
                    if numeric && scalar != "§" && scalar.properties.numericType == nil { numeric = false }
                    i += width
                }
            }
            if !numeric {
                if found != nil { return nil }
                found = start..<i
            }
        }
        return found
    }

    /// Whether `line` has a digit at all (a date needs one); most lines do not.
    @inline(__always)
    static func hasDigit(_ line: String) -> Bool { line.utf8.contains { $0 >= 0x30 && $0 <= 0x39 } }

    static func mentionsOtherDate(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { b in otherDateWords.contains { UTF8Scan.find(ignoringCase: $0, in: b) != nil } }
    }

    static func keywordDate(_ lines: [String]) -> (String, MetadataSource)? {
        for (i, line) in lines.prefix(40).enumerated() where hasDigit(line) {
            // The keyword first: one pass over the line, where `mentionsOtherDate` makes thirteen.
            guard hasDateKeyword(line), !mentionsOtherDate(line) else { continue }
            if let d = DateFinder.dates(in: line).first { return (d, .textLine(i + 1)) }
        }
        return nil
    }

    static let dateKeywordBytes: [[UInt8]] = dateKeywords.map { Array($0.utf8) }
    static let longestDateKeyword = dateKeywordBytes.map(\.count).max() ?? 0

    /// Whether a word of `line` (a run of letters, lowercased) is one of `dateKeywords`. On
    /// bytes: ASCII and Latin-1 letters are lowercased as they are compared; a word longer than
    /// every keyword is passed over.
    static func hasDateKeyword(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { b in
            var word = [UInt8](repeating: 0, count: longestDateKeyword)
            var length = 0
            func end() -> Bool {
                defer { length = 0 }
                guard length > 0 && length <= longestDateKeyword else { return false }
                return dateKeywordBytes.contains { $0.count == length && $0.elementsEqual(word[0..<length]) }
            }
            var i = 0
            while i < b.count {
                let c = b[i]
                if c < 0x80 {
                    i += 1
                    if c >= 0x41 && c <= 0x5A || c >= 0x61 && c <= 0x7A {
                        if length < word.count { word[length] = c | 0x20 }
                        length += 1
                    } else if end() { return true }
                    continue
                }
                let (scalar, width) = UTF8Scan.scalar(b, at: i)
                if scalar.properties.isAlphabetic {
                    for k in 0..<width {
                        // Latin-1 capitals (after C3) to their small letters, as lowercased() does.
                        let x = UTF8Scan.lowerLatin1(b[i + k], afterC3: k == 1 && width == 2 && b[i] == 0xC3)
                        if length < word.count { word[length] = x }
                        length += 1
                    }
                } else if end() { return true }
                i += width
            }
            return end()
        }
    }

    static let titleLabels = ["ärende", "rubrik", "angående", "titel", "avser"]

    /// `Ärende: Lagring av …`, `Rubrik: Förordning (2013:352) om …`.
    static func labelledTitle(_ lines: [String]) -> (String, MetadataSource)? {
        for (i, raw) in lines.prefix(25).enumerated() where mayHoldTitleLabel(raw) {
            for (key, value) in labelledPairs(raw) where titleLabels.contains(key) && value.count >= 3 {
                return (String(value.prefix(250)), .textLine(i + 1))
            }
        }
        return nil
    }

    /// The ASCII ends of the later labels `labelledPairs` cuts a value at (` Ärende:`,
    /// ` Rubrik:`, ` Angående:`, ` Titel:`, ` Avser:`).
    static let titleLabelEnds: [[UInt8]] = ["ende:", "brik:", "itel:", "vser:"].map { Array($0.utf8) }

    static let titleLabelBytes = titleLabels.map { Array($0.utf8) }

    /// Whether the plain text `b[key]`, lowercased, is one of `titleLabels`.
    static func isTitleLabel(_ b: UnsafeBufferPointer<UInt8>, _ key: Range<Int>) -> Bool {
        titleLabelBytes.contains { UTF8Scan.equalsIgnoringLatin1Case(b, key, $0) }
    }

    /// Whether `labelledPairs(line)` can hold a title label, on bytes (most lines cannot, and the
    /// pairs cost a `Character` walk and a lowercased copy of the line up to its colon): the
    /// line has a colon, and the text before its first one, without `*_# ` around it, is a
    /// title label in any case (in a plain line) or short enough to be one (a label has at
    /// most 9 letters; 40 bytes allow any case mapping), or a later label's ASCII end follows it.
    static func mayHoldTitleLabel(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { b in
            guard let colon = b.firstIndex(of: 0x3A) else { return false }
            func trim(_ c: UInt8) -> Bool { c == 0x2A || c == 0x5F || c == 0x23 || c == 0x20 }   // * _ # space
            var start = 0, end = colon
            while start < end && trim(b[start]) { start += 1 }
            while end > start && trim(b[end - 1]) { end -= 1 }
            // In a plain line (`UTF8Scan.isPlain`) the key itself is compared, in any case.
            if end - start <= 40 && !(UTF8Scan.isPlain(b, 0..<b.count) && !isTitleLabel(b, start..<end)) { return true }
            return titleLabelEnds.contains { UTF8Scan.find(ignoringCase: $0, in: b, from: colon + 1) != nil }
        }
    }

    /// `Key: value` pairs on a line; a line may hold several (`SFS nr: 2013:352 Rubrik: …`).
    static func labelledPairs(_ raw: String) -> [(String, String)] {
        guard raw.utf8.contains(0x3A), let colon = raw.firstIndex(of: ":") else { return [] }
        let key = raw[..<colon].trimmed("*_# ").lowercasedPlain
        let value = raw[raw.index(after: colon)...].trimmed("*_ ")
        var pairs = [(key, value)]
        // Later labels on the same line: cut the value at ` Rubrik:`, ` Utfärdad:` …
        for label in titleLabels where value.utf8.contains(0x3A) {
            let marker = " " + label.prefix(1).uppercased() + label.dropFirst() + ":"
            if let r = value.range(of: marker) {
                let rest = value[r.upperBound...].trimmed()
                var v = rest
                for stop in [" Utfärdad:", " Ändring införd:", " Ikraft:", " Källa:"] { if let s = v.range(of: stop) { v = String(v[..<s.lowerBound]) } }
                pairs.append((label, v.trimmed()))
            }
        }
        return pairs
    }

    static func textTitle(_ lines: [String]) -> (String, MetadataSource)? {
        if let labelled = labelledTitle(lines) { return labelled }
        var afterParagraphMark = false
        for (i, raw) in lines.prefix(25).enumerated() {
            var line = raw.trimmed("#*=_-| \t")
            if line.isEmpty || line.allSatisfy({ "=-_*|:".contains($0) }) { continue }
            if raw.hasPrefix("|") || raw.hasPrefix("/") { continue }
            let lowerLine = line.lowercasedPlain
            if lowerLine.hasSuffix("författningssamling") || lowerLine.hasPrefix("issn") || lowerLine.hasPrefix("utgivare")
                || lowerLine.hasPrefix("ansvarig utgivare") { continue }
            // The first line of a two-line masthead (`BOVERKETS` / `FÖRFATTNINGSSAMLING`).
            if i + 1 < lines.count, isMastheadWord(lines[i + 1]) { continue }
            if line.hasPrefix("§") {
                var rest = line.dropFirst().drop { $0 == " " || $0.isNumber }
                let restBytes = Array(rest.utf8)
                if let at = ByteSearch.find(Array("  ".utf8), in: restBytes) ?? ByteSearch.find(Array("Dnr".utf8), in: restBytes) {
                    rest = Substring(String(decoding: restBytes[..<at], as: UTF8.self))
                }
                let t = rest.trimmed()
                if t.isEmpty { afterParagraphMark = true; continue }
                return (t, .textLine(i + 1))
            }
            let cs = cells(line)
            if cs.count > 1 && !afterParagraphMark { continue }
            if cs.count == 1, labelType(line) != nil, let next = continuation(lines, after: i), next.0.hasPrefix("om ") {
                // `Föreskrifter` / `om ändring i …;` on the following lines.
                return (String((line + " " + next.0).prefix(250)), .textLine(i + 1))
            }
            if cs.allSatisfy({ authorityName($0) != nil || labelType($0) != nil || namesPlace($0) }) { continue }
            // A letterhead's unit (`Juridiska avdelningen`), a label above its value
            // (`FÖRFATTARE`), a contact line with an e-mail address: not the title.
            if cs.count == 1, isLetterheadLine(lowerLine) { continue }
            if line.utf8.contains(0x3A), let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].trimmed("*_ ").lowercasedPlain
                if labelKeys.contains(key) || key.hasPrefix("dnr") { continue }
            }
            let lower = lowerLine   // `line` is as it was
            if let d = DiarienummerFinder.shaped(line, allowBare: false), d.count + 2 >= line.count { continue }
            // A type word first and a date (`Protokoll 2022-02-23`); the dates first, as most lines have none.
            if !DateFinder.dates(in: line).isEmpty, case let first = lower.prefix(while: { $0 != " " }), !first.isEmpty,
               DocumentType.rules.contains(where: { $0.1.contains(String(first)) }) { continue }
            if lower.hasPrefix("dnr") || lower.hasPrefix("utdrag ur protokoll") || DateFinder.dates(in: line).first.map({ _ in line.count < 30 }) == true { continue }
            if line.isUppercasedPlain && line.contains(where: \.isLetter) { line = line.prefix(1) + line.dropFirst().lowercased() }
            if !line.hasSuffix("."), let next = continuation(lines, after: i) { line += " " + next.0 }
            if line.hasSuffix(";") { line.removeLast() }
            return (String(line.prefix(250)), .textLine(i + 1))
        }
        return nil
    }

    static let unitSuffixes = ["avdelningen", "enheten", "sektionen", "staben", "byrån"]
    static let columnLabels: Set<String> = ["författare", "handläggare", "revision", "diarienr", "dokumentnummer", "datum", "sida", "beteckning"]

    /// A letterhead's unit (`juridiska avdelningen`), a column label (`författare`) or a contact
    /// line with an e-mail address, given lowercased. Words are counted on bytes in plain text
    /// (`UTF8Scan.isPlain`), up to 13.
    static func isLetterheadLine(_ lower: String) -> Bool {
        var text = lower
        let plain = text.withUTF8 { b -> Bool? in
            guard UTF8Scan.isPlain(b, 0..<b.count) else { return nil }
            var words = 0, i = 0, last = 0..<0
            while i < b.count && words <= 12 {
                if b[i] == 0x20 { i += 1; continue }
                let start = i
                while i < b.count && b[i] != 0x20 { i += 1 }
                words += 1
                last = start..<i
            }
            if words <= 3 && words > 0 && unitSuffixBytes.contains(where: { UTF8Scan.hasSuffixIgnoringLatin1Case(b, last, $0) }) { return true }
            if words == 1 && columnLabels.contains(lower) { return true }
            return words <= 12 && b.contains(0x40)
        }
        if let plain { return plain }
        let words = lower.split(separator: " ")
        if words.count <= 3, let last = words.last, unitSuffixes.contains(where: { last.hasSuffix($0) }) { return true }
        if words.count == 1, columnLabels.contains(lower) { return true }
        return words.count <= 12 && lower.contains("@")
    }

    static let unitSuffixBytes = unitSuffixes.map { Array($0.utf8) }
    static let mastheadWord = Array("författningssamling".utf8)
    static let placeSuffixes = ["kommun", "region"].map { Array($0.utf8) }

    /// Whether `line`, trimmed and lowercased, is `författningssamling` (the second line of a
    /// two-line masthead). On bytes in plain text.
    static func isMastheadWord(_ line: String) -> Bool {
        var text = line
        let plain = text.withUTF8 { b -> Bool? in
            var start = 0, end = b.count
            UTF8Scan.skipWhitespace(b, from: &start, to: end)
            _ = UTF8Scan.skipWhitespace(b, before: &end)
            guard start < end else { return false }
            guard UTF8Scan.isPlain(b, start..<end) else { return nil }
            return end - start == mastheadWord.count && UTF8Scan.hasSuffixIgnoringLatin1Case(b, start..<end, mastheadWord)
        }
        return plain ?? (line.trimmed().lowercased() == "författningssamling")
    }

    /// Whether `cell`, lowercased, ends with `kommun` or `region`. On bytes in plain text.
    static func namesPlace(_ cell: String) -> Bool {
        var text = cell
        let plain = text.withUTF8 { b -> Bool? in
            guard UTF8Scan.isPlain(b, 0..<b.count) else { return nil }
            return placeSuffixes.contains { UTF8Scan.hasSuffixIgnoringLatin1Case(b, 0..<b.count, $0) }
        }
        if let plain { return plain }
        let lower = cell.lowercasedPlain
        return lower.hasSuffix("kommun") || lower.hasSuffix("region")
    }

    /// The lines that continue a title: following non-empty lines that start in lower case,
    /// up to a line ending in `;` (at most three).
    static func continuation(_ lines: [String], after index: Int) -> (String, Int)? {
        var parts: [String] = []
        var i = index + 1
        while i < lines.count && parts.count < 3 {
            let t = lines[i].trimmed()
            // A cited designation continues a title too: `… till förordningen` / `(1983:1021) om …`.
            guard let first = t.first, first.isLowercase || (first == "(" && t.dropFirst().first?.isNumber == true) else { break }
            parts.append(t)
            i += 1
            if t.hasSuffix(";") { break }
        }
        guard !parts.isEmpty else { return nil }
        var joined = parts.joined(separator: " ")
        if joined.hasSuffix(";") { joined.removeLast() }
        return (joined, i - 1)
    }

    static func pathYear(_ path: [String]) -> (Int, MetadataSource)? {
        for component in path.reversed() {
            let c = Array(component.utf8)
            var i = 0
            while i + 4 <= c.count {
                let isBoundary = (i == 0 || !(c[i - 1] >= 0x30 && c[i - 1] <= 0x39)) && (i + 4 == c.count || !(c[i + 4] >= 0x30 && c[i + 4] <= 0x39))
                if isBoundary, let y = Int(String(decoding: c[i..<(i + 4)], as: UTF8.self)), (1900...2099).contains(y),
                   c[i..<(i + 4)].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    return (y, component == path.last ? .fileName : .folder)
                }
                i += 1
            }
        }
        return nil
    }

    static func stripExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}

import Foundation
import Synchronization
