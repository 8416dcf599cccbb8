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

    static func tokenize(_ text: String) -> [Token] {
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
            var word = String(chars[i..<j])
            i = j
            if word == "AND" || word == "&&" { out.append(.and); continue }
            if word == "OR" || word == "||" { out.append(.or); continue }
            if word == "NOT" { out.append(.not); continue }
            // A minus directly before a word, a field filter, a phrase or a group is NOT of
            // it (`-org:x` is `NOT org:x`); before a digit it is a sign or a range.
            if word == "-", i < chars.count, chars[i] == "\"" || chars[i] == "(" {
                out.append(.not)
                continue
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
                    continue
                }
            }
            out.append(.word(word))
        }
        return out
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
