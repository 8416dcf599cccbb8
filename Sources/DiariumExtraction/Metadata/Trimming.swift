extension StringProtocol {
    /// The string without leading and trailing whitespace (line breaks included). Standard
    /// library only: Foundation's `trimmingCharacters(in:)` bridges through NSString.
    func trimmed() -> String {
        let s = unicodeScalars
        guard let first = s.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = s.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(s[first...last]))
    }

    /// The string without leading and trailing characters from `characters`.
    func trimmed(_ characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        let s = unicodeScalars
        guard let first = s.firstIndex(where: { !set.contains($0) }),
              let last = s.lastIndex(where: { !set.contains($0) }) else { return "" }
        return String(String.UnicodeScalarView(s[first...last]))
    }
}
