import Foundation

/// Reads a PDF through poppler's `pdftotext` (and, when needed, `pdfinfo` and `pdftoppm`), run
/// as child processes (`ChildProcess`): a hostile PDF can loop, allocate or print without end and
/// is killed at the per-file limits; no GPL code is linked into diarium.
///
/// The PDF reaches poppler on standard input (`-` as the file name), so the child is given no
/// path at all: it reads the one document and nothing else, and the bytes it reads are the
/// bytes diarium hashed (no second open that a swapped file could race). ZIP entries and e-mail
/// attachments go the same way.
///
/// Most of a child's cost is its start (exec, loading poppler), so a text PDF costs one:
/// `pdftotext -layout -htmlmeta -enc UTF-8` gives the information dictionary (in its HTML head)
/// and the text (pages end with form feeds; `PDFText` makes the paged text). Only when needed:
/// `pdfinfo -meta` when the dictionary lacks a title, author or creation date and the file
/// holds an XMP packet; page 1 in reading order when it has columns side by side (the
/// letterhead); and `pdftoppm` at 10 dpi over the pages whose text layer is empty, so that a
/// blank page of a born-digital PDF is not sent to OCR (only a page with something painted on it
/// can have text to recognise) — unless the file's own content streams already show that those
/// pages paint nothing (`PDFPaint`, no process). A PDF that only forbids copying is read; one
/// that needs a password to open gets `ExtractionError.encrypted`.
enum PDFExtractor {
    static func extract(_ bytes: [UInt8], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        let deadline = Deadline(seconds: limits.parseTimeLimit)
        func childLimits() -> ChildProcess.Limits {
            ChildProcess.Limits(seconds: max(0.1, deadline.remaining), memory: limits.processMemory, output: limits.maxTextBytes)
        }
        func failed(_ error: ExtractionError) -> (ExtractedDocument, ExplicitMetadata) {
            (ExtractedDocument(format: "pdf", failure: error), ExplicitMetadata())
        }
        func processFailure(_ r: ChildProcess.Result, _ l: ChildProcess.Limits) -> ExtractionError {
            switch r.killed {
            case .time?: return .timeLimit(seconds: limits.parseTimeLimit)
            case .memory?: return .parseFailed(format: "PDF", reason: "poppler ran out of its \(l.memory.map { "\($0 >> 20) MiB " } ?? "")memory limit")
            case .output?: return .parseFailed(format: "PDF", reason: "its text is over the \(l.output >> 20) MiB limit per file")
            case nil:
                if r.stderr.contains("Incorrect password") { return .encrypted(format: "PDF") }
                return .parseFailed(format: "PDF", reason: poppler(r.stderr) ?? r.summary(limits: l))
            }
        }

        // 1. The information dictionary and the text, page by page, from one pdftotext.
        let l = childLimits()
        let r: ChildProcess.Result
        do throws(ChildProcessError) {
            r = try ChildProcess.run(.pdftotext, arguments: arguments, stdin: bytes, limits: l)
        } catch {
            return failed(missing(error))
        }
        guard r.succeeded else { return failed(processFailure(r, l)) }
        let output = PDFText.htmlMeta(r.stdout)
        var explicit = metadata(output.fields)
        var doc = document(output.text)

        // 2. XMP, when the dictionary leaves something out and the file has a packet.
        if output.fields["Title"] == nil || output.fields["Author"] == nil || output.fields["CreationDate"] == nil,
           PDFText.mayHaveXMP(bytes) {
            let l = childLimits()
            if let r = try? ChildProcess.run(.pdfinfo, arguments: ["-meta", "-"], stdin: bytes, limits: l), r.succeeded {
                let x = PDFText.xmp(r.stdout)
                if explicit.title == nil, let t = x["dc:title"], !PDFText.isMachineTitle(t) { explicit.title = (t, .pdfXMP("dc:title")) }
                if explicit.authority == nil, let a = x["dc:creator"] { explicit.authority = (a, .pdfXMP("dc:creator")) }
                if explicit.date == nil, let d = x["xmp:CreateDate"] { explicit.date = (d, .pdfXMP("xmp:CreateDate")) }
                if explicit.language == nil, let lang = x["dc:language"] { explicit.language = (lang, .pdfXMP("dc:language")) }
            }
        }

        // 3. The letterhead in reading order: the first page with text among the first three,
        //    as poppler's default mode orders it (columns one after the other) — only when that
        //    page has columns side by side in layout mode; otherwise its layout text is already
        //    in reading order (and a child process per file is saved).
        if doc.pageCount > 0, let first = (1...min(3, doc.pageCount)).first(where: { !doc.ocrPages.contains($0) }),
           let page = doc.text(ofPage: first), PDFText.hasColumns(page) {
            let l = childLimits()
            let arguments = ["-f", String(first), "-l", String(first), "-enc", "UTF-8", "-", "-"]
            if let r = try? ChildProcess.run(.pdftotext, arguments: arguments, stdin: bytes, limits: l), r.succeeded {
                explicit.letterhead = PDFText.pages(r.stdout).first
            }
        }

        // 4. Pages without a usable text layer in a document that has text elsewhere: those with
        //    nothing painted on them (blank pages) need no OCR. A document without any text layer
        //    is a scan; its pages go to OCR unrendered here.
        //    The file's own objects answer for most blank pages (`PDFPaint`); only the pages
        //    they leave undecided are rendered.
        if limits.ocr.mode != .force, !doc.ocrPages.isEmpty, doc.ocrPages.count < doc.pageCount {
            let plain = PDFPaint.blankPages(bytes, pageCount: doc.pageCount, candidates: doc.ocrPages)
            if !plain.isEmpty { doc.ocrPages.removeAll { plain.contains($0) } }
            if !doc.ocrPages.isEmpty {
                let blank = blankPages(bytes, among: doc.ocrPages, limits: childLimits)
                if !blank.isEmpty { doc.ocrPages.removeAll { blank.contains($0) } }
            }
        }
        return (doc, explicit)
    }

    /// Resolution of the blank-page test: enough for any mark to darken a pixel (rendering is
    /// anti-aliased), small enough to cost little (A4 is 83 × 117 pixels).
    static let blankTestResolution = 10

    /// The pages among `pages` (ascending) that `pdftoppm` renders entirely white. Consecutive
    /// candidates less than 64 pages apart are rendered by one process (the pages between them
    /// too, at this resolution a fraction of a process start each). A failure leaves its pages
    /// out (they stay OCR candidates).
    static func blankPages(_ bytes: [UInt8], among pages: [Int], limits: () -> ChildProcess.Limits) -> Set<Int> {
        var blank = Set<Int>()
        for range in PDFText.clusters(pages, maxGap: 64) {
            let arguments = ["-r", String(blankTestResolution), "-gray", "-f", String(range.lowerBound), "-l", String(range.upperBound), "-"]
            guard let r = try? ChildProcess.run(.pdftoppm, arguments: arguments, stdin: bytes, limits: limits()), r.succeeded else { continue }
            for (i, painted) in PDFText.paintedPixels(r.stdout).enumerated() where painted == 0 {
                let page = range.lowerBound + i
                if page <= range.upperBound, pages.contains(page) { blank.insert(page) }
            }
        }
        return blank
    }

    /// `pdftotext` in layout mode: poppler's default reading-order mode joins a word hyphenated
    /// at a line end and drops the hyphen (`offentlighets-` / `och` → `offentlighetsoch`,
    /// `e-` / `post` → `epost`), rewriting what the document says; layout mode keeps lines and
    /// hyphens (the analyzer indexes `sekretess-` / `lagen` joined as well) and keeps a
    /// letterhead's cells apart by runs of spaces, as `MetadataExtractor.cells` expects.
    /// With `-htmlmeta` the information dictionary comes first, as an HTML head
    /// (`PDFText.htmlMeta`), which saves running `pdfinfo` for every file.
    static let arguments = ["-layout", "-htmlmeta", "-enc", "UTF-8", "-", "-"]

    /// The paged document of `pdftotext` output (metadata not yet filled).
    static func document(_ output: ArraySlice<UInt8>) -> ExtractedDocument {
        let paged = PDFText.assemble(PDFText.pages(output))
        var doc = ExtractedDocument(format: "pdf", encoding: "utf-8", text: paged.text)
        doc.pageStarts = paged.pageStarts
        doc.ocrPages = paged.ocrPages
        doc.repeatedLines = paged.repeatedLines
        return doc
    }

    /// The explicit metadata of an information dictionary's fields (tier `embedded`: below the text).
    static func metadata(_ fields: [String: String]) -> ExplicitMetadata {
        var m = ExplicitMetadata()
        if let t = fields["Title"], !PDFText.isMachineTitle(t) { m.title = (t, .pdfInfo("Title")) }
        else if let s = fields["Subject"], !PDFText.isMachineTitle(s) { m.title = (s, .pdfInfo("Subject")) }
        if let a = fields["Author"] { m.authority = (a, .pdfInfo("Author")) }
        if let d = fields["CreationDate"] { m.date = (d, .pdfInfo("CreationDate")) }
        else if let d = fields["ModDate"] { m.date = (d, .pdfInfo("ModDate")) }
        return m
    }

    /// The first line of poppler's standard error that is not a warning about damage it
    /// repaired (`Syntax Warning`), without the `Syntax Error:` prefix; nil when there is none.
    static func poppler(_ stderr: String) -> String? {
        for line in stderr.split(whereSeparator: \.isNewline) {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.isEmpty || s.hasPrefix("Syntax Warning") { continue }
            for prefix in ["Syntax Error: ", "Command Line Error: ", "Internal Error: ", "I/O Error: "] where s.hasPrefix(prefix) {
                return String(s.dropFirst(prefix.count).prefix(200))
            }
            return String(s.prefix(200))
        }
        return nil
    }

    static func missing(_ error: ChildProcessError) -> ExtractionError {
        switch error {
        case let .notInstalled(p): return .programMissing(program: p.name, package: p.package)
        case .spawnFailed: return .parseFailed(format: "PDF", reason: error.description)
        }
    }
}
