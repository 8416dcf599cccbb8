/// A term produced by the analyzer: the unit that is indexed and searched.
public struct AnalyzedToken {
    /// The indexed form (lowercased, normalised, stemmed, s-normalised), UTF-8, valid only
    /// during the callback.
    public let term: UnsafeRawBufferPointer
    /// The word before stemming (lowercased, normalised).
    public let word: UnsafeRawBufferPointer
    /// The linked libstemmer's stem of `word` (equal to `word` for numbers and joined case numbers).
    public let stem: UnsafeRawBufferPointer
    /// Word, joined form or compound part.
    public let kind: TokenKind
    /// Token position (0, 1, 2, … per word; joined forms share the position of their first word).
    public let position: UInt32
    /// Byte offsets of the token in the source text, for snippets.
    public let start: Int
    public let end: Int
}

/// The text analysis chain used for indexing, querying and snippets alike: tokenize →
/// lowercase and normalise → Snowball stem → s-normalise.
///
/// Snowball's Swedish stemmer removes one suffix, so `riskanalys` stems to `riskanaly` but
/// `riskanalysen` to `riskanalys`. The analyzer stems a stem that ends in `s` once more and keeps
/// the result when that only removed the `s`; both words then index as `riskanaly`.
///
/// Stop words are indexed like any word (positions stay exact for phrases); the search treats
/// them as optional query words (see `Stopwords`). Not thread-safe: one analyzer per thread.
public final class Analyzer {
    /// The stemming language (a Snowball algorithm name).
    public let language: String
    private let stemmer: Stemmer
    private var tokenizer = Tokenizer()
    private var stemBuffer: [UInt8] = []
    private let cache = StemCache()

    /// Splits compounds into parts (Swedish only; nil when no word list is installed).
    public let compounds: CompoundSplitter?
    private var splitCache: [String: [String]] = [:]

    /// An analyzer stemming with the Snowball algorithm for `language` (default Swedish). Swedish
    /// analyzers also emit the parts of compound words (`TokenKind.part`) when `splitCompounds`
    /// is set and the system word list is installed.
    public init(language: String = "swedish", splitCompounds: Bool = true) throws {
        self.language = language
        stemmer = try Stemmer(algorithm: language)
        compounds = splitCompounds && language == "swedish" ? CompoundSplitter.shared : nil
    }

    /// The compound parts of a lowercased word, cached; empty when it is not a compound.
    func parts(of word: UnsafeRawBufferPointer) -> [String] {
        guard let compounds, word.count >= CompoundSplitter.minimumWordLength else { return [] }
        let w = String(decoding: word, as: UTF8.self)
        if let cached = splitCache[w] { return cached }
        let parts = compounds.split(w) ?? []
        if splitCache.count > 200_000 { splitCache.removeAll(keepingCapacity: true) }
        splitCache[w] = parts
        return parts
    }

    /// The indexed term of a lowercased word, stemmed and s-normalised, without the cache.
    func stemmedTerm(_ word: String) -> String {
        var w = word
        return w.withUTF8 { buf -> String in
            let stem = stemmer.stem(UnsafeRawBufferPointer(buf)) { Array($0) }
            if stem.count > 3, stem.last == UInt8(ascii: "s") {
                let again = stem.withUnsafeBytes { b in stemmer.stem(b) { Array($0) } }
                if again.count == stem.count - 1 && again.elementsEqual(stem.dropLast()) { return String(decoding: again, as: UTF8.self) }
            }
            return String(decoding: stem, as: UTF8.self)
        }
    }

    /// Calls `body` with every token of the UTF-8 `text`.
    public func analyze(_ text: UnsafeRawBufferPointer, _ body: (AnalyzedToken) -> Void) {
        var position: UInt32 = 0
        let cache = self.cache
        // A word standing before a suspended hyphen (`risk-` in `risk- och sårbarhetsanalys`).
        var suspended: (word: String, position: UInt32, start: Int, end: Int, left: Int)?
        tokenizer.tokenize(text) { raw in
            let pos = position
            if raw.kind == .word { position &+= 1 }
            if raw.kind == .word && compounds != nil {
                let end = raw.end
                if end + 1 < text.count, text[end] == UInt8(ascii: "-"), text[end + 1] == UInt8(ascii: " ") {
                    suspended = (String(decoding: raw.word, as: UTF8.self), pos, raw.start, raw.end, 3)
                } else {
                    let parts = self.parts(of: raw.word)
                    for p in parts {
                        let term = self.stemmedTerm(p)
                        Analyzer.emit(term, p, .part, pos, raw.start, raw.end, body)
                    }
                    if var s = suspended {
                        if let head = parts.last {
                            // `risk-` + head of `sårbarhetsanalys` → `riskanalys`.
                            let whole = s.word + head
                            Analyzer.emit(self.stemmedTerm(whole), whole, .part, s.position, s.start, s.end, body)
                            suspended = nil
                        } else {
                            s.left -= 1
                            suspended = s.left > 0 ? s : nil
                        }
                    }
                }
            }
            // Numbers, case numbers, addresses and URLs are indexed as written; only words and
            // letter-only joined forms (`pulbedömning`) are stemmed.
            guard Analyzer.hasLetter(raw.word), !(raw.kind == .joined && Analyzer.hasDigitOrPunctuation(raw.word)) else {
                body(AnalyzedToken(term: raw.word, word: raw.word, stem: raw.word, kind: raw.kind, position: pos, start: raw.start, end: raw.end))
                return
            }
            if let hit = cache.lookup(raw.word) {
                body(AnalyzedToken(term: hit.term, word: raw.word, stem: hit.stem, kind: raw.kind, position: pos, start: raw.start, end: raw.end))
                return
            }
            self.stemmer.stem(raw.word) { s in
                self.stemBuffer.removeAll(keepingCapacity: true)
                self.stemBuffer.append(contentsOf: s)
            }
            var termCount = self.stemBuffer.count
            if let last = self.stemBuffer.last, last == UInt8(ascii: "s"), self.stemBuffer.count > 3 {
                let again = self.stemBuffer.withUnsafeBytes { b in self.stemmer.stem(b) { Array($0) } }
                if again.count == self.stemBuffer.count - 1 && again.elementsEqual(self.stemBuffer.dropLast()) {
                    termCount -= 1
                }
            }
            self.stemBuffer.withUnsafeBytes { stem in
                cache.insert(raw.word, stem: stem, termCount: termCount)
                body(AnalyzedToken(term: UnsafeRawBufferPointer(rebasing: stem[0..<termCount]), word: raw.word, stem: stem,
                                   kind: raw.kind, position: pos, start: raw.start, end: raw.end))
            }
        }
    }

    private static func emit(_ term: String, _ word: String, _ kind: TokenKind, _ position: UInt32, _ start: Int, _ end: Int,
                             _ body: (AnalyzedToken) -> Void) {
        var t = term, w = word
        t.withUTF8 { tb in
            w.withUTF8 { wb in
                body(AnalyzedToken(term: UnsafeRawBufferPointer(tb), word: UnsafeRawBufferPointer(wb), stem: UnsafeRawBufferPointer(tb),
                                   kind: kind, position: position, start: start, end: end))
            }
        }
    }

    /// Calls `body` with every token of `text`.
    public func analyze(_ text: String, _ body: (AnalyzedToken) -> Void) {
        var t = text
        t.withUTF8 { analyze(UnsafeRawBufferPointer($0), body) }
    }

    /// The indexed terms of `text`, in order (joined forms included).
    public func terms(_ text: String) -> [String] {
        var out: [String] = []
        analyze(text) { out.append(String(decoding: $0.term, as: UTF8.self)) }
        return out
    }

    /// The indexed term of one word (the first word's term if `word` holds several).
    public func term(ofWord word: String) -> String? {
        var out: String?
        analyze(word) { t in if out == nil && t.kind == .word { out = String(decoding: t.term, as: UTF8.self) } }
        return out
    }

    @inline(__always)
    static func hasLetter(_ word: UnsafeRawBufferPointer) -> Bool {
        for b in word where b >= 0x80 || (b >= 0x61 && b <= 0x7A) { return true }
        return false
    }

    @inline(__always)
    static func hasDigitOrPunctuation(_ word: UnsafeRawBufferPointer) -> Bool {
        for b in word where b < 0x61 || (b > 0x7A && b < 0x80) { return true }
        return false
    }

    /// The diacritic-folded form of a lowercased word (å, ä → a; ö → o; é → e), for the
    /// query-time fallback that lets `orebro` find `örebro`. Never indexed.
    public static func fold(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        for s in word.unicodeScalars {
            switch s {
            case "å", "ä", "à", "á", "â": out.append("a")
            case "ö", "ò", "ó", "ô": out.append("o")
            case "é", "è", "ê", "ë": out.append("e")
            case "ü", "ú", "ù": out.append("u")
            default: out.append(s)
            }
        }
        return String(out)
    }
}
