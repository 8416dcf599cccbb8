#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of lowercase words, stored as Latin-1 bytes (one byte per letter) in one buffer and
/// found through an open-addressing hash table, so that a look-up of any byte range allocates
/// nothing. Only words made of letters are kept (entries with hyphens, digits, apostrophes or
/// letters outside Latin-1 are skipped); upper case is folded, and æ/ø are written ä/ö like the
/// tokenizer does. Immutable once built.
struct Lexicon: Sendable {
    /// Longer entries are skipped.
    static let maxWordLength = 63

    /// The letters of every word, back to back.
    private(set) var bytes: [UInt8] = []
    /// Word `i` is `bytes[starts[i] ..< starts[i + 1]]`.
    private(set) var starts: [UInt32] = [0]
    /// Hash slots holding the word's hash and id + 1 (`hash << 32 | id + 1`); 0 is empty. A
    /// probe compares hashes before it reads the word's letters (the load of the compound
    /// splitter looks words up about three million times).
    private var slots: [UInt64]
    private var mask: Int

    /// An empty lexicon with room for about `capacity` words before it grows.
    init(capacity: Int = 1024) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// The words of `words`, one per element.
    init(words: some Sequence<String>) {
        self.init(capacity: words.underestimatedCount)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Lexicon.maxWordLength + 1)
        for word in words {
            buffer.removeAll(keepingCapacity: true)
            var ok = true
            for s in word.unicodeScalars {
                let b = Lexicon.letter(s.value)
                if b == 0 || buffer.count == Lexicon.maxWordLength { ok = false; break }
                buffer.append(b)
            }
            if ok && !buffer.isEmpty { buffer.withUnsafeBufferPointer { insert($0) } }
        }
    }

    /// Capitalised entries of a word-list file with fewer letters are skipped: they are given
    /// names (Nina, Ella, Erik, Tim) that would otherwise turn up as parts of compounds.
    static let minimumNameLength = 6

    /// The words of a word-list file, one per line, in UTF-8 or (if the file is not valid UTF-8)
    /// ISO 8859-1, which is what Debian's word lists use. Capitalised entries shorter than
    /// `minimumNameLength` are skipped.
    init(fileContents data: [UInt8]) {
        var lines = 0
        for b in data where b == 0x0A { lines += 1 }
        self.init(capacity: lines + 1)
        bytes.reserveCapacity(data.count)
        starts.reserveCapacity(lines + 2)
        let utf8 = Lexicon.isValidUTF8(data)
        if !utf8 {
            // ISO 8859-1 (Debian's lists): one byte a letter, through a table.
            data.withUnsafeBytes { insertLatin1Lines($0) }
            return
        }
        data.withUnsafeBytes { raw in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Lexicon.maxWordLength + 1) { word in
                var n = 0
                var ok = true
                var capitalised = false
                var i = 0
                let end = raw.count
                while i <= end {
                    let b: UInt8 = i < end ? raw[i] : 0x0A
                    if b == 0x0A || b == 0x0D {
                        if ok && n > 0 && !(capitalised && n < Lexicon.minimumNameLength) {
                            insert(UnsafeBufferPointer(rebasing: word[0 ..< n]))
                        }
                        n = 0; ok = true; i += 1
                        continue
                    }
                    var value = UInt32(b)
                    var length = 1
                    if utf8 && b >= 0x80 {
                        let (scalar, l) = Tokenizer.decode(raw, at: i)
                        value = scalar?.value ?? 0
                        length = l
                    }
                    i += length
                    guard ok else { continue }
                    let letter = Lexicon.letter(value)
                    if letter == 0 || n == Lexicon.maxWordLength { ok = false; continue }
                    if n == 0 { capitalised = (0x41 ... 0x5A).contains(value) || (0xC0 ... 0xDE).contains(value) }
                    word[n] = letter
                    n += 1
                }
            }
        }
    }

    /// Per byte of ISO 8859-1: its letter (`letter`), or 0; bit 0x100 marks a capital.
    private static let latin1Letters: [UInt16] = (0 ..< 256).map { b in
        let capital = (0x41 ... 0x5A).contains(b) || (0xC0 ... 0xDE).contains(b)
        return UInt16(letter(UInt32(b))) | (capital ? 0x100 : 0)
    }

    /// Inserts the words of ISO 8859-1 lines (as `init(fileContents:)` reads them: a line with
    /// a byte that is no letter, or over `maxWordLength` letters, is skipped, and so is a
    /// capitalised one under `minimumNameLength`), hashing each word as its letters are mapped.
    private mutating func insertLatin1Lines(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let end = raw.count
        Lexicon.latin1Letters.withUnsafeBufferPointer { table in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Lexicon.maxWordLength + 1) { word in
                var i = 0
                while i < end {
                    var n = 0
                    var h: UInt32 = 2_166_136_261
                    var ok = true
                    let capitalised = table[Int(base[i])] & 0x100 != 0
                    while i < end {
                        let b = base[i]
                        if b == 0x0A || b == 0x0D { break }
                        let l = UInt8(truncatingIfNeeded: table[Int(b)])
                        if l == 0 || n == Lexicon.maxWordLength {
                            ok = false
                            while i < end && base[i] != 0x0A && base[i] != 0x0D { i &+= 1 }
                            break
                        }
                        word[n] = l
                        h = (h ^ UInt32(l)) &* 16_777_619
                        n &+= 1
                        i &+= 1
                    }
                    if ok && n > 0 && !(capitalised && n < Lexicon.minimumNameLength) {
                        insert(UnsafeBufferPointer(rebasing: word[0 ..< n]), hash: h)
                    }
                    i &+= 1  // the line's end
                }
            }
        }
    }

    /// The word list at `path`, or nil if it cannot be read or has no words.
    init?(contentsOfFile path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int(info.st_size)
        var failed = false
        let data = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
            var done = 0
            while done < size {
                let r = read(fd, buffer.baseAddress! + done, size - done)
                if r < 0 && errno == EINTR { continue }
                if r <= 0 { break }
                done += r
            }
            failed = done != size
            count = done
        }
        guard !failed else { return nil }
        self.init(fileContents: data)
        guard count > 0 else { return nil }
    }

    /// Number of distinct words.
    var count: Int { starts.count - 1 }

    /// The number of letters of word `id`.
    @inline(__always)
    func length(_ id: Int) -> Int { Int(starts[id + 1] &- starts[id]) }

    /// Calls `body` with the letters of word `id`.
    @inline(__always)
    func withWord<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[Int(starts[id]) ..< Int(starts[id + 1])]))
        }
    }

    /// Writes word `id` in UTF-8 to `out` (room for `2 * maxWordLength` bytes); returns the byte count.
    @inline(__always)
    func writeUTF8(_ id: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        withWord(id) { letters in
            var n = 0
            for b in letters {
                if b < 0x80 {
                    out[n] = b; n += 1
                } else {
                    out[n] = 0xC0 | (b >> 6); out[n + 1] = 0x80 | (b & 0x3F); n += 2
                }
            }
            return n
        }
    }

    /// The word `id` as a string.
    func string(_ id: Int) -> String {
        let range = Int(starts[id]) ..< Int(starts[id + 1])
        return String(unsafeUninitializedCapacity: range.count * 2) { out in
            var n = 0
            for b in bytes[range] {
                if b < 0x80 {
                    out[n] = b; n += 1
                } else {
                    out[n] = 0xC0 | (b >> 6); out[n + 1] = 0x80 | (b & 0x3F); n += 2
                }
            }
            return n
        }
    }

    /// The id of the word spelled by `word` (Latin-1, lowercase), or -1.
    @inline(__always)
    func find(_ word: UnsafeBufferPointer<UInt8>) -> Int {
        find(word, hash: Lexicon.hash(word))
    }

    /// `find(word)` for a caller that has `Lexicon.hash(word)`.
    @inline(__always)
    func find(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int {
        let n = word.count
        var slot = Int(h) & mask
        return slots.withUnsafeBufferPointer { slots in
            starts.withUnsafeBufferPointer { starts in
                bytes.withUnsafeBufferPointer { all in
                    while true {
                        let v = slots[slot]
                        if v == 0 { return -1 }
                        if UInt32(truncatingIfNeeded: v >> 32) == h {
                            let id = Int(truncatingIfNeeded: v & 0xFFFF_FFFF) &- 1
                            let s = Int(starts[id])
                            if Int(starts[id &+ 1]) &- s == n && (n == 0 || memcmp(all.baseAddress! + s, word.baseAddress!, n) == 0) {
                                return id
                            }
                        }
                        slot = (slot &+ 1) & mask
                    }
                }
            }
        }
    }

    /// Adds `word` (Latin-1, lowercase letters) unless it is there already.
    mutating func insert(_ word: UnsafeBufferPointer<UInt8>) {
        insert(word, hash: Lexicon.hash(word))
    }

    /// `insert(word)` for a caller that has `Lexicon.hash(word)`.
    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt32) {
        if find(word, hash: h) >= 0 { return }
        if (count + 1) * 2 > slots.count { grow() }
        bytes.append(contentsOf: word)
        starts.append(UInt32(bytes.count))
        var slot = Int(h) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = UInt64(h) << 32 | UInt64(count)
    }

    /// Doubles the slots, placing every word again by the hash its slot keeps.
    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for v in old where v != 0 {
            var slot = Int(truncatingIfNeeded: v >> 32) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = v
        }
    }

    /// FNV-1a.
    @inline(__always)
    static func hash(_ word: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for b in word { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }

    /// The lowercase Latin-1 byte of a letter scalar, or 0 if `v` is not a Latin-1 letter.
    /// Capitals are folded; æ and ø become ä and ö.
    @inline(__always)
    static func letter(_ v: UInt32) -> UInt8 {
        switch v {
        case 0x61 ... 0x7A: return UInt8(v)
        case 0x41 ... 0x5A: return UInt8(v + 0x20)
        case 0xD7, 0xF7: return 0
        case 0xC0 ... 0xFF:
            var l = v <= 0xDE && v != 0xDF ? v + 0x20 : v
            if l == 0xE6 { l = 0xE4 } else if l == 0xF8 { l = 0xF6 }
            return UInt8(l)
        default: return 0
        }
    }

    /// Whether `data` is well-formed UTF-8 that uses at least one multi-byte sequence.
    static func isValidUTF8(_ data: [UInt8]) -> Bool {
        var multiByte = false
        let valid = data.withUnsafeBytes { raw -> Bool in
            var i = 0
            while i < raw.count {
                if raw[i] < 0x80 { i += 1; continue }
                let (scalar, l) = Tokenizer.decode(raw, at: i)
                if scalar == nil { return false }
                multiByte = true
                i += l
            }
            return true
        }
        return valid && multiByte
    }

    /// For every word, how many words begin with it (itself included); and for every length k,
    /// how many words an average k-letter beginning starts (words of at least k letters divided by
    /// the distinct k-letter beginnings). Computed from one sort of the words.
    func prefixStatistics() -> (counts: [UInt32], averageByLength: [Double]) {
        let n = count
        var order = [Int32](0 ..< Int32(n))
        var counts = [UInt32](repeating: 1, count: n)
        var distinct = [Int](repeating: 0, count: Lexicon.maxWordLength + 2)
        var atLeast = [Int](repeating: 0, count: Lexicon.maxWordLength + 2)
        bytes.withUnsafeBufferPointer { all in
            starts.withUnsafeBufferPointer { st in
                let base = all.baseAddress!
                func less(_ a: Int32, _ b: Int32) -> Bool {
                    let sa = Int(st[Int(a)]), la = Int(st[Int(a) + 1]) - sa
                    let sb = Int(st[Int(b)]), lb = Int(st[Int(b) + 1]) - sb
                    let c = memcmp(base + sa, base + sb, min(la, lb))
                    return c != 0 ? c < 0 : la < lb
                }
                order.sort(by: less)
                // Words that are beginnings of the current word, shortest first.
                var stack: [Int32] = []
                var previous = -1
                for id32 in order {
                    let id = Int(id32)
                    let s = Int(st[id]), l = Int(st[id + 1]) - s
                    // Common beginning with the previous word: every longer beginning is new.
                    var common = 0
                    if previous >= 0 {
                        let ps = Int(st[previous]), pl = Int(st[previous + 1]) - ps
                        while common < min(l, pl) && base[s + common] == base[ps + common] { common += 1 }
                    }
                    if l > common { for k in (common + 1) ... l { distinct[k] += 1 } }
                    atLeast[l] += 1
                    // The stack holds the previous word and its beginnings; those no longer than
                    // the common beginning begin the current word too.
                    while let top = stack.last, Int(st[Int(top) + 1] - st[Int(top)]) > common {
                        stack.removeLast()
                    }
                    for p in stack { counts[Int(p)] += 1 }
                    stack.append(id32)
                    previous = id
                }
            }
        }
        var averages = [Double](repeating: 1, count: Lexicon.maxWordLength + 2)
        var longer = 0
        for k in stride(from: Lexicon.maxWordLength + 1, through: 1, by: -1) {
            longer += atLeast[k]
            if distinct[k] > 0 { averages[k] = Double(longer) / Double(distinct[k]) }
        }
        return (counts, averages)
    }
}
