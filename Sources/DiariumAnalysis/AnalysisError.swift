/// Failures of the analysis module.
public enum AnalysisError: Error, CustomStringConvertible, Equatable {
    /// libstemmer has no stemmer for the language.
    case stemmerUnavailable(language: String)

    public var description: String {
        switch self {
        case let .stemmerUnavailable(language):
            return "no Snowball stemmer for language '\(language)' in the linked libstemmer (install libstemmer-dev)"
        }
    }
}
