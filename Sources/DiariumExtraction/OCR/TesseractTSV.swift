/// The text of one page as OCR read it.
public struct RecognizedPage: Sendable, Equatable, Codable {
    /// The words, one line of the page per line, a blank line between paragraphs.
    public var text: String
    /// Words recognised.
    public var words: Int
    /// Sum of the words' confidences (0–100 each), so means over several pages weigh every
    /// word alike.
    public var confidenceSum: Double

    /// The mean word confidence (0–100), nil when the page has no words.
    public var meanConfidence: Double? { words > 0 ? confidenceSum / Double(words) : nil }

    public init(text: String, words: Int, confidenceSum: Double) {
        self.text = text
        self.words = words
        self.confidenceSum = confidenceSum
    }
}

/// Reads tesseract's TSV output (`tesseract … tsv`): one row per page, block, paragraph, line
/// and word, tab-separated columns `level page_num block_num par_num line_num word_num left top
/// width height conf text`. Word rows (level 5) carry a confidence from 0 to 100; other rows
/// have -1. The text is rebuilt from the word rows: a line break when the line changes, a blank
/// line when the paragraph or block changes.
///
/// The parser works on the bytes as tesseract wrote them and never trusts them: short rows,
/// non-numeric fields and absurd page numbers are skipped, not fatal.
public enum TesseractTSV {
    /// Pages a single TSV may describe (a multi-page TIFF); rows naming later pages are dropped.
    static let maxPages = 100_000

    /// The pages of `tsv`, indexed by tesseract's `page_num` (1-based; a missing page is an
    /// empty page). A TSV without word rows gives one empty page.
    public static func parse(_ tsv: [UInt8]) -> [RecognizedPage] {
        var pages: [(text: [UInt8], words: Int, sum: Double)] = []
        var lastLine: (page: Int, block: Int, par: Int, line: Int)?
        var lineStart = 0
        var i = 0
        while lineStart < tsv.count {
            i = lineStart
            while i < tsv.count && tsv[i] != 0x0A { i += 1 }
            let row = tsv[lineStart..<i]
            lineStart = i + 1
            // Split into at most 12 columns; the text column keeps any further tabs.
            var columns: [ArraySlice<UInt8>] = []
            columns.reserveCapacity(12)
            var start = row.startIndex
            var j = row.startIndex
            while j < row.endIndex && columns.count < 11 {
                if row[j] == 0x09 {
                    columns.append(row[start..<j])
                    start = j + 1
                }
                j += 1
            }
            var last = row[start..<row.endIndex]
            if last.last == 0x0D { last = last.dropLast() }
            columns.append(last)
            guard columns.count == 12, integer(columns[0]) == 5,
                  let page = integer(columns[1]), page >= 1, page <= maxPages,
                  let block = integer(columns[2]), let par = integer(columns[3]), let line = integer(columns[4]),
                  let confidence = decimal(columns[10]) else { continue }
            let word = trimmed(columns[11])
            guard !word.isEmpty else { continue }
            while pages.count < page { pages.append(([], 0, 0)) }
            var p = pages[page - 1]
            if let l = lastLine, l.page == page {
                if l.block != block || l.par != par { p.text += [0x0A, 0x0A] }
                else if l.line != line { p.text.append(0x0A) }
                else { p.text.append(0x20) }
            }
            p.text += word
            p.words += 1
            p.sum += min(100, max(0, confidence))
            pages[page - 1] = p
            lastLine = (page, block, par, line)
        }
        if pages.isEmpty { return [RecognizedPage(text: "", words: 0, confidenceSum: 0)] }
        return pages.map { RecognizedPage(text: String(decoding: $0.text, as: UTF8.self), words: $0.words, confidenceSum: $0.sum) }
    }

    /// Whether `tsv` describes at least one page (a row of level 1).
    public static func hasPage(_ tsv: [UInt8]) -> Bool {
        var atLineStart = true
        for (i, b) in tsv.enumerated() {
            if atLineStart && b == UInt8(ascii: "1") && i + 1 < tsv.count && tsv[i + 1] == 0x09 { return true }
            atLineStart = b == 0x0A
        }
        return false
    }

    /// A non-negative decimal integer of at most 9 digits, else nil.
    static func integer(_ s: ArraySlice<UInt8>) -> Int? {
        guard !s.isEmpty, s.count <= 9 else { return nil }
        var v = 0
        for b in s {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        return v
    }

    /// A decimal number such as `96.537598` or `-1`, else nil.
    static func decimal(_ s: ArraySlice<UInt8>) -> Double? {
        guard !s.isEmpty, s.count <= 32 else { return nil }
        return Double(String(decoding: s, as: UTF8.self))
    }

    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
        return s
    }
}
