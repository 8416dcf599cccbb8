import Foundation

/// How many MIME parts one extraction may still open. Shared by a message and everything
/// nested in it (multiparts, attached messages), so a hostile mail cannot multiply the work.
/// Only ever used by the one thread running that extraction.
final class MailPartBudget: @unchecked Sendable {
    var remaining: Int
    init(_ remaining: Int) { self.remaining = remaining }
}

/// Text and metadata from an RFC 5322 message (`.eml`, or a file that starts with mail
/// headers), with MIME (RFC 2045–2049): transfer encodings, charsets, RFC 2047 header words,
/// RFC 2231 parameters, and multipart bodies. The body text comes after a short Swedish
/// header block (`Från:`, `Till:`, `Kopia:`, `Datum:`, `Ämne:`, `Bilagor:`), so the sender
/// and the subject are searchable. Attachments become `parts` of the document, each
/// extracted by the ordinary `Extractor`; attached messages are extracted as e-mails.
enum EmailExtractor {
    /// Deepest nesting of multiparts and attached messages that is opened.
    static let maxDepth = 20
    /// Most MIME parts opened in one file.
    static let maxParts = 1000

    struct Context: Sendable {
        var depth = 0
        var budget: MailPartBudget? = nil
    }

    /// The nesting an extraction runs at: set while an attachment is extracted, so an attached
    /// `.eml` that comes back through `Extractor` continues the count instead of restarting it.
    @TaskLocal static var context: Context = Context()

    /// A part that is not body text.
    struct Attachment {
        var name: String?
        var bytes: [UInt8]
        var isMessage: Bool
    }

    /// What walking the MIME tree collected.
    struct Walk {
        var texts: [(text: String, encoding: String)] = []
        var attachments: [Attachment] = []
        var budget: MailPartBudget
    }

    // MARK: Entry point

    /// Extracts the message in `bytes`. `components` are the file's folder and file names.
    static func extract(_ bytes: [UInt8], components: [String], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        let ctx = context
        let depth = ctx.depth
        let budget = ctx.budget ?? MailPartBudget(maxParts)
        let message = MIMEParser.parseEntity(bytes[...])
        let h = message.headers

        var walk = Walk(budget: budget)
        walkEntity(message, depth: depth, into: &walk)

        // Body text
        var body = walk.texts.map(\.text).filter { !$0.isEmpty }.joined(separator: "\n\n")
        body = body.trimmingCharacters(in: .whitespacesAndNewlines)

        // Header fields
        let from = h["from"].map(MIMEParser.addresses) ?? []
        let to = h["to"].map(MIMEParser.addresses) ?? []
        let cc = h["cc"].map(MIMEParser.addresses) ?? []
        let subject = h.text("subject")
        let dateRaw = h.text("date")
        let date = dateRaw.flatMap(MailDate.parse)

        // Attachments become parts.
        var parts: [ExtractedDocument] = []
        var attachmentNames: [String] = []
        if depth < maxDepth {
            for attachment in walk.attachments {
                let index = parts.count + 1
                let name: String
                if let n = attachment.name {
                    name = n
                } else if attachment.isMessage, let s = MIMEParser.parseEntity(attachment.bytes[...]).headers.text("subject"),
                          let n = sanitizedFileName(String(s.prefix(120))) {
                    name = n + ".eml"
                } else {
                    name = "part \(index)" + (attachment.isMessage ? ".eml" : "")
                }
                attachmentNames.append(name)
                let path = components + [name]
                let inner = Context(depth: depth + 1, budget: budget)
                var doc: ExtractedDocument = $context.withValue(inner) {
                    if attachment.isMessage {
                        var (d, explicit) = attachment.bytes.isEmpty
                            ? (ExtractedDocument(format: "empty", failure: .empty), ExplicitMetadata())
                            : extract(attachment.bytes, components: path, limits: limits)
                        MetadataExtractor.fill(&d, explicit: explicit, path: path)
                        return d
                    }
                    return Extractor(limits: limits).extract(bytes: attachment.bytes, components: path)
                }
                doc.partName = name
                // An attachment's own attachments (a forwarded message's files) are parts of this
                // file too: the inventory holds one level of parts.
                let nested = doc.parts
                doc.parts = []
                parts.append(doc)
                for var p in nested {
                    p.partName = name + "/" + (p.partName ?? "part \(parts.count + 1)")
                    parts.append(p)
                }
            }
        }

        // Text: a header block, then the body.
        var header: [String] = []
        if !from.isEmpty { header.append("Från: " + from.map(\.display).joined(separator: ", ")) }
        if !to.isEmpty { header.append("Till: " + to.map(\.display).joined(separator: ", ")) }
        if !cc.isEmpty { header.append("Kopia: " + cc.map(\.display).joined(separator: ", ")) }
        if let date {
            header.append("Datum: " + date.date + (date.time.map { " " + $0 } ?? ""))
        } else if let dateRaw {
            header.append("Datum: " + dateRaw)
        }
        if let subject { header.append("Ämne: " + subject) }
        if !attachmentNames.isEmpty { header.append("Bilagor: " + attachmentNames.joined(separator: ", ")) }
        var text = header.joined(separator: "\n")
        if !body.isEmpty { text += (text.isEmpty ? "" : "\n\n") + body }

        var doc = ExtractedDocument(format: "email", encoding: walk.texts.first?.encoding, text: text)
        doc.parts = parts

        // Explicit metadata from the header fields.
        var explicit = ExplicitMetadata()
        if let subject { explicit.title = (subject, .emailHeader("subject")) }
        if let date { explicit.date = (date.date, .emailHeader("date")) }
        if let a = signatureAuthority(body) {
            explicit.authority = (a, .emailSignature)
        } else if let a = from.lazy.compactMap({ $0.name.flatMap(senderAuthority) }).first {
            explicit.authority = (a, .emailHeader("from"))
        }
        // `MetadataExtractor` accepts only types its rules recognise; when it does not take
        // this one, the header block above gives "e-post" through its e-mail header rule.
        explicit.type = ("e-post", .emailHeader(nil))
        if let lang = h.text("content-language"), let first = lang.split(whereSeparator: { $0 == "," || $0 == " " }).first {
            explicit.language = (String(first), .emailHeader("content-language"))
        }
        return (doc, explicit)
    }

    // MARK: The MIME tree

    struct PartInfo {
        var type: String
        var contentType: HeaderValue?
        var disposition: HeaderValue?
        var fileName: String?
    }

    static func info(_ entity: MIMEEntity, defaultType: String) -> PartInfo {
        let ct = entity.headers["content-type"].map(MIMEParser.parseValue)
        var type = ct?.value ?? defaultType
        // RFC 2045 § 5.2: a syntactically invalid Content-Type means text/plain.
        if !type.contains("/") || type.contains(" ") { type = "text/plain" }
        let disposition = entity.headers["content-disposition"].map(MIMEParser.parseValue)
        let fileName = sanitizedFileName(disposition?.parameters["filename"] ?? ct?.parameters["name"] ?? "")
        return PartInfo(type: type, contentType: ct, disposition: disposition, fileName: fileName)
    }

    /// Walks one entity. `resourcesOnly`: only parts that are attachments count (the non-root
    /// parts of a multipart/related, which are resources of the HTML body).
    static func walkEntity(_ entity: MIMEEntity, depth: Int, defaultType: String = "text/plain", resourcesOnly: Bool = false, into w: inout Walk) {
        let part = info(entity, defaultType: defaultType)
        let type = part.type
        let isAttachment = part.disposition?.value == "attachment"

        if type.hasPrefix("multipart/") {
            guard depth < maxDepth, w.budget.remaining > 0 else { return }
            let children = multipartChildren(entity, part, budget: w.budget)
            if children.isEmpty {
                // No boundary, or none of its delimiter lines: read the body as text, the best a
                // reader can do.
                if !resourcesOnly { appendText(entity, charset: part.contentType?.parameters["charset"], html: false, flowed: nil, into: &w) }
                return
            }
            switch type.dropFirst("multipart/".count) {
            case "alternative":
                if let chosen = chooseAlternative(children) {
                    walkEntity(chosen, depth: depth + 1, resourcesOnly: resourcesOnly, into: &w)
                }
            case "related":
                let start = part.contentType?.parameters["start"].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) }
                let rootIndex = start.flatMap { s in
                    children.firstIndex { c in
                        c.headers.text("content-id").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) } == s
                    }
                } ?? 0
                walkEntity(children[rootIndex], depth: depth + 1, resourcesOnly: resourcesOnly, into: &w)
                for (i, c) in children.enumerated() where i != rootIndex {
                    walkEntity(c, depth: depth + 1, resourcesOnly: true, into: &w)
                }
            case "signed":
                // The signed content, then anything else that is not the signature itself.
                for c in children {
                    let t = info(c, defaultType: "text/plain").type
                    if t.hasSuffix("pgp-signature") || t.hasSuffix("pkcs7-signature") { continue }
                    walkEntity(c, depth: depth + 1, resourcesOnly: resourcesOnly, into: &w)
                }
            case "digest":
                for c in children { walkEntity(c, depth: depth + 1, defaultType: "message/rfc822", resourcesOnly: resourcesOnly, into: &w) }
            default:
                // mixed, and every unknown subtype (RFC 2046 § 5.1.7)
                for c in children { walkEntity(c, depth: depth + 1, resourcesOnly: resourcesOnly, into: &w) }
            }
            return
        }

        if type == "message/rfc822" || type == "message/global" {
            w.attachments.append(Attachment(name: part.fileName.map(withEMLExtension), bytes: transferDecoded(entity), isMessage: true))
            return
        }

        // Text parts are read as the message text; calendar invitations, vCards and RTF are
        // files of their own.
        let isText = type.hasPrefix("text/") && !["text/rtf", "text/richtext", "text/calendar", "text/vcard", "text/x-vcard", "text/directory"].contains(type)
        let inlineNamed = part.fileName != nil && part.disposition?.value == "inline" && w.texts.isEmpty
        if isText && !resourcesOnly && !isAttachment && (part.fileName == nil || inlineNamed) {
            let flowed = part.contentType?.parameters["format"]?.lowercased() == "flowed"
                ? (part.contentType?.parameters["delsp"]?.lowercased() == "yes") : nil
            appendText(entity, charset: part.contentType?.parameters["charset"], html: type == "text/html", flowed: flowed, into: &w)
            return
        }
        if resourcesOnly && !isAttachment && part.fileName == nil { return }
        if !isText && !isAttachment && part.fileName == nil && entity.body.allSatisfy({ $0 <= 0x20 }) { return }
        w.attachments.append(Attachment(name: part.fileName, bytes: transferDecoded(entity), isMessage: false))
    }

    /// The parts of a multipart entity, within the depth and part budget.
    static func multipartChildren(_ entity: MIMEEntity, _ part: PartInfo, budget: MailPartBudget) -> [MIMEEntity] {
        guard budget.remaining > 0, let boundary = part.contentType?.parameters["boundary"], !boundary.isEmpty else { return [] }
        let bodies = MIMEParser.splitMultipart(entity.body, boundary: boundary, limit: budget.remaining)
        budget.remaining -= bodies.count
        return bodies.map(MIMEParser.parseEntity)
    }

    /// multipart/alternative: the plain text (when it has any), else a nested multipart (an
    /// HTML body with its images), else the HTML, else the first part.
    static func chooseAlternative(_ children: [MIMEEntity]) -> MIMEEntity? {
        var plain: MIMEEntity?, html: MIMEEntity?, multipart: MIMEEntity?, blankPlain: MIMEEntity?
        for c in children {
            let t = info(c, defaultType: "text/plain").type
            if t == "text/plain" {
                let decoded = transferDecoded(c)
                if decoded.contains(where: { $0 > 0x20 }) { if plain == nil { plain = c } } else if blankPlain == nil { blankPlain = c }
            } else if t == "text/html" {
                if html == nil { html = c }
            } else if t.hasPrefix("multipart/") {
                if multipart == nil { multipart = c }
            }
        }
        return plain ?? multipart ?? html ?? blankPlain ?? children.first
    }

    // MARK: Bodies

    /// The body with its Content-Transfer-Encoding undone (base64, quoted-printable; 7bit,
    /// 8bit, binary and unknown encodings as they are).
    static func transferDecoded(_ entity: MIMEEntity) -> [UInt8] {
        let cte = entity.headers["content-transfer-encoding"].map { String(decoding: MIMEParser.stripComments($0), as: UTF8.self) }?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch cte {
        case "base64": return MailBase64.decode(entity.body)
        case "quoted-printable": return QuotedPrintable.decode(entity.body)
        default: return Array(entity.body)
        }
    }

    static func appendText(_ entity: MIMEEntity, charset: String?, html: Bool, flowed delsp: Bool?, into w: inout Walk) {
        let decoded = transferDecoded(entity)
        if html {
            let declared = charset ?? Extractor.declaredCharset(decoded, xml: false)
            let (source, encoding) = MailCharset.decode(decoded, charset: declared)
            let text = (try? HTMLExtractor.extract(Array(source.utf8)).text) ?? ""
            w.texts.append((text, encoding))
        } else {
            var (text, encoding) = MailCharset.decode(decoded, charset: charset)
            text = Extractor.clean(text)
            if let delsp { text = unflow(text, delsp: delsp) }
            w.texts.append((text, encoding))
        }
    }

    /// format=flowed (RFC 3676): a line ending in a space continues on the next line;
    /// space-stuffing is undone. The signature separator `-- ` stays a line of its own.
    static func unflow(_ text: String, delsp: Bool) -> String {
        var out = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            if line.hasPrefix(" ") { line = line.dropFirst() }
            if line.hasSuffix(" ") && line != "-- " {
                out += delsp ? line.dropLast() : line
            } else {
                out += line
                out += "\n"
            }
        }
        if out.hasSuffix("\n") { out.removeLast() }
        return out
    }

    // MARK: Names and authorities

    /// A file name fit to be a path component: folders, control characters and surrounding
    /// whitespace removed. Nil when nothing is left.
    static func sanitizedFileName(_ raw: String) -> String? {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let name = MIMEParser.collapse(last)
        guard !name.isEmpty, name != ".", name != ".." else { return nil }
        return TextDecoding.nfc(name)
    }

    static func withEMLExtension(_ name: String) -> String {
        let ext = (name as NSString).pathExtension.lowercased()
        return ext == "eml" || ext == "msg" || ext == "mbox" ? name : name + ".eml"
    }

    static let closings = ["med vänlig hälsning", "med vänliga hälsningar", "vänliga hälsningar", "vänlig hälsning", "bästa hälsningar",
                           "hälsningar", "hälsning", "mvh", "vänligen", "best regards", "kind regards", "regards", "sincerely", "yours sincerely"]

    /// The authority the reply is signed on behalf of (`Nämndsekreterare, Byggnadsnämnden`):
    /// the first line or comma-separated cell after the closing (`Med vänlig hälsning`) that
    /// names an authority. A quoted original message below the reply is not the signature.
    static func signatureAuthority(_ body: String) -> String? {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let cut = lines.indices.first(where: { isQuoteStart(lines, $0) }) { lines = Array(lines[..<cut]) }
        var region = Array(lines.filter { !$0.isEmpty }.suffix(14))
        if let close = region.lastIndex(where: isClosing) {
            region = Array(region[(close + 1)...])
        } else {
            region = Array(region.suffix(6))
        }
        for line in region.prefix(8) {
            for cell in line.split(whereSeparator: { $0 == "," || $0 == "|" }) {
                if let a = MetadataExtractor.authorityName(cell.trimmingCharacters(in: .whitespaces)) { return a }
            }
        }
        return nil
    }

    static func isClosing(_ line: String) -> Bool {
        let l = line.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " ,.!/"))
        guard l.count <= 30, l.split(separator: " ").count <= 4 else { return false }
        return closings.contains { l == $0 || l.hasPrefix($0 + " ") }
    }

    /// Where a quoted or forwarded original message starts.
    static func isQuoteStart(_ lines: [String], _ i: Int) -> Bool {
        let l = lines[i]
        let lower = l.lowercased()
        if l.hasPrefix(">") { return true }
        if l.hasPrefix("-----") || l.hasPrefix("_____") {
            if lower.contains("meddelande") || lower.contains("message") { return true }
            if l.count >= 10 && l.allSatisfy({ $0 == "_" }) { return true }
        }
        if (lower.hasSuffix("skrev:") || lower.hasSuffix("wrote:")) && l.count < 200 { return true }
        if (lower.hasPrefix("från:") || lower.hasPrefix("from:")), i + 1 < lines.count {
            let next = lines[i + 1].lowercased()
            return ["skickat:", "sent:", "datum:", "date:", "till:", "to:"].contains { next.hasPrefix($0) }
        }
        return false
    }

    static let roleWords: Set<String> = ["registrator", "registratur", "registraturen", "registratorn", "diarium", "diariet",
                                         "nämndsekreterare", "sekreterare", "kundtjänst", "kontaktcenter", "funktionsbrevlåda",
                                         "brevlåda", "info", "via"]

    /// The authority a sender's display name names: `Byggnadsnämnden`, `Registrator
    /// Tekniska förvaltningen` → `Tekniska förvaltningen`, `Gymnasienämndens registratur` →
    /// `Gymnasienämnden`. Names of people give nil.
    static func senderAuthority(_ name: String) -> String? {
        for cell in name.split(separator: ",") {
            var words = cell.split(separator: " ").map(String.init)
            while let f = words.first, roleWords.contains(f.lowercased()) { words.removeFirst() }
            while let l = words.last, roleWords.contains(l.lowercased()) { words.removeLast() }
            guard let last = words.last else { continue }
            if let a = MetadataExtractor.authorityName(words.joined(separator: " ")) { return a }
            if last.hasSuffix("s") {
                words[words.count - 1] = String(last.dropLast())
                if let a = MetadataExtractor.authorityName(words.joined(separator: " ")) { return a }
            }
        }
        return nil
    }
}

/// Recognises a file without a name extension as an e-mail: its first line is a typical
/// RFC 5322 header field and its header section has `From:` and `Subject:` or `Date:`.
enum EmailSniffer {
    static let firstFields: Set<String> = ["return-path", "received", "from", "message-id", "mime-version", "date", "delivered-to"]

    static func looksLikeEmail(_ bytes: [UInt8]) -> Bool {
        var head = bytes.prefix(65536)
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { head = head.dropFirst(3) }
        var first = true
        var hasFrom = false, hasSubjectOrDate = false
        var p = head.startIndex
        while p < head.endIndex {
            let lineEnd = head[p...].firstIndex(of: 0x0A) ?? head.endIndex
            var line = head[p..<lineEnd]
            if line.last == 0x0D { line = line.dropLast() }
            p = lineEnd < head.endIndex ? lineEnd + 1 : head.endIndex
            if line.isEmpty { break }
            if first {
                first = false
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return false }
                let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
                guard firstFields.contains(name) || isXField(name) else { return false }
            }
            if line.first == 0x20 || line.first == 0x09 { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { break }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            if name == "from" { hasFrom = true }
            if name == "subject" || name == "date" { hasSubjectOrDate = true }
            if hasFrom && hasSubjectOrDate { return true }
        }
        return false
    }

    static func isXField(_ name: String) -> Bool {
        name.count > 2 && name.hasPrefix("x-") && name.dropFirst(2).allSatisfy { ($0.isASCII && $0.isLetter) || $0 == "-" }
    }
}
