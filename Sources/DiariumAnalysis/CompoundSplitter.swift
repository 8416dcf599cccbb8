#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Splits Swedish compounds into their parts using a word list.
///
/// The method follows Koehn and Knight (2003, "Empirical methods for compound splitting"):
/// every way of writing the word as two (else three) lexicon words is considered, and the split
/// whose parts have the highest geometric mean frequency wins.
///
/// - **Candidates.** Only words of at least ``minimumWordLength`` letters are tried. A word
///   that is itself in the list is first reduced to its base form (see below). Each part has at
///   least ``minimumPartLength`` letters. A first (or middle) part is a lexicon word in base form,
///   optionally followed by a linking morpheme `-s-`, `-e-` or `-a-` (`informations|arbete`,
///   `tjänste|skrivelse`); it may also have dropped a final `-a` or `-e` of the word it comes
///   from (`skol|verket` → skola, `arbets|givare` → arbete, `kammar|rätten` → kammare), with
///   `-u-`/`-o-` replacing the `-a` (`gatu|belysning` → gata, `kvinno|jour` → kvinna), and
///   `-ie-` stands for `-ium` (`diarie|nummer` → diarium). The last part is any list entry,
///   inflected or not, reported in its base form. Where a double consonant ends a first part
///   spelled out in full and begins the last, one letter was dropped (`remiss|svar`).
/// - **Swedish rules.** Particles, prefixes and function words (`för`, `över`, `till`, `upp`,
///   `med`, `den`, …) are never parts: words such as `förslag`, `tillstånd` or `uppgift` are
///   derivations, not compounds. Words that are also derivational suffixes (`het`, `dom`, `bar`,
///   `ling`, `ande`, `vis`, …) are never a later part, nor is `ring` after a linking `-e-`
///   (the suffix `-ering`: `rapportering`). A first part ending in `-ning`, `-het`,
///   `-tion`, `-itet`, `-nad`, `-dom`, `-skap`, `-ism` or `-ör` always takes the linking `-s-`.
/// - **Base forms.** A list entry is its own base form if the list has its definite forms
///   (`x`+`en`/`et`, `x`+`n` after `-r`/`-l`, or `filter` → `filtret`). Otherwise a genitive
///   `-s` and then the first fitting ending of `-iga -iska -ella -igt -iskt -ellt` (adjectives),
///   `-erna -arna -orna -rna -mmar(→m) -ler(→el) -ret(→er) -let(→el) -en -et -er -ar -or -na`,
///   `-n` (after a vowel, `-r` or `-l`), `-t` (after a vowel) or `-r` (after `-e`) is stripped
///   when what is left is in the list (`tjänsterna` → tjänst, `styrelsens` → styrelse, `regler`
///   → regel, `arbetet` → arbete, `registret` → register); `-or(na)` becomes `-a` where the list
///   has the `-an` form (`skolorna` → skola, but `vågor` → våg). One more ending may follow.
/// - **Score.** Splits into fewer parts win; among equal numbers of parts the higher geometric
///   mean of part weights wins, doubled for a linking `-s-` after a long (≥ 7 letters) or middle
///   part and halved for a dropped double consonant. A part's weight is its frequency if
///   frequencies were given (the counts of all its inflected forms summed, plus one); otherwise
///   a proxy taken from the list: how many list entries begin with the part, divided by how many
///   entries begin with an average string of the same length.
/// - **Whole words.** A word that is in the list stays whole unless its best split shows a
///   compound boundary (a linking `-s-`, `-e-`, `-u-` or `-o-`, a dropped letter) or scores
///   more than twice the word's own weight.
public final class CompoundSplitter: @unchecked Sendable {
    // @unchecked: the two caches below are atomics behind raw pointers this object owns; all
    // else is immutable after `init`.
    /// The splitter for the system word list (`$DIARIUM_LEXICON`, else `/usr/share/dict/swedish` from Debian's wswedish), loaded once; nil if no list is installed.
    public static let shared: CompoundSplitter? = {
        var path = "/usr/share/dict/swedish"
        if let value = getenv("DIARIUM_LEXICON"), value.pointee != 0 { path = String(cString: value) }
        return CompoundSplitter(contentsOfFile: path)
    }()

    /// Words with fewer letters are never split.
    public static let minimumWordLength = 8

    /// The fewest letters a part may have.
    public let minimumPartLength: Int

    /// A split of a word that is itself in the list must score this many times the word.
    static let wholeWordFactor = 2.0
    /// Bonus for a linking -s- after a long or middle first part, and the length that counts as long.
    static let linkingSBonus = 2.0
    static let longModifier = 7
    /// Penalty for a split that restores a dropped double consonant.
    static let overlapPenalty = 0.5

    let lexicon: Lexicon
    /// Per word: `Flag.particle` and `Flag.suffix`, set from two short lists when the list is loaded.
    let flags: [UInt8]
    /// Per word, what needs look-ups of other words, computed on first use and kept (see
    /// `facts(_:)` and `base(_:)`): `Flag` bits with `Flag.known` set, else 0; the id of its base
    /// form, else -1. A split asks about a few dozen words, and a process splits the words of
    /// its documents, not the 120,000 of the list: computed for every word when the list was
    /// loaded, they made the load 330 M instructions a process, 133 M without; the splits of a
    /// 2,000-line ingest, which now compute them for the words they meet, went from 80 M to
    /// 133 M (callgrind).
    /// Atomics, relaxed: a value is a pure function of the immutable list, so two threads that
    /// compute one at once store the same number.
    private let factCache: UnsafeMutablePointer<Atomic<UInt8>>
    private let baseCache: UnsafeMutablePointer<Atomic<Int32>>
    /// Per word: the natural logarithm of its weight.
    let logWeight: [Double]
    /// The id of "ring", which after a linking -e- is the suffix -ering (rapport|e|ring), or -1.
    let ering: Int32

    enum Flag {
        /// The word has definite forms of its own in the list: it is a base form.
        static let lemma: UInt8 = 1
        /// A particle, prefix or function word: never a part.
        static let particle: UInt8 = 2
        /// Also a derivational suffix: never a later part.
        static let suffix: UInt8 = 4
        /// As a first part it takes the linking -s-.
        static let needsLinkingS: UInt8 = 8
        /// In `factCache`: the word's facts are computed.
        static let known: UInt8 = 0x80
    }

    /// A splitter over `words` (any case; one word per element); `frequencies` optional (word → count), used to prefer splits into common parts.
    public convenience init(words: some Sequence<String>, frequencies: [String: Int]? = nil, minimumPartLength: Int = 3) {
        self.init(lexicon: Lexicon(words: words), frequencies: frequencies, minimumPartLength: minimumPartLength)
    }

    /// A splitter over the word list at `path` (one word per line, UTF-8 or ISO 8859-1; capitalised entries under 6 letters, given names, are skipped); nil if it cannot be read or has no words.
    public convenience init?(contentsOfFile path: String, frequencies: [String: Int]? = nil, minimumPartLength: Int = 3) {
        guard let lexicon = Lexicon(contentsOfFile: path) else { return nil }
        self.init(lexicon: lexicon, frequencies: frequencies, minimumPartLength: minimumPartLength)
    }

    init(lexicon: Lexicon, frequencies: [String: Int]?, minimumPartLength: Int) {
        let minPart = max(1, minimumPartLength)
        self.lexicon = lexicon
        self.minimumPartLength = minPart
        let n = lexicon.count

        var flags = [UInt8](repeating: 0, count: n)
        for w in CompoundSplitter.particles {
            let id = CompoundSplitter.find(w, lexicon)
            if id >= 0 { flags[id] |= Flag.particle | (w == "man" ? 0 : Flag.suffix) }
        }
        for w in CompoundSplitter.suffixWords {
            let id = CompoundSplitter.find(w, lexicon)
            if id >= 0 { flags[id] |= Flag.suffix }
        }
        self.flags = flags
        factCache = .allocate(capacity: max(n, 1))
        baseCache = .allocate(capacity: max(n, 1))
        for id in 0 ..< n {
            (factCache + id).initialize(to: Atomic(0))
            (baseCache + id).initialize(to: Atomic(-1))
        }
        ering = Int32(CompoundSplitter.find("ring", lexicon))

        var logWeight = [Double](repeating: 0, count: n)
        if let frequencies {
            // Before `self` is whole: base forms without the caches (only the given words').
            var counts = [Double](repeating: 0, count: n)
            let room = Lexicon.maxWordLength + 8
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * room) { scratch in
                let facts = { CompoundSplitter.computeFacts($0, lexicon, flags, scratch.baseAddress! + room) }
                for (word, count) in frequencies where count > 0 {
                    let id = CompoundSplitter.find(word, lexicon)
                    if id >= 0 { counts[CompoundSplitter.baseForm(id, lexicon, minPart, facts, scratch.baseAddress!)] += Double(count) }
                }
            }
            for id in 0 ..< n { logWeight[id] = log(counts[id] + 1) }
        } else {
            let (counts, averages) = lexicon.prefixStatistics()
            for id in 0 ..< n {
                logWeight[id] = log(Double(counts[id]) / averages[lexicon.length(id)])
            }
        }
        self.logWeight = logWeight
    }

    deinit {
        factCache.deinitialize(count: lexicon.count)
        baseCache.deinitialize(count: lexicon.count)
        factCache.deallocate()
        baseCache.deallocate()
    }

    /// The `Flag` bits of word `id` (`flags`, and `Flag.lemma` and `Flag.needsLinkingS`, computed
    /// on first use).
    @inline(__always)
    func facts(_ id: Int) -> UInt8 {
        let known = factCache[id].load(ordering: .relaxed)
        if known != 0 { return known }
        let f = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Lexicon.maxWordLength + 8) { scratch in
            CompoundSplitter.computeFacts(id, lexicon, flags, scratch.baseAddress!)
        }
        factCache[id].store(f, ordering: .relaxed)
        return f
    }

    /// The id of the base form of word `id` (see the type's documentation), computed on first use.
    @inline(__always)
    func base(_ id: Int) -> Int {
        let known = baseCache[id].load(ordering: .relaxed)
        if known >= 0 { return Int(known) }
        let b = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Lexicon.maxWordLength + 8) { scratch in
            CompoundSplitter.baseForm(id, lexicon, minimumPartLength, facts, scratch.baseAddress!)
        }
        baseCache[id].store(Int32(b), ordering: .relaxed)
        return b
    }

    /// The `Flag` bits of word `id`, `Flag.known` set, computed (`flags` holds its particle and
    /// suffix bits); `scratch` has room for a word and four letters.
    static func computeFacts(_ id: Int, _ lexicon: Lexicon, _ flags: [UInt8], _ scratch: UnsafeMutablePointer<UInt8>) -> UInt8 {
        var f = flags[id] | Flag.known
        lexicon.withWord(id) { word in
            if isLemma(word, lexicon, scratch) { f |= Flag.lemma }
            if linkingSEndings.contains(where: { $0.ends(word) }) { f |= Flag.needsLinkingS }
        }
        return f
    }

    /// The parts of the lowercased word `word` (lowercase, in order, each a lexicon word in base form as it appears in the list) or nil when it is not a compound (or unknown).
    /// Words of fewer than ``minimumWordLength`` letters give nil without a look-up.
    public func split(_ word: String) -> [String]? {
        var parts: [String] = []
        var w = word
        let found = w.withUTF8 { utf8 in
            withParts(ofUTF8: UnsafeRawBufferPointer(utf8)) { parts.append(String(decoding: $0, as: UTF8.self)) }
        }
        return found ? parts : nil
    }

    /// Calls `body` with each part (UTF-8, valid only during the call) of the lowercased UTF-8
    /// word `word`, as ``split(_:)`` gives them, and returns true; false (and no call) when the
    /// word is not a compound. On bytes, for the analyzer's new words: no `String` per word or
    /// part.
    public func withParts(ofUTF8 word: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let maxLength = Lexicon.maxWordLength
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * maxLength + 16) { buffer -> Bool in
            guard let w = buffer.baseAddress else { return false }
            let scratch = w + maxLength + 1
            // The word's letters as the list holds them (Latin-1, `Lexicon.letter`): U+00C0–U+00FF
            // are C3 80–C3 BF in UTF-8; any other scalar from U+0080 on is no letter of the list.
            var n = 0
            var i = 0
            while i < word.count {
                var v = UInt32(word[i])
                if v >= 0x80 {
                    guard v == 0xC3, i + 1 < word.count, word[i + 1] & 0xC0 == 0x80 else { return false }
                    v = 0xC0 | UInt32(word[i + 1] & 0x3F)
                    i += 1
                }
                i += 1
                let b = Lexicon.letter(v)
                if b == 0 || n == maxLength { return false }
                w[n] = b
                n += 1
            }
            guard n >= CompoundSplitter.minimumWordLength else { return false }
            // A word in the list is split in its base form.
            let wholeID = lexicon.find(UnsafeBufferPointer(start: w, count: n))
            if wholeID >= 0 {
                let b = base(wholeID)
                n = lexicon.withWord(b) { letters in
                    if let from = letters.baseAddress { w.update(from: from, count: letters.count) }
                    return letters.count
                }
            }
            guard let best = search(w, n, scratch) else { return false }
            if wholeID >= 0 && !best.evidence
                && best.score <= log(CompoundSplitter.wholeWordFactor) + logWeight[base(wholeID)] {
                return false
            }
            // Each part in UTF-8 over the word's letters and the scratch (done with), 2 × 63 bytes at most.
            for k in 0 ..< 3 {
                let id = k == 0 ? best.ids.0 : k == 1 ? best.ids.1 : best.ids.2
                if id < 0 { continue }
                let count = lexicon.writeUTF8(Int(id), to: w)
                body(UnsafeRawBufferPointer(start: w, count: count))
            }
            return true
        }
    }

    // MARK: - Search

    /// A reading of a first or middle part: the lexicon word, the linking letter (0 for none),
    /// and whether the word is not spelled out in full (a dropped -a/-e, -ie for -ium).
    struct Modifier {
        var id: Int32
        var link: UInt8
        var shortened: Bool
    }

    struct Split {
        /// Part ids; the third is -1 for two parts.
        var ids: (Int32, Int32, Int32)
        /// Mean log weight plus bonuses.
        var score: Double
        /// A linking morpheme, a shortened part or a dropped double consonant.
        var evidence: Bool
    }

    static let maxModifiers = 12

    /// The best split of `w[0 ..< n]`, or nil.
    private func search(_ w: UnsafeMutablePointer<UInt8>, _ n: Int, _ scratch: UnsafeMutablePointer<UInt8>) -> Split? {
        let minPart = minimumPartLength
        guard n >= 2 * minPart else { return nil }
        let maxMods = CompoundSplitter.maxModifiers
        return withUnsafeTemporaryAllocation(of: Modifier.self, capacity: (n + 2) * maxMods) { store -> Split? in
            withUnsafeTemporaryAllocation(of: Int8.self, capacity: n + 1) { counts -> Split? in
                // counts[j]: number of readings of w[0 ..< j] (stored at store[j * maxMods]), -1 until computed.
                for j in 0 ... n { counts[j] = -1 }
                let middle = store.baseAddress! + (n + 1) * maxMods
                func firstParts(_ j: Int) -> UnsafeMutablePointer<Modifier> {
                    let p = store.baseAddress! + j * maxMods
                    if counts[j] < 0 { counts[j] = Int8(modifiers(w, 0, j, scratch, p)) }
                    return p
                }
                let logBonus = log(CompoundSplitter.linkingSBonus)
                let logPenalty = log(CompoundSplitter.overlapPenalty)
                var best: Split?
                for parts in 2 ... 3 {
                    for i in minPart ... (n - minPart) {
                        let overlap = i >= 2 && w[i - 1] == w[i - 2] && !CompoundSplitter.isVowel(w[i - 1])
                        for variant in 0 ..< (overlap ? 2 : 1) {
                            let headStart = i - variant
                            let head = headID(w, headStart, n)
                            if head < 0 { continue }
                            let headWeight = logWeight[head]
                            let extra = headStart != i ? logPenalty : 0
                            let suffixEring = Int32(head) == ering
                            if parts == 2 {
                                let mods = firstParts(i)
                                for k in 0 ..< Int(counts[i]) {
                                    let m = mods[k]
                                    if suffixEring && m.link == CompoundSplitter.e { continue }
                                    // A double consonant is only shared with a first part spelled out in full.
                                    if headStart != i && m.shortened { continue }
                                    var score = (logWeight[Int(m.id)] + headWeight) / 2 + extra
                                    if m.link == CompoundSplitter.s && lexicon.length(Int(m.id)) >= CompoundSplitter.longModifier { score += logBonus }
                                    if best == nil || score > best!.score {
                                        best = Split(ids: (m.id, Int32(head), -1), score: score,
                                                     evidence: CompoundSplitter.isBoundary(m.link) || m.shortened || headStart != i)
                                    }
                                }
                                continue
                            }
                            if i < 2 * minPart { continue }
                            for j in minPart ... (i - minPart) {
                                let firsts = firstParts(j)
                                let c1 = Int(counts[j])
                                if c1 == 0 { continue }
                                let c2 = modifiers(w, j, i, scratch, middle)
                                for b in 0 ..< c2 where flags[Int(middle[b].id)] & Flag.suffix == 0 {
                                    let m2 = middle[b]
                                    if suffixEring && m2.link == CompoundSplitter.e { continue }
                                    if headStart != i && m2.shortened { continue }
                                    for a in 0 ..< c1 {
                                        let m1 = firsts[a]
                                        var score = (logWeight[Int(m1.id)] + logWeight[Int(m2.id)] + headWeight) / 3 + extra
                                        if m1.link == CompoundSplitter.s && lexicon.length(Int(m1.id)) >= CompoundSplitter.longModifier { score += logBonus }
                                        if m2.link == CompoundSplitter.s { score += logBonus }
                                        if best == nil || score > best!.score {
                                            best = Split(ids: (m1.id, m2.id, Int32(head)), score: score,
                                                         evidence: CompoundSplitter.isBoundary(m1.link) || CompoundSplitter.isBoundary(m2.link)
                                                             || m1.shortened || m2.shortened || headStart != i)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if best != nil { return best }  // fewer parts win
                }
                return nil
            }
        }
    }

    /// The base form of the last part `w[from ..< n]`, or -1 if it cannot be a last part.
    @inline(__always)
    private func headID(_ w: UnsafeMutablePointer<UInt8>, _ from: Int, _ n: Int) -> Int {
        let id = lexicon.find(UnsafeBufferPointer(start: w + from, count: n - from))
        if id < 0 { return -1 }
        let b = base(id)
        if flags[b] & Flag.suffix != 0 || lexicon.length(b) < minimumPartLength { return -1 }
        return b
    }

    /// Writes the readings of `w[from ..< to]` as a first or middle part to `out`; returns how many.
    private func modifiers(_ w: UnsafeMutablePointer<UInt8>, _ from: Int, _ to: Int,
                           _ scratch: UnsafeMutablePointer<UInt8>, _ out: UnsafeMutablePointer<Modifier>) -> Int {
        var count = 0
        func add(_ id: Int, _ link: UInt8, _ shortened: Bool) {
            guard id >= 0, count < CompoundSplitter.maxModifiers else { return }
            if flags[id] & Flag.particle != 0 { return }
            for k in 0 ..< count where out[k].id == Int32(id) { return }
            if link != CompoundSplitter.s && facts(id) & Flag.needsLinkingS != 0 { return }
            out[count] = Modifier(id: Int32(id), link: link, shortened: shortened)
            count += 1
        }
        /// The id of `w[from ..< from + length]` followed by `suffix`.
        func find(_ length: Int, _ suffix: StaticString) -> Int {
            memcpy(scratch, w + from, length)
            let extra = suffix.utf8CodeUnitCount
            memcpy(scratch + length, suffix.utf8Start, extra)
            return lexicon.find(UnsafeBufferPointer(start: scratch, count: length + extra))
        }
        let s = CompoundSplitter.s
        for link in CompoundSplitter.links {
            if link != 0 && w[to - 1] != link { continue }
            let end = link == 0 ? to : to - 1
            let m = end - from
            if m < minimumPartLength { continue }
            let id = lexicon.find(UnsafeBufferPointer(start: w + from, count: m))
            let last = w[end - 1], beforeLast = m >= 2 ? w[end - 2] : 0
            // The word itself, in base form.
            if link != 0x75 && link != 0x6F && id >= 0 && flags[id] & Flag.particle == 0 && base(id) == id
                && !(beforeLast == 0x61 && last == 0x72 && find(m, "e") >= 0) {
                // "informations" is a genitive: read it as information + s.
                let genitive = link == 0 && last == s && facts(id) & Flag.lemma == 0
                    && lexicon.find(UnsafeBufferPointer(start: w + from, count: m - 1)) >= 0
                if !genitive { add(id, link, false) }
            }
            // A dropped -a: skol|verket, gatu|belysning, kvinno|jour.
            if link == 0x75 || link == 0x6F || (link == 0 && id < 0) { add(find(m, "a"), link, true) }
            // A dropped -e: arbets|givare, kammar|rätten.
            if (link == 0 && beforeLast == 0x61 && last == 0x72) || link == s { add(find(m, "e"), link, true) }
            // -ie- for -ium: diarie|nummer, gymnasie|skola.
            if (link == 0 || link == s) && m >= 2 && beforeLast == 0x69 && last == 0x65 {
                add(find(m - 2, "ium"), link, true)
            }
        }
        return count
    }

    // MARK: - Word facts

    static let s: UInt8 = 0x73, e: UInt8 = 0x65
    /// No linking morpheme, then -s-, -e-, -a-, -u-, -o-.
    static let links: [UInt8] = [0, 0x73, 0x65, 0x61, 0x75, 0x6F]

    /// Particles, prefixes and function words: never a part of a compound.
    static let particles = """
        för före förut över under till upp uppe ut ute utom genom efter fram bort borta mot med sam
        samman när nära inne in ner nere hemma an be av om vid bak bakom ovan innan den det dem
        denna detta dessa han hon hen hans hennes man som och att men eller vad var vem vår våra
        vårt din dig mig sig sin sina sitt hur här där dit hit nog ens ej icke ingen inget inga
        alla allt andra annan annat samma sådan
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    /// Words that are also derivational suffixes (-het, -dom, -bar, -sam, -lig, -ling, -ande,
    /// -ende, -are, -era, -vis; -hets is -het with the linking -s-, -skap is read as s + kap):
    /// never a later part.
    static let suffixWords = ["het", "hets", "vis", "dom", "bar", "sam", "lig", "liga", "ling", "ande", "ende", "are", "era", "kap"]

    /// Endings of first parts that take the linking -s-.
    static let linkingSEndings: [Ending] = ["ning", "ing", "het", "tion", "sion", "itet", "nad", "dom", "skap", "ism", "ör"]
        .map { Ending(latin1: CompoundSplitter.latin1($0)) }

    /// Inflection endings with their replacements, tried in this order; the guard is on what is
    /// left: `j` has a form in -a (an adjective), `a` ends in -a and has a definite form in -n,
    /// `v` ends in a vowel, `n` ends in a vowel, -r or -l, `e` ends in -e and has a definite form
    /// in -n.
    static let endings: [Ending] = ([
        ("iga", "ig", "j"), ("iska", "isk", "j"), ("ella", "ell", "j"), ("igt", "ig", "j"), ("iskt", "isk", "j"),
        ("ellt", "ell", "j"), ("erna", "", nil), ("arna", "", nil), ("orna", "a", "a"), ("orna", "", nil),
        ("rna", "", nil), ("mmar", "m", nil), ("ler", "el", nil), ("ret", "er", nil), ("let", "el", nil),
        ("en", "", nil), ("et", "", nil), ("er", "", nil), ("ar", "", nil), ("or", "a", "a"), ("or", "", nil),
        ("na", "", nil), ("n", "", "n"), ("t", "", "v"), ("r", "", "e"),
    ] as [(String, String, Character?)]).map { Ending($0.0, $0.1, $0.2) }

    /// An inflection ending, its replacement and its guard (see `endings`) as plain bytes: the
    /// list is walked for every list word when the list is loaded, so no arrays (and no
    /// reference counting) per step.
    struct Ending {
        /// The ending's letters (Latin-1), `endingCount` of them, first letter in the low byte.
        let ending: UInt32
        let endingCount: Int
        /// The replacement's letters, likewise.
        let replacement: UInt32
        let replacementCount: Int
        /// `j`, `a`, `v`, `n`, `e` (see `endings`) or 0 for none.
        let guardLetter: UInt8

        init(_ ending: String, _ replacement: String, _ guardLetter: Character?) {
            func pack(_ s: String) -> (UInt32, Int) {
                let b = CompoundSplitter.latin1(s)
                precondition(b.count <= 4)
                var v: UInt32 = 0
                for (k, x) in b.enumerated() { v |= UInt32(x) << (8 * UInt32(k)) }
                return (v, b.count)
            }
            (self.ending, endingCount) = pack(ending)
            (self.replacement, replacementCount) = pack(replacement)
            self.guardLetter = guardLetter?.asciiValue ?? 0
        }

        /// An ending of Latin-1 letters with no replacement and no guard.
        init(latin1 letters: [UInt8]) {
            precondition(letters.count <= 4)
            var v: UInt32 = 0
            for (k, x) in letters.enumerated() { v |= UInt32(x) << (8 * UInt32(k)) }
            ending = v
            endingCount = letters.count
            replacement = 0
            replacementCount = 0
            guardLetter = 0
        }

        /// Whether `word` ends with the ending.
        @inline(__always)
        func ends(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
            guard word.count >= endingCount else { return false }
            let offset = word.count - endingCount
            for k in 0 ..< endingCount where word[offset + k] != UInt8(truncatingIfNeeded: ending >> (8 * UInt32(k))) { return false }
            return true
        }
    }

    /// Whether a linking letter marks a compound boundary: -s-, -e-, -u-, -o- do; -a- is too rare
    /// (gästabud) to tell a compound from a word that happens to contain one.
    @inline(__always)
    static func isBoundary(_ link: UInt8) -> Bool { link != 0 && link != 0x61 }

    @inline(__always)
    static func isVowel(_ b: UInt8) -> Bool {
        switch b {
        case 0x61, 0x65, 0x69, 0x6F, 0x75, 0x79, 0xE5, 0xE4, 0xF6, 0xE9: return true
        default: return false
        }
    }

    static func latin1(_ s: String) -> [UInt8] { s.unicodeScalars.map { Lexicon.letter($0.value) } }

    static func find(_ word: String, _ lexicon: Lexicon) -> Int {
        var bytes: [UInt8] = []
        for s in word.unicodeScalars {
            let b = Lexicon.letter(s.value)
            if b == 0 || bytes.count == Lexicon.maxWordLength { return -1 }
            bytes.append(b)
        }
        return bytes.withUnsafeBufferPointer { lexicon.find($0) }
    }

    /// The id of `stem` + `suffix` in the lexicon, or -1; `scratch` has room for a word and four letters.
    static func contains(_ stem: UnsafeBufferPointer<UInt8>, _ suffix: [UInt8], _ lexicon: Lexicon, _ scratch: UnsafeMutablePointer<UInt8>) -> Int {
        var packed: UInt32 = 0
        for (k, b) in suffix.enumerated() { packed |= UInt32(b) << (8 * UInt32(k)) }
        return contains(stem, packed: packed, count: suffix.count, lexicon, scratch)
    }

    /// The id of `stem` + the `count` letters of `packed` (first in the low byte), or -1.
    @inline(__always)
    static func contains(_ stem: UnsafeBufferPointer<UInt8>, packed: UInt32, count: Int, _ lexicon: Lexicon, _ scratch: UnsafeMutablePointer<UInt8>) -> Int {
        let total = stem.count + count
        guard total <= Lexicon.maxWordLength, count <= 4 else { return -1 }
        if let base = stem.baseAddress { scratch.update(from: base, count: stem.count) }
        for k in 0 ..< count { scratch[stem.count + k] = UInt8(truncatingIfNeeded: packed >> (8 * UInt32(k))) }
        return lexicon.find(UnsafeBufferPointer(start: scratch, count: total))
    }

    static func endsWith(_ word: UnsafeBufferPointer<UInt8>, _ suffix: [UInt8]) -> Bool {
        guard word.count >= suffix.count else { return false }
        let offset = word.count - suffix.count
        for k in 0 ..< suffix.count where word[offset + k] != suffix[k] { return false }
        return true
    }

    private static let en = latin1("en"), et = latin1("et"), n = latin1("n"), na = latin1("na"), a = latin1("a")
    private static let ret = latin1("ret"), rn = latin1("rn"), lett = latin1("let"), ln = latin1("ln"), net = latin1("net")

    /// The list has definite forms of `word`: `word`+en/et, `word`+n after -r/-l, or the
    /// forms that drop the -e- of -er/-el/-en (filter → filtret, exempel → exemplet, tecken → tecknet).
    static func isLemma(_ word: UnsafeBufferPointer<UInt8>, _ lexicon: Lexicon, _ scratch: UnsafeMutablePointer<UInt8>) -> Bool {
        if contains(word, en, lexicon, scratch) >= 0 || contains(word, et, lexicon, scratch) >= 0 { return true }
        guard let last = word.last else { return false }
        if (last == 0x72 || last == 0x6C) && contains(word, n, lexicon, scratch) >= 0 { return true }
        guard word.count > 3, word[word.count - 2] == 0x65 else { return false }
        let stem = UnsafeBufferPointer(rebasing: word[0 ..< word.count - 2])
        switch last {
        case 0x72: return contains(stem, ret, lexicon, scratch) >= 0 || contains(stem, rn, lexicon, scratch) >= 0
        case 0x6C: return contains(stem, lett, lexicon, scratch) >= 0 || contains(stem, ln, lexicon, scratch) >= 0
        case 0x6E: return contains(stem, net, lexicon, scratch) >= 0
        default: return false
        }
    }

    /// The id of the base form of word `id` (see the type's documentation), computed; `facts`
    /// gives a word's `Flag` bits, `scratch` has room for a word and four letters.
    static func baseForm(_ id: Int, _ lexicon: Lexicon, _ minPart: Int, _ facts: (Int) -> UInt8,
                         _ scratch: UnsafeMutablePointer<UInt8>) -> Int {
        if facts(id) & Flag.lemma != 0 { return id }
        return lexicon.bytes.withUnsafeBufferPointer { all -> Int in
            // Lexicon words as buffers, ends compared in place.
            func letters(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: all[Int(lexicon.starts[i]) ..< Int(lexicon.starts[i + 1])])
            }
            let word = letters(id)
            // A genitive -s, on a base form or on an inflected form.
            var current = id
            if word.count > minPart, word.last == s {
                let stem = UnsafeBufferPointer(rebasing: word[0 ..< word.count - 1])
                let g = lexicon.find(stem)
                if g >= 0, let last = stem.last {
                    let inflected = last == 0x6E || last == 0x74 || last == 0x72 || endsWith(stem, na)
                    if facts(g) & Flag.lemma != 0 || inflected { current = g }
                }
            }
            if facts(current) & Flag.lemma != 0 { return current }
            /// The first ending of `endings` that leads from `word` to a list word, or -1.
            func strip(_ word: UnsafeBufferPointer<UInt8>) -> Int {
                for e in endings {
                    guard word.count >= e.endingCount, word.count - e.endingCount + e.replacementCount >= minPart else { continue }
                    let stemLength = word.count - e.endingCount
                    guard e.ends(word) else { continue }
                    let b = contains(UnsafeBufferPointer(rebasing: word[0 ..< stemLength]), packed: e.replacement,
                                     count: e.replacementCount, lexicon, scratch)
                    if b < 0 { continue }
                    let letters = letters(b)
                    let last = letters.last!
                    switch e.guardLetter {
                    case UInt8(ascii: "j"):
                        if contains(letters, packed: 0x61, count: 1, lexicon, scratch) < 0 { continue }
                    case UInt8(ascii: "a"), UInt8(ascii: "e"):
                        if last != (e.guardLetter == UInt8(ascii: "a") ? 0x61 : 0x65) { continue }
                        if contains(letters, packed: 0x6E, count: 1, lexicon, scratch) < 0 { continue }
                    case UInt8(ascii: "v"): if !isVowel(last) { continue }
                    case UInt8(ascii: "n"): if !isVowel(last) && last != 0x72 && last != 0x6C { continue }
                    default: break
                    }
                    return b
                }
                return -1
            }
            let first = strip(letters(current))
            if first < 0 { return current }
            if facts(first) & Flag.lemma != 0 { return first }
            // One more step: ärendena → ärenden → ärende.
            let second = strip(letters(first))
            return second >= 0 ? second : first
        }
    }
}
