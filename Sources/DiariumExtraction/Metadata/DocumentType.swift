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

    /// Every mark's bytes, one after the other, and per first byte the marks that start with
    /// it as (rule number, start, length) into them: plain integers, so the scan below copies
    /// and counts no references.
    static let markBytes: [UInt8] = byteRules.flatMap { $0.1.flatMap { $0 } }
    static let marksByFirstByte: [[(rule: Int, start: Int, count: Int)]] = {
        var table = [[(rule: Int, start: Int, count: Int)]](repeating: [], count: 256)
        var start = 0
        for (r, rule) in byteRules.enumerated() {
            for mark in rule.1 {
                table[Int(mark[0])].append((r, start, mark.count))
                start += mark.count
            }
        }
        return table
    }()

    /// `text` lowercased as far as the marks can tell: ASCII capitals and Latin-1 capitals
    /// (`C3 80`–`C3 9E` but ×) to small letters, on bytes. Every mark is ASCII or Latin-1
    /// small letters, and every other byte is either kept or, in `lowercased()`, mapped to a
    /// non-ASCII byte again (which no mark's continuation test tells apart), so a mark is found
    /// here exactly where it is found in `text.lowercased()` of an NFC text (the Kelvin and
    /// Ångström signs, which lowercase to ASCII and Latin-1, do not occur in NFC).
    static func lowerForMarks(_ text: String) -> [UInt8] {
        var out = Array(text.utf8)
        var i = 0
        while i < out.count {
            let c = out[i]
            if c >= 0x41 && c <= 0x5A { out[i] = c | 0x20 }
            else if c == 0xC3, i + 1 < out.count, out[i + 1] >= 0x80 && out[i + 1] <= 0x9E && out[i + 1] != 0x97 { out[i + 1] += 0x20; i += 1 }
            i += 1
        }
        return out
    }

    /// The type named by `text`, or nil. A mark counts at a word start; long marks (6+ bytes)
    /// also count at the end of a compound (informationssäkerhetspolicy). The first rule with a
    /// mark anywhere in the text wins; the lowercased text is read once, each byte against the
    /// marks that start with it.
    static func classify(_ text: String) -> String? {
        let lower = lowerForMarks(text)
        let best = lower.withUnsafeBufferPointer { b -> Int in
            markBytes.withUnsafeBufferPointer { m in
                marksByFirstByte.withUnsafeBufferPointer { table in
                    var best = byteRules.count
                    for i in 0..<b.count {
                        table[Int(b[i])].withUnsafeBufferPointer { marks in
                            for e in marks where e.rule < best && i + e.count <= b.count {
                                var k = 1
                                while k < e.count && b[i + k] == m[e.start + k] { k += 1 }
                                guard k == e.count else { continue }
                                let c = i > 0 ? b[i - 1] : 0x20
                                let continues = c >= 0x80 || (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
                                if !continues || e.count >= 6 { best = e.rule }
                            }
                        }
                        if best == 0 { break }
                    }
                    return best
                }
            }
        }
        return best < byteRules.count ? byteRules[best].0 : nil
    }
}
