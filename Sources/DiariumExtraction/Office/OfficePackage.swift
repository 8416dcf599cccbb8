/// A ZIP-based Office package (OOXML, ODF) opened for reading: its parts by name, each
/// inflated within the file's container budget and parsed through `LibXML` (no external
/// entities, no DTDs, no network).
struct OfficePackage {
    let archive: ZipArchive
    let limits: ExtractionLimits
    let budget: ContainerBudget
    let deadline: Deadline

    /// The part named `name` (no leading `/`), nil when absent; a part that breaks a limit or
    /// is damaged throws the reason.
    func data(_ name: String) throws(ExtractionError) -> [UInt8]? {
        let wanted = name.hasPrefix("/") ? String(name.dropFirst()) : name
        guard let entry = archive.entry(named: wanted) ?? archive.entries.first(where: { $0.name.lowercased() == wanted.lowercased() })
        else { return nil }
        switch ContainerContext.read(entry, of: archive, budget: budget, limits: limits) {
        case .success(let bytes): return bytes
        case .failure(let reason): throw reason
        }
    }

    /// Walks the XML part `name`; false when the package has no such part.
    @discardableResult
    func walk(_ name: String, _ visit: (MarkupEvent) -> Void) throws(ExtractionError) -> Bool {
        guard let bytes = try data(name) else { return false }
        if deadline.expired { throw .timeLimit(seconds: deadline.seconds) }
        do {
            try LibXML.walkXML(bytes, deadline: deadline, visit)
        } catch let e as ExtractionError {
            throw e
        } catch {
            throw .parseFailed(format: "XML part \(name)", reason: "\(error)")
        }
        return true
    }

    /// A relationship of an OOXML part (`_rels/*.rels`).
    struct Relationship {
        var id: String
        /// The type URI's last component: `officeDocument`, `header`, `comments`, `slide` …
        var type: String
        /// The target part's name, resolved against the source part's folder.
        var target: String
        var external: Bool
    }

    /// The relationships of the part `source` ("" for the package's own `_rels/.rels`).
    func relationships(of source: String) throws(ExtractionError) -> [Relationship] {
        let folder = source.split(separator: "/").dropLast().joined(separator: "/")
        let file = source.split(separator: "/").last.map(String.init) ?? ""
        let relsName = (folder.isEmpty ? "" : folder + "/") + "_rels/" + file + ".rels"
        var result: [Relationship] = []
        try walk(relsName) { event in
            guard case let .start(name, a) = event, name == "relationship", let id = a["id"], let target = a["target"] else { return }
            let type = a["type"].flatMap { $0.split(separator: "/").last.map(String.init) } ?? ""
            let external = a["targetmode"]?.lowercased() == "external"
            result.append(Relationship(id: id, type: type, target: external ? target : OfficePackage.resolve(target, in: folder), external: external))
        }
        return result
    }

    /// `target` relative to `folder` (or absolute with a leading `/`), `..` resolved.
    static func resolve(_ target: String, in folder: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : folder.split(separator: "/")
        for c in target.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { _ = parts.popLast(); continue }
            parts.append(c)
        }
        return parts.joined(separator: "/")
    }
}

/// Builds a document's text from markup events: paragraphs on lines of their own, table
/// cells separated by tabs and rows by line breaks (a paragraph inside a cell ends with a
/// space), and tracked changes and comments kept inside readable marks (see `RevisionMarks`).
struct TextBuilder {
    private(set) var text = ""
    /// Table nesting: inside a cell, paragraphs do not break lines.
    var cellDepth = 0

    mutating func append(_ s: String) { text += s }

    mutating func endParagraph() {
        if cellDepth > 0 {
            if !text.isEmpty && !text.hasSuffix(" ") && !text.hasSuffix("\t") && !text.hasSuffix("\n") { text += " " }
        } else {
            trimTrailingSpaces()
            text += "\n"
        }
    }

    mutating func endCell() {
        trimTrailingSpaces()
        text += "\t"
    }

    mutating func endRow() {
        while text.hasSuffix("\t") || text.hasSuffix(" ") { text.removeLast() }
        text += "\n"
    }

    mutating func lineBreak() { text += cellDepth > 0 ? " " : "\n" }

    mutating func trimTrailingSpaces() {
        while text.hasSuffix(" ") { text.removeLast() }
    }

    /// The text with runs of blank lines collapsed to one and surrounding whitespace trimmed.
    func finished() -> String {
        var out = ""
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingTrailing()
            if trimmed.isEmpty { blank += 1; continue }
            if !out.isEmpty { out += blank > 0 ? "\n\n" : "\n" }
            blank = 0
            out += trimmed
        }
        return out
    }
}

/// How tracked changes and comments appear in extracted text, so `show` marks them and
/// `search` finds them: `[Infogat av Anna Berg: text]`, `[Borttaget av Anna Berg: text]`,
/// `[Kommentar av Anna Berg: text]`. The counts go to the inventory (the release report
/// lists documents that still carry them).
enum RevisionMarks {
    static func open(_ kind: Kind, author: String?) -> String {
        let who = author.map { $0.trimmed() }.flatMap { $0.isEmpty ? nil : $0 }
        return "[" + kind.rawValue + (who.map { " av " + $0 } ?? "") + ": "
    }
    static let close = "]"

    enum Kind: String {
        case insertion = "Infogat"
        case deletion = "Borttaget"
        case comment = "Kommentar"
    }
}

/// Counts of review marks a document still carries.
public struct RevisionCounts: Sendable, Equatable {
    /// Comments (annotations).
    public var comments = 0
    /// Tracked insertions.
    public var insertions = 0
    /// Tracked deletions.
    public var deletions = 0

    /// Whether anything is left.
    public var isEmpty: Bool { comments == 0 && insertions == 0 && deletions == 0 }
    /// Tracked changes, insertions and deletions together.
    public var trackedChanges: Int { insertions + deletions }

    public init(comments: Int = 0, insertions: Int = 0, deletions: Int = 0) {
        self.comments = comments
        self.insertions = insertions
        self.deletions = deletions
    }
}

extension Substring {
    func trimmingTrailing() -> Substring {
        var s = self
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return s
    }
}
