/// Office Open XML (ECMA-376): Word, Excel and PowerPoint files, read from their ZIP package
/// in process. The main part is found through the package relationships (`_rels/.rels`), its
/// kind through `[Content_Types].xml`; every XML part goes through `LibXML`.
///
/// - Word: headers, the body (tables as tab-separated rows), footnotes, endnotes and footers;
///   tracked insertions and deletions and comments kept inside `RevisionMarks`.
/// - Excel: every sheet under its name, cells tab-separated: shared and inline strings,
///   numbers, booleans, errors, and dates through the workbook's number formats (1900 and
///   1904 date systems); cell comments after their sheet.
/// - PowerPoint: slides in presentation order with their speaker notes.
/// - `docProps/core.xml` and `app.xml` become `properties` and metadata fallbacks.
enum OOXMLExtractor {
    enum Kind: String {
        case word = "docx", sheet = "xlsx", presentation = "pptx"
    }

    /// The kind of package a content type names, if it is an OOXML main part.
    static func kind(contentType: String) -> Kind? {
        let t = contentType.lowercased()
        if t.contains("wordprocessingml") || t.contains("ms-word") { return .word }
        if t.contains("spreadsheetml") || t.contains("ms-excel") { return .sheet }
        if t.contains("presentationml") || t.contains("ms-powerpoint") { return .presentation }
        return nil
    }

    static func extract(_ archive: ZipArchive, components: [String], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        let package = OfficePackage(archive: archive, limits: limits, budget: ContainerContext.budget(limits),
                                    deadline: Deadline(seconds: limits.parseTimeLimit))
        var format = "docx"
        do {
            let rels = try package.relationships(of: "")
            var main = rels.first { $0.type == "officeDocument" && !$0.external }?.target
            var types: [String: String] = [:]
            try package.walk("[Content_Types].xml") { event in
                if case .start("override", let a) = event, let part = a["partname"], let type = a["contenttype"] {
                    types[OfficePackage.resolve(part, in: "")] = type
                }
            }
            if main == nil {
                main = ["word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"].first { archive.entry(named: $0) != nil }
            }
            guard let main else { throw ExtractionError.parseFailed(format: "Office package", reason: "no main document part") }
            let kind = types[main].flatMap(Self.kind(contentType:))
                ?? (main.hasPrefix("word/") ? .word : main.hasPrefix("xl/") ? .sheet : main.hasPrefix("ppt/") ? .presentation : nil)
            guard let kind else { throw ExtractionError.parseFailed(format: "Office package", reason: "unknown main part \(main)") }
            format = kind.rawValue

            var properties = DocumentProperties()
            if let core = rels.first(where: { $0.type == "core-properties" })?.target ?? (archive.entry(named: "docProps/core.xml")?.name) {
                try properties.readCore(package, part: core)
            }
            if let app = rels.first(where: { $0.type == "extended-properties" })?.target ?? (archive.entry(named: "docProps/app.xml")?.name) {
                try properties.readApp(package, part: app)
            }

            var doc = ExtractedDocument(format: format)
            switch kind {
            case .word: try WordReader.read(package, main: main, into: &doc)
            case .sheet: try SheetReader.read(package, main: main, into: &doc)
            case .presentation: try SlideReader.read(package, main: main, into: &doc)
            }
            doc.text = TextDecoding.nfc(doc.text)
            doc.properties = properties.values
            return (doc, properties.metadata)
        } catch let e as ExtractionError {
            return (ExtractedDocument(format: format, failure: e), ExplicitMetadata())
        } catch {
            return (ExtractedDocument(format: format, failure: .parseFailed(format: format.uppercased(), reason: "\(error)")), ExplicitMetadata())
        }
    }
}

// MARK: Word

/// WordprocessingML text: one walker per part (body, header, footnotes …).
struct WordWalker {
    var out = TextBuilder()
    var counts = RevisionCounts()
    /// Comment id → (author, text), read from the comments part first.
    var comments: [String: (author: String?, text: String)] = [:]
    var referencedComments = Set<String>()
    /// Inside `w:t` or `w:delText`.
    private var inText = false
    /// Depth inside a subtree whose text is not document text (properties, field codes,
    /// the fallback copy of alternate content).
    private var skipDepth = 0
    /// Open tracked changes; `opened` once their mark is written (at their first text).
    private var revisions: [(kind: RevisionMarks.Kind, author: String?, opened: Bool)] = []
    /// Footnote or endnote types that are separators, not notes.
    private var skipNote = false

    static let skipped: Set<String> = ["ppr", "rpr", "sectpr", "tblpr", "tcpr", "trpr", "tblgrid", "tblprex", "instrtext",
                                       "fallback", "tabs", "numpr", "delinstrtext", "rubypr", "customxmlpr", "sdtpr", "sdtendpr"]

    mutating func visit(_ event: MarkupEvent) {
        switch event {
        case let .start(name, a):
            if skipDepth > 0 || WordWalker.skipped.contains(name) { skipDepth += 1; return }
            if skipNote { return }
            switch name {
            case "t", "deltext": inText = true
            case "tab", "ptab": openMarks(); out.append("\t")
            case "br", "cr": out.lineBreak()
            case "nobreakhyphen": out.append("-")
            case "tc": out.cellDepth += 1
            case "ins", "moveto": revisions.append((.insertion, a["author"], false))
            case "del", "movefrom": revisions.append((.deletion, a["author"], false))
            case "commentreference":
                if let id = a["id"], let c = comments[id], !referencedComments.contains(id) {
                    referencedComments.insert(id)
                    out.append(" " + RevisionMarks.open(.comment, author: c.author) + c.text + RevisionMarks.close)
                }
            case "footnote", "endnote":
                if let t = a["type"], t.lowercased().contains("separator") || t == "continuationNotice" { skipNote = true }
            default: break
            }
        case let .text(t):
            if inText && skipDepth == 0 && !skipNote {
                openMarks()
                out.append(t)
            }
        case let .end(name):
            if skipDepth > 0 { skipDepth -= 1; return }
            switch name {
            case "footnote", "endnote":
                if skipNote { skipNote = false } else { out.endParagraph() }
                return
            default: break
            }
            if skipNote { return }
            switch name {
            case "t", "deltext": inText = false
            case "p": out.endParagraph()
            case "tc":
                out.cellDepth = max(0, out.cellDepth - 1)
                out.endCell()
            case "tr": out.endRow()
            case "ins", "moveto", "del", "movefrom":
                if let r = revisions.popLast(), r.opened { out.append(RevisionMarks.close) }
            default: break
            }
        }
    }

    /// Writes the marks of tracked changes that have not shown text yet.
    private mutating func openMarks() {
        for i in revisions.indices where !revisions[i].opened {
            revisions[i].opened = true
            out.append(RevisionMarks.open(revisions[i].kind, author: revisions[i].author))
            if revisions[i].kind == .insertion { counts.insertions += 1 } else { counts.deletions += 1 }
        }
    }
}

enum WordReader {
    static func read(_ package: OfficePackage, main: String, into doc: inout ExtractedDocument) throws {
        let rels = try package.relationships(of: main)
        // Comments first: their text goes where they are referenced.
        var comments: [String: (author: String?, text: String)] = [:]
        var order: [String] = []
        for r in rels where r.type == "comments" {
            var id: String? = nil, author: String? = nil
            var inner = WordWalker()
            try package.walk(r.target) { event in
                switch event {
                case .start("comment", let a):
                    id = a["id"]; author = a["author"]; inner = WordWalker()
                case .end("comment"):
                    if let id {
                        let text = inner.out.finished().split(whereSeparator: \.isNewline).joined(separator: " ")
                        comments[id] = (author, text)
                        order.append(id)
                    }
                    id = nil
                default:
                    if id != nil { inner.visit(event) }
                }
            }
        }

        func part(_ name: String) throws -> (String, RevisionCounts, Set<String>) {
            var w = WordWalker()
            w.comments = comments
            try package.walk(name) { w.visit($0) }
            return (w.out.finished(), w.counts, w.referencedComments)
        }
        var blocks: [String] = []
        var counts = RevisionCounts()
        var referenced = Set<String>()
        func add(_ names: [String], unique: Bool) throws {
            var seen = Set<String>()
            for n in names {
                let (text, c, refs) = try part(n)
                counts.insertions += c.insertions
                counts.deletions += c.deletions
                referenced.formUnion(refs)
                if text.isEmpty || (unique && !seen.insert(text).inserted) { continue }
                blocks.append(text)
            }
        }
        try add(rels.filter { $0.type == "header" }.map(\.target), unique: true)
        try add([main], unique: false)
        try add(rels.filter { $0.type == "footnotes" || $0.type == "endnotes" }.map(\.target), unique: false)
        try add(rels.filter { $0.type == "footer" }.map(\.target), unique: true)
        // Comments whose anchor was not found still belong to the document.
        let unplaced = order.filter { !referenced.contains($0) }.compactMap { id in
            comments[id].map { RevisionMarks.open(.comment, author: $0.author) + $0.text + RevisionMarks.close }
        }
        if !unplaced.isEmpty { blocks.append(unplaced.joined(separator: "\n")) }
        counts.comments = comments.count
        doc.text = blocks.joined(separator: "\n\n")
        doc.revisions = counts
    }
}

// MARK: Excel

enum SheetReader {
    static func read(_ package: OfficePackage, main: String, into doc: inout ExtractedDocument) throws {
        let rels = try package.relationships(of: main)
        var sheets: [(name: String, rid: String)] = []
        var date1904 = false
        try package.walk(main) { event in
            guard case let .start(name, a) = event else { return }
            if name == "sheet", let rid = a["id"] { sheets.append((a["name"] ?? "", rid)) }
            if name == "workbookpr", let v = a["date1904"] { date1904 = v == "1" || v.lowercased() == "true" }
        }
        var shared: [String] = []
        if let s = rels.first(where: { $0.type == "sharedStrings" }) {
            var buffer = "", inSI = false, phonetic = 0, inT = false
            try package.walk(s.target) { event in
                switch event {
                case .start("si", _): inSI = true; buffer = ""
                case .start("rph", _): phonetic += 1
                case .start("t", _): inT = true
                case .text(let t): if inSI && inT && phonetic == 0 { buffer += t }
                case .end("t"): inT = false
                case .end("rph"): phonetic -= 1
                case .end("si"): shared.append(buffer); inSI = false
                default: break
                }
            }
        }
        var styles = NumberStyles()
        if let s = rels.first(where: { $0.type == "styles" }) {
            try package.walk(s.target) { styles.visit($0) }
        }
        let relByID = Dictionary(rels.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out = ""
        var counts = RevisionCounts()
        for sheet in sheets {
            guard let target = relByID[sheet.rid]?.target else { continue }
            var walker = CellWalker(shared: shared, styles: styles, date1904: date1904)
            try package.walk(target) { walker.visit($0) }
            var text = walker.text
            // Cell comments, after the sheet.
            for r in try package.relationships(of: target) where r.type == "comments" {
                var authors: [String] = [], author = "", buffer = "", inAuthor = false, inComment = false, inT = false
                var notes: [String] = []
                try package.walk(r.target) { event in
                    switch event {
                    case .start("author", _): inAuthor = true; author = ""
                    case .end("author"): inAuthor = false; authors.append(author)
                    case .start("comment", let a):
                        inComment = true; buffer = ""
                        let i = a["authorid"].flatMap(Int.init) ?? -1
                        author = authors.indices.contains(i) ? authors[i] : ""
                    case .start("t", _): inT = true
                    case .end("t"): inT = false
                    case .text(let t):
                        if inAuthor { author += t } else if inComment && inT { buffer += t }
                    case .end("comment"):
                        inComment = false
                        notes.append(RevisionMarks.open(.comment, author: author) + buffer.split(whereSeparator: \.isNewline).joined(separator: " ") + RevisionMarks.close)
                    default: break
                    }
                }
                counts.comments += notes.count
                if !notes.isEmpty { text += (text.isEmpty ? "" : "\n") + notes.joined(separator: "\n") }
            }
            if !out.isEmpty { out += "\n\n" }
            out += SheetReader.heading(sheet.name) + "\n" + text
        }
        doc.text = TextBuilder.collapse(out)
        doc.revisions = counts
    }
}

extension SheetReader {
    /// A sheet's heading line: `Blad: Behandlingar` (a label, so the metadata rules do not take
    /// a sheet name for the document's title).
    static func heading(_ name: String) -> String { "Blad: " + name }
}

/// The number formats of `styles.xml`: which cell styles (`cellXfs` indexes) show dates.
struct NumberStyles {
    /// Custom format codes by id.
    private var codes: [Int: String] = [:]
    /// Number format id of each cell style.
    private var xfFormats: [Int] = []
    private var inCellXfs = false

    mutating func visit(_ event: MarkupEvent) {
        switch event {
        case .start("numfmt", let a):
            if let id = a["numfmtid"].flatMap(Int.init), let code = a["formatcode"] { codes[id] = code }
        case .start("cellxfs", _): inCellXfs = true
        case .end("cellxfs"): inCellXfs = false
        case .start("xf", let a):
            if inCellXfs { xfFormats.append(a["numfmtid"].flatMap(Int.init) ?? 0) }
        default: break
        }
    }

    /// Whether style `index` shows a date (`hasTime`: and a time of day).
    func dateStyle(_ index: Int) -> (isDate: Bool, hasTime: Bool) {
        guard xfFormats.indices.contains(index) else { return (false, false) }
        let id = xfFormats[index]
        switch id {
        case 14...17, 27...31, 34...36, 50...58: return (true, false)
        case 22: return (true, true)
        case 18...21, 45...47: return (false, false)   // times of day only
        default: break
        }
        guard let code = codes[id] else { return (false, false) }
        return NumberStyles.classify(code)
    }

    /// A format code shows a date when it has y, m or d outside quotes, escapes and
    /// brackets (`[Red]`, `[$-41D]`), in its first section.
    static func classify(_ code: String) -> (isDate: Bool, hasTime: Bool) {
        var yearOrDay = false, month = false, time = false
        var inQuote = false, inBracket = false, escaped = false
        for c in code.lowercased() {
            if escaped { escaped = false; continue }
            if inQuote { if c == "\"" { inQuote = false }; continue }
            if inBracket { if c == "]" { inBracket = false }; continue }
            switch c {
            case "\\", "_", "*": escaped = true
            case "\"": inQuote = true
            case "[": inBracket = true
            case ";": break
            case "y", "d": yearOrDay = true
            case "m": month = true
            case "h", "s": time = true
            default: break
            }
            if c == ";" { break }
        }
        // `m` is minutes next to hours or seconds (`h:mm`, `[h]:mm:ss`) unless a year or day is there too.
        let date = yearOrDay || (month && !time)
        return (date, time && date)
    }
}

/// The cells of one worksheet, row by row.
struct CellWalker {
    let shared: [String]
    let styles: NumberStyles
    let date1904: Bool
    private(set) var text = ""
    private var row: [String] = []
    private var type = "n", style = 0
    private var value = ""
    private var inValue = false, inInline = false, inT = false

    init(shared: [String], styles: NumberStyles, date1904: Bool) {
        self.shared = shared
        self.styles = styles
        self.date1904 = date1904
    }

    mutating func visit(_ event: MarkupEvent) {
        switch event {
        case .start("c", let a):
            type = a["t"] ?? "n"; style = a["s"].flatMap(Int.init) ?? 0; value = ""
        case .start("v", _): inValue = true
        case .end("v"): inValue = false
        case .start("is", _): inInline = true
        case .end("is"): inInline = false
        case .start("t", _): inT = true
        case .end("t"): inT = false
        case .start("rph", _): inT = false
        case .text(let t): if inValue || (inInline && inT) { value += t }
        case .end("c"):
            if let v = cellText() { row.append(v) }
        case .end("row"):
            if !row.isEmpty { text += row.joined(separator: "\t") + "\n" }
            row = []
        default: break
        }
    }

    private func cellText() -> String? {
        let v = value.trimmed()
        switch type {
        case "s":
            guard let i = Int(v), shared.indices.contains(i) else { return nil }
            return shared[i].isEmpty ? nil : shared[i]
        case "inlineStr", "str": return value.isEmpty ? nil : value
        case "b": return v == "1" ? "SANT" : v == "0" ? "FALSKT" : nil
        case "e": return v.isEmpty ? nil : v
        default:
            guard !v.isEmpty else { return nil }
            let (isDate, hasTime) = styles.dateStyle(style)
            if isDate, let serial = Double(v), let d = ExcelDate.iso(serial, date1904: date1904, withTime: hasTime) { return d }
            if let d = Double(v), d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return v
        }
    }
}

/// Excel date serials: days since 1899-12-30 (the 1900 system, whose phantom 1900-02-29 makes
/// serials from 61 on line up with that epoch) or since 1904-01-01.
enum ExcelDate {
    static func iso(_ serial: Double, date1904: Bool, withTime: Bool) -> String? {
        guard serial >= 0, serial < 2_958_466 else { return nil }   // up to 9999-12-31
        var days = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(days)) * 86_400).rounded())
        if seconds >= 86_400 { days += 1; seconds -= 86_400 }
        if !date1904 && days < 61 { days += 1 }   // before the phantom leap day
        let epochOffset = date1904 ? 1462 : 0
        // Civil date from days since 1899-12-30 (Howard Hinnant's days_from_civil inverse).
        let z = days + epochOffset - 25_569 + 719_468   // days since 0000-03-01 via 1970-01-01
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var s = "\(y)-\(two(m))-\(two(d))"
        if withTime && seconds > 0 { s += " \(two(seconds / 3600)):\(two(seconds / 60 % 60))" }
        return s
    }
}

// MARK: PowerPoint

enum SlideReader {
    static func read(_ package: OfficePackage, main: String, into doc: inout ExtractedDocument) throws {
        let rels = try package.relationships(of: main)
        var order: [String] = []
        try package.walk(main) { event in
            if case .start("sldid", let a) = event, let rid = a["id"] { order.append(rid) }
        }
        let relByID = Dictionary(rels.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var slides = order.compactMap { relByID[$0]?.target }
        if slides.isEmpty { slides = rels.filter { $0.type == "slide" }.map(\.target) }
        var blocks: [String] = []
        for (i, slide) in slides.enumerated() {
            var text = try drawingText(package, slide)
            if let notes = try package.relationships(of: slide).first(where: { $0.type == "notesSlide" }) {
                let n = try drawingText(package, notes.target)
                if !n.isEmpty { text += (text.isEmpty ? "" : "\n") + "Anteckningar: " + n }
            }
            blocks.append("Bild \(i + 1)" + (text.isEmpty ? "" : "\n" + text))
        }
        doc.text = blocks.joined(separator: "\n\n")
    }

    /// DrawingML text of a slide or notes part: paragraphs, table cells, no slide-number fields.
    static func drawingText(_ package: OfficePackage, _ part: String) throws -> String {
        var out = TextBuilder()
        var inT = false, skip = 0
        try package.walk(part) { event in
            switch event {
            case let .start(name, a):
                if skip > 0 || name == "fallback" || (name == "fld" && a["type"]?.lowercased() == "slidenum") { skip += 1; return }
                switch name {
                case "t": inT = true
                case "br": out.lineBreak()
                case "tc": out.cellDepth += 1
                default: break
                }
            case .text(let t): if inT && skip == 0 { out.append(t) }
            case .end(let name):
                if skip > 0 { skip -= 1; return }
                switch name {
                case "t": inT = false
                case "p": out.endParagraph()
                case "tc": out.cellDepth = max(0, out.cellDepth - 1); out.endCell()
                case "tr": out.endRow()
                default: break
                }
            }
        }
        return out.finished()
    }
}

extension TextBuilder {
    /// Trailing whitespace of lines removed, blank-line runs collapsed.
    static func collapse(_ text: String) -> String {
        var b = TextBuilder()
        b.append(text)
        return b.finished()
    }
}
