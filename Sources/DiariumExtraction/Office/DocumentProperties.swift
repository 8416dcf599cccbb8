/// Document properties an Office file carries (OOXML `docProps/core.xml` and `app.xml`, ODF
/// `meta.xml`): who created and last saved it, when, with which program, for which company.
/// They are kept as recorded (`ExtractedDocument.properties`) and offered to the metadata
/// rules as fallbacks ranked below the text: a document made from a template carries the
/// template's title and dates.
struct DocumentProperties {
    /// Property name (`title`, `creator`, `lastModifiedBy`, `created`, `modified`, `company`,
    /// `application`, `subject`, `keywords`, `description`, `manager`, `template`) → value.
    var values: [String: String] = [:]
    /// Where the properties came from, for sources: `office-core`, `office-app`, `odf-meta`.
    var origin: [String: String] = [:]

    mutating func set(_ key: String, _ value: String, from origin: String) {
        let v = value.trimmed()
        guard !v.isEmpty, values[key] == nil else { return }
        values[key] = String(v.prefix(1000))
        self.origin[key] = origin
    }

    /// OOXML core properties (`cp:coreProperties`: Dublin Core and `cp:` elements).
    mutating func readCore(_ package: OfficePackage, part: String) throws(ExtractionError) {
        let names = ["title": "title", "subject": "subject", "creator": "creator", "keywords": "keywords",
                     "description": "description", "lastmodifiedby": "lastModifiedBy", "created": "created",
                     "modified": "modified", "category": "category", "identifier": "identifier"]
        try readFlat(package, part: part, names: names, origin: "office-core")
    }

    /// OOXML extended properties (`Properties` of `app.xml`).
    mutating func readApp(_ package: OfficePackage, part: String) throws(ExtractionError) {
        let names = ["application": "application", "company": "company", "manager": "manager", "template": "template"]
        try readFlat(package, part: part, names: names, origin: "office-app")
    }

    /// ODF `meta.xml` (or the `office:meta` of a flat file, via `visit`).
    mutating func readODFMeta(_ package: OfficePackage) throws(ExtractionError) {
        var walker = ODFMetaWalker()
        try package.walk("meta.xml") { walker.visit($0) }
        merge(walker.properties)
    }

    mutating func merge(_ other: DocumentProperties) {
        for (k, v) in other.values { set(k, v, from: other.origin[k] ?? "") }
    }

    private mutating func readFlat(_ package: OfficePackage, part: String, names: [String: String], origin: String) throws(ExtractionError) {
        var depth = 0
        var current: String? = nil
        var buffer = ""
        var found: [(String, String)] = []
        try package.walk(part) { event in
            switch event {
            case .start(let name, _):
                depth += 1
                if depth == 2 { current = names[name]; buffer = "" }
            case .text(let t):
                if current != nil && depth >= 2 { buffer += t }
            case .end:
                if depth == 2, let key = current { found.append((key, buffer)) ; current = nil }
                depth -= 1
            }
        }
        for (k, v) in found { set(k, v, from: origin) }
    }

    /// The metadata the properties give, as `embedded` sources (ranked below the text): title,
    /// date (last saved, else created), authority (the company or the creator when it names
    /// one), diarienummer (an identifier).
    var metadata: ExplicitMetadata {
        var m = ExplicitMetadata()
        func source(_ key: String, ooxml: String, odf: String) -> MetadataSource {
            switch origin[key] {
            case "odf-meta": return .odfMeta(odf)
            case "office-app": return .officeApp(ooxml)
            default: return .officeCore(ooxml)
            }
        }
        if let t = values["title"] { m.title = (t, source("title", ooxml: "dc:title", odf: "dc:title")) }
        if let d = values["modified"] {
            m.date = (d, source("modified", ooxml: "dcterms:modified", odf: "dc:date"))
        } else if let d = values["created"] {
            m.date = (d, source("created", ooxml: "dcterms:created", odf: "meta:creation-date"))
        }
        if let c = values["company"], MetadataExtractor.authorityName(c) != nil {
            m.authority = (c, source("company", ooxml: "Company", odf: "user-defined:Company"))
        } else if let c = values["creator"], MetadataExtractor.authorityName(c) != nil {
            m.authority = (c, source("creator", ooxml: "dc:creator", odf: "meta:initial-creator"))
        }
        if let i = values["identifier"] { m.dnr = (i, source("identifier", ooxml: "dc:identifier", odf: "user-defined:Dnr")) }
        return m
    }
}

/// Collects ODF `office:meta` children: `dc:title`, `dc:subject`, `dc:description`,
/// `meta:initial-creator`, `dc:creator` (the last to save), `meta:creation-date`, `dc:date`,
/// `meta:generator`, `meta:keyword`, and user-defined fields named `Company`/`Dnr`.
struct ODFMetaWalker {
    var properties = DocumentProperties()
    private var inMeta = false
    private var current: String? = nil
    private var userDefined: String? = nil
    private var buffer = ""

    static let names = ["title": "title", "subject": "subject", "description": "description", "initial-creator": "creator",
                        "creator": "lastModifiedBy", "creation-date": "created", "date": "modified", "generator": "application",
                        "keyword": "keywords"]

    mutating func visit(_ event: MarkupEvent) {
        switch event {
        case .start(let name, let attributes):
            if name == "meta" { inMeta = true; return }
            guard inMeta else { return }
            if name == "user-defined", let n = attributes["name"]?.lowercased() {
                userDefined = ["company": "company", "företag": "company", "dnr": "identifier", "diarienummer": "identifier"][n]
                current = nil
                buffer = ""
            } else {
                current = ODFMetaWalker.names[name]
                buffer = ""
            }
        case .text(let t):
            if inMeta && (current != nil || userDefined != nil) { buffer += t }
        case .end(let name):
            if name == "meta" { inMeta = false; return }
            if let key = current {
                properties.set(key, buffer, from: "odf-meta")
                current = nil
            } else if let key = userDefined, name == "user-defined" {
                properties.set(key, buffer, from: "odf-meta")
                userDefined = nil
            }
        }
    }
}
