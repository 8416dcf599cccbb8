import Foundation

/// The header fields of a message or of one MIME body part (RFC 5322 § 2.2, RFC 2045).
/// Folded lines are unfolded (the line break is removed, the whitespace after it kept); names
/// are compared case-insensitively; values stay bytes until a caller decodes them.
struct MailHeaders {
    /// (lowercased name, unfolded raw value) in order of appearance.
    private(set) var fields: [(name: String, value: [UInt8])] = []

    mutating func append(name: String, value: [UInt8]) { fields.append((name, value)) }

    /// The first field called `name`, its value trimmed of surrounding whitespace.
    subscript(_ name: String) -> [UInt8]? {
        let key = name.lowercased()
        guard let f = fields.first(where: { $0.name == key }) else { return nil }
        return MIMEParser.trim(f.value[...])
    }

    /// The first field called `name`, RFC 2047 words decoded and whitespace runs collapsed.
    func text(_ name: String) -> String? {
        guard let raw = self[name] else { return nil }
        let t = MIMEParser.collapse(EncodedWords.decode(raw))
        return t.isEmpty ? nil : t
    }
}

/// A structured header value with parameters: `text/plain; charset="iso-8859-1"`,
/// `attachment; filename*=UTF-8''F%C3%B6rteckning.txt`.
struct HeaderValue {
    /// The value before the first `;`, lowercased (`text/plain`, `attachment`).
    var value: String
    /// Parameters by lowercased name, RFC 2231 and RFC 2047 already decoded.
    var parameters: [String: String]
}

/// One MIME entity: the header fields and the body bytes (still transfer-encoded).
struct MIMEEntity {
    var headers: MailHeaders
    var body: ArraySlice<UInt8>
}

/// A mailbox from an address header: `Kommunstyrelsens registratur <ks.registrator@norrvika.se>`.
struct MailAddress: Equatable {
    var name: String?
    var address: String?

    /// `Name <address>`, or whichever of the two there is.
    var display: String {
        switch (name, address) {
        case let (n?, a?): return "\(n) <\(a)>"
        case let (n?, nil): return n
        case let (nil, a?): return a
        default: return ""
        }
    }
}

/// Byte-level parsing of RFC 5322 messages and MIME entities.
enum MIMEParser {
    static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, space: UInt8 = 0x20, tab: UInt8 = 0x09

    @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }

    // MARK: Entities and header fields

    /// Splits an entity into its header fields and its body. The header section ends at the
    /// first empty line; a line that is neither a field nor a continuation also ends it (that
    /// line then starts the body). A leading mbox `From ` line is skipped.
    static func parseEntity(_ bytes: ArraySlice<UInt8>) -> MIMEEntity {
        var headers = MailHeaders()
        var name: String? = nil
        var value: [UInt8] = []
        var p = bytes.startIndex
        let end = bytes.endIndex
        var first = true
        func finish() {
            if let n = name { headers.append(name: n, value: value) }
            name = nil
            value = []
        }
        while p < end {
            let lineEnd = bytes[p...].firstIndex(of: lf) ?? end
            var contentEnd = lineEnd
            if contentEnd > p, bytes[contentEnd - 1] == cr { contentEnd -= 1 }
            let next = lineEnd < end ? lineEnd + 1 : end
            defer { first = false }
            if contentEnd == p {
                // The empty line between header and body.
                finish()
                return MIMEEntity(headers: headers, body: bytes[next..<end])
            }
            if isWSP(bytes[p]) {
                // A folded continuation: unfolding removes only the line break.
                if name != nil { value += bytes[p..<contentEnd] }
                p = next
                continue
            }
            if first, bytes[p..<contentEnd].starts(with: Array("From ".utf8)) { p = next; continue }
            guard let colon = bytes[p..<contentEnd].firstIndex(of: UInt8(ascii: ":")) else {
                finish()
                return MIMEEntity(headers: headers, body: bytes[p..<end])
            }
            let rawName = trim(bytes[p..<colon])
            guard !rawName.isEmpty, rawName.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                finish()
                return MIMEEntity(headers: headers, body: bytes[p..<end])
            }
            finish()
            name = String(decoding: rawName, as: UTF8.self).lowercased()
            value = Array(bytes[(colon + 1)..<contentEnd])
            p = next
        }
        finish()
        return MIMEEntity(headers: headers, body: bytes[end..<end])
    }

    static func trim(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var a = s.startIndex, b = s.endIndex
        while a < b, isWSP(s[a]) || s[a] == cr || s[a] == lf { a += 1 }
        while b > a, isWSP(s[b - 1]) || s[b - 1] == cr || s[b - 1] == lf { b -= 1 }
        return Array(s[a..<b])
    }

    /// Whitespace runs (and control characters) to one space, trimmed.
    static func collapse(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in s.unicodeScalars {
            if u.properties.isWhitespace || u.value < 0x20 || u.value == 0x7F {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" "); pendingSpace = false }
                out.append(u)
            }
        }
        return String(out)
    }

    // MARK: Structured values with parameters (RFC 2045 § 5.1, RFC 2183, RFC 2231)

    /// Removes `(comments)` outside quoted strings.
    static func stripComments(_ raw: [UInt8]) -> [UInt8] {
        guard raw.contains(UInt8(ascii: "(")) else { return raw }
        var out: [UInt8] = []
        var depth = 0, inQuote = false, escaped = false
        for b in raw {
            if escaped { escaped = false; if depth == 0 { out.append(b) }; continue }
            if b == UInt8(ascii: "\\") { escaped = true; if depth == 0 { out.append(b) }; continue }
            if inQuote {
                if b == UInt8(ascii: "\"") { inQuote = false }
                out.append(b)
                continue
            }
            if b == UInt8(ascii: "(") { depth += 1; continue }
            if b == UInt8(ascii: ")") && depth > 0 { depth -= 1; continue }
            if depth > 0 { continue }
            if b == UInt8(ascii: "\"") { inQuote = true }
            out.append(b)
        }
        return out
    }

    /// Parses `value; name=token; name="quoted \"string\""; name*0*=utf-8''%C3%A4; …`.
    static func parseValue(_ raw: [UInt8]) -> HeaderValue {
        let bytes = stripComments(raw)
        let n = bytes.count
        var i = 0
        while i < n, bytes[i] != UInt8(ascii: ";") { i += 1 }
        let value = String(decoding: trim(bytes[0..<i]), as: UTF8.self).lowercased()
        // (name, value bytes) as written.
        var raws: [(String, [UInt8])] = []
        while i < n {
            while i < n, bytes[i] == UInt8(ascii: ";") || isWSP(bytes[i]) || bytes[i] == cr || bytes[i] == lf { i += 1 }
            guard i < n else { break }
            let nameStart = i
            while i < n, bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: ";") { i += 1 }
            let pname = String(decoding: trim(bytes[nameStart..<i]), as: UTF8.self).lowercased()
            guard i < n, bytes[i] == UInt8(ascii: "=") else { continue }
            i += 1
            while i < n, isWSP(bytes[i]) { i += 1 }
            var pvalue: [UInt8] = []
            if i < n, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                while i < n, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < n { i += 1 }
                    pvalue.append(bytes[i])
                    i += 1
                }
                i += 1
                // Anything between the closing quote and the next `;` is junk.
                while i < n, bytes[i] != UInt8(ascii: ";") { i += 1 }
            } else {
                let start = i
                while i < n, bytes[i] != UInt8(ascii: ";") { i += 1 }
                pvalue = trim(bytes[start..<i])
            }
            if !pname.isEmpty, raws.count < 200 { raws.append((pname, pvalue)) }
        }
        return HeaderValue(value: value, parameters: assembleParameters(raws))
    }

    /// Joins RFC 2231 continuations (`name*0`, `name*1*`, …) and decodes extended values
    /// (`charset'language'%XX…`); plain values have RFC 2047 words decoded (a common
    /// non-standard form for file names). An RFC 2231 value wins over a plain one.
    static func assembleParameters(_ raws: [(String, [UInt8])]) -> [String: String] {
        var plain: [String: String] = [:]
        var segments: [String: [(index: Int, encoded: Bool, bytes: [UInt8])]] = [:]
        for (name, bytes) in raws {
            if let star = name.firstIndex(of: "*") {
                let base = String(name[..<star])
                var rest = name[name.index(after: star)...]
                var encoded = false
                if rest.hasSuffix("*") { encoded = true; rest = rest.dropLast() }
                if rest.isEmpty {
                    // name*=… (a single extended value) or name*… with no index
                    segments[base, default: []].append((0, true, bytes))
                } else if let index = Int(rest), (0..<100).contains(index) {
                    segments[base, default: []].append((index, encoded, bytes))
                }
            } else if plain[name] == nil {
                plain[name] = parameterText(bytes)
            }
        }
        for (name, parts) in segments {
            var charset: String? = nil
            var data: [UInt8] = []
            for (k, part) in parts.sorted(by: { $0.index < $1.index }).enumerated() {
                guard part.encoded else { data += part.bytes; continue }
                var body = part.bytes[...]
                if k == 0 {
                    let quotes = body.indices.filter { body[$0] == UInt8(ascii: "'") }.prefix(2)
                    if quotes.count == 2 {
                        charset = String(decoding: body[..<quotes[0]], as: UTF8.self)
                        body = body[(quotes[1] + 1)...]
                    }
                }
                data += percentDecode(body)
            }
            let text = MailCharset.decode(data, charset: charset?.isEmpty == false ? charset : nil).text
            plain[name] = collapse(text)
        }
        return plain
    }

    static func parameterText(_ bytes: [UInt8]) -> String {
        let s: String
        if bytes.count > 1, bytes.indices.dropLast().contains(where: { bytes[$0] == UInt8(ascii: "=") && bytes[$0 + 1] == UInt8(ascii: "?") }) {
            s = EncodedWords.decode(bytes)
        } else {
            s = EncodedWords.plainText(bytes)
        }
        return collapse(s)
    }

    static func percentDecode(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == UInt8(ascii: "%"), i + 2 < s.endIndex, let h = QuotedPrintable.hex(s[i + 1]), let l = QuotedPrintable.hex(s[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    // MARK: Multipart bodies (RFC 2046 § 5.1)

    /// The body parts of a multipart body delimited by `boundary`: the preamble before the first
    /// delimiter line and the epilogue after the close delimiter are dropped, and the line break
    /// before each delimiter belongs to the delimiter. Without a close delimiter the last part
    /// runs to the end. At most `limit` parts are returned.
    static func splitMultipart(_ body: ArraySlice<UInt8>, boundary: String, limit: Int) -> [ArraySlice<UInt8>] {
        let delimiter = Array("--".utf8) + Array(boundary.utf8)
        guard delimiter.count > 2, limit > 0 else { return [] }
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int? = nil
        var p = body.startIndex
        let end = body.endIndex
        while p < end {
            let lineEnd = body[p...].firstIndex(of: lf) ?? end
            if lineEnd - p >= delimiter.count, body[p] == UInt8(ascii: "-"), body[p..<(p + delimiter.count)].elementsEqual(delimiter) {
                var q = p + delimiter.count
                let isClose = q + 1 < lineEnd && body[q] == UInt8(ascii: "-") && body[q + 1] == UInt8(ascii: "-")
                if isClose { q += 2 }
                var onlySpace = true
                var r = q
                while r < lineEnd {
                    if !(isWSP(body[r]) || body[r] == cr) { onlySpace = false; break }
                    r += 1
                }
                if onlySpace || isClose {
                    if let s = partStart {
                        var e = p
                        if e > s, body[e - 1] == lf { e -= 1 }
                        if e > s, body[e - 1] == cr { e -= 1 }
                        parts.append(body[s..<max(s, e)])
                        if parts.count >= limit { return parts }
                    }
                    if isClose { return parts }
                    partStart = lineEnd < end ? lineEnd + 1 : end
                }
            }
            p = lineEnd < end ? lineEnd + 1 : end
        }
        if let s = partStart, parts.count < limit { parts.append(body[s..<end]) }
        return parts
    }

    // MARK: Address lists (RFC 5322 § 3.4)

    /// The mailboxes of an address header. Display names have quoted strings unquoted and
    /// RFC 2047 words decoded; a `(comment)` after a bare address serves as its name; group
    /// names (`Styrelsen: a@b, c@d;`) are dropped.
    static func addresses(_ raw: [UInt8]) -> [MailAddress] {
        var items: [[UInt8]] = []
        var current: [UInt8] = []
        var inQuote = false, escaped = false, angle = false, comment = 0
        for b in raw {
            if escaped { escaped = false; current.append(b); continue }
            if b == UInt8(ascii: "\\") && (inQuote || comment > 0) { escaped = true; current.append(b); continue }
            if inQuote { if b == UInt8(ascii: "\"") { inQuote = false }; current.append(b); continue }
            if comment > 0 {
                if b == UInt8(ascii: "(") { comment += 1 } else if b == UInt8(ascii: ")") { comment -= 1 }
                current.append(b)
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inQuote = true; current.append(b)
            case UInt8(ascii: "("): comment = 1; current.append(b)
            case UInt8(ascii: "<"): angle = true; current.append(b)
            case UInt8(ascii: ">"): angle = false; current.append(b)
            case UInt8(ascii: ","), UInt8(ascii: ";"):
                if angle { current.append(b) } else { items.append(current); current = [] }
            case UInt8(ascii: ":") where !angle:
                current = []  // a group name
            default: current.append(b)
            }
            if items.count > 500 { break }
        }
        items.append(current)
        return items.compactMap(mailbox)
    }

    static func mailbox(_ item: [UInt8]) -> MailAddress? {
        var inQuote = false, escaped = false
        var lt: Int? = nil
        for (i, b) in item.enumerated() {
            if escaped { escaped = false; continue }
            if b == UInt8(ascii: "\\") { escaped = true; continue }
            if b == UInt8(ascii: "\"") { inQuote.toggle(); continue }
            if !inQuote, b == UInt8(ascii: "<") { lt = i; break }
        }
        var name: String? = nil
        var address: String? = nil
        if let lt {
            let gt = item[lt...].firstIndex(of: UInt8(ascii: ">")) ?? item.endIndex
            address = addressText(Array(item[(lt + 1)..<gt]))
            name = phrase(Array(item[..<lt]))
        } else {
            // addr-spec, perhaps with its name in a comment: jenny.alm@norrvika.se (Jenny Alm)
            if let open = item.firstIndex(of: UInt8(ascii: "(")) {
                let close = item[open...].lastIndex(of: UInt8(ascii: ")")) ?? item.endIndex
                name = phrase(Array(item[(open + 1)..<close]))
                address = addressText(Array(item[..<open]) + (close < item.endIndex ? Array(item[(close + 1)...]) : []))
            } else {
                let text = addressText(item)
                if let text, text.contains("@") { address = text } else { name = phrase(item) }
            }
        }
        if name == nil && address == nil { return nil }
        return MailAddress(name: name, address: address)
    }

    static func addressText(_ bytes: [UInt8]) -> String? {
        let s = EncodedWords.plainText(stripComments(bytes)).filter { !$0.isWhitespace && $0 != "\"" }
        return s.isEmpty ? nil : s
    }

    /// A display name: quoted strings unquoted, then RFC 2047 words decoded.
    static func phrase(_ bytes: [UInt8]) -> String? {
        var unquoted: [UInt8] = []
        var escaped = false
        for b in bytes {
            if escaped { escaped = false; unquoted.append(b); continue }
            if b == UInt8(ascii: "\\") { escaped = true; continue }
            if b == UInt8(ascii: "\"") { continue }
            unquoted.append(b)
        }
        var s = collapse(EncodedWords.decode(unquoted))
        // Some mailers quote the name in single quotes: 'Jenny Alm'
        if s.count >= 2, s.hasPrefix("'"), s.hasSuffix("'") { s = String(s.dropFirst().dropLast()) }
        return s.isEmpty ? nil : s
    }
}
