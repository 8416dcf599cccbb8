/// Tells Swedish from English by counting their commonest function words.
enum LanguageGuesser {
    static let swedishWords = ["och", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har", "de", "inte",
                               "om", "ett", "kan", "vid", "eller", "från", "ska", "enligt", "samt"]
    static let englishWords = ["the", "and", "of", "to", "in", "is", "that", "for", "it", "with", "as", "on", "be", "by", "this", "are",
                               "or", "from", "which", "shall"]
    /// Both languages' function words by `key`: 1 Swedish, 2 English (no word is in both).
    static let table = KeyTable(swedishWords.map { (key($0), 1) } + englishWords.map { (key($0), 2) })

    /// A fixed open-addressing table from packed words to a small value (0: absent), probed
    /// with one multiply: `Set<UInt64>`'s SipHash was most of `count`'s time.
    struct KeyTable: Sendable {
        private var keys = [UInt64](repeating: 0, count: 256)
        private var values = [UInt8](repeating: 0, count: 256)

        init(_ entries: [(UInt64, UInt8)]) {
            for (k, v) in entries {
                var i = KeyTable.slot(k)
                while keys[i] != 0 { i = (i + 1) & 255 }
                keys[i] = k
                values[i] = v
            }
        }

        @inline(__always)
        static func slot(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 56) }

        /// The value of `k` (never 0), or 0.
        @inline(__always)
        func value(_ k: UInt64) -> UInt8 {
            var i = KeyTable.slot(k)
            while true {
                let x = keys[i]
                if x == k { return values[i] }
                if x == 0 { return 0 }
                i = (i + 1) & 255
            }
        }
    }
    /// Characters of the text that are read.
    static let sample = 4_000

    /// A word of at most 8 UTF-8 bytes packed into an integer.
    static func key(_ word: String) -> UInt64 {
        var k: UInt64 = 0
        for (i, b) in word.utf8.prefix(8).enumerated() { k |= UInt64(b) << (8 * UInt64(i)) }
        return k
    }

    /// `sv`, `en`, or nil when the first `sample` characters hold fewer than three function words.
    static func guess(_ text: String) -> String? {
        var text = text
        let (sv, en) = text.withUTF8(count)
        guard sv + en >= 3 else { return nil }
        return sv >= en ? "sv" : "en"
    }

    /// Function words of each language among the words (runs of letters, lowercased) of `b`.
    static func count(_ b: UnsafeBufferPointer<UInt8>) -> (sv: Int, en: Int) {
        var sv = 0, en = 0
        let table = LanguageGuesser.table
        var k: UInt64 = 0, length = 0          // the current word, packed; length 9 = too long to match
        func add(_ byte: UInt8) {
            if length < 8 { k |= UInt64(byte) << (8 * UInt64(length)) }
            length = min(length + 1, 9)
        }
        func end() {
            if length > 0 && length <= 8 {
                switch table.value(k) {
                case 1: sv += 1
                case 2: en += 1
                default: break
                }
            }
            k = 0
            length = 0
        }
        var i = 0, characters = 0
        while i < b.count && characters < sample {
            let c = b[i]
            characters += 1
            if c < 0x80 {
                i += 1
                if c >= 0x41 && c <= 0x5A { add(c | 0x20) } else if c >= 0x61 && c <= 0x7A { add(c) } else { end() }
                continue
            }
            let n = UTF8Scan.sequenceLength(c)   // a lead byte: the text is valid UTF-8
            guard i + n <= b.count else { break }
            if c == 0xC3 {
                // Latin-1 letters U+00C0–U+00FF but × and ÷; capitals U+00C0–U+00DE lowercased.
                let c1 = b[i + 1]
                if c1 == 0x97 || c1 == 0xB7 { end() } else { add(c); add(UTF8Scan.lowerLatin1(c1, afterC3: true)) }
            } else if Character(UTF8Scan.scalar(b, at: i).0).isLetter {    // valid UTF-8: the scalar of these n bytes
                length = 9                      // a letter no function word has
            } else {
                end()
            }
            i += n
        }
        end()
        return (sv, en)
    }
}
