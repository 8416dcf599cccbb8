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

    /// The type named by `text`, or nil. A mark counts at a word start; long marks (6+ bytes)
    /// also count at the end of a compound (informationssäkerhetspolicy).
    static func classify(_ text: String) -> String? {
        let lower = Array(text.lowercased().utf8)
        for (type, marks) in byteRules {
            for mark in marks {
                var from = 0
                while let at = ByteSearch.find(mark, in: lower, from: from) {
                    if !ByteSearch.continuesWord(lower, before: at) || mark.count >= 6 { return type }
                    from = at + 1
                }
            }
        }
        return nil
    }
}
