import DiariumAnalysis
import DiariumExtraction
import DiariumIndex
import Foundation

/// The release report: per authority, what was received, which kinds of documents and how old
/// the latest of each is, and flags a requester acts on (no risk analysis, a stale one, no
/// information classification, a reply saying no documents exist).
public struct ReleaseReport: Codable, Sendable {
    /// One responding authority.
    public struct Authority: Codable, Sendable {
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
        /// What the requester should look at.
        public var flags: [String]
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

    /// Case numbers, annexes and named governing documents cited by some document but absent
    /// from the release.
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

    static func missingReferences(_ inventory: [DocumentRecord], reader: IndexReader) throws -> [MissingReference] {
        let key = CaseNumbers.key
        let released = Set(inventory.compactMap(\.dnr).map(key))
        let titles = inventory.compactMap { $0.title?.lowercased() }
        let names = inventory.map { fileName($0.path).lowercased() }
        var missing: [String: MissingReference] = [:]
        func add(_ kind: String, _ ref: String, _ path: String) {
            missing["\(kind)|\(ref)", default: MissingReference(kind: kind, reference: ref, citedIn: [])].citedIn.append(path)
        }
        for d in inventory where d.status == .ok {
            let text = String(decoding: try reader.storedText(of: d) ?? [], as: UTF8.self)
            let own = d.dnr.map(key)
            for c in Citations.caseNumbers(in: text) where key(c) != own && !released.contains(key(c)) {
                // Statute numbers and parliamentary designations are public elsewhere.
                if c.hasPrefix("SFS") || c.contains("Prop") || c.contains("/") && c.split(separator: "/").last?.count == 2 { continue }
                add("case number", c, d.path)
            }
            let folder = folderName(d.path)
            for n in Citations.annexes(in: text) {
                let present = inventory.contains { folderName($0.path) == folder
                    && fileName($0.path).lowercased().hasPrefix("bilaga \(n)") }
                if !present { add("annex", "bilaga \(n)", d.path) }
            }
            for forms in Citations.namedDocuments(in: text) {
                // Released when a title or file name holds the phrase in any of its lengths.
                let released = forms.contains { form in titles.contains { $0.contains(form) } || names.contains { $0.contains(form) } }
                if !released, let shortest = forms.first { add("document", forms.count > 1 ? forms[1] : shortest, d.path) }
            }
        }
        return missing.values.map { var m = $0; m.citedIn = unique(m.citedIn); return m }
            .sorted { ($0.kind, $0.reference) < ($1.kind, $1.reference) }
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
        missingReferences = try ReleaseReport.missingReferences(inventory, reader: reader)
        reviewedDocuments = inventory.filter { $0.comments + $0.trackedChanges > 0 }
            .sorted { ($0.path, $0.part) < ($1.path, $1.part) }
            .map { r in
                let part = r.part == 0 ? nil : r.sources.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }?["part"]
                return ReviewedDocument(path: r.path, part: part, authority: r.authority, comments: r.comments, trackedChanges: r.trackedChanges)
            }
        authorities = try byAuthority.keys.sorted().map { name -> Authority in
            let docs = byAuthority[name] ?? []
            let files = docs.filter { $0.part == 0 }
            var formats: [String: Int] = [:]
            for f in files { formats[f.format, default: 0] += 1 }
            var latest: [String: Int] = [:]
            for d in docs { if let t = d.docType, let y = d.year { latest[t] = max(latest[t] ?? 0, y) } }
            var flags: [String] = []
            if let y = latest["riskanalys"] {
                if y < referenceYear - staleAfter { flags.append("latest risk analysis is older than \(staleAfter) years (\(y))") }
            } else {
                flags.append("no risk analysis")
            }
            if latest["informationsklassning"] == nil { flags.append("no information classification") }
            if latest["konsekvensbedömning"] == nil { flags.append("no DPIA (konsekvensbedömning)") }
            for reply in docs where reply.docType == "e-post" {
                // Lines of an e-mail wrap mid-sentence: match on the text with whitespace collapsed.
                let text = String(decoding: try reader.storedText(of: reply) ?? [], as: UTF8.self).lowercased()
                    .split(whereSeparator: \.isWhitespace).joined(separator: " ")
                if ReleaseReport.noDocumentPhrases.contains(where: text.contains) { flags.append("reply says no documents exist") }
                if ReleaseReport.outOfCloudPhrases.contains(where: text.contains) { flags.append("reply says sensitive data is kept out of the cloud") }
                if ReleaseReport.inProgressPhrases.contains(where: text.contains) { flags.append("reply says the analysis is in progress") }
            }
            var redactions = 0
            var secrecy: [String: Int] = [:]
            for d in docs where d.status == .ok {
                let text = String(decoding: try reader.storedText(of: d) ?? [], as: UTF8.self)
                redactions += Citations.redactions(in: text)
                for p in Citations.secrecyProvisions(in: text) { secrecy[p, default: 0] += 1 }
            }
            if redactions > 0 { flags.append("\(redactions) masked passage\(redactions == 1 ? "" : "s")") }
            let reviewed = docs.filter { $0.comments + $0.trackedChanges > 0 }.count
            if reviewed > 0 {
                flags.append("\(reviewed) document\(reviewed == 1 ? "" : "s") still carr\(reviewed == 1 ? "ies" : "y") comments or tracked changes")
            }
            let failures = files.filter { $0.status != .ok }.count
            if failures > 0 { flags.append("\(failures) file\(failures == 1 ? "" : "s") without readable text") }
            return Authority(name: name, files: files.count, documents: docs.count, formats: formats, failures: failures,
                             latestByType: latest, years: Array(Set(docs.compactMap(\.year))).sorted(), flags: ReleaseReport.unique(flags),
                             redactions: redactions, secrecyProvisions: secrecy)
        }
    }
}
