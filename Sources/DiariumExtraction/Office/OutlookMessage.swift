import Foundation

/// An Outlook message (`.msg`, MS-OXMSG) read from its compound file: subject, sender,
/// recipients, sent date, the body (plain text, else HTML, else the compressed RTF body) and
/// attachments as parts, exactly as `.eml` files are read (the same Swedish header block,
/// the same metadata). Embedded messages (attachments that are messages) are read the same
/// way, up to `EmailExtractor.maxDepth`.
enum OutlookMessage {
    /// Property ids (MS-OXPROPS).
    enum Tag: UInt16 {
        case subject = 0x0037, clientSubmitTime = 0x0039, senderName = 0x0C1A, senderEmail = 0x0C1F, senderSMTP = 0x5D01
        case sentRepresentingName = 0x0042, displayTo = 0x0E04, displayCc = 0x0E03, deliveryTime = 0x0E06
        case body = 0x1000, bodyHTML = 0x1013, rtfCompressed = 0x1009, internetCodepage = 0x3FDE, messageCodepage = 0x3FFD
        case displayName = 0x3001, emailAddress = 0x3003, smtpAddress = 0x39FE, recipientType = 0x0C15
        case attachData = 0x3701, attachFilename = 0x3704, attachLongFilename = 0x3707, attachMethod = 0x3705
        case transportHeaders = 0x007D
    }

    /// The properties of one object (message, recipient, attachment): strings and binaries
    /// from `__substg1.0_` streams, fixed-size values from `__properties_version1.0`.
    struct Properties {
        let file: CompoundFile
        let storage: Int
        /// Bytes of the properties stream's header: 32 for the message, 24 for an embedded
        /// message, 8 for recipients and attachments.
        let headerSize: Int
        var codepage: Int? = nil

        func string(_ tag: Tag) throws(CompoundFile.Failure) -> String? {
            let id = String(tag.rawValue, radix: 16, uppercase: true).leftPadded(4)
            if let u = try file.stream(storage, "__substg1.0_\(id)001F") {
                var units: [UInt16] = []
                units.reserveCapacity(u.count / 2)
                var i = 0
                while i + 1 < u.count { units.append(UInt16(u[i]) | UInt16(u[i + 1]) << 8); i += 2 }
                while units.last == 0 { units.removeLast() }
                return TextDecoding.nfc(String(decoding: units, as: UTF16.self))
            }
            if var b = try file.stream(storage, "__substg1.0_\(id)001E") {
                while b.last == 0 { b.removeLast() }
                return codepage == 65001 ? String(decoding: b, as: UTF8.self) : TextDecoding.decode(b).text
            }
            return nil
        }

        func binary(_ tag: Tag) throws(CompoundFile.Failure) -> [UInt8]? {
            let id = String(tag.rawValue, radix: 16, uppercase: true).leftPadded(4)
            return try file.stream(storage, "__substg1.0_\(id)0102")
        }

        /// A fixed-size property's 8 value bytes as an integer.
        func fixed(_ tag: Tag) throws(CompoundFile.Failure) -> UInt64? {
            guard let p = try file.stream(storage, "__properties_version1.0") else { return nil }
            var i = headerSize
            while i + 16 <= p.count {
                let id = UInt16(p[i + 2]) | UInt16(p[i + 3]) << 8
                if id == tag.rawValue {
                    var v: UInt64 = 0
                    for k in 0..<8 { v |= UInt64(p[i + 8 + k]) << (8 * k) }
                    return v
                }
                i += 16
            }
            return nil
        }
    }

    static func extract(_ file: CompoundFile, storage: Int = 0, headerSize: Int = 32, components: [String],
                        limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        do {
            return try read(file, storage: storage, headerSize: headerSize, components: components, limits: limits)
        } catch {
            let reason: String
            switch error as? CompoundFile.Failure {
            case .damaged(let why)?: reason = why
            case .tooLarge(let n)?: reason = "a stream is over the \(n)-byte limit"
            default: reason = "not a compound file"
            }
            return (ExtractedDocument(format: "msg", failure: .parseFailed(format: "Outlook message", reason: reason)), ExplicitMetadata())
        }
    }

    private static func read(_ file: CompoundFile, storage: Int, headerSize: Int, components: [String],
                             limits: ExtractionLimits) throws -> (ExtractedDocument, ExplicitMetadata) {
        var props = Properties(file: file, storage: storage, headerSize: headerSize)
        props.codepage = try (props.fixed(.internetCodepage) ?? props.fixed(.messageCodepage)).map { Int($0 & 0xFFFF_FFFF) }
        let subject = try props.string(.subject)
        let senderName = try props.string(.senderName) ?? props.string(.sentRepresentingName)
        let senderAddress = try props.string(.senderSMTP) ?? props.string(.senderEmail).flatMap { $0.contains("@") ? $0 : nil }
        let sent = try (props.fixed(.clientSubmitTime) ?? props.fixed(.deliveryTime)).flatMap(fileTime)

        // Recipients: storages `__recip_version1.0_#…`, To (1), Cc (2), Bcc (3).
        var to: [String] = [], cc: [String] = []
        for child in file.entries[storage].children where file.entries[child].isStorage && file.entries[child].name.hasPrefix("__recip_version1.0_") {
            var r = Properties(file: file, storage: child, headerSize: 8)
            r.codepage = props.codepage
            let name = try r.string(.displayName)
            let address = try r.string(.smtpAddress) ?? r.string(.emailAddress).flatMap { $0.contains("@") ? $0 : nil }
            let display = [name, address.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")
            guard !display.isEmpty else { continue }
            if try r.fixed(.recipientType).map({ $0 & 0xFF }) == 2 { cc.append(display) } else { to.append(display) }
        }
        if to.isEmpty, let d = try props.string(.displayTo), !d.isEmpty { to = [d] }
        if cc.isEmpty, let d = try props.string(.displayCc), !d.isEmpty { cc = [d] }

        // Body: plain text, else HTML, else the compressed RTF.
        var body = ""
        if let b = try props.string(.body), !b.trimmed().isEmpty {
            body = Extractor.clean(b)
        } else if let html = try props.binary(.bodyHTML) ?? props.string(.bodyHTML).map({ Array($0.utf8) }) {
            body = (try? HTMLExtractor.extract(Array(TextDecoding.decode(html, declared: Extractor.declaredCharset(html, xml: false)).text.utf8)).text) ?? ""
        } else if let rtf = try props.binary(.rtfCompressed), let raw = try? CompressedRTF.decompress(rtf, limit: limits.maxFileSize) {
            body = RTFReader.text(raw)
        }
        body = body.trimmingCharacters(in: .whitespacesAndNewlines)

        // Attachments become parts, like those of an e-mail.
        var parts: [ExtractedDocument] = []
        var names: [String] = []
        let depth = EmailExtractor.context.depth
        for child in file.entries[storage].children where file.entries[child].isStorage && file.entries[child].name.hasPrefix("__attach_version1.0_") {
            // As many attachments as an e-mail may have parts.
            if parts.count >= EmailExtractor.maxParts { break }
            var a = Properties(file: file, storage: child, headerSize: 8)
            a.codepage = props.codepage
            let rawName = try a.string(.attachLongFilename) ?? a.string(.attachFilename) ?? a.string(.displayName)
            var name = rawName.flatMap(EmailExtractor.sanitizedFileName) ?? "part \(parts.count + 1)"
            var doc: ExtractedDocument
            if let embedded = file.child(child, "__substg1.0_3701000D"), file.entries[embedded].isStorage {
                if (name as NSString).pathExtension.isEmpty { name += ".msg" }
                guard depth < EmailExtractor.maxDepth else { continue }
                let path = components + [name]
                doc = EmailExtractor.$context.withValue(EmailExtractor.Context(depth: depth + 1, budget: EmailExtractor.context.budget)) {
                    var (d, explicit) = extract(file, storage: embedded, headerSize: 24, components: path, limits: limits)
                    MetadataExtractor.fill(&d, explicit: explicit, path: path)
                    return d
                }
            } else {
                guard let data = try a.binary(.attachData) else { continue }
                let path = components + [name]
                doc = EmailExtractor.$context.withValue(EmailExtractor.Context(depth: depth + 1, budget: EmailExtractor.context.budget)) {
                    Extractor(limits: limits).extract(bytes: data, components: path)
                }
            }
            names.append(name)
            doc.partName = name
            let nested = doc.parts
            doc.parts = []
            parts.append(doc)
            for var p in nested {
                p.partName = name + "/" + (p.partName ?? "part \(parts.count + 1)")
                parts.append(p)
            }
        }

        let from = [senderName, senderAddress.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")
        var header: [String] = []
        if !from.isEmpty { header.append("Från: " + from) }
        if !to.isEmpty { header.append("Till: " + to.joined(separator: ", ")) }
        if !cc.isEmpty { header.append("Kopia: " + cc.joined(separator: ", ")) }
        if let sent { header.append("Datum: " + sent.date + " " + sent.time) }
        if let subject { header.append("Ämne: " + subject) }
        if !names.isEmpty { header.append("Bilagor: " + names.joined(separator: ", ")) }
        var text = header.joined(separator: "\n")
        if !body.isEmpty { text += (text.isEmpty ? "" : "\n\n") + body }

        var doc = ExtractedDocument(format: "msg", encoding: "utf-16le", text: text)
        doc.parts = parts
        var explicit = ExplicitMetadata()
        if let subject, !subject.isEmpty { explicit.title = (subject, .msg("subject")) }
        if let sent { explicit.date = (sent.date, .msg("client-submit-time")) }
        if let a = EmailExtractor.signatureAuthority(body) {
            explicit.authority = (a, .emailSignature)
        } else if let a = senderName.flatMap(EmailExtractor.senderAuthority) {
            explicit.authority = (a, .msg("sender-name"))
        }
        explicit.type = ("e-post", .msg("message-class"))
        return (doc, explicit)
    }

    /// A FILETIME (100 ns since 1601-01-01 UTC) as an ISO date and time (UTC).
    static func fileTime(_ value: UInt64) -> (date: String, time: String)? {
        guard value > 0 else { return nil }
        let seconds = Int64(value / 10_000_000) - 11_644_473_600
        guard seconds > 0, seconds < 253_402_300_800 else { return nil }
        let days = Int(seconds / 86_400), rest = Int(seconds % 86_400)
        guard let iso = ExcelDate.iso(Double(days + 25_569), date1904: false, withTime: false) else { return nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return (iso, two(rest / 3600) + ":" + two(rest / 60 % 60))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
