import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import DiariumOutput
import Foundation

/// The release report: per authority, what was received, which kinds of documents and how old
/// the latest of each is, and flags a requester acts on (no risk analysis, a stale one, no
/// information classification, a reply saying no documents exist).
public struct ReleaseReport: Encodable, Sendable {
    /// One responding authority.
    public struct Authority: Encodable, Sendable {
        public var name: String
        /// Files received (inventory rows that are files, not parts).
        public var files: Int
        /// Documents, attachments and records included.
        public var documents: Int
        /// Files per format.
        public var formats: [String: Int]
        /// Files whose text could not be read.
        public var failures: Int
        /// Latest year per document type.
        public var latestByType: [String: Int]
        /// Years covered, ascending.
        public var years: [Int]
        /// What the requester should look at (in JSON, each flag's English text).
        public var flags: [ReportFlag]
        /// Masked passages in its documents.
        public var redactions: Int
        /// Secrecy provisions cited (`osl:26:1`) with the number of documents citing each.
        public var secrecyProvisions: [String: Int]
    }

    /// Something a document cites that the release does not contain: material for a
    /// follow-up request.
    public struct MissingReference: Codable, Sendable {
        /// `case number`, `annex` or `document`.
        public var kind: String
        /// What is cited: `KS 2019/0456`, `bilaga 3`, `riktlinje för informationssäkerhet`.
        public var reference: String
        /// Where it is cited.
        public var citedIn: [String]
    }

    /// Cited but not released.
    public var missingReferences: [MissingReference]

    /// A released document that still carries comments or tracked changes: a requester
    /// wants to know what the reviewers said and what was changed.
    public struct ReviewedDocument: Codable, Sendable {
        /// The file, and the part name for a document inside it (a ZIP entry, an attachment).
        public var path: String
        public var part: String?
        public var authority: String?
        public var comments: Int
        public var trackedChanges: Int
    }

    /// Documents with comments or tracked changes left in them, by path.
    public var reviewedDocuments: [ReviewedDocument]

    /// The year the report measures staleness from: the newest document's year.
    public var referenceYear: Int
    /// A document type older than this many years is flagged.
    public var staleAfter: Int
    public var authorities: [Authority]
    /// Documents per year over the whole release.
    public var documentsByYear: [String: Int]
    /// Documents per authority and year.
    public var matrix: [String: [String: Int]]

    /// The document types shown as columns of the authority × type matrix.
    public static let keyTypes = ["riskanalys", "informationsklassning", "konsekvensbedömning", "pul-bedömning", "policy", "riktlinje",
                                  "registerförteckning", "protokoll", "tjänsteskrivelse", "beslut", "e-post"]

    /// Phrases of a reply that says the requested documents do not exist.
    static let noDocumentPhrases = ["finns ingen allmän handling", "finns det ingen allmän handling", "finns inga allmänna handlingar",
                                    "har inte gjort någon", "har ingen egen analys", "har ingen särskild analys", "har ingen analys",
                                    "saknas handlingar", "inga sådana handlingar"]
    /// Phrases of a reply that says sensitive data is kept out of cloud services.
    static let outOfCloudPhrases = ["inte ska hanteras i molntjänster", "hålls utanför molntjänsterna", "utanför molnet",
                                    "inte hanteras i molntjänster", "inte får lagras i molntjänster"]
    /// Phrases of a reply that says the requested analysis is still being written.
    static let inProgressPhrases = ["analysen pågår", "arbetet pågår", "ännu inte färdigställt", "utkast som finns"]

    /// The folder part of a recorded path (before its last `/`). Not NSString's path methods:
    /// Foundation on Linux traps on some strings a damaged catalog can hold (`"a/"`).
    static func folderName(_ path: String) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return path[..<slash]
    }

    /// The file-name part of a recorded path (after its last `/`).
    static func fileName(_ path: String) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return Substring(path) }
        return path[path.index(after: slash)...]
    }

    /// What one document's text says, read once for the whole report.
    struct TextFacts {
        var redactions = 0
        var secrecyProvisions: [String] = []
        /// For an e-mail reply: the flags its wording raises.
        var replyFlags: [ReportFlag] = []
    }

    /// Reads the text of every readable document once: the references it cites that the release
    /// lacks (case numbers, annexes and named governing documents), and its `TextFacts`. Every
    /// lookup is indexed (a set of released case numbers, the annex numbers per folder, a sorted
    /// table of title and file-name suffixes), so the work grows with the text, not with the
    /// product of citations and documents.
    static func readTexts(_ inventory: [DocumentRecord], reader: IndexReader) throws -> (missing: [MissingReference], facts: [Int64: TextFacts]) {
        let key = CaseNumbers.key
        let released = Set(inventory.compactMap(\.dnr).map(key))
        let phrases = PhraseTable(inventory.compactMap { $0.title?.lowercased() }
                                  + inventory.map { fileName($0.path).lowercased() })
        // Folder → the annex numbers n for which a file there is named `bilaga n…`.
        var annexFiles: [String: Set<Int>] = [:]
        for d in inventory {
            let name = fileName(d.path).lowercased()
            guard name.hasPrefix("bilaga ") else { continue }
            let digits = Array(name.utf8.dropFirst(7).prefix { $0 >= 0x30 && $0 <= 0x39 }.prefix(2))
            guard let first = digits.first, first != 0x30 else { continue }
            let folder = String(folderName(d.path))
            annexFiles[folder, default: []].insert(Int(first - 0x30))
            if digits.count == 2 { annexFiles[folder, default: []].insert(Int(first - 0x30) * 10 + Int(digits[1] - 0x30)) }
        }
        var missing: [String: MissingReference] = [:]
        func add(_ kind: String, _ ref: String, _ path: String) {
            missing["\(kind)|\(ref)", default: MissingReference(kind: kind, reference: ref, citedIn: [])].citedIn.append(path)
        }
        var facts: [Int64: TextFacts] = [:]
        for d in inventory where d.status == .ok {
            let text = String(decoding: try reader.storedText(of: d) ?? [], as: UTF8.self)
            let own = d.dnr.map(key)
            for c in Citations.caseNumbers(in: text) where key(c) != own && !released.contains(key(c)) {
                // Statute numbers and parliamentary designations are public elsewhere.
                if c.hasPrefix("SFS") || c.contains("Prop") || c.contains("/") && c.split(separator: "/").last?.count == 2 { continue }
                add("case number", c, d.path)
            }
            let folder = String(folderName(d.path))
            for n in Citations.annexes(in: text) where !(annexFiles[folder]?.contains(n) ?? false) { add("annex", "bilaga \(n)", d.path) }
            for forms in Citations.namedDocuments(in: text) {
                // Released when a title or file name holds the phrase in any of its lengths.
                if !forms.contains(where: phrases.containsSubstring), let shortest = forms.first {
                    add("document", forms.count > 1 ? forms[1] : shortest, d.path)
                }
            }
            var f = TextFacts(redactions: Citations.redactions(in: text), secrecyProvisions: Citations.secrecyProvisions(in: text))
            if d.docType == "e-post" {
                // Lines of an e-mail wrap mid-sentence: match on the text with whitespace collapsed.
                let flat = text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
                if ReleaseReport.noDocumentPhrases.contains(where: flat.contains) { f.replyFlags.append(.replyNoDocuments) }
                if ReleaseReport.outOfCloudPhrases.contains(where: flat.contains) { f.replyFlags.append(.replyOutOfCloud) }
                if ReleaseReport.inProgressPhrases.contains(where: flat.contains) { f.replyFlags.append(.replyInProgress) }
            }
            facts[d.id] = f
        }
        let refs = missing.values.map { var m = $0; m.citedIn = unique(m.citedIn); return m }
            .sorted { ($0.kind, $0.reference) < ($1.kind, $1.reference) }
        return (refs, facts)
    }

    /// Substring lookups of governing-document phrases (`riktlinje för …`) in titles and file
    /// names: every suffix of a title that starts with a head word and ` för `, sorted by bytes,
    /// so that "does some title contain this phrase" is a binary search. Every phrase starts with
    /// one of `heads` followed by ` för `, so every occurrence of it starts one of these suffixes.
    struct PhraseTable {
        static let heads = ["riktlinje", "policy", "rutin", "handbok", "plan", "instruktion", "reglemente"].map { Array("\($0) för ".utf8) }
        var suffixes: [ArraySlice<UInt8>] = []

        init(_ haystacks: [String]) {
            for h in haystacks {
                let bytes = Array(h.utf8)
                for head in PhraseTable.heads where bytes.count >= head.count {
                    for at in 0...(bytes.count - head.count) where bytes[at] == head[0] && bytes[at..<(at + head.count)].elementsEqual(head) {
                        suffixes.append(bytes[at...])
                    }
                }
            }
            suffixes.sort { $0.lexicographicallyPrecedes($1) }
        }

        /// Whether some haystack contains `phrase` (which starts with a head and ` för `).
        func containsSubstring(_ phrase: String) -> Bool {
            let p = Array(phrase.utf8)
            var lo = 0, hi = suffixes.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if suffixes[mid].lexicographicallyPrecedes(p) { lo = mid + 1 } else { hi = mid }
            }
            return lo < suffixes.count && suffixes[lo].starts(with: p)
        }
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// Builds the report from an index snapshot.
    public init(reader: IndexReader, staleAfter: Int = 5) throws {
        self.staleAfter = staleAfter
        let inventory = try reader.inventory()
        let referenceYear = inventory.compactMap(\.year).max() ?? Calendar.current.component(.year, from: Date())
        self.referenceYear = referenceYear
        var byAuthority: [String: [DocumentRecord]] = [:]
        for r in inventory { byAuthority[r.authority ?? "(okänd avsändare)", default: []].append(r) }
        var years: [String: Int] = [:]
        var matrix: [String: [String: Int]] = [:]
        for r in inventory {
            let y = r.year.map(String.init) ?? "okänt"
            years[y, default: 0] += 1
            matrix[r.authority ?? "(okänd avsändare)", default: [:]][y, default: 0] += 1
        }
        documentsByYear = years
        self.matrix = matrix
        let (missing, facts) = try ReleaseReport.readTexts(inventory, reader: reader)
        missingReferences = missing
        reviewedDocuments = inventory.filter { $0.comments + $0.trackedChanges > 0 }
            .sorted { ($0.path, $0.part) < ($1.path, $1.part) }
            .map { r in
                let part = r.part == 0 ? nil : r.sources.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }?["part"]
                return ReviewedDocument(path: r.path, part: part, authority: r.authority, comments: r.comments, trackedChanges: r.trackedChanges)
            }
        authorities = byAuthority.keys.sorted().map { name -> Authority in
            let docs = byAuthority[name] ?? []
            let files = docs.filter { $0.part == 0 }
            var formats: [String: Int] = [:]
            for f in files { formats[f.format, default: 0] += 1 }
            var latest: [String: Int] = [:]
            for d in docs { if let t = d.docType, let y = d.year { latest[t] = max(latest[t] ?? 0, y) } }
            var flags: [ReportFlag] = []
            if let y = latest["riskanalys"] {
                if y < referenceYear - staleAfter { flags.append(.staleRiskAnalysis(latest: y, staleAfter: staleAfter)) }
            } else {
                flags.append(.noRiskAnalysis)
            }
            if latest["informationsklassning"] == nil { flags.append(.noInformationClassification) }
            if latest["konsekvensbedömning"] == nil { flags.append(.noDPIA) }
            for reply in docs where reply.docType == "e-post" { flags.append(contentsOf: facts[reply.id]?.replyFlags ?? []) }
            var redactions = 0
            var secrecy: [String: Int] = [:]
            for d in docs {
                guard let f = facts[d.id] else { continue }
                redactions += f.redactions
                for p in f.secrecyProvisions { secrecy[p, default: 0] += 1 }
            }
            if redactions > 0 { flags.append(.maskedPassages(redactions)) }
            let reviewed = docs.filter { $0.comments + $0.trackedChanges > 0 }.count
            if reviewed > 0 { flags.append(.reviewedDocuments(reviewed)) }
            let failures = files.filter { $0.status != .ok }.count
            if failures > 0 { flags.append(.filesWithoutText(failures)) }
            return Authority(name: name, files: files.count, documents: docs.count, formats: formats, failures: failures,
                             latestByType: latest, years: Array(Set(docs.compactMap(\.year))).sorted(), flags: flags.reduce(into: []) { if !$0.contains($1) { $0.append($1) } },
                             redactions: redactions, secrecyProvisions: secrecy)
        }
    }
}

/// Something in an authority's part of the release a requester should look at. Rendered in
/// the reader's language (`text(in:)`, from the shared `Strings` table); in JSON, its English
/// text (the report's JSON is stable whatever the language).
public enum ReportFlag: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The latest risk analysis is from `latest`, more than `staleAfter` years before the reference year.
    case staleRiskAnalysis(latest: Int, staleAfter: Int)
    case noRiskAnalysis
    case noInformationClassification
    case noDPIA
    /// An e-mail reply says that no such documents exist.
    case replyNoDocuments
    /// An e-mail reply says sensitive data is kept out of the cloud.
    case replyOutOfCloud
    /// An e-mail reply says the analysis is in progress.
    case replyInProgress
    case maskedPassages(Int)
    /// Documents still carrying comments or tracked changes.
    case reviewedDocuments(Int)
    case filesWithoutText(Int)

    /// The flag in `language`.
    public func text(in language: Language) -> String {
        let s = language.strings
        switch self {
        case let .staleRiskAnalysis(latest, staleAfter): return s.flagStaleRiskAnalysis(latest, staleAfter)
        case .noRiskAnalysis: return s.flagNoRiskAnalysis
        case .noInformationClassification: return s.flagNoInformationClassification
        case .noDPIA: return s.flagNoDPIA
        case .replyNoDocuments: return s.flagReplyNoDocuments
        case .replyOutOfCloud: return s.flagReplyOutOfCloud
        case .replyInProgress: return s.flagReplyInProgress
        case let .maskedPassages(n): return s.flagMaskedPassages(n)
        case let .reviewedDocuments(n): return s.flagReviewedDocuments(n)
        case let .filesWithoutText(n): return s.flagFilesWithoutText(n)
        }
    }

    /// The English text.
    public var description: String { text(in: .en) }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
