import Foundation

/// The interface language: Swedish first, English with `?lang=en` or an `Accept-Language`
/// that prefers English.
enum Language: String, Sendable {
    case sv, en

    /// `?lang=` wins; else the first of sv/en in `Accept-Language` (q-values honoured); else Swedish.
    static func negotiate(query: String?, acceptLanguage: String?) -> Language {
        if let q = query.flatMap(Language.init(rawValue:)) { return q }
        var best: (Language, Double)?
        for item in (acceptLanguage ?? "").split(separator: ",") {
            let parts = item.split(separator: ";")
            let tag = parts.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            let primary = tag.split(separator: "-").first.map(String.init) ?? ""
            guard let lang = Language(rawValue: primary) else { continue }
            var weight = 1.0
            for p in parts.dropFirst() {
                let kv = p.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix("q="), let w = Double(kv.dropFirst(2)) { weight = w }
            }
            if weight > 0, best == nil || weight > best!.1 { best = (lang, weight) }
        }
        return best?.0 ?? .sv
    }

    var strings: Strings { self == .sv ? .swedish : .english }
}

/// Every piece of interface text, in one language.
struct Strings: Sendable {
    var search, inventory, report, query, queryHelp, sortBy, byScore, byDate, byYear, submit: String
    var authority, year, type, format, status, title, date, dnr, path, page, size, sha256, encoding, language, source, ingested: String
    var documentsMatch: @Sendable (String, Int, Bool) -> String
    var fallback, noHits, noHitsHelp, emptyQuery, howUnderstood, filters, removeFilter, narrow: String
    var previous, next, resultsPages: String
    var metadata, text, match, matches, nextMatch, previousMatch, firstMatch, noMatchesInText, download, downloadHelp: String
    var duplicates, exactCopy, nearDuplicate, noText, truncated, redacted, caseNumber, backToResults: String
    var inventoryHelp, showing, csv, all, applyFilters, unknown: String
    var reportIntro, flags, chart, latestByType, filesReceived, citedNotReleased, kind, reference, citedIn, files, documents, withoutText: String
    var notFound, notFoundHelp, badRequest, busy, serverError, skip, languageSwitch, otherLanguage, explainTitle: String
    var untitled: String

    static let swedish = Strings(
        search: "Sök", inventory: "Förteckning", report: "Rapport", query: "Sökfråga",
        queryHelp: "Alla ord måste finnas. Fält: title:, org:, type:, dnr:, year:2015..2021, format:. Fraser inom \"…\", -ord utesluter.",
        sortBy: "Sortera", byScore: "relevans", byDate: "datum", byYear: "år", submit: "Sök",
        authority: "Myndighet", year: "År", type: "Typ", format: "Format", status: "Status", title: "Titel", date: "Datum",
        dnr: "Diarienummer", path: "Fil", page: "Sida", size: "Storlek", sha256: "SHA-256", encoding: "Teckenkodning",
        language: "Språk", source: "Källa", ingested: "Inläst",
        documentsMatch: { q, n, exact in "\(exact ? "" : "minst ")\(n) \(n == 1 ? "dokument matchar" : "dokument matchar") ”\(q)”" },
        fallback: "Inget dokument innehåller alla orden; träffarna har något av dem och rangordnas efter det.",
        noHits: "Inga dokument matchar.",
        noHitsHelp: "Prova färre ord, ta bort ett filter, eller sök på ordstammen med * (t.ex. molntj*).",
        emptyQuery: "Skriv en sökfråga, eller välj ett filter för att bläddra.",
        howUnderstood: "Hur tolkades frågan?", filters: "Filter", removeFilter: "Ta bort filtret", narrow: "Avgränsa",
        previous: "Föregående", next: "Nästa", resultsPages: "Resultatsidor",
        metadata: "Uppgifter", text: "Text", match: "träff", matches: "träffar", nextMatch: "Nästa träff", previousMatch: "Föregående träff",
        firstMatch: "Till första träffen", noMatchesInText: "Sökorden finns inte i texten (de matchade uppgifterna).",
        download: "Ladda ner originalfilen", downloadHelp: "exakt som den togs emot",
        duplicates: "Dubbletter", exactCopy: "exakt kopia", nearDuplicate: "nästan likadan", noText: "Ingen text kunde läsas ur filen.",
        truncated: "Texten är avkortad här; ladda ner filen för att läsa allt.", redacted: "maskerat", caseNumber: "diarienummer",
        backToResults: "Tillbaka till träffarna",
        inventoryHelp: "Alla filer i utlämnandet. Klicka på en kolumnrubrik för att sortera.", showing: "visas",
        csv: "Ladda ner som CSV", all: "alla", applyFilters: "Filtrera", unknown: "okänt",
        reportIntro: "Referensår %1 (det nyaste dokumentet); dokumenttyper äldre än %2 år flaggas.",
        flags: "Flaggor", chart: "Dokument per myndighet och år", latestByType: "Senaste år per dokumenttyp",
        filesReceived: "Mottagna filer", citedNotReleased: "Hänvisat till men inte utlämnat", kind: "Slag", reference: "Hänvisning",
        citedIn: "Hänvisas i", files: "Filer", documents: "Dokument", withoutText: "Utan text",
        notFound: "Sidan finns inte", notFoundHelp: "Adressen pekar inte på något i utlämnandet.",
        badRequest: "Felaktig begäran", busy: "Servern är upptagen", serverError: "Något gick fel",
        skip: "Hoppa till innehållet", languageSwitch: "In English", otherLanguage: "en", explainTitle: "Så tolkades frågan",
        untitled: "(utan titel)")

    static let english = Strings(
        search: "Search", inventory: "Inventory", report: "Report", query: "Query",
        queryHelp: "Every word must match. Fields: title:, org:, type:, dnr:, year:2015..2021, format:. Phrases in \"…\", -word excludes.",
        sortBy: "Sort", byScore: "relevance", byDate: "date", byYear: "year", submit: "Search",
        authority: "Authority", year: "Year", type: "Type", format: "Format", status: "Status", title: "Title", date: "Date",
        dnr: "Case number", path: "File", page: "Page", size: "Size", sha256: "SHA-256", encoding: "Encoding",
        language: "Language", source: "Source", ingested: "Ingested",
        documentsMatch: { q, n, exact in "\(exact ? "" : "at least ")\(n) document\(n == 1 ? "" : "s") match “\(q)”" },
        fallback: "No document has every word; these have some of them and are ranked by those.",
        noHits: "No documents match.",
        noHitsHelp: "Try fewer words, remove a filter, or search a word stem with * (e.g. molntj*).",
        emptyQuery: "Type a query, or pick a filter to browse.",
        howUnderstood: "How was this understood?", filters: "Filters", removeFilter: "Remove the filter", narrow: "Narrow",
        previous: "Previous", next: "Next", resultsPages: "Result pages",
        metadata: "Metadata", text: "Text", match: "match", matches: "matches", nextMatch: "Next match", previousMatch: "Previous match",
        firstMatch: "Go to the first match", noMatchesInText: "The query words are not in the text (the metadata matched).",
        download: "Download the original file", downloadHelp: "exactly as received",
        duplicates: "Duplicates", exactCopy: "exact copy", nearDuplicate: "near-duplicate", noText: "No text could be read from the file.",
        truncated: "The text is cut short here; download the file to read all of it.", redacted: "redacted", caseNumber: "case number",
        backToResults: "Back to the results",
        inventoryHelp: "Every file of the release. Click a column heading to sort.", showing: "shown",
        csv: "Download as CSV", all: "all", applyFilters: "Filter", unknown: "unknown",
        reportIntro: "Reference year %1 (the newest document); document types older than %2 years are flagged.",
        flags: "Flags", chart: "Documents per authority and year", latestByType: "Latest year per document type",
        filesReceived: "Files received", citedNotReleased: "Cited but not released", kind: "Kind", reference: "Reference",
        citedIn: "Cited in", files: "Files", documents: "Documents", withoutText: "Without text",
        notFound: "Page not found", notFoundHelp: "The address points to nothing in the release.",
        badRequest: "Bad request", busy: "The server is busy", serverError: "Something went wrong",
        skip: "Skip to the content", languageSwitch: "På svenska", otherLanguage: "sv", explainTitle: "How the query was understood",
        untitled: "(untitled)")
}
