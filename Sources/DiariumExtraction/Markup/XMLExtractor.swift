/// Text and metadata from any XML vocabulary. Every text node becomes a line. Elements and
/// attributes whose names say title, date, case number or organisation give metadata
/// candidates, ranked by how decisive the name is (a decision date beats a registration date).
/// Known record exports — ERMS `record`s, case-system `arende`s — also yield one document per
/// record, each with its own text and metadata.
enum XMLExtractor {
    struct Record {
        var text: String
        var name: String?
        var metadata: ExplicitMetadata
    }

    struct Result {
        var text: String
        var root: String?
        var metadata: ExplicitMetadata
        var records: [Record]
    }

    /// A metadata candidate: `key` is the element (or `@attribute`) name, with the value of a
    /// qualifying attribute such as `dateType` in brackets: `date[decision_date]`.
    struct Candidate {
        var field: Field
        var key: String
        var value: String
        /// Element depth below the file's root or the enclosing record.
        var depth: Int = 0
    }

    enum Field { case title, date, dnr, authority, type }

    // Candidate keys per field, most decisive first. Keys not listed are ignored.
    static let titleKeys = ["title", "titel", "dokumenttitel", "rubrik", "arendemening", "ärendemening", "beskrivning", "dokumentnamn"]
    static let dateKeys = [
        "beslutsdatum", "beslutad", "date[decision_date]", "actiondate[decision_date]", "fastställd", "faststalld",
        "upprättad", "upprattad", "upprättat", "upprattat", "date[originated]", "handlingdatum", "date[opened]", "datum",
        "utfärdad", "utfardad", "issued", "date", "date[created]", "ankomstdatum", "registreringsdatum", "registreraddatum",
        "publicerad", "published", "utkomfrantryck", "created",
    ]
    static let dnrKeys = [
        "@dnr", "dnr", "diarienummer", "diarienr", "arendenummer", "ärendenummer", "identification[ärendenummer]",
        "identification[arendenummer]", "objectid", "identifier", "beteckning",
    ]
    static let authorityKeys = [
        "identification[arkivbildare]", "organ", "myndighet", "beslutadav", "publisher", "creator", "utfardare", "utfärdare",
        "organisation", "agencyname", "nämnd", "namnd", "forvaltning", "förvaltning", "enhet", "@kommun",
    ]
    static let typeKeys = ["doktyp", "dokumenttyp", "type", "typ"]
    static let qualifiers = ["datetype", "identificationtype", "agenttype"]

    static func extract(_ utf8: [UInt8], deadline: Deadline? = nil) throws -> Result {
        var lines: [String] = []
        var fileCandidates: [Candidate] = []
        var stack: [(name: String, key: String, record: Int?)] = []
        var recordDepth: [Int] = []
        var leaves: [String: String] = [:]  // first text of each element name, for vocabularies read by name
        var root: String?
        var buffer = ""
        var records: [(lines: [String], candidates: [Candidate])] = []
        var recordName = "record"

        func add(_ c: Candidate, record: Int?) {
            var c = c
            c.depth = stack.count - (record.map { recordDepth[$0] } ?? 0)
            if let r = record { records[r].candidates.append(c) } else { fileCandidates.append(c) }
        }
        func classify(_ key: String, _ value: String, record: Int?) {
            let base = key.split(separator: "[").first.map(String.init) ?? key
            if titleKeys.contains(key) { add(Candidate(field: .title, key: key, value: value), record: record) }
            if dateKeys.contains(key) || dateKeys.contains(base) && key.hasPrefix("date[") {
                add(Candidate(field: .date, key: key, value: value), record: record)
            }
            if dnrKeys.contains(key) { add(Candidate(field: .dnr, key: key, value: value), record: record) }
            if authorityKeys.contains(key) { add(Candidate(field: .authority, key: key, value: value), record: record) }
            if typeKeys.contains(key) { add(Candidate(field: .type, key: key, value: value), record: record) }
        }
        func flush() {
            let t = TextAccumulator.collapse(buffer)
            buffer = ""
            guard !t.isEmpty, let top = stack.last else { return }
            lines.append(t)
            if leaves[top.key] == nil { leaves[top.key] = t }
            if let r = top.record { records[r].lines.append(t) }
            classify(top.key, t, record: top.record)
        }

        try LibXML.walkXML(utf8, deadline: deadline) { event in
            switch event {
            case let .start(name, attributes):
                flush()
                if root == nil {
                    root = name
                    if name == "erms" { recordName = "record" } else { recordName = "" }
                }
                var record = stack.last?.record
                if name == recordName || name == "arende" || name == "ärende" {
                    records.append(([], []))
                    recordDepth.append(stack.count + 1)
                    record = records.count - 1
                }
                var key = name
                for q in qualifiers {
                    if let v = attributes[q] { key = "\(name)[\(v.lowercased())]"; break }
                }
                stack.append((name, key, record))
                for (attribute, value) in attributes where !value.isEmpty {
                    if attribute == "resource" {
                        // RDF: <dct:publisher rdf:resource="http://rinfo.lagrummet.se/org/boverket"/>
                        if authorityKeys.contains(name), let last = value.split(separator: "/").last {
                            add(Candidate(field: .authority, key: name, value: last.prefix(1).uppercased() + last.dropFirst()), record: record)
                        }
                        continue
                    }
                    classify("@" + attribute, value, record: record)
                    if dateKeys.contains(attribute) { add(Candidate(field: .date, key: attribute, value: value), record: record) }
                }
            case let .text(s):
                buffer += s
            case .end:
                flush()
                _ = stack.popLast()
            }
        }
        flush()

        var metadata = choose(fileCandidates)
        // Riksdagen document status: the designation is riksmöte + beteckning (`Prop. 2016/17:14`).
        if root == "dokumentstatus" || root == "dokumentlista" {
            metadata = riksdagen(leaves, metadata: metadata)
        }
        if metadata.type == nil, let root, let t = DocumentType.classify(rootTypeName(root)) { metadata.type = (t, .xml("root")) }
        let parts = records.enumerated().map { i, r -> Record in
            var m = choose(r.candidates)
            if m.authority == nil { m.authority = metadata.authority }
            return Record(text: r.lines.joined(separator: "\n"), name: m.dnr?.0 ?? "record \(i + 1)", metadata: m)
        }
        return Result(text: lines.joined(separator: "\n"), root: root, metadata: metadata, records: parts)
    }

    /// Picks, per field, the candidate whose key ranks highest.
    static func choose(_ candidates: [Candidate]) -> ExplicitMetadata {
        var m = ExplicitMetadata()
        // The shallowest element that has a candidate for the field wins; among equals, key rank.
        func best(_ field: Field, _ keys: [String], valid: (String) -> Bool = { _ in true }) -> (String, MetadataSource)? {
            let usable = candidates.filter { $0.field == field && keys.contains($0.key) && valid($0.value) }
            guard let depth = usable.map(\.depth).min() else { return nil }
            for k in keys {
                if let c = usable.first(where: { $0.depth == depth && $0.key == k }) { return (c.value, .xml(c.key)) }
            }
            return nil
        }
        // Titles: a better-named element one level deeper still wins (`huvud/rubrik` over a
        // top-level `beskrivning`); deeper ones are other things' titles.
        let titles = candidates.filter { $0.field == .title && $0.value.count >= 3 }
        if let minDepth = titles.map(\.depth).min() {
            for k in titleKeys {
                if let c = titles.filter({ $0.key == k && $0.depth <= minDepth + 1 }).min(by: { $0.depth < $1.depth }) {
                    m.title = (c.value, .xml(c.key))
                    break
                }
            }
        }
        m.date = best(.date, dateKeys) { !DateFinder.dates(in: $0).isEmpty || yearOnly($0) != nil }
        if let d = m.date, DateFinder.dates(in: d.0).isEmpty, let y = yearOnly(d.0) {
            m.date = nil
            m.year = (y, d.1)
        }
        m.dnr = best(.dnr, dnrKeys) { DiarienummerFinder.shaped($0, allowBare: true) != nil }
        m.authority = best(.authority, authorityKeys) { MetadataExtractor.authorityName(cleanOrganisation($0)) != nil }
            ?? best(.authority, authorityKeys) { !$0.isEmpty }
        if let a = m.authority { m.authority = (cleanOrganisation(a.0), a.1) }
        if let t = best(.type, typeKeys), let v = typeFromCode(t.0) { m.type = (v, t.1) }
        return m
    }

    static func yearOnly(_ s: String) -> Int? {
        let t = s.trimmed()
        guard t.count == 4, let y = Int(t), (1900...2099).contains(y) else { return nil }
        return y
    }

    /// `Sverige. Justitiedepartementet` → `Justitiedepartementet`.
    static func cleanOrganisation(_ s: String) -> String {
        var v = s.trimmed()
        if v.hasPrefix("Sverige. ") { v = String(v.dropFirst(9)) }
        return v
    }

    static func typeFromCode(_ code: String) -> String? {
        switch code.lowercased().trimmed() {
        case "prop", "proposition": return "proposition"
        case "sou": return "sou"
        case "ds": return "ds"
        case "dir", "kommittédirektiv": return "direktiv"
        case "bet", "betänkande", "rskr", "utl": return "rapport"
        case "sfs", "lag": return "lag"
        case "förordning": return "förordning"
        case "prot", "protokoll": return "protokoll"
        default: return DocumentType.classify(code)
        }
    }

    /// `Myndighetsforeskrift` → words a type rule can match.
    static func rootTypeName(_ root: String) -> String {
        switch root {
        case "myndighetsforeskrift": return "föreskrift"
        case "utredningsbetankande": return "SOU "
        case "kommittedirektiv": return "kommittédirektiv"
        case "registerforteckning": return "registerförteckning"
        default: return root
        }
    }

    static func riksdagen(_ leaves: [String: String], metadata: ExplicitMetadata) -> ExplicitMetadata {
        var m = metadata
        func value(_ key: String) -> String? { leaves[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let t = value("titel") { m.title = (t, .xml("titel")) }
        if let d = value("datum") { m.date = (d, .xml("datum")) }
        if let o = value("organ") { m.authority = (o, .xml("organ")) }
        if let rm = value("rm"), let bet = value("beteckning") {
            let typ = value("typ") ?? ""
            let prefix = ["prop": "Prop. ", "mot": "Mot. ", "bet": "Bet. ", "sou": "SOU ", "ds": "Ds ", "dir": "Dir. "][typ] ?? ""
            let designation = typ == "sou" || typ == "ds" || typ == "dir" ? "\(prefix)\(rm.prefix(4)):\(bet)" : "\(prefix)\(rm):\(bet)"
            m.dnr = (designation, .xml("rm+beteckning"))
        }
        if let t = value("doktyp").flatMap(typeFromCode) { m.type = (t, .xml("doktyp")) }
        return m
    }
}
