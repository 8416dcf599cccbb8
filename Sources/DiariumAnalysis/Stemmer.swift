import CStemmer

/// A Snowball stemmer from the linked libstemmer. Not thread-safe: one per thread.
/// The only file that imports the libstemmer C API.
public final class Stemmer {
    private let handle: OpaquePointer
    /// The Snowball algorithm name, e.g. `swedish`.
    public let algorithm: String

    /// A stemmer for `algorithm` (`swedish`, `english`, or an ISO 639 code).
    public init(algorithm: String) throws {
        guard let h = sb_stemmer_new(algorithm, "UTF_8") else {
            throw AnalysisError.stemmerUnavailable(language: algorithm)
        }
        handle = h
        self.algorithm = algorithm
    }

    deinit { sb_stemmer_delete(handle) }

    /// Stems the UTF-8 word in `word` and calls `body` with the stem's bytes, which are valid
    /// only during the call.
    @inline(__always)
    public func stem<R>(_ word: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let bound = word.bindMemory(to: sb_symbol.self)
        guard let out = sb_stemmer_stem(handle, bound.baseAddress, Int32(word.count)) else {
            return body(word)  // out of memory inside libstemmer: index the unstemmed word
        }
        let n = Int(sb_stemmer_length(handle))
        return body(UnsafeRawBufferPointer(start: out, count: n))
    }

    /// The stem of `word`.
    public func stem(_ word: String) -> String {
        var w = word
        return w.withUTF8 { buf in
            stem(UnsafeRawBufferPointer(buf)) { String(decoding: $0, as: UTF8.self) }
        }
    }
}
