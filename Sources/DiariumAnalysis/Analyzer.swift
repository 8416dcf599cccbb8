/// A term produced by the analyzer: the unit that is indexed and searched.
public struct AnalyzedToken {
    /// The indexed form (lowercased, normalised, stemmed), UTF-8, valid only during the callback.
    public let term: UnsafeRawBufferPointer
    /// The word before stemming (lowercased, normalised).
    public let word: UnsafeRawBufferPointer
    /// Token position (0, 1, 2, … per word), for phrases and proximity.
    public let position: UInt32
    /// Byte offsets of the word in the source text, for snippets.
    public let start: Int
    public let end: Int
}

/// The text analysis chain used for both indexing and querying: tokenize → lowercase and
/// normalise → Snowball stem. Stop words are indexed like any word (their weight is left to
/// BM25's idf, and phrases keep exact positions). Not thread-safe: one analyzer per thread.
public final class Analyzer {
    /// The stemming language.
    public let language: String
    private let stemmer: Stemmer
    private var tokenizer = Tokenizer()

    /// An analyzer stemming with the Snowball algorithm for `language` (default Swedish).
    public init(language: String = "swedish") throws {
        self.language = language
        stemmer = try Stemmer(algorithm: language)
    }

    /// Calls `body` with every token of the UTF-8 `text`.
    public func analyze(_ text: UnsafeRawBufferPointer, _ body: (AnalyzedToken) -> Void) {
        var position: UInt32 = 0
        let stemmer = self.stemmer
        tokenizer.tokenize(text) { raw in
            if Analyzer.hasLetter(raw.word) {
                stemmer.stem(raw.word) { stem in
                    body(AnalyzedToken(term: stem, word: raw.word, position: position, start: raw.start, end: raw.end))
                }
            } else {
                body(AnalyzedToken(term: raw.word, word: raw.word, position: position, start: raw.start, end: raw.end))
            }
            position &+= 1
        }
    }

    /// Calls `body` with every token of `text`.
    public func analyze(_ text: String, _ body: (AnalyzedToken) -> Void) {
        var t = text
        t.withUTF8 { analyze(UnsafeRawBufferPointer($0), body) }
    }

    /// The indexed terms of `text`, in order.
    public func terms(_ text: String) -> [String] {
        var out: [String] = []
        analyze(text) { out.append(String(decoding: $0.term, as: UTF8.self)) }
        return out
    }

    @inline(__always)
    static func hasLetter(_ word: UnsafeRawBufferPointer) -> Bool {
        for b in word where b >= 0x80 || (b >= 0x61 && b <= 0x7A) { return true }
        return false
    }
}
