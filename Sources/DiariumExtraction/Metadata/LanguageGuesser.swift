/// Tells Swedish from English by counting their commonest function words.
enum LanguageGuesser {
    static let swedish: Set<String> = ["och", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har", "de", "inte", "om", "ett", "kan", "vid", "eller", "från", "ska", "enligt", "samt"]
    static let english: Set<String> = ["the", "and", "of", "to", "in", "is", "that", "for", "it", "with", "as", "on", "be", "by", "this", "are", "or", "from", "which", "shall"]

    static func guess(_ text: String) -> String? {
        var sv = 0, en = 0
        for w in text.prefix(4_000).lowercased().split(whereSeparator: { !$0.isLetter }) {
            let s = String(w)
            if swedish.contains(s) { sv += 1 } else if english.contains(s) { en += 1 }
        }
        guard sv + en >= 3 else { return nil }
        return sv >= en ? "sv" : "en"
    }
}
