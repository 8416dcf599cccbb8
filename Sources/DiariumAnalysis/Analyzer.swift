/// A term produced by the analyzer: the unit that is indexed and searched.
public struct AnalyzedToken {
    /// The indexed form (lowercased, normalised, stemmed, s-normalised), UTF-8, valid only
    /// during the callback.
    public let term: UnsafeRawBufferPointer
    /// FNV-1a (32 bit) of `term`: the function `TermTable.hash` of the index is, so the index
    /// need not hash the term again (the analyzer caches it with the word's stem).
    public let termHash: UInt32
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
    private var partsBuffer: [UInt8] = []
    private let cache: StemCache

    /// Splits compounds into parts (Swedish only; nil when no word list is installed).
    public let compounds: CompoundSplitter?

    /// An analyzer stemming with the Snowball algorithm for `language` (default Swedish). Swedish
    /// analyzers also emit the parts of compound words (`TokenKind.part`) when `splitCompounds`
    /// is set and the system word list is installed.
    public convenience init(language: String = "swedish", splitCompounds: Bool = true) throws {
        try self.init(language: language, splitCompounds: splitCompounds, cachedWords: 1 << 18)
    }

    /// `cachedWords`: how many distinct words the stem cache holds before it starts over (a
    /// power of two). Ingest analyses whole documents and keeps the default; a searcher
    /// analyses a query and a page of snippet windows, and a smaller cache spares a fresh
    /// process the page faults of touching megabytes of cache (`StemCache`).
    public init(language: String, splitCompounds: Bool, cachedWords: Int) throws {
        self.language = language
        stemmer = try Stemmer(algorithm: language)
        compounds = splitCompounds && language == "swedish" ? CompoundSplitter.shared : nil
        var n = 64
        while n < cachedWords { n <<= 1 }
        cache = StemCache(maxEntries: n)
    }

    /// Bytes this analyzer's stem cache can hold at most (the compound word list is one per
    /// process, shared by every analyzer, and not counted here): for the ingest's memory budget.
    public var cacheCapacityBytes: Int { cache.capacityBytes }

    /// Whether every term is a prefix of its token's lowercased word (`AnalyzedToken.word`):
    /// Swedish Snowball only removes suffixes (and `löst` → `lös`, `fullt` → `full`), and the
    /// s-normalisation one more `s`; numbers and joined forms are indexed as written. So a word
    /// that starts with none of a query's terms cannot match one (`AnalyzerTests` checks the
    /// Swedish word list). Other languages' stemmers may rewrite (English `happy` → `happi`).
    public var termsArePrefixesOfWords: Bool { language == "swedish" }

    /// The indexed term of a lowercased word, stemmed and s-normalised, without the cache.
    func stemmedTerm(_ word: String) -> String {
        var w = word
        return w.withUTF8 { buf -> String in
            let termCount = stemIntoBuffer(UnsafeRawBufferPointer(buf))
            return String(decoding: stemBuffer[0 ..< termCount], as: UTF8.self)
        }
    }

    /// Calls `body` with every token of the UTF-8 `text`. `stemming`, when given, is asked
    /// with each token's lowercased word first: a token it declines is given as written
    /// (`term` = `word`, not stemmed, no parts), which spares a snippet the stemming of words
    /// that cannot match (`Snippets.words`).
    public func analyze(_ text: UnsafeRawBufferPointer, stemming: ((UnsafeRawBufferPointer) -> Bool)? = nil,
                        _ body: (AnalyzedToken) -> Void) {
        var position: UInt32 = 0
        let cache = self.cache
        // A word standing before a suspended hyphen (`risk-` in `risk- och sårbarhetsanalys`).
        var suspended: (word: String, position: UInt32, start: Int, end: Int, left: Int)?
        tokenizer.tokenize(text) { raw in
            let pos = position
            if raw.kind == .word { position &+= 1 }
            // Numbers, case numbers, addresses and URLs are indexed as written; only words and
            // letter-only joined forms (`pulbedömning`) are stemmed.
            guard Analyzer.hasLetter(raw.word), !(raw.kind == .joined && Analyzer.hasDigitOrPunctuation(raw.word)),
                  stemming?(raw.word) ?? true else {
                body(AnalyzedToken(term: raw.word, termHash: StemCache.hash(raw.word), word: raw.word, stem: raw.word, kind: raw.kind,
                                   position: pos, start: raw.start, end: raw.end))
                return
            }
            // One probe for a word seen before (nearly every token: text is Zipfian).
            guard let hit = cache.lookup(raw.word) ?? self.learn(raw.word) else {
                body(AnalyzedToken(term: raw.word, termHash: StemCache.hash(raw.word), word: raw.word, stem: raw.word, kind: raw.kind,
                                   position: pos, start: raw.start, end: raw.end))
                return
            }
            if raw.kind == .word && compounds != nil {
                let end = raw.end
                if end + 1 < text.count, text[end] == UInt8(ascii: "-"), text[end + 1] == UInt8(ascii: " ") || text[end + 1] == 0x0A {
                    suspended = (String(decoding: raw.word, as: UTF8.self), pos, raw.start, raw.end, 3)
                } else {
                    // Parts blob: per part, UInt8 length + word, UInt8 length + term, the term's hash.
                    var i = 0
                    var head: UnsafeRawBufferPointer?
                    let blob = hit.parts
                    while i < blob.count {
                        let wl = Int(blob[i])
                        let word = UnsafeRawBufferPointer(rebasing: blob[(i + 1)..<(i + 1 + wl)])
                        let tl = Int(blob[i + 1 + wl])
                        let term = UnsafeRawBufferPointer(rebasing: blob[(i + 2 + wl)..<(i + 2 + wl + tl)])
                        let termHash = UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: i + 2 + wl + tl, as: UInt32.self))
                        body(AnalyzedToken(term: term, termHash: termHash, word: word, stem: term, kind: .part,
                                           position: pos, start: raw.start, end: raw.end))
                        head = word
                        i += 6 + wl + tl
                    }
                    if var s = suspended {
                        if let head {
                            // `risk-` + head of `sårbarhetsanalys` → `riskanalys`.
                            let whole = s.word + String(decoding: head, as: UTF8.self)
                            Analyzer.emit(self.stemmedTerm(whole), whole, .part, s.position, s.start, s.end, body)
                            suspended = nil
                        } else {
                            s.left -= 1
                            suspended = s.left > 0 ? s : nil
                        }
                    }
                }
            }
            body(AnalyzedToken(term: hit.term, termHash: hit.termHash, word: raw.word, stem: hit.stem, kind: raw.kind,
                               position: pos, start: raw.start, end: raw.end))
        }
    }

    /// Stems `word`, splits it when it is a compound, and caches both; returns the new entry
    /// (nil only if the cache cannot hold it). On bytes, in buffers this analyzer keeps (no
    /// `String` or array per new word or part).
    private func learn(_ word: UnsafeRawBufferPointer) -> StemCache.Entry? {
        // Parts blob: per part, UInt8 length + word, UInt8 length + term, the term's
        // `TermTable.hash` (UInt32, unaligned; see `analyze`).
        partsBuffer.removeAll(keepingCapacity: true)
        if let compounds, word.count >= CompoundSplitter.minimumWordLength {
            func append(_ part: UnsafeRawBufferPointer, _ term: UnsafeRawBufferPointer, _ hash: UInt32) {
                partsBuffer.append(UInt8(part.count))
                partsBuffer.append(contentsOf: part)
                partsBuffer.append(UInt8(term.count))
                partsBuffer.append(contentsOf: term)
                withUnsafeBytes(of: hash.littleEndian) { partsBuffer.append(contentsOf: $0) }
            }
            _ = compounds.withParts(ofUTF8: word) { part in
                guard part.count < 256 else { return }
                // A part already seen as a word has its term in the cache (the same stemming,
                // `stemIntoBuffer`): no stemmer call.
                if let known = cache.lookup(part) {
                    if known.term.count < 256 { append(part, known.term, known.termHash) }
                    return
                }
                let termCount = stemIntoBuffer(part)
                guard termCount < 256 else { return }
                stemBuffer.withUnsafeBytes { s in
                    let term = UnsafeRawBufferPointer(rebasing: s[0 ..< termCount])
                    append(part, term, StemCache.hash(term))
                }
            }
        }
        let termCount = stemIntoBuffer(word)
        return stemBuffer.withUnsafeBytes { stem in
            partsBuffer.withUnsafeBytes { cache.insert(word, stem: stem, termCount: termCount, parts: $0) }
        }
    }

    /// Stems `word` into `stemBuffer` and returns the length of its term there: the stem, less a
    /// final `s` when stemming the stem again removes only that `s` (the s-normalisation).
    private func stemIntoBuffer(_ word: UnsafeRawBufferPointer) -> Int {
        stemmer.stem(word) { s in
            stemBuffer.removeAll(keepingCapacity: true)
            stemBuffer.append(contentsOf: s)
        }
        let n = stemBuffer.count
        guard n > 3, stemBuffer[n - 1] == UInt8(ascii: "s") else { return n }
        // The stemmer's output lives in the stemmer until its next call: compared inside it.
        let onlyS = stemBuffer.withUnsafeBytes { b in
            stemmer.stem(b) { again in again.count == n - 1 && again.elementsEqual(b.prefix(n - 1)) }
        }
        return onlyS ? n - 1 : n
    }

    private static func emit(_ term: String, _ word: String, _ kind: TokenKind, _ position: UInt32, _ start: Int, _ end: Int,
                             _ body: (AnalyzedToken) -> Void) {
        var t = term, w = word
        t.withUTF8 { tb in
            w.withUTF8 { wb in
                body(AnalyzedToken(term: UnsafeRawBufferPointer(tb), termHash: StemCache.hash(UnsafeRawBufferPointer(tb)),
                                   word: UnsafeRawBufferPointer(wb), stem: UnsafeRawBufferPointer(tb),
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
