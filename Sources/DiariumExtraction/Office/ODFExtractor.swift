/// OpenDocument (OASIS ODF 1.2/1.3): text, spreadsheet, presentation and drawing files, zipped
/// (`content.xml`, `styles.xml` for headers and footers, `meta.xml`) or flat (`.fodt`: one
/// XML document holding all three). Tracked changes and annotations are kept inside
/// `RevisionMarks`; an encrypted package (`META-INF/manifest.xml` with encryption data) has
/// the status `encrypted`.
enum ODFExtractor {
    /// The short format name of an ODF media type (`application/vnd.oasis.opendocument.text`
    /// → `odt`), nil when it is none.
    static func format(mediaType: String) -> String? {
        let t = mediaType.trimmed().lowercased()
        guard t.hasPrefix("application/vnd.oasis.opendocument.") else { return nil }
        let kind = t.dropFirst("application/vnd.oasis.opendocument.".count)
        if kind.hasPrefix("text") { return "odt" }
        if kind.hasPrefix("spreadsheet") { return "ods" }
        if kind.hasPrefix("presentation") { return "odp" }
        if kind.hasPrefix("graphics") { return "odg" }
        return "odf"
    }

    static func extract(_ archive: ZipArchive, format: String, components: [String], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        let package = OfficePackage(archive: archive, limits: limits, budget: ContainerContext.budget(limits),
                                    deadline: Deadline(seconds: limits.parseTimeLimit))
        do {
            var encrypted = false
            try package.walk("META-INF/manifest.xml") { event in
                if case .start("encryption-data", _) = event { encrypted = true }
            }
            var walker = ODFWalker(spreadsheet: format == "ods")
            try package.walk("meta.xml") { walker.visit($0) }
            if encrypted {
                var doc = ExtractedDocument(format: format, failure: .encrypted(format: format.uppercased() + " file"))
                doc.properties = walker.meta.properties.values
                return (doc, walker.meta.properties.metadata)
            }
            try package.walk("styles.xml") { walker.visit($0) }
            guard try package.walk("content.xml", { walker.visit($0) }) else {
                throw ExtractionError.parseFailed(format: format.uppercased(), reason: "the package has no content.xml")
            }
            return walker.result(format: format)
        } catch let e as ExtractionError {
            return (ExtractedDocument(format: format, failure: e), ExplicitMetadata())
        } catch {
            return (ExtractedDocument(format: format, failure: .parseFailed(format: format.uppercased(), reason: "\(error)")), ExplicitMetadata())
        }
    }

    /// A flat ODF document (`office:document` as the root of one XML file).
    static func extractFlat(_ utf8: [UInt8], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        var walker = ODFWalker(spreadsheet: false)
        var format = "fodt"
        do {
            try LibXML.walkXML(utf8, deadline: Deadline(seconds: limits.parseTimeLimit)) { event in
                if case .start("document", let a) = event, let m = a["mimetype"], let f = ODFExtractor.format(mediaType: m) {
                    format = "f" + f
                    walker.spreadsheet = f == "ods"
                }
                walker.visit(event)
            }
            return walker.result(format: format)
        } catch let e as ExtractionError {
            return (ExtractedDocument(format: format, failure: e), ExplicitMetadata())
        } catch {
            return (ExtractedDocument(format: format, failure: .parseFailed(format: "flat ODF", reason: "\(error)")), ExplicitMetadata())
        }
    }
}

/// Walks ODF XML (any of its parts, or a flat document) and routes each region: `office:meta`
/// to the properties, master-page headers and footers, and `office:body` to the text.
struct ODFWalker {
    var spreadsheet: Bool
    var meta = ODFMetaWalker()
    private var headers = TextBuilder(), footers = TextBuilder(), body = TextBuilder()
    private enum Region { case none, header, footer, body }
    private var region = Region.none
    private var regionDepth = 0
    private var depth = 0
    private var inMeta = false
    private var skipDepth = 0
    private var counts = RevisionCounts()
    /// Tracked changes by id: kind, author, deleted text.
    private var changes: [String: (kind: RevisionMarks.Kind?, author: String?, text: String)] = [:]
    private var change: (id: String, kind: RevisionMarks.Kind?, author: String?, text: TextBuilder, inCreator: Bool)? = nil
    private var annotation: (author: String, text: TextBuilder, inCreator: Bool, skip: Int)? = nil
    private var slide = 0
    /// Inside `text:p` or `text:h` (whitespace outside paragraphs is layout of the XML).
    private var paragraphDepth = 0
    /// A spreadsheet cell's value in the form diarium writes it (ISO dates, SANT/FALSKT),
    /// shown instead of the cell's display text, which depends on the saving program's locale.
    private var cellValue: String? = nil

    init(spreadsheet: Bool) { self.spreadsheet = spreadsheet }

    static let skipped: Set<String> = ["note-citation", "sequence-decls", "variable-decls", "user-field-decls", "forms", "binary-data",
                                       "script", "event-listeners", "page-thumbnail", "bookmark-ref-start", "soft-page-break"]

    mutating func visit(_ event: MarkupEvent) {
        switch event {
        case .start(let name, let a):
            depth += 1
            // `office:meta` (outside the body; `text:meta` inside it is inline text).
            if inMeta || (name == "meta" && region == .none) { inMeta = true; meta.visit(event); return }
            if region == .none {
                switch name {
                case "header", "header-left", "header-first": region = .header; regionDepth = depth
                case "footer", "footer-left", "footer-first": region = .footer; regionDepth = depth
                case "body": region = .body; regionDepth = depth
                default: break
                }
                return
            }
            start(name, a)
        case .text(let t):
            if inMeta { meta.visit(event); return }
            guard region != .none, skipDepth == 0 else { return }
            // Authors of changes and annotations (`dc:creator`, outside paragraphs).
            if var c = change, c.inCreator { c.author = (c.author ?? "") + t; change = c; return }
            if var n = annotation, n.inCreator { n.author += t; annotation = n; return }
            guard paragraphDepth > 0, cellValue == nil else { return }
            // ODF collapses white space in paragraphs (`text:s` and `text:tab` are the explicit ones).
            let t = ODFWalker.collapseWhitespace(t)
            if var n = annotation {
                if n.skip > 0 { return }
                n.text.append(t)
                annotation = n
            } else if var c = change {
                c.text.append(t)
                change = c
            } else {
                withBuilder { $0.append(t) }
            }
        case .end(let name):
            defer { depth -= 1 }
            if inMeta {
                meta.visit(event)
                if name == "meta" { inMeta = false }
                return
            }
            if region != .none && depth == regionDepth {
                region = .none
                return
            }
            guard region != .none else { return }
            end(name)
        }
    }

    private mutating func withBuilder(_ body: (inout TextBuilder) -> Void) {
        if var n = annotation { body(&n.text); annotation = n; return }
        if var c = change { body(&c.text); change = c; return }
        switch region {
        case .header: body(&headers)
        case .footer: body(&footers)
        case .body: body(&self.body)
        case .none: break
        }
    }

    private mutating func start(_ name: String, _ a: [String: String]) {
        if skipDepth > 0 || ODFWalker.skipped.contains(name) { skipDepth += 1; return }
        if annotation != nil {
            if name == "creator" { annotation?.inCreator = true }
            if name == "date" || name == "date-string" { annotation?.skip += 1 }
        }
        if change != nil {
            switch name {
            case "insertion": change?.kind = .insertion
            case "deletion": change?.kind = .deletion
            case "format-change": change?.kind = nil
            case "creator": change?.inCreator = true
            case "date": skipDepth += 1; return
            default: break
            }
        }
        switch name {
        case "p", "h": paragraphDepth += 1
        case "changed-region":
            change = (a["id"] ?? "", nil, nil, TextBuilder(), false)
        case "annotation":
            annotation = ("", TextBuilder(), false, 0)
        case "s":
            let n = min(a["c"].flatMap(Int.init) ?? 1, 100)
            withBuilder { $0.append(String(repeating: " ", count: max(1, n))) }
        case "tab": withBuilder { $0.append("\t") }
        case "line-break": withBuilder { $0.lineBreak() }
        case "table-cell", "covered-table-cell":
            withBuilder { $0.cellDepth += 1 }
            if spreadsheet {
                switch a["value-type"] {
                case "date": cellValue = a["date-value"].map { $0.hasSuffix("T00:00:00") ? String($0.prefix(10)) : $0.replacingOccurrences(of: "T", with: " ") }
                case "boolean": cellValue = a["boolean-value"].map { $0 == "true" ? "SANT" : "FALSKT" }
                default: cellValue = nil
                }
            }
        case "table":
            if spreadsheet, let n = a["name"] {
                let heading = "\n" + SheetReader.heading(n) + "\n"
                withBuilder { $0.append(heading) }
            }
        case "page":
            if region == .body, !spreadsheet {
                slide += 1
                let heading = "\nBild \(slide)\n"
                withBuilder { $0.append(heading) }
            }
        case "notes": withBuilder { $0.append("Anteckningar: ") }
        case "change":
            if let id = a["change-id"], let c = changes[id], c.kind == .deletion {
                counts.deletions += 1
                let mark = RevisionMarks.open(.deletion, author: c.author) + c.text + RevisionMarks.close
                withBuilder { $0.append(mark) }
            }
        case "change-start":
            if let id = a["change-id"], let c = changes[id], c.kind == .insertion {
                counts.insertions += 1
                let mark = RevisionMarks.open(.insertion, author: c.author)
                withBuilder { $0.append(mark) }
            }
        case "change-end":
            if let id = a["change-id"], let c = changes[id], c.kind == .insertion { withBuilder { $0.append(RevisionMarks.close) } }
        default: break
        }
    }

    private mutating func end(_ name: String) {
        if skipDepth > 0 { skipDepth -= 1; return }
        if annotation != nil {
            if name == "creator" { annotation?.inCreator = false }
            if name == "date" || name == "date-string" { annotation?.skip -= 1 }
        }
        if change != nil && name == "creator" { change?.inCreator = false }
        switch name {
        case "changed-region":
            if let c = change {
                let text = c.text.finished().split(whereSeparator: \.isNewline).joined(separator: " ")
                changes[c.id] = (c.kind, c.author?.trimmed(), text)
            }
            change = nil
        case "annotation":
            if let n = annotation {
                annotation = nil
                counts.comments += 1
                let text = n.text.finished().split(whereSeparator: \.isNewline).joined(separator: " ")
                withBuilder { $0.append(" " + RevisionMarks.open(.comment, author: n.author) + text + RevisionMarks.close) }
            }
        case "p", "h":
            paragraphDepth = max(0, paragraphDepth - 1)
            if cellValue == nil { withBuilder { $0.endParagraph() } }
        case "list-item": break
        case "table-cell", "covered-table-cell":
            if let v = cellValue {
                cellValue = nil
                withBuilder { $0.append(v) }
            }
            withBuilder { b in
                b.cellDepth = max(0, b.cellDepth - 1)
                if !b.text.hasSuffix("\t") && !b.text.hasSuffix("\n") { b.endCell() }
            }
        case "table-row": withBuilder { $0.endRow() }
        case "notes", "page": withBuilder { $0.endParagraph() }
        default: break
        }
    }

    static func collapseWhitespace(_ t: String) -> String {
        guard t.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0x20 }) else { return t }
        var out = ""
        var space = false
        for ch in t {
            if ch == " " || ch == "\n" || ch == "\r" || ch == "\t" || ch == "\r\n" {
                if !space { out.append(" ") }
                space = true
            } else {
                out.append(ch)
                space = false
            }
        }
        return out
    }

    func result(format: String) -> (ExtractedDocument, ExplicitMetadata) {
        var blocks: [String] = []
        for b in [headers, body, footers] {
            let t = b.finished()
            if !t.isEmpty { blocks.append(t) }
        }
        var doc = ExtractedDocument(format: format, text: TextDecoding.nfc(blocks.joined(separator: "\n\n")))
        doc.revisions = counts
        doc.properties = meta.properties.values
        return (doc, meta.properties.metadata)
    }
}
