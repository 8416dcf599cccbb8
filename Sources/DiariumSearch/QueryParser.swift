/// A parsed query. Parsing never fails: whatever is typed is read in the most literal sensible
/// way (unbalanced quotes and parentheses are closed at the end, stray operators are dropped,
/// unknown `field:` prefixes are read as words).
public indirect enum QueryNode: Sendable, Equatable {
    /// Words to match in the title, text or metadata (or only in `field`).
    case words(String, field: TextField?)
    /// Words that must occur next to each other, in order.
    case phrase(String, field: TextField?)
    /// Any indexed term starting with the prefix.
    case prefix(String, field: TextField?)
    /// A metadata filter (`year:2015..2021`, `org:"Tekniska förvaltningen"`, `type:riskanalys`).
    case filter(MetadataFilter)
    case and([QueryNode])
    case or([QueryNode])
    case not(QueryNode)

    /// The text fields a query word can be limited to.
    public enum TextField: String, Sendable, Equatable { case title, body }
}

/// A condition on catalog metadata.
public enum MetadataFilter: Sendable, Equatable, CustomStringConvertible {
    case year(ClosedRange<Int>)
    case authority(String)
    case type(String)
    case dnr(String)
    case format(String)
    case path(String)
    case language(String)
    /// Whether some of the document's text was read by OCR (`ocr:yes`, `ocr:no`).
    case ocr(Bool)

    public var description: String {
        switch self {
        case let .year(r):
            return r.lowerBound == r.upperBound ? "year = \(r.lowerBound)" : r.upperBound >= 9999 ? "year ≥ \(r.lowerBound)"
                : r.lowerBound <= 0 ? "year ≤ \(r.upperBound)" : "year \(r.lowerBound)–\(r.upperBound)"
        case let .authority(v): return "authority contains \"\(v)\""
        case let .type(v): return "type contains \"\(v)\""
        case let .dnr(v): return "case number = \(v) (however written)"
        case let .format(v): return "format = \(v)"
        case let .path(v): return "path contains \"\(v)\""
        case let .language(v): return "language = \(v)"
        case let .ocr(v): return v ? "text read by OCR" : "no text read by OCR"
        }
    }
}

/// A query the searcher will not run.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Parentheses nested deeper than `QueryParser.maxDepth`.
    case tooDeep(depth: Int)

    public var description: String {
        switch self {
        case let .tooDeep(depth):
            return "the query nests parentheses \(depth) deep; at most \(QueryParser.maxDepth) levels are allowed (remove some parentheses)"
        }
    }
}

/// Turns query text into a `QueryNode`.
///
/// The parser is recursive descent with bounded depth: a run of `NOT`s (or `-`) is read in a
/// loop and keeps its parity (`NOT NOT x` is `x`), and parentheses deeper than `maxDepth` are
/// read as if absent, so no input can exhaust the stack — here or in the code that walks the
/// tree. `parse` never fails; `validated` refuses a query whose parentheses nest deeper than
/// `maxDepth` (the searcher runs that one, so a flattened reading is never run silently).
public enum QueryParser {
    /// Deepest nesting of parentheses read as groups.
    public static let maxDepth = 32
    enum Token: Equatable {
        case word(String)
        case quoted(String)
        case open, close, and, or, not
        case field(String)  // `name:` directly followed by a value
    }

    static let fields: Set<String> = ["title", "body", "org", "authority", "type", "dnr", "year", "format", "path", "lang", "language", "ocr"]

    /// Parses `text`; never fails (parentheses beyond `maxDepth` are read as absent).
    public static func parse(_ text: String) -> QueryNode {
        parse(tokens: tokenize(text))
    }

    /// Parses `text`, refusing parentheses nested deeper than `maxDepth`.
    public static func validated(_ text: String) throws(QueryError) -> QueryNode {
        let tokens = tokenize(text)
        let depth = nesting(tokens)
        if depth > maxDepth { throw .tooDeep(depth: depth) }
        return parse(tokens: tokens)
    }

    /// The deepest nesting of parentheses in `tokens` (stray closing ones ignored).
    static func nesting(_ tokens: [Token]) -> Int {
        var depth = 0, deepest = 0
        for t in tokens {
            if t == .open { depth += 1; deepest = max(deepest, depth) } else if t == .close, depth > 0 { depth -= 1 }
        }
        return deepest
    }

    static func parse(tokens: [Token]) -> QueryNode {
        var parser = Parser(tokens: tokens)
        var parts: [QueryNode] = []
        // Stray closing parentheses end a group early; parse on after them.
        while parser.i < parser.tokens.count {
            if let n = parser.parseOr() { parts.append(n) } else { parser.i += 1 }
        }
        return simplify(parts.count == 1 ? parts[0] : .and(parts))
    }

    /// The tokens of `text`: words, quoted phrases, parentheses, operators and field names.
    /// Read on UTF-8 bytes when every character of `text` is one scalar a byte walk classifies
    /// as `Character` does (`tokenize(bytes:)`): below U+0300 (no combining marks) or punctuation
    /// of U+2010–U+205E without white space; otherwise character by character.
    static func tokenize(_ text: String) -> [Token] {
        var utf8 = text
        if let tokens = utf8.withUTF8({ tokenize(bytes: $0) }) { return tokens }
        var out: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c == "(" { out.append(.open); i += 1; continue }
            if c == ")" { out.append(.close); i += 1; continue }
            if c == "\"" || c == "”" || c == "“" || c == "„" {
                var j = i + 1
                while j < chars.count && !(chars[j] == "\"" || chars[j] == "”" || chars[j] == "“") { j += 1 }
                out.append(.quoted(String(chars[(i + 1)..<min(j, chars.count)])))
                i = j + 1
                continue
            }
            // A bare word: up to whitespace, a parenthesis or a quote.
            var j = i
            while j < chars.count && !chars[j].isWhitespace && chars[j] != "(" && chars[j] != ")" && chars[j] != "\"" { j += 1 }
            let word = String(chars[i..<j])
            i = j
            appendWord(word, beforeQuoteOrGroup: i < chars.count && (chars[i] == "\"" || chars[i] == "("), to: &out)
        }
        return out
    }

    /// `tokenize` on the UTF-8 of a text; nil when a character is not one scalar of the kinds
    /// named there, or is white space above U+00A0 (the caller then reads characters).
    static func tokenize(bytes b: UnsafeBufferPointer<UInt8>) -> [Token]? {
        let n = b.count
        // Only one-scalar characters the byte walk below classifies as `Character` does.
        var k = 0
        while k < n {
            let c = b[k]
            if c < 0x80 { k += 1 } else if c < 0xCC { k += 2 } else if c == 0xE2, k + 2 < n,
                (b[k + 1] == 0x80 && ((0x90...0xA7).contains(b[k + 2]) || b[k + 2] >= 0xB0)) || (b[k + 1] == 0x81 && b[k + 2] <= 0x9E) {
                k += 3
            } else { return nil }
        }
        // White space (Unicode White_Space below U+0300): its length at `i`, or 0.
        func space(_ i: Int) -> Int {
            let c = b[i]
            if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return 1 }
            return c == 0xC2 && i + 1 < n && (b[i + 1] == 0x85 || b[i + 1] == 0xA0) ? 2 : 0
        }
        // A quotation mark at `i` (", “, ”; `opening` also „): its length, or 0.
        func quote(_ i: Int, opening: Bool) -> Int {
            if b[i] == UInt8(ascii: "\"") { return 1 }
            guard b[i] == 0xE2, i + 2 < n, b[i + 1] == 0x80 else { return 0 }
            return b[i + 2] == 0x9C || b[i + 2] == 0x9D || (opening && b[i + 2] == 0x9E) ? 3 : 0
        }
        func length(_ i: Int) -> Int { b[i] < 0x80 ? 1 : b[i] < 0xE0 ? 2 : 3 }
        func string(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) }
        var out: [Token] = []
        var i = 0
        while i < n {
            let w = space(i)
            if w > 0 { i += w; continue }
            if b[i] == UInt8(ascii: "(") { out.append(.open); i += 1; continue }
            if b[i] == UInt8(ascii: ")") { out.append(.close); i += 1; continue }
            let q = quote(i, opening: true)
            if q > 0 {
                var j = i + q
                while j < n && quote(j, opening: false) == 0 { j += length(j) }
                out.append(.quoted(string((i + q)..<j)))
                i = j < n ? j + quote(j, opening: false) : n
                continue
            }
            // A bare word: up to whitespace, a parenthesis or a quote.
            var j = i
            while j < n && space(j) == 0 && b[j] != UInt8(ascii: "(") && b[j] != UInt8(ascii: ")") && b[j] != UInt8(ascii: "\"") { j += length(j) }
            let word = string(i..<j)
            i = j
            appendWord(word, beforeQuoteOrGroup: i < n && (b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "(")), to: &out)
        }
        return out
    }

    /// The tokens of a bare word (`beforeQuoteOrGroup`: a quotation mark or a parenthesis
    /// follows it directly): an operator, a negation, a field name and its value, or a word.
    private static func appendWord(_ word: String, beforeQuoteOrGroup: Bool, to out: inout [Token]) {
        var word = word
        if word == "AND" || word == "&&" { out.append(.and); return }
        if word == "OR" || word == "||" { out.append(.or); return }
        if word == "NOT" { out.append(.not); return }
        // A minus directly before a word, a field filter, a phrase or a group is NOT of
        // it (`-org:x` is `NOT org:x`); before a digit it is a sign or a range.
        if word == "-", beforeQuoteOrGroup {
            out.append(.not)
            return
        }
        if word.hasPrefix("-") && word.count > 1 && !(word.dropFirst().first?.isNumber ?? false) {
            out.append(.not)
            word.removeFirst()
        }
        if let colon = word.firstIndex(of: ":"), colon != word.startIndex {
            let name = word[..<colon].lowercased()
            if fields.contains(name) {
                let rest = String(word[word.index(after: colon)...])
                out.append(.field(name))
                if !rest.isEmpty { out.append(.word(rest)) }
                return
            }
        }
        out.append(.word(word))
    }

    struct Parser {
        var tokens: [Token]
        var i = 0
        /// Groups open around the token being read.
        var depth = 0

        mutating func parseOr() -> QueryNode? {
            var parts: [QueryNode] = []
            while i < tokens.count {
                if tokens[i] == .close { if parts.isEmpty { i += 1; continue } else { break } }
                if tokens[i] == .or { i += 1; continue }
                guard let a = parseAnd() else { break }
                parts.append(a)
                if i < tokens.count && tokens[i] == .or { i += 1 } else { break }
            }
            if parts.isEmpty { return nil }
            return parts.count == 1 ? parts[0] : .or(parts)
        }

        mutating func parseAnd() -> QueryNode? {
            var parts: [QueryNode] = []
            while i < tokens.count {
                let t = tokens[i]
                if t == .or || t == .close { break }
                if t == .and { i += 1; continue }
                if let u = parseUnary() { parts.append(u) }
            }
            if parts.isEmpty { return nil }
            return parts.count == 1 ? parts[0] : .and(parts)
        }

        mutating func parseUnary() -> QueryNode? {
            var negations = 0
            while i < tokens.count && tokens[i] == .not { negations += 1; i += 1 }
            guard let inner = parsePrimary() else { return nil }
            return negations % 2 == 1 ? .not(inner) : inner
        }

        mutating func parsePrimary() -> QueryNode? {
            guard i < tokens.count else { return nil }
            let t = tokens[i]
            i += 1
            switch t {
            case .open:
                // Beyond maxDepth a parenthesis opens no group (its closing one is then stray).
                // A loop, not recursion: `NOT ( NOT ( …` may go on for thousands of tokens.
                if depth >= QueryParser.maxDepth {
                    var negations = 0
                    while i < tokens.count && (tokens[i] == .open || tokens[i] == .not) {
                        if tokens[i] == .not { negations += 1 }
                        i += 1
                    }
                    guard i < tokens.count, let inner = parsePrimary() else { return nil }
                    return negations % 2 == 1 ? .not(inner) : inner
                }
                depth += 1
                defer { depth -= 1 }
                let inner = parseOr()
                if i < tokens.count && tokens[i] == .close { i += 1 }
                return inner
            case .close, .and, .or, .not:
                return nil
            case let .quoted(text):
                return .phrase(text, field: nil)
            case let .word(w):
                return QueryParser.word(w, field: nil)
            case let .field(name):
                guard i < tokens.count else { return .words(name, field: nil) }
                let value: String
                var quoted = false
                switch tokens[i] {
                case let .word(w): value = w
                case let .quoted(q): value = q; quoted = true
                default: return .words(name, field: nil)
                }
                i += 1
                return QueryParser.fieldNode(name, value, quoted: quoted)
            }
        }
    }

    static func word(_ w: String, field: QueryNode.TextField?) -> QueryNode {
        if w.hasSuffix("*") && w.count > 1 {
            let stem = String(w.dropLast()).trimmingCharacters(in: CharacterSet(charactersIn: "*"))
            if !stem.isEmpty { return .prefix(stem, field: field) }
        }
        return .words(w, field: field)
    }

    static func fieldNode(_ name: String, _ value: String, quoted: Bool) -> QueryNode {
        switch name {
        case "title": return quoted ? .phrase(value, field: .title) : word(value, field: .title)
        case "body": return quoted ? .phrase(value, field: .body) : word(value, field: .body)
        case "org", "authority": return .filter(.authority(value))
        case "type": return .filter(.type(value.lowercased()))
        case "dnr": return .filter(.dnr(value))
        case "format": return .filter(.format(value.lowercased()))
        case "path": return .filter(.path(value))
        case "lang", "language": return .filter(.language(value.lowercased()))
        case "ocr":
            switch value.lowercased() {
            case "yes", "ja", "true", "1": return .filter(.ocr(true))
            case "no", "nej", "false", "0": return .filter(.ocr(false))
            default: return .words(name + ":" + value, field: nil)
            }
        case "year":
            if let r = yearRange(value) { return .filter(.year(r)) }
            return .words(value, field: nil)
        default: return .words(name + ":" + value, field: nil)
        }
    }

    /// `2015`, `2015..2021`, `2015-2021`, `>=2018`, `>2018`, `<=2020`, `<2020`.
    static func yearRange(_ v: String) -> ClosedRange<Int>? {
        let s = v.trimmingCharacters(in: .whitespaces)
        func year(_ t: Substring) -> Int? { Int(t).flatMap { (1000...9999).contains($0) ? $0 : nil } }
        if s.hasPrefix(">=") { return year(s.dropFirst(2)).map { $0...9999 } }
        if s.hasPrefix("<=") { return year(s.dropFirst(2)).map { 0...$0 } }
        if s.hasPrefix(">") { return year(s.dropFirst(1)).map { ($0 + 1)...9999 } }
        if s.hasPrefix("<") { return year(s.dropFirst(1)).map { 0...($0 - 1) } }
        // Open ranges: `2015..` (from 2015 on), `..2021` (up to 2021).
        if s.hasSuffix(".."), let a = year(s.dropLast(2)) { return a...9999 }
        if s.hasPrefix(".."), let b = year(s.dropFirst(2)) { return 0...b }
        for sep in ["..", "-", "–"] {
            let parts = s.components(separatedBy: sep)
            if parts.count == 2, let a = year(Substring(parts[0])), let b = year(Substring(parts[1])) { return min(a, b)...max(a, b) }
        }
        return year(Substring(s)).map { $0...$0 }
    }

    /// Flattens nested ANDs/ORs and drops empty groups.
    static func simplify(_ n: QueryNode) -> QueryNode {
        switch n {
        case let .and(parts):
            let flat = parts.map(simplify).flatMap { p -> [QueryNode] in if case let .and(x) = p { return x } else { return [p] } }
            return flat.count == 1 ? flat[0] : .and(flat)
        case let .or(parts):
            let flat = parts.map(simplify).flatMap { p -> [QueryNode] in if case let .or(x) = p { return x } else { return [p] } }
            return flat.count == 1 ? flat[0] : .or(flat)
        case let .not(inner): return .not(simplify(inner))
        default: return n
        }
    }
}

import Foundation
