import Foundation

/// Limits that keep extraction of untrusted files bounded.
public struct ExtractionLimits: Sendable {
    /// Files larger than this are recorded but not read (default 256 MiB).
    public var maxFileSize: Int
    /// Seconds a markup parse may take before the file is given up (default 30).
    public var parseTimeLimit: Double
    /// Bytes one file (a ZIP archive, an Office package, with everything nested in it) may
    /// inflate in all (default 1 GiB).
    public var maxArchiveBytes = 1 << 30
    /// Entries one file may open in all, nested archives included (default 10,000).
    public var maxArchiveEntries = 10_000
    /// Archives nested in archives deeper than this are not opened (default 4).
    public var maxArchiveDepth = 4
    /// An entry over 1 MiB may inflate to at most this many times its compressed size
    /// (default 200; deflate's own maximum is about 1,032).
    public var maxCompressionRatio = 200
    /// How scanned pages and images are read by OCR. Kept with the limits so that documents
    /// inside documents (e-mail attachments, archive entries) are read the same way.
    public var ocr = OCRSettings()

    /// Bytes of address space an external program reading one file may use (`RLIMIT_AS`,
    /// default 1 GiB).
    public var processMemory: Int
    /// Bytes of text an external program may print for one file (default 256 MiB); more is
    /// a failure, not a truncated document.
    public var maxTextBytes: Int

    /// Limits with the given per-file size cap and parse-time limit.
    public init(maxFileSize: Int = 256 << 20, parseTimeLimit: Double = 30, processMemory: Int = 1 << 30, maxTextBytes: Int = 256 << 20) {
        self.maxFileSize = maxFileSize
        self.parseTimeLimit = parseTimeLimit
        self.processMemory = processMemory
        self.maxTextBytes = maxTextBytes
    }
}

/// Turns one received file into an `ExtractedDocument`: detects its format and encoding,
/// extracts its text and its metadata. Never throws: a file whose text cannot be read comes
/// back with `failure` set, so the batch goes on and the file is still recorded.
public struct Extractor: Sendable {
    /// The limits applied to every file.
    public var limits: ExtractionLimits

    /// An extractor with the given limits.
    public init(limits: ExtractionLimits = ExtractionLimits()) {
        self.limits = limits
    }

    /// Reads and extracts the file at `path`. `components` are the path's folder and file
    /// names (relative to what the user ingested), used for folder-based metadata.
    public func extract(file path: String, components: [String]) -> ExtractedDocument {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            return ExtractedDocument(format: "unknown", failure: .unreadable(reason: Extractor.describe(error)))
        }
        // A named pipe, socket or device would block the read or never end: read regular files only.
        if let type = attributes[.type] as? FileAttributeType, type != .typeRegular {
            return ExtractedDocument(format: "unknown", failure: .unreadable(reason: "not a regular file (\(Extractor.describe(type)))"))
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        if size > limits.maxFileSize {
            return tooLarge(size: size, name: components.last ?? path, components: components)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return ExtractedDocument(format: "unknown", failure: .unreadable(reason: "permission denied or not a regular file"))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limits.maxFileSize + 1) ?? Data()
        } catch {
            return ExtractedDocument(format: "unknown", failure: .unreadable(reason: Extractor.describe(error)))
        }
        return extract(bytes: [UInt8](data), components: components)
    }

    /// What a file that is not a regular file is, in words.
    static func describe(_ type: FileAttributeType) -> String {
        switch type {
        case .typeDirectory: return "a folder"
        case .typeCharacterSpecial, .typeBlockSpecial: return "a device"
        case .typeSocket: return "a socket"
        case .typeSymbolicLink: return "a symbolic link"
        default: return "a named pipe"
        }
    }

    /// The document of a file that is not read because it has `size` bytes, more than
    /// `limits.maxFileSize`: its format from its name, and the metadata its path gives.
    public func tooLarge(size: Int, name: String, components: [String]) -> ExtractedDocument {
        var doc = ExtractedDocument(format: Extractor.formatFromName(name) ?? "unknown",
                                    failure: .tooLarge(size: size, limit: limits.maxFileSize))
        MetadataExtractor.fill(&doc, explicit: ExplicitMetadata(), path: components)
        return doc
    }

    /// The document diarium makes of `pdftotext` output alone, metadata included (what
    /// `extract` does after poppler ran, without the information dictionary): for the fuzz
    /// suite and tests of the page bookkeeping.
    public static func pdfDocument(pdftotextOutput output: [UInt8], components: [String]) -> ExtractedDocument {
        var doc = PDFExtractor.document(output[...])
        MetadataExtractor.fill(&doc, explicit: ExplicitMetadata(), path: components)
        return doc
    }

    /// Extracts a document from bytes already read.
    public func extract(bytes: [UInt8], components: [String]) -> ExtractedDocument {
        let name = components.last ?? ""
        var doc: ExtractedDocument
        var explicit = ExplicitMetadata()
        if bytes.isEmpty {
            doc = ExtractedDocument(format: "empty", failure: .empty)
        } else if bytes.count > limits.maxFileSize {
            doc = ExtractedDocument(format: Extractor.formatFromName(name) ?? "unknown", failure: .tooLarge(size: bytes.count, limit: limits.maxFileSize))
        } else {
            switch Extractor.detectFormat(bytes, name: name) {
            case .markup(let isHTML):
                let deadline = Deadline(seconds: limits.parseTimeLimit)
                (doc, explicit) = isHTML ? Extractor.extractHTML(bytes, deadline: deadline)
                    : Extractor.extractXML(bytes, components: components, deadline: deadline)
            case .email:
                (doc, explicit) = EmailExtractor.extract(bytes, components: components, limits: limits)
            case .text:
                let (text, encoding) = TextDecoding.decode(bytes)
                let ext = (name as NSString).pathExtension.lowercased()
                let markdown = ext == "md" || ext == "markdown"
                doc = ExtractedDocument(format: "text", encoding: encoding, text: markdown ? Markdown.strip(text) : Extractor.clean(text))
                if markdown, let h1 = Markdown.firstHeading(text) { explicit.title = (h1, .markdownH1) }
            case .zip:
                (doc, explicit) = Extractor.extractZip(bytes, components: components, limits: limits)
            case .compoundFile:
                (doc, explicit) = Extractor.extractCompoundFile(bytes, components: components, limits: limits)
            case .rtf:
                doc = ExtractedDocument(format: "rtf", encoding: "rtf", text: RTFReader.text(bytes))
            case .flatODF:
                let (text, _) = TextDecoding.decode(bytes, declared: Extractor.declaredCharset(bytes, xml: true))
                (doc, explicit) = ODFExtractor.extractFlat(Array(text.utf8), limits: limits)
            case .pdf:
                (doc, explicit) = PDFExtractor.extract(bytes, limits: limits)
            case .image(let format):
                doc = ImageFile.document(bytes, format: format)
            case .unsupported(let format):
                doc = ExtractedDocument(format: format, failure: .unsupportedFormat(format.uppercased()))
            case .binary:
                doc = ExtractedDocument(format: "binary", failure: .binary)
            }
        }
        // Scanned pages are read before the metadata is looked for: a scanned letter's
        // letterhead gives its authority, date and diarienummer.
        OCRStep.apply(&doc, bytes: bytes, settings: limits.ocr)
        MetadataExtractor.fill(&doc, explicit: explicit, path: components)
        return doc
    }

    enum Detected: Equatable {
        case markup(isHTML: Bool)
        /// A ZIP container: an OOXML or ODF package, or an archive of files.
        case zip
        /// An OpenDocument file saved as one XML document (`.fodt`, `.fods`, …).
        case flatODF
        /// A compound file (`D0 CF 11 E0`): `.doc`, `.xls`, `.ppt`, `.msg` or encrypted OOXML.
        case compoundFile
        /// `{\rtf`.
        case rtf
        case email
        case text
        /// `%PDF-` in the first KiB, whatever the name says.
        case pdf
        /// A PNG, JPEG or TIFF image (`png`, `jpeg`, `tiff`), whatever the name says.
        case image(String)
        case unsupported(String)
        case binary
    }

    static let signatures: [([UInt8], String)] = [
        (Array("%PDF".utf8), "pdf"), ([0x89, 0x50, 0x4E, 0x47], "png"), ([0xFF, 0xD8, 0xFF], "jpeg"),
        (Array("GIF8".utf8), "gif"), ([0x50, 0x4B, 0x03, 0x04], "zip"), ([0xD0, 0xCF, 0x11, 0xE0], "ole"),
        (Array("II*\u{0}".utf8), "tiff"), (Array("MM\u{0}*".utf8), "tiff"), ([0x1F, 0x8B], "gzip"),
        (Array("{\\rtf".utf8), "rtf"), (Array("7z".utf8) + [0xBC, 0xAF], "7z"),
    ]

    /// Whether `%PDF-` occurs in the first 1,024 bytes (readers accept junk before the header).
    static func isPDF(_ bytes: [UInt8]) -> Bool {
        let magic = Array("%PDF-".utf8)
        return ByteSearch.find(magic, in: Array(bytes.prefix(1024))) != nil
    }

    static func formatFromName(_ name: String) -> String? {
        switch (name as NSString).pathExtension.lowercased() {
        case "html", "htm", "xhtml": return "html"
        case "xml", "rdf", "atom", "xsd": return "xml"
        case "txt", "md", "markdown", "text": return "text"
        case "pdf": return "pdf"
        case "eml": return "email"
        case "docx", "xlsx", "pptx", "odt", "ods", "odp", "zip", "doc", "xls", "ppt", "msg", "rtf":
            return (name as NSString).pathExtension.lowercased()
        case "docm", "dotx", "dotm": return "docx"
        case "xlsm", "xltx", "xltm": return "xlsx"
        case "pptm", "ppsx", "potx": return "pptx"
        case "fodt", "fods", "fodp", "fodg", "odg": return (name as NSString).pathExtension.lowercased()
        default: return nil
        }
    }

    /// The format of `bytes`. The content decides: `%PDF-` and image signatures win over the
    /// name (a scan saved as `.doc`, an HTML page saved as `.pdf` is read as HTML); the
    /// extension only picks among text formats.
    static func detectFormat(_ bytes: [UInt8], name: String) -> Detected {
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        let signature = signatures.first { bytes.starts(with: $0.0) }
        // Junk before `%PDF-` is tolerated only when the file starts with no other signature
        // (a ZIP holding a PDF stored uncompressed is a ZIP).
        if signature == nil && isPDF(bytes) { return .pdf }
        for (magic, format) in signatures where bytes.starts(with: magic) {
            if format == "png" || format == "jpeg" || format == "tiff" { return .image(format) }
            if format == "zip" { return .zip }
            if format == "ole" { return .compoundFile }
            if format == "rtf" { return .rtf }
            return .unsupported(format)
        }
        let utf16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
        if !utf16 && bytes.prefix(8192).contains(0) { return .binary }
        let ext = (name as NSString).pathExtension.lowercased()
        switch ext {
        case "html", "htm", "xhtml": return .markup(isHTML: true)
        case "fodt", "fods", "fodp", "fodg": return .flatODF
        case "xml", "rdf", "atom", "xsd", "svg", "kml":
            return ByteSearch.find(Array("<office:document ".utf8), in: Array(bytes.prefix(4096))) != nil ? .flatODF : .markup(isHTML: false)
        case "eml": return .email
        case "txt", "md", "markdown", "text", "csv", "tsv", "json", "n3", "ttl": return .text
        default: break
        }
        if ext.isEmpty && EmailSniffer.looksLikeEmail(bytes) { return .email }
        let head = utf16 ? Array(TextDecoding.decode(Array(bytes.prefix(4096))).text.utf8) : Array(bytes.prefix(2048))
        let sniff = String(decoding: head, as: UTF8.self).lowercased()
        let trimmed = sniff.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html") || (trimmed.hasPrefix("<") && sniff.contains("<body")) {
            return .markup(isHTML: true)
        }
        if trimmed.hasPrefix("<?xml") || (trimmed.hasPrefix("<") && !trimmed.hasPrefix("<!--")) {
            return sniff.contains("<office:document ") ? .flatODF : .markup(isHTML: false)
        }
        // Text if it decodes without many control characters.
        let controls = head.filter { $0 < 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0x0C }.count
        return controls * 20 > max(head.count, 1) ? .binary : .text
    }

    /// A ZIP file: an OOXML package when it has `[Content_Types].xml`, an ODF package when its
    /// `mimetype` entry names an OpenDocument type, otherwise an archive whose files become parts.
    static func extractZip(_ bytes: [UInt8], components: [String], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes, maxEntries: limits.maxArchiveEntries)
        } catch {
            let format = formatFromName(components.last ?? "") ?? "zip"
            switch error {
            case .tooManyEntries(let n):
                return (ExtractedDocument(format: format, failure: .limitExceeded("the archive has more than \(n) entries")), ExplicitMetadata())
            case .notAnArchive(let why), .entry(let why):
                return (ExtractedDocument(format: format, failure: .parseFailed(format: "ZIP archive", reason: why)), ExplicitMetadata())
            default:
                return (ExtractedDocument(format: format, failure: .parseFailed(format: "ZIP archive", reason: "\(error)")), ExplicitMetadata())
            }
        }
        if archive.entry(named: "[Content_Types].xml") != nil {
            return OOXMLExtractor.extract(archive, components: components, limits: limits)
        }
        if let m = archive.entry(named: "mimetype"), m.uncompressedSize < 200,
           let type = try? archive.read(m, limit: 200), let format = ODFExtractor.format(mediaType: String(decoding: type, as: UTF8.self)) {
            return ODFExtractor.extract(archive, format: format, components: components, limits: limits)
        }
        let state = ContainerContext.current
        if state.depth >= limits.maxArchiveDepth {
            return (ExtractedDocument(format: "zip", failure: .limitExceeded("archives nested more than \(limits.maxArchiveDepth) deep")), ExplicitMetadata())
        }
        return ArchiveExtractor.extract(archive, components: components, limits: limits)
    }

    /// A compound file, told apart by the streams its root holds.
    static func extractCompoundFile(_ bytes: [UInt8], components: [String], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        let file: CompoundFile
        do {
            file = try CompoundFile(bytes, maxStream: limits.maxFileSize)
        } catch {
            let format = formatFromName(components.last ?? "") ?? "ole"
            let reason: String
            switch error {
            case .damaged(let why): reason = why
            case .notCompoundFile: reason = "the header is damaged"
            case .tooLarge(let n): reason = "a stream is over the \(n)-byte limit"
            }
            return (ExtractedDocument(format: format, failure: .parseFailed(format: "compound file", reason: reason)), ExplicitMetadata())
        }
        switch file.kind {
        case .msg: return OutlookMessage.extract(file, components: components, limits: limits)
        case .encryptedOOXML:
            let format = formatFromName(components.last ?? "").flatMap { ["docx", "xlsx", "pptx"].contains($0) ? $0 : nil } ?? "ooxml"
            return (ExtractedDocument(format: format, failure: .encrypted(format: "Office document")), ExplicitMetadata())
        case .doc, .xls, .ppt: return (LegacyOffice.extract(bytes, kind: file.kind, limits: limits), ExplicitMetadata())
        case .other: return (ExtractedDocument(format: "ole", failure: .unsupportedFormat("compound (OLE)")), ExplicitMetadata())
        }
    }

    /// The lowercased value of the first `encoding=` (XML) or `charset=` (HTML), any case, in
    /// the first 2 KiB: ASCII letters, digits, `-` and `_` after optional quotes and spaces.
    static func declaredCharset(_ bytes: [UInt8], xml: Bool) -> String? {
        bytes.withUnsafeBufferPointer { all in
            let b = UnsafeBufferPointer(rebasing: all.prefix(2048))
            var i = 0
            let n = xml ? 9 : 8
            while i + n <= b.count {
                defer { i += 1 }
                guard xml ? UTF8Scan.equalsIgnoringASCIICase(b, at: i, "encoding=") : UTF8Scan.equalsIgnoringASCIICase(b, at: i, "charset=")
                else { continue }
                var j = i + n
                while j < b.count && (b[j] == 0x22 || b[j] == 0x27 || b[j] == 0x20) { j += 1 }
                var value: [UInt8] = []
                while j < b.count {
                    let c = b[j]
                    if c >= 0x41 && c <= 0x5A { value.append(c | 0x20) }
                    else if (c >= 0x61 && c <= 0x7A) || UTF8Scan.isDigit(c) || c == 0x2D || c == 0x5F { value.append(c) }
                    else { break }
                    j += 1
                }
                return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
            }
            return nil
        }
    }

    static func extractHTML(_ bytes: [UInt8], deadline: Deadline? = nil) -> (ExtractedDocument, ExplicitMetadata) {
        let (text, encoding) = TextDecoding.decode(bytes, declared: declaredCharset(bytes, xml: false))
        var explicit = ExplicitMetadata()
        do {
            let r = try HTMLExtractor.extract(Array(text.utf8), deadline: deadline)
            let m = r.meta
            if let t = m["dc.title"] ?? m["dcterms.title"] ?? m["og:title"], !t.isEmpty { explicit.title = (t, .htmlMeta("DC.title")) }
            else if let t = r.title { explicit.title = (t, .htmlTitle) }
            else if let h = r.firstH1 { explicit.title = (h, .htmlH1) }
            for key in ["dc.date", "dcterms.date", "dcterms.created", "dc.date.created", "dcterms.issued", "date", "article:published_time", "created"] {
                if let v = m[key], !v.isEmpty { explicit.date = (v, .htmlMeta(key)); break }
            }
            for key in ["dc.identifier", "dcterms.identifier", "dnr", "diarienummer"] {
                if let v = m[key], !v.isEmpty { explicit.dnr = (v, .htmlMeta(key)); break }
            }
            for key in ["dc.creator", "dcterms.creator", "dc.publisher", "dcterms.publisher", "author", "organisation"] {
                if let v = m[key], !v.isEmpty { explicit.authority = (v, .htmlMeta(key)); break }
            }
            for key in ["dc.type", "dcterms.type"] {
                if let v = m[key], !v.isEmpty { explicit.type = (v, .htmlMeta(key)); break }
            }
            if let v = m["dc.language"] ?? m["content-language"], !v.isEmpty { explicit.language = (v, .htmlMeta("DC.language")) }
            return (ExtractedDocument(format: "html", encoding: encoding, text: r.text), explicit)
        } catch let e as ExtractionError {
            return (ExtractedDocument(format: "html", encoding: encoding, failure: e), explicit)
        } catch {
            return (ExtractedDocument(format: "html", encoding: encoding, failure: .parseFailed(format: "HTML", reason: "\(error)")), explicit)
        }
    }

    static func extractXML(_ bytes: [UInt8], components: [String], deadline: Deadline? = nil) -> (ExtractedDocument, ExplicitMetadata) {
        let (text, encoding) = TextDecoding.decode(bytes, declared: declaredCharset(bytes, xml: true))
        let utf8 = Array(text.utf8)
        do {
            let r = try XMLExtractor.extract(utf8, deadline: deadline)
            if r.root == "html" { return extractHTML(utf8, deadline: deadline) }
            var doc = ExtractedDocument(format: "xml", encoding: encoding, text: r.text)
            doc.parts = r.records.enumerated().map { i, record in
                var part = ExtractedDocument(format: "xml", encoding: encoding, text: record.text)
                part.partName = record.name ?? "record \(i + 1)"
                MetadataExtractor.fill(&part, explicit: record.metadata, path: components + [part.partName ?? ""])
                return part
            }
            var metadata = r.metadata
            if !doc.parts.isEmpty && metadata.title == nil, let name = components.last {
                // A container of records: its own title is its file name, not its first record's.
                metadata.title = (MetadataExtractor.stripExtension(name), .fileName)
            }
            return (doc, metadata)
        } catch let e as ExtractionError {
            return (ExtractedDocument(format: "xml", encoding: encoding, failure: e), ExplicitMetadata())
        } catch {
            return (ExtractedDocument(format: "xml", encoding: encoding, failure: .parseFailed(format: "XML", reason: "\(error)")), ExplicitMetadata())
        }
    }

    /// Normalises line ends and drops control characters other than tab and newline.
    /// The text with CR LF and lone CR as LF, control characters other than LF and tab and
    /// byte order marks (U+FEFF) dropped. On UTF-8 bytes: a text that needs none of it (the
    /// common case) is returned as it is, after one scan.
    static func clean(_ text: String) -> String {
        var bytes = text
        return bytes.withUTF8 { b in
            // EF BB BF is U+FEFF; every other byte that changes is an ASCII control character.
            @inline(__always) func changes(_ i: Int) -> Bool {
                let c = b[i]
                return (c < 0x20 && c != 0x0A && c != 0x09) || (c == 0xEF && i + 2 < b.count && b[i + 1] == 0xBB && b[i + 2] == 0xBF)
            }
            var first = -1
            var i = 0
            let n = b.count
            scan: while i < n {
                // Eight bytes with none below 0x20 and no EF (most of a text) change nothing; a line
                // feed or tab among them sends them through the byte test.
                if i &+ 8 <= n {
                    let w = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if ByteWord.belowMask(w, 0x20) | ByteWord.equalMask(w, 0xEF) == 0 { i &+= 8; continue }
                    for k in i ..< i &+ 8 where changes(k) { first = k; break scan }
                    i &+= 8
                    continue
                }
                if changes(i) { first = i; break }
                i &+= 1
            }
            guard first >= 0 else { return text }
            var out = [UInt8]()
            out.reserveCapacity(b.count)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<first]))
            i = first
            var lastCR = false
            while i < b.count {
                let c = b[i]
                if c == 0x0D { out.append(0x0A); lastCR = true; i += 1; continue }
                if c == 0x0A && lastCR { lastCR = false; i += 1; continue }
                lastCR = false
                if c < 0x20 && c != 0x0A && c != 0x09 { i += 1; continue }
                if c == 0xEF && i + 2 < b.count && b[i + 1] == 0xBB && b[i + 2] == 0xBF { i += 3; continue }
                out.append(c)
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

/// Markdown to plain text: markup stripped, text and line structure kept.
enum Markdown {
    /// The first level-one heading (`# Title`, or a line underlined with `===`) among the
    /// first 60 lines (a line ends at LF; a CR before it is not part of the line). On bytes:
    /// only those lines are read.
    static func firstHeading(_ source: String) -> String? {
        var source = source
        return source.withUTF8 { b -> String? in
            var previous: Range<Int>?
            var start = 0, n = 0
            while start <= b.count && n < 60 {
                var end = start
                while end < b.count && b[end] != 0x0A { end += 1 }
                let next = end + 1
                if end > start && b[end - 1] == 0x0D { end -= 1 }
                func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) }
                if end - start >= 2 && b[start] == 0x23 && b[start + 1] == 0x20 { return strip(text(start..<end)).trimmed() }
                if let p = previous, end - start >= 3, (start..<end).allSatisfy({ b[$0] == 0x3D }),
                   !Markdown.isBlank(UnsafeBufferPointer(rebasing: b[p])) {
                    return strip(text(p)).trimmed()
                }
                previous = start..<end
                start = next
                n += 1
            }
            return nil
        }
    }

    /// Whether `b` holds only whitespace.
    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            let w = UTF8Scan.whitespaceLength(b, at: i)
            if w == 0 { return false }
            i += w
        }
        return true
    }

    /// Bytes a line without markup lacks (`#>*_\`[|+-`).
    static let markupBytes: [Bool] = (0..<256).map { "#>*_`[|+-".utf8.contains(UInt8($0)) }
    /// The bytes of setext underlines, rules and table separators (`=-_*|: `).
    static let ruleBytes: [Bool] = (0..<256).map { "=-_*|: ".utf8.contains(UInt8($0)) }

    /// The text without Markdown markup, line by line. Lines without markup (most) are copied
    /// as bytes; the others are rewritten: headings, quotes and list marks, links and images
    /// (`[text](url)` → text), emphasis and code marks, table pipes.
    static func strip(_ source: String) -> String {
        var cleaned = Extractor.clean(source)
        return cleaned.withUTF8 { b in
            var out = [UInt8]()
            out.reserveCapacity(b.count)
            var start = 0
            while start <= b.count {
                var end = start
                while end < b.count && b[end] != 0x0A { end += 1 }
                if start > 0 { out.append(0x0A) }
                let raw = UnsafeBufferPointer(rebasing: b[start..<end])
                // Setext underlines, rules and table separators carry no text.
                var s = 0, e = raw.count
                UTF8Scan.skipWhitespace(raw, from: &s, to: e)
                _ = UTF8Scan.skipWhitespace(raw, before: &e)
                if s < e && (s..<e).allSatisfy({ ruleBytes[Int(raw[$0])] }) {
                    // an empty line
                } else if !raw.contains(where: { markupBytes[Int($0)] }) {
                    // Most lines carry no markup: keep them as they are.
                    out.append(contentsOf: raw)
                } else {
                    out.append(contentsOf: stripLine(String(decoding: raw, as: UTF8.self)).utf8)
                }
                start = end + 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// One line that has markup, stripped of it.
    static func stripLine(_ raw: String) -> String {
        var line = Substring(raw)
        line = line.drop { $0 == "#" || $0 == " " || $0 == ">" }
        if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") { line = line.dropFirst(2) }
        var s = String(line)
        // Links and images: [text](url) → text
        while ByteSearch.contains(s, "]("), let open = s.range(of: "]("), let lb = s[..<open.lowerBound].lastIndex(of: "["),
              let close = s[open.upperBound...].firstIndex(of: ")") {
            var start = lb
            if start > s.startIndex, s[s.index(before: start)] == "!" { start = s.index(before: start) }
            s.replaceSubrange(start...close, with: s[s.index(after: lb)..<open.lowerBound])
        }
        for mark in ["**", "__", "`"] where ByteSearch.contains(s, mark) { s = s.replacingOccurrences(of: mark, with: "") }
        if s.contains("|") {
            s = s.split(separator: "|").map { $0.trimmed() }.filter { !$0.isEmpty }.joined(separator: "  ")
        }
        return s
    }
}
