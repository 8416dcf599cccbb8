/// The controlled vocabulary of document types (documented in docs/document-types.md), and
/// the rules that recognise them from a title, a file name or the opening text.
public enum DocumentType {
    /// Every type, in the order rules are tried: specific before generic.
    public static let vocabulary = [
        "konsekvensbedömning", "pul-bedömning", "informationsklassning", "riskanalys", "registerförteckning",
        "policy", "riktlinje", "protokoll", "tjänsteskrivelse", "avtal", "direktiv", "proposition", "sou", "ds",
        "lag", "förordning", "föreskrift", "pressmeddelande", "beslut", "rapport", "e-post", "övrigt",
    ]

    /// (type, words that mark it). Matching is on lowercased text, at word starts.
    static let rules: [(String, [String])] = [
        ("konsekvensbedömning", ["konsekvensbedömning", "dpia", "data protection impact"]),
        ("pul-bedömning", ["pul-bedömning", "pul-analys", "bedömning enligt personuppgiftslagen", "bedömning enligt pul", "personuppgiftslagen (pul)"]),
        ("informationsklassning", ["informationsklassning", "informationsklassificering", "klassning av information", "klassificering av information"]),
        ("riskanalys", ["riskanalys", "risk- och sårbarhetsanalys", "risk och sårbarhetsanalys", "riskbedömning", "sårbarhetsanalys"]),
        ("registerförteckning", ["registerförteckning", "förteckning över behandling", "förteckning över personuppgiftsbehandling", "register över behandling"]),
        ("policy", ["policy", "informationssäkerhetspolicy"]),
        ("riktlinje", ["riktlinje", "riktlinjer", "anvisning"]),
        ("protokoll", ["protokoll", "protokollsutdrag", "sammanträdesprotokoll"]),
        ("tjänsteskrivelse", ["tjänsteskrivelse", "tjänsteutlåtande"]),
        ("direktiv", ["kommittédirektiv", "tilläggsdirektiv", "dir."]),
        ("proposition", ["proposition", "prop."]),
        ("sou", ["sou ", "statens offentliga utredningar", "betänkande"]),
        ("ds", ["ds ", "ds-", "departementsserien"]),
        ("lag", ["lag (", "lag om"]),
        ("förordning", ["förordning"]),
        ("föreskrift", ["föreskrift", "föreskrifter", "myndighetsföreskrift"]),
        ("pressmeddelande", ["pressmeddelande"]),
        ("beslut", ["delegationsbeslut", "beslut"]),
        ("avtal", ["personuppgiftsbiträdesavtal", "avtal"]),
        ("rapport", ["rapport", "utredning", "förstudie"]),
    ]

    /// The rules with their marks as UTF-8 bytes.
    static let byteRules: [(String, [[UInt8]])] = rules.map { ($0.0, $0.1.map { Array($0.utf8) }) }

    /// Every mark's bytes, one after the other, and the marks by their first byte as (rule
    /// number, start, length) into them: those starting with byte `c` are
    /// `marks[firstMark[c]..<firstMark[c + 1]]`. Plain integers in flat arrays, so the scan
    /// below copies and counts no references and skips a byte that starts no mark at once.
    static let markBytes: [UInt8] = byteRules.flatMap { $0.1.flatMap { $0 } }
    static let marksByFirstByte: (firstMark: [Int32], marks: [(rule: Int32, start: Int32, count: Int32)]) = {
        var table = [[(rule: Int32, start: Int32, count: Int32)]](repeating: [], count: 256)
        var start: Int32 = 0
        for (r, rule) in byteRules.enumerated() {
            for mark in rule.1 {
                table[Int(mark[0])].append((Int32(r), start, Int32(mark.count)))
                start += Int32(mark.count)
            }
        }
        var firstMark: [Int32] = [0]
        for list in table { firstMark.append(firstMark[firstMark.count - 1] + Int32(list.count)) }
        return (firstMark, table.flatMap { $0 })
    }()

    /// One bit per pair of bytes that starts a mark (every mark has two bytes or more): most
    /// places of a text start none and are passed over with one test.
    static let markPairs: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: 1024)
        for rule in byteRules {
            for mark in rule.1 {
                let pair = Int(mark[0]) << 8 | Int(mark[1])
                bits[pair >> 6] |= 1 << UInt64(pair & 63)
            }
        }
        return bits
    }()

    /// `text` lowercased as far as the marks can tell: ASCII capitals and Latin-1 capitals
    /// (`C3 80`–`C3 9E` but ×) to small letters, on bytes. Every mark is ASCII or Latin-1
    /// small letters, and every other byte is either kept or, in `lowercased()`, mapped to a
    /// non-ASCII byte again (which no mark's continuation test tells apart), so a mark is found
    /// here exactly where it is found in `text.lowercased()` of an NFC text (the Kelvin and
    /// Ångström signs, which lowercase to ASCII and Latin-1, do not occur in NFC).
    static func lowerForMarks(_ text: String) -> [UInt8] {
        lowerForMarks(Array(text.utf8))
    }

    /// `lowerForMarks` of UTF-8 bytes.
    static func lowerForMarks(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        out.withUnsafeMutableBufferPointer { o in
            var previous: UInt8 = 0
            for i in o.indices {
                let c = o[i]
                o[i] = UTF8Scan.lowerLatin1(c, afterC3: previous == 0xC3)
                previous = c
            }
        }
        return out
    }

    /// The type named by `text`, or nil. A mark counts at a word start; long marks (6+ bytes)
    /// also count at the end of a compound (informationssäkerhetspolicy). The first rule with a
    /// mark anywhere in the text wins; the lowercased text is read once, each byte against the
    /// marks that start with it.
    static func classify(_ text: String) -> String? {
        classify(lower: lowerForMarks(text))
    }

    /// `classify` of a text's UTF-8 bytes.
    static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        classify(lower: lowerForMarks(Array(bytes)))
    }

    /// `classify` of a text lowered by `lowerForMarks`.
    private static func classify(lower: [UInt8]) -> String? {
        let best = lower.withUnsafeBufferPointer { b -> Int in
            markBytes.withUnsafeBufferPointer { m in
                marksByFirstByte.firstMark.withUnsafeBufferPointer { firstMark in
                    marksByFirstByte.marks.withUnsafeBufferPointer { marks in
                        markPairs.withUnsafeBufferPointer { pairs in
                            var best = byteRules.count
                            for i in 0..<max(0, b.count - 1) {
                                let c = Int(b[i])
                                let pair = c << 8 | Int(b[i + 1])
                                guard pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 else { continue }
                                var k = Int(firstMark[c])
                                let end = Int(firstMark[c + 1])
                                while k < end {
                                    let e = marks[k]
                                    k += 1
                                    let count = Int(e.count), start = Int(e.start)
                                    guard Int(e.rule) < best && i + count <= b.count else { continue }
                                    var j = 1
                                    while j < count && b[i + j] == m[start + j] { j += 1 }
                                    guard j == count else { continue }
                                    let p = i > 0 ? b[i - 1] : 0x20
                                    let continues = p >= 0x80 || (p >= 0x61 && p <= 0x7A) || (p >= 0x41 && p <= 0x5A) || (p >= 0x30 && p <= 0x39)
                                    if !continues || count >= 6 { best = Int(e.rule) }
                                }
                                if best == 0 { break }
                            }
                            return best
                        }
                    }
                }
            }
        }
        return best < byteRules.count ? byteRules[best].0 : nil
    }
}
