import DiariumIndex
import Foundation

/// Families of duplicate documents: exact copies (same SHA-256 under different paths, often from
/// different senders) and near-duplicates (the same policy adopted by several boards with small
/// changes), found with MinHash over word shingles and LSH banding.
///
/// Near-duplicates: shingles of 5 lowercased words; 128 hash functions; 32 bands of 4 rows select
/// candidate pairs; a pair is a near-duplicate when the estimated Jaccard similarity of the
/// shingle sets is at least `threshold` (default 0.6). Families are the connected components.
/// Within a band's bucket each document is compared with one representative per family already
/// there, so the work is linear in the number of documents for any number of near-copies.
public struct DuplicateFamilies: Codable, Sendable {
    /// One member of a family.
    public struct Member: Codable, Sendable {
        public var id: Int64
        /// The path as shown: the file, and for a document inside it (a ZIP entry, an attachment) its name after it.
        public var path: String
        public var authority: String?
        public var title: String?
        public var year: Int?
        /// Estimated similarity to the family's first member (1 for exact copies).
        public var similarity: Double
        /// Words this member has that the first member lacks (at most 12), and the reverse.
        public var added: [String]
        public var removed: [String]
    }

    /// A group of copies.
    public struct Family: Codable, Sendable {
        /// `exact` (identical bytes) or `near`.
        public var kind: String
        public var members: [Member]
    }

    public var threshold: Double
    public var families: [Family]

    static let shingleSize = 5
    static let hashes = 128
    static let bands = 32

    /// Finds the families in an index snapshot. Without `wordChanges` the members' `added`
    /// and `removed` words are left empty (the families, their order and the similarities are
    /// the same): what `familyNumbers` needs, without reading the members' texts again.
    public init(reader: IndexReader, threshold: Double = 0.6, wordChanges: Bool = true) throws {
        self.threshold = threshold
        let docs = try reader.inventory()
        var families: [Family] = []
        // Exact: same bytes under several paths.
        var bySHA: [String: [DocumentRecord]] = [:]
        for d in docs where d.part == 0 && !d.sha256.isEmpty && d.size > 0 { bySHA[d.sha256, default: []].append(d) }
        for (_, group) in bySHA where group.count > 1 {
            families.append(Family(kind: "exact", members: group.sorted { $0.path < $1.path }.map {
                Member(id: $0.id, path: $0.displayPath, authority: $0.authority, title: $0.title, year: $0.year, similarity: 1, added: [], removed: [])
            }))
        }
        let exactIDs = Set(families.flatMap { $0.members.dropFirst().map(\.id) })
        // Near: MinHash signatures of documents with text (the words are read again later only
        // for the members of a family, so the whole release's words are never held at once).
        func words(_ d: DocumentRecord) throws -> [String] {
            Words(try reader.storedText(of: d) ?? []).strings
        }
        var signatures: [(DocumentRecord, [UInt64])] = []
        for d in docs where d.status == .ok && !exactIDs.contains(d.id) {
            let w = Words(try reader.storedText(of: d) ?? [])
            guard w.count >= DuplicateFamilies.shingleSize * 4 else { continue }
            signatures.append((d, DuplicateFamilies.signature(w)))
        }
        let rows = DuplicateFamilies.hashes / DuplicateFamilies.bands
        var buckets: [Int: [Int: [Int]]] = [:]  // band → band hash → indices
        for (i, (_, sig)) in signatures.enumerated() {
            for b in 0..<DuplicateFamilies.bands {
                var h = Hasher()
                for r in 0..<rows { h.combine(sig[b * rows + r]) }
                buckets[b, default: [:]][h.finalize(), default: []].append(i)
            }
        }
        var parent = Array(signatures.indices)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
        var checked = Set<Int>()
        // In each bucket, a document is compared with one representative of each family already
        // in the bucket (not with every member): n near-copies cost n comparisons per band, not
        // n²/2, and a document similar to two families still joins them.
        for b in 0..<DuplicateFamilies.bands {
            guard let band = buckets[b] else { continue }
            // Buckets in a fixed order (by first member), so the families never depend on hashing.
            for members in band.values.filter({ $0.count > 1 }).sorted(by: { $0[0] < $1[0] }) {
                var representatives: [Int] = []
                for x in members {
                    var joined = false
                    for r in representatives where find(r) != find(x) {
                        let key = min(r, x) * signatures.count + max(r, x)
                        guard checked.insert(key).inserted else { continue }
                        if DuplicateFamilies.similarity(signatures[r].1, signatures[x].1) >= threshold { parent[find(x)] = find(r); joined = true }
                    }
                    if !joined && !representatives.contains(where: { find($0) == find(x) }) { representatives.append(x) }
                }
            }
        }
        var components: [Int: [Int]] = [:]
        for i in signatures.indices { components[find(i), default: []].append(i) }
        for (_, members) in components where members.count > 1 {
            let sorted = members.sorted { signatures[$0].0.path < signatures[$1].0.path }
            let first = signatures[sorted[0]]
            let firstWords = wordChanges ? Set(try words(first.0)) : []
            families.append(Family(kind: "near", members: try sorted.map { i in
                let (d, sig) = signatures[i]
                let words = i == sorted[0] || !wordChanges ? firstWords : Set(try words(d))
                return Member(id: d.id, path: d.displayPath, authority: d.authority, title: d.title, year: d.year,
                              similarity: (DuplicateFamilies.similarity(first.1, sig) * 100).rounded() / 100,
                              added: Array(words.subtracting(firstWords)).sorted().prefix(12).map { $0 },
                              removed: Array(firstWords.subtracting(words)).sorted().prefix(12).map { $0 })
            }))
        }
        self.families = families.sorted { ($0.kind, $0.members.first?.path ?? "") < ($1.kind, $1.members.first?.path ?? "") }
    }

    /// The families each document belongs to, by catalog id: numbers from 1 in the order of
    /// `families` (the order `diarium duplicates` prints them in, "family 1", …). A document
    /// can be in two: an exact family and a near one.
    public var familyNumbers: [Int64: [Int]] {
        var out: [Int64: [Int]] = [:]
        for (i, f) in families.enumerated() {
            for m in f.members where out[m.id]?.last != i + 1 { out[m.id, default: []].append(i + 1) }
        }
        return out
    }

    /// MinHash signature: for each of the hash functions, the smallest hash of any shingle
    /// (FNV-1a over the shingle's words, each followed by a space). A shingle that occurs again
    /// cannot lower a minimum, so each distinct one is hashed 128 times once.
    static func signature(_ words: Words) -> [UInt64] {
        var shingles: [UInt64] = []
        shingles.reserveCapacity(words.count - shingleSize + 1)
        words.bytes.withUnsafeBufferPointer { bytes in
            for i in 0...(words.count - shingleSize) {
                var h: UInt64 = 0xCBF2_9CE4_8422_2325
                for w in i..<(i + shingleSize) {
                    for b in bytes[words.ends[w] - words.lengths[w]..<words.ends[w]] { h = (h ^ UInt64(b)) &* 0x0100_0000_01B3 }
                    h = (h ^ 0x20) &* 0x0100_0000_01B3
                }
                shingles.append(h)
            }
        }
        shingles.sort()
        var mins = [UInt64](repeating: .max, count: hashes)
        mins.withUnsafeMutableBufferPointer { mins in
            var previous: UInt64? = nil
            for h in shingles where h != previous {
                previous = h
                for k in 0..<hashes {
                    // A family of hash functions: multiply-xorshift with per-function odd constants.
                    var x = h &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15
                    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
                    x ^= x >> 31
                    if x < mins[k] { mins[k] = x }
                }
            }
        }
        return mins
    }

    /// The words of a text as duplicate detection compares them: lowercased (`lowercased()`),
    /// split at every character that is neither a letter nor a number (`Character.isLetter`,
    /// `isNumber`), as UTF-8 in one buffer. A text whose characters are all in Latin-1 or
    /// general punctuation (most Swedish text: its dashes and quotes) is split byte by byte through a table made from those same `Character`
    /// properties — each such scalar is a character of its own, CR LF aside, which separates
    /// either way — and any other text through `String`, so both give the same words.
    struct Words {
        var bytes: [UInt8] = []
        /// Per word, where it ends in `bytes` and its length.
        var ends: [Int] = []
        var lengths: [Int] = []
        var count: Int { ends.count }

        init(_ text: [UInt8]) {
            bytes.reserveCapacity(text.count)
            if !latin1(text) {
                bytes.removeAll(keepingCapacity: true)
                ends.removeAll()
                lengths.removeAll()
                for w in String(decoding: text, as: UTF8.self).lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
                    bytes += w.utf8
                    ends.append(bytes.count)
                    lengths.append(w.utf8.count)
                }
            }
        }

        /// The words of `text` if it is UTF-8 of scalars up to U+00FF and general punctuation
        /// (U+2010–U+205E) only; false (and a partial result) otherwise.
        private mutating func latin1(_ text: [UInt8]) -> Bool {
            let table = Words.table
            var start = bytes.count
            func end() {
                if bytes.count > start { ends.append(bytes.count); lengths.append(bytes.count - start) }
                start = bytes.count
            }
            var i = 0
            let n = text.count
            while i < n {
                let b = text[i]
                let scalar: Int
                if b < 0x80 {
                    scalar = Int(b)
                    i += 1
                } else if b == 0xC2 || b == 0xC3, i + 1 < n, text[i + 1] & 0xC0 == 0x80 {
                    scalar = Int(b & 0x1F) << 6 | Int(text[i + 1] & 0x3F)
                    i += 2
                } else if b == 0xE2, i + 2 < n, (text[i + 1] == 0x80 && (0x90...0xBF).contains(text[i + 2]))
                            || (text[i + 1] == 0x81 && (0x80...0x9E).contains(text[i + 2])) {
                    // U+2010–U+205E, general punctuation (dashes, quotes, bullets, …): neither
                    // letter nor number, and a character of its own.
                    end()
                    i += 3
                    continue
                } else {
                    return false
                }
                let lower = table[scalar]
                if lower == Words.separator {
                    end()
                } else if lower == Words.unusual {
                    return false
                } else if lower < 0x80 {
                    bytes.append(UInt8(lower))
                } else {
                    bytes.append(0xC0 | UInt8(lower >> 6))
                    bytes.append(0x80 | UInt8(lower & 0x3F))
                }
            }
            end()
            return true
        }

        static let separator: UInt16 = 0xFFFF
        static let unusual: UInt16 = 0xFFFE

        /// Per Latin-1 scalar, its lowercase form when that is a letter or a number (as
        /// `Character` says), `separator` when it is neither, `unusual` when its lowercase form
        /// is not one Latin-1 scalar (none is; the text then goes through `String`).
        static let table: [UInt16] = (0..<256).map { v in
            let lower = String(Character(Unicode.Scalar(UInt8(v)))).lowercased()
            guard lower.unicodeScalars.count == 1, let u = lower.unicodeScalars.first, u.value <= 0xFF, let c = lower.first else { return unusual }
            return c.isLetter || c.isNumber ? UInt16(u.value) : separator
        }

        /// The words as strings.
        var strings: [String] {
            zip(ends, lengths).map { String(decoding: bytes[$0 - $1..<$0], as: UTF8.self) }
        }
    }

    /// Estimated Jaccard similarity: the share of equal signature positions.
    static func similarity(_ a: [UInt64], _ b: [UInt64]) -> Double {
        Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
    }
}
