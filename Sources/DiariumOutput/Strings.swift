/// The interface languages: Swedish first (the release's readers are Swedish), English.
public enum Language: String, Sendable, CaseIterable {
    case sv, en

    /// The language the locale variables ask for, in POSIX precedence (`LC_ALL`, then
    /// `LC_MESSAGES`, then `LANG`; the first one set decides): Swedish when it starts with
    /// `sv` (`sv_SE.UTF-8`, `sv`), else English.
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[name], !value.isEmpty { return value.lowercased().hasPrefix("sv") ? .sv : .en }
        }
        return .en
    }

    /// For a web page: `?lang=` wins; else the first of sv/en in `Accept-Language` (q-values
    /// honoured); else Swedish.
    public static func negotiate(query: String?, acceptLanguage: String?) -> Language {
        if let q = query.flatMap(Language.init(rawValue:)) { return q }
        var best: (Language, Double)?
        for item in (acceptLanguage ?? "").split(separator: ",") {
            let parts = item.split(separator: ";")
            let tag = parts.first.map { Language.trimmed($0).lowercased() } ?? ""
            let primary = tag.split(separator: "-").first.map(String.init) ?? ""
            guard let lang = Language(rawValue: primary) else { continue }
            var weight = 1.0
            for p in parts.dropFirst() {
                let kv = Language.trimmed(p)
                if kv.hasPrefix("q="), let w = Double(kv.dropFirst(2)) { weight = w }
            }
            if weight > 0, best == nil || weight > best!.1 { best = (lang, weight) }
        }
        return best?.0 ?? .sv
    }

    static func trimmed(_ s: Substring) -> Substring {
        s.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed().reduce(into: Substring()) { $0.append($1) }
    }

    /// Every piece of interface text in this language.
    public var strings: Strings { Strings(self) }
}

/// Every piece of interface text of diarium — the web pages (`diarium serve`), the command
/// line's headings and messages (`--lang`), the release report — in ONE table: each entry has
/// its Swedish and its English side by side, so no language can fall behind the other.
/// Document-derived values are never in here; callers escape what they insert.
/// CSV column names and JSON keys are not interface text: they stay stable English identifiers.
public struct Strings: Sendable {
    /// The language of these strings.
    public let lang: Language

    public init(_ lang: Language) { self.lang = lang }

    @inline(__always)
    func pick(_ sv: String, _ en: String) -> String { lang == .sv ? sv : en }

    // MARK: Web pages and shared headings

    public var search: String { pick("Sök", "Search") }
    public var inventory: String { pick("Förteckning", "Inventory") }
    public var report: String { pick("Rapport", "Report") }
    public var query: String { pick("Sökfråga", "Query") }
    public var queryHelp: String { pick("Alla ord måste finnas. Fält: title:, org:, type:, dnr:, year:2015..2021, format:. Fraser inom \"…\", -ord utesluter.", "Every word must match. Fields: title:, org:, type:, dnr:, year:2015..2021, format:. Phrases in \"…\", -word excludes.") }
    public var sortBy: String { pick("Sortera", "Sort") }
    public var byScore: String { pick("relevans", "relevance") }
    public var byDate: String { pick("datum", "date") }
    public var byYear: String { pick("år", "year") }
    public var submit: String { pick("Sök", "Search") }
    public var authority: String { pick("Myndighet", "Authority") }
    public var year: String { pick("År", "Year") }
    public var type: String { pick("Typ", "Type") }
    public var format: String { pick("Format", "Format") }
    public var status: String { pick("Status", "Status") }
    public var title: String { pick("Titel", "Title") }
    public var date: String { pick("Datum", "Date") }
    public var dnr: String { pick("Diarienummer", "Case number") }
    public var path: String { pick("Fil", "File") }
    public var page: String { pick("Sida", "Page") }
    public var size: String { pick("Storlek", "Size") }
    public var sha256: String { pick("SHA-256", "SHA-256") }
    public var encoding: String { pick("Teckenkodning", "Encoding") }
    public var language: String { pick("Språk", "Language") }
    public var source: String { pick("Källa", "Source") }
    public var ingested: String { pick("Inläst", "Ingested") }
    public var fallback: String { pick("Inget dokument innehåller alla orden; träffarna har något av dem och rangordnas efter det.", "No document has every word; these have some of them and are ranked by those.") }
    public var noHits: String { pick("Inga dokument matchar.", "No documents match.") }
    public var noHitsHelp: String { pick("Prova färre ord, ta bort ett filter, eller sök på ordstammen med * (t.ex. molntj*).", "Try fewer words, remove a filter, or search a word stem with * (e.g. molntj*).") }
    public var emptyQuery: String { pick("Skriv en sökfråga, eller välj ett filter för att bläddra.", "Type a query, or pick a filter to browse.") }
    public var howUnderstood: String { pick("Hur tolkades frågan?", "How was this understood?") }
    public var filters: String { pick("Filter", "Filters") }
    public var removeFilter: String { pick("Ta bort filtret", "Remove the filter") }
    public var narrow: String { pick("Avgränsa", "Narrow") }
    public var previous: String { pick("Föregående", "Previous") }
    public var next: String { pick("Nästa", "Next") }
    public var resultsPages: String { pick("Resultatsidor", "Result pages") }
    public var metadata: String { pick("Uppgifter", "Metadata") }
    public var text: String { pick("Text", "Text") }
    public var match: String { pick("träff", "match") }
    public var matches: String { pick("träffar", "matches") }
    public var nextMatch: String { pick("Nästa träff", "Next match") }
    public var previousMatch: String { pick("Föregående träff", "Previous match") }
    public var firstMatch: String { pick("Till första träffen", "Go to the first match") }
    public var noMatchesInText: String { pick("Sökorden finns inte i texten (de matchade uppgifterna).", "The query words are not in the text (the metadata matched).") }
    public var download: String { pick("Ladda ner originalfilen", "Download the original file") }
    public var downloadHelp: String { pick("exakt som den togs emot", "exactly as received") }
    public var duplicates: String { pick("Dubbletter", "Duplicates") }
    public var exactCopy: String { pick("exakt kopia", "exact copy") }
    public var nearDuplicate: String { pick("nästan likadan", "near-duplicate") }
    public var noText: String { pick("Ingen text kunde läsas ur filen.", "No text could be read from the file.") }
    public var truncated: String { pick("Texten är avkortad här; ladda ner filen för att läsa allt.", "The text is cut short here; download the file to read all of it.") }
    public var redacted: String { pick("maskerat", "redacted") }
    public var caseNumber: String { pick("diarienummer", "case number") }
    public var backToResults: String { pick("Tillbaka till träffarna", "Back to the results") }
    public var inventoryHelp: String { pick("Alla filer i utlämnandet. Klicka på en kolumnrubrik för att sortera.", "Every file of the release. Click a column heading to sort.") }
    public var showing: String { pick("visas", "shown") }
    public var csv: String { pick("Ladda ner som CSV", "Download as CSV") }
    public var all: String { pick("alla", "all") }
    public var applyFilters: String { pick("Filtrera", "Filter") }
    public var unknown: String { pick("okänt", "unknown") }
    public var reportIntro: String { pick("Referensår %1 (det nyaste dokumentet); dokumenttyper äldre än %2 år flaggas.", "Reference year %1 (the newest document); document types older than %2 years are flagged.") }
    public var flags: String { pick("Flaggor", "Flags") }
    public var chart: String { pick("Dokument per myndighet och år", "Documents per authority and year") }
    public var latestByType: String { pick("Senaste år per dokumenttyp", "Latest year per document type") }
    public var filesReceived: String { pick("Mottagna filer", "Files received") }
    public var citedNotReleased: String { pick("Hänvisat till men inte utlämnat", "Cited but not released") }
    public var kind: String { pick("Slag", "Kind") }
    public var reference: String { pick("Hänvisning", "Reference") }
    public var citedIn: String { pick("Hänvisas i", "Cited in") }
    public var files: String { pick("Filer", "Files") }
    public var documents: String { pick("Dokument", "Documents") }
    public var withoutText: String { pick("Utan text", "Without text") }
    public var notFound: String { pick("Sidan finns inte", "Page not found") }
    public var notFoundHelp: String { pick("Adressen pekar inte på något i utlämnandet.", "The address points to nothing in the release.") }
    public var badRequest: String { pick("Felaktig begäran", "Bad request") }
    public var busy: String { pick("Servern är upptagen", "The server is busy") }
    public var serverError: String { pick("Något gick fel", "Something went wrong") }
    public var skip: String { pick("Hoppa till innehållet", "Skip to the content") }
    public var languageSwitch: String { pick("In English", "På svenska") }
    public var otherLanguage: String { pick("en", "sv") }
    public var explainTitle: String { pick("Så tolkades frågan", "How the query was understood") }
    public var untitled: String { pick("(utan titel)", "(untitled)") }

    /// "12 documents match “query”" (`exact` false: "at least 12 …").
    public func documentsMatch(_ q: String, _ n: Int, _ exact: Bool) -> String {
        pick("\(exact ? "" : "minst ")\(n) dokument matchar ”\(q)”",
             "\(exact ? "" : "at least ")\(n) document\(n == 1 ? "" : "s") match “\(q)”")
    }

    // MARK: The command line (`diarium list`, `search`, `ingest`)

    /// "3 pages" after a listed document.
    public func pages(_ n: Int) -> String { pick("\(n) \(n == 1 ? "sida" : "sidor")", "\(n) page\(n == 1 ? "" : "s")") }

    /// A document's status in words (`ok`, `failed`, …).
    public func status(_ raw: String) -> String {
        switch raw {
        case "ok": return pick("läst", "read")
        case "empty": return pick("tom", "empty")
        case "unsupported": return pick("format som inte läses", "unsupported format")
        case "failed": return pick("kunde inte läsas", "not read")
        case "encrypted": return pick("krypterad", "encrypted")
        default: return raw
        }
    }

    /// The last line of `diarium list`: how many documents were listed of how many selected.
    public func documentsListed(_ shown: Int, of total: Int) -> String {
        shown == total
            ? pick("\(total) dokument", "\(total) document\(total == 1 ? "" : "s")")
            : pick("\(shown) av \(total) dokument", "\(shown) of \(total) document\(total == 1 ? "" : "s")")
    }

    /// The first line of `diarium search`: "12 documents match "query"".
    public func searchSummary(_ q: String, _ n: Int, _ exact: Bool) -> String {
        pick("\(exact ? "" : "minst ")\(n) dokument matchar \"\(q)\"",
             "\(exact ? "" : "at least ")\(n) document\(n == 1 ? "" : "s") match \"\(q)\"")
    }

    /// Under the search summary when no document has every word.
    public var searchFallback: String {
        pick("(inget dokument har alla orden; träffarna rangordnas efter något av dem)", "(no document has every word; ranked by any of them)")
    }

    /// The page of a hit, after its path.
    public func onPage(_ n: Int) -> String { pick("s. \(n)", "p. \(n)") }

    // MARK: The release report

    public var reportTitle: String { pick("Rapport över utlämnandet", "Release report") }
    public func reportReference(_ year: Int, staleAfter: Int) -> String {
        pick("Referensår \(year) (det nyaste dokumentet); dokumenttyper äldre än \(staleAfter) år flaggas.",
             "Reference year \(year) (the newest document); types older than \(staleAfter) years are flagged.")
    }
    public var reportAuthority: String { pick("myndighet", "authority") }
    public var reportFiles: String { pick("filer", "files") }
    public var reportDocuments: String { pick("dokument", "documents") }
    public var reportFormats: String { pick("format", "formats") }
    public var reportWithoutText: String { pick("utan text", "without text") }
    public var reportYears: String { pick("år", "years") }
    public var reportRedactions: String { pick("Maskeringar och sekretess", "Redactions and secrecy") }
    public var reportMasked: String { pick("maskerade stycken", "masked passages") }
    public var reportProvisions: String { pick("åberopade bestämmelser (dokument)", "provisions cited (documents)") }
    public var reportReviewed: String { pick("Kvarlämnade kommentarer och spårade ändringar", "Comments and tracked changes left in") }
    public func reportReviewedIntro(_ n: Int) -> String {
        pick("\(n) dokument har fortfarande kommentarer eller spårade ändringar (`diarium show SÖKVÄG --text` markerar dem).",
             "\(n) document\(n == 1 ? "" : "s") still carr\(n == 1 ? "ies" : "y") reviewers' comments or tracked changes (`diarium show PATH --text` marks them).")
    }
    public var reportDocument: String { pick("dokument", "document") }
    public var reportComments: String { pick("kommentarer", "comments") }
    public var reportTrackedChanges: String { pick("spårade ändringar", "tracked changes") }
    public var reportFollowUp: String { pick("Underlag för en ny begäran.", "Material for a follow-up request.") }
    public var reportKind: String { pick("slag", "kind") }
    public var reportReference: String { pick("hänvisning", "reference") }
    public var reportCitedIn: String { pick("hänvisas i", "cited in") }

    // Flags of the release report (`ReportFlag`).
    public func flagStaleRiskAnalysis(_ latest: Int, _ staleAfter: Int) -> String {
        pick("senaste riskanalysen är äldre än \(staleAfter) år (\(latest))", "latest risk analysis is older than \(staleAfter) years (\(latest))")
    }
    public var flagNoRiskAnalysis: String { pick("ingen riskanalys", "no risk analysis") }
    public var flagNoInformationClassification: String { pick("ingen informationsklassning", "no information classification") }
    public var flagNoDPIA: String { pick("ingen konsekvensbedömning (DPIA)", "no DPIA (konsekvensbedömning)") }
    public var flagReplyNoDocuments: String { pick("svaret säger att inga handlingar finns", "reply says no documents exist") }
    public var flagReplyOutOfCloud: String { pick("svaret säger att känsliga uppgifter hålls utanför molnet", "reply says sensitive data is kept out of the cloud") }
    public var flagReplyInProgress: String { pick("svaret säger att analysen pågår", "reply says the analysis is in progress") }
    public func flagMaskedPassages(_ n: Int) -> String {
        pick("\(n) \(n == 1 ? "maskerat stycke" : "maskerade stycken")", "\(n) masked passage\(n == 1 ? "" : "s")")
    }
    public func flagReviewedDocuments(_ n: Int) -> String {
        pick("\(n) dokument har kvar kommentarer eller spårade ändringar",
             "\(n) document\(n == 1 ? "" : "s") still carr\(n == 1 ? "ies" : "y") comments or tracked changes")
    }
    public func flagFilesWithoutText(_ n: Int) -> String {
        pick("\(n) \(n == 1 ? "fil" : "filer") utan läsbar text", "\(n) file\(n == 1 ? "" : "s") without readable text")
    }

    /// What a missing reference is (`annex`, `case number`, `document`: the report's JSON values).
    public func referenceKind(_ raw: String) -> String {
        switch raw {
        case "annex": return pick("bilaga", "annex")
        case "case number": return pick("diarienummer", "case number")
        case "document": return pick("dokument", "document")
        default: return raw
        }
    }
}
