import Foundation

/// Reads a PDF through poppler's `pdfinfo` and `pdftotext`, run as child processes
/// (`ChildProcess`): a hostile PDF can loop, allocate or print without end and is killed at the
/// per-file limits; no GPL code is linked into diarium.
///
/// The PDF reaches poppler on standard input (`-` as the file name), so the child is given no
/// path at all: it reads the one document and nothing else, and the bytes it reads are the
/// bytes diarium hashed (no second open that a swapped file could race). ZIP entries and e-mail
/// attachments go the same way.
///
/// Per document: `pdfinfo -isodates` (information dictionary, page count, encryption),
/// `pdfinfo -meta` only when the dictionary lacks a title, author or creation date and there is
/// an XMP packet, then `pdftotext -layout -enc UTF-8` (pages end with form feeds; `PDFText` makes the
/// paged text). A PDF that only forbids copying is read; one that needs a password to open gets
/// `ExtractionError.encrypted` and keeps its metadata where poppler could read it.
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

        // 1. The information dictionary.
        var info = PDFText.Info()
        do throws(ChildProcessError) {
            let l = childLimits()
            let r = try ChildProcess.run(.pdfinfo, arguments: ["-isodates", "-"], stdin: bytes, limits: l)
            guard r.succeeded else { return failed(processFailure(r, l)) }
            info = PDFText.info(r.stdout)
        } catch {
            return failed(missing(error))
        }
        var explicit = metadata(info)

        // 2. XMP, when the dictionary leaves something out.
        if info.hasXMP && (info.fields["Title"] == nil || info.fields["Author"] == nil || info.fields["CreationDate"] == nil) {
            let l = childLimits()
            if let r = try? ChildProcess.run(.pdfinfo, arguments: ["-meta", "-"], stdin: bytes, limits: l), r.succeeded {
                let x = PDFText.xmp(r.stdout)
                if explicit.title == nil, let t = x["dc:title"], !PDFText.isMachineTitle(t) { explicit.title = (t, .pdfXMP("dc:title")) }
                if explicit.authority == nil, let a = x["dc:creator"] { explicit.authority = (a, .pdfXMP("dc:creator")) }
                if explicit.date == nil, let d = x["xmp:CreateDate"] { explicit.date = (d, .pdfXMP("xmp:CreateDate")) }
                if explicit.language == nil, let lang = x["dc:language"] { explicit.language = (lang, .pdfXMP("dc:language")) }
            }
        }

        // 3. The text, page by page.
        let l = childLimits()
        let r: ChildProcess.Result
        do throws(ChildProcessError) {
            r = try ChildProcess.run(.pdftotext, arguments: arguments, stdin: bytes, limits: l)
        } catch {
            return failed(missing(error))
        }
        guard r.succeeded else {
            var (doc, _) = failed(processFailure(r, l))
            if info.encrypted, doc.failure == .parseFailed(format: "PDF", reason: poppler(r.stderr) ?? "") { doc.failure = .encrypted(format: "PDF") }
            return (doc, explicit)
        }
        var doc = document(r.stdout)

        // 4. The letterhead in reading order: the first page with text among the first three,
        //    as poppler's default mode orders it (columns one after the other).
        if let first = (1...min(3, max(1, doc.pageCount))).first(where: { !doc.ocrPages.contains($0) }), doc.pageCount > 0 {
            let l = childLimits()
            let arguments = ["-f", String(first), "-l", String(first), "-enc", "UTF-8", "-", "-"]
            if let r = try? ChildProcess.run(.pdftotext, arguments: arguments, stdin: bytes, limits: l), r.succeeded {
                explicit.letterhead = PDFText.pages(r.stdout).first
            }
        }
        return (doc, explicit)
    }

    /// `pdftotext` in layout mode: poppler's default reading-order mode joins a word hyphenated
    /// at a line end and drops the hyphen (`offentlighets-` / `och` → `offentlighetsoch`,
    /// `e-` / `post` → `epost`), rewriting what the document says; layout mode keeps lines and
    /// hyphens (the analyzer indexes `sekretess-` / `lagen` joined as well) and keeps a
    /// letterhead's cells apart by runs of spaces, as `MetadataExtractor.cells` expects.
    static let arguments = ["-layout", "-enc", "UTF-8", "-", "-"]

    /// The paged document of `pdftotext` output (metadata not yet filled).
    static func document(_ output: [UInt8]) -> ExtractedDocument {
        let paged = PDFText.assemble(PDFText.pages(output))
        var doc = ExtractedDocument(format: "pdf", encoding: "utf-8", text: paged.text)
        doc.pageStarts = paged.pageStarts
        doc.ocrPages = paged.ocrPages
        doc.repeatedLines = paged.repeatedLines
        return doc
    }

    /// The explicit metadata of an information dictionary (tier `embedded`: below the text).
    static func metadata(_ info: PDFText.Info) -> ExplicitMetadata {
        var m = ExplicitMetadata()
        if let t = info.fields["Title"], !PDFText.isMachineTitle(t) { m.title = (t, .pdfInfo("Title")) }
        else if let s = info.fields["Subject"], !PDFText.isMachineTitle(s) { m.title = (s, .pdfInfo("Subject")) }
        if let a = info.fields["Author"] { m.authority = (a, .pdfInfo("Author")) }
        if let d = info.fields["CreationDate"] { m.date = (d, .pdfInfo("CreationDate")) }
        else if let d = info.fields["ModDate"] { m.date = (d, .pdfInfo("ModDate")) }
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
