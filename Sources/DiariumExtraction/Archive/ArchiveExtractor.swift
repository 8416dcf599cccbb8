/// What one top-level file may still inflate: shared by the file and every container nested
/// in it (ZIP entries, Office packages inside them), so nesting cannot multiply the budget.
/// Only ever used by the one thread running that extraction.
final class ContainerBudget: @unchecked Sendable {
    /// Bytes that may still be inflated.
    var bytes: Int
    /// Entries that may still be opened.
    var entries: Int
    init(bytes: Int, entries: Int) {
        self.bytes = bytes
        self.entries = entries
    }
}

/// The container nesting an extraction runs at, set while a ZIP entry is extracted, so an
/// archive inside an archive continues the count (depth and budget) instead of restarting it.
enum ContainerContext {
    struct State: Sendable {
        var depth = 0
        var budget: ContainerBudget? = nil
    }

    @TaskLocal static var current = State()

    /// The budget of the running extraction, created for the top-level file when needed.
    static func budget(_ limits: ExtractionLimits) -> ContainerBudget {
        current.budget ?? ContainerBudget(bytes: limits.maxArchiveBytes, entries: limits.maxArchiveEntries)
    }

    /// The most bytes `entry` may inflate to: what the budget has left, the per-file limit,
    /// and the compression ratio limit (entries of up to 1 MiB are not held to the ratio).
    static func readLimit(_ entry: ZipArchive.Entry, budget: ContainerBudget, limits: ExtractionLimits) -> (Int, Limit) {
        let ratio = max(1 << 20, entry.compressedSize.multipliedReportingOverflow(by: limits.maxCompressionRatio).partialValue)
        var best = (budget.bytes, Limit.total)
        if limits.maxFileSize < best.0 { best = (limits.maxFileSize, .file) }
        if entry.method != 0 && ratio < best.0 { best = (ratio, .ratio) }
        return best
    }

    /// Which limit stopped an entry.
    enum Limit { case total, file, ratio }

    /// Reads `entry` within the limits, charging the budget; a limit or a damaged entry comes
    /// back as the reason, worded for the inventory.
    static func read(_ entry: ZipArchive.Entry, of archive: ZipArchive, budget: ContainerBudget,
                     limits: ExtractionLimits) -> Result<[UInt8], ExtractionError> {
        let (limit, which) = readLimit(entry, budget: budget, limits: limits)
        // A budget spent by an archive nested deeper leaves nothing for the next entry.
        if limit <= 0 {
            return .failure(.limitExceeded("the archive inflates to more than \(limits.maxArchiveBytes) bytes in all (a zip bomb?)"))
        }
        do {
            let bytes = try archive.read(entry, limit: limit)
            budget.bytes -= bytes.count
            return .success(bytes)
        } catch {
            switch error {
            case .overLimit:
                budget.bytes -= limit
                switch which {
                case .total:
                    return .failure(.limitExceeded("the archive inflates to more than \(limits.maxArchiveBytes) bytes in all (a zip bomb?)"))
                case .file:
                    return .failure(.limitExceeded("the entry inflates to more than \(limits.maxFileSize) bytes, the limit per file (raise it with --max-file-size)"))
                case .ratio:
                    return .failure(.limitExceeded("the entry inflates more than \(limits.maxCompressionRatio) times its compressed size (a zip bomb?)"))
                }
            case .encrypted: return .failure(.encrypted(format: "ZIP entry"))
            case .unsupportedMethod(let m): return .failure(.parseFailed(format: "ZIP entry", reason: "compression method \(m) is not supported"))
            case .entry(let why), .notAnArchive(let why): return .failure(.parseFailed(format: "ZIP entry", reason: why))
            case .tooManyEntries(let n): return .failure(.limitExceeded("more than \(n) entries"))
            }
        }
    }
}

/// A ZIP archive of documents: each file entry becomes a part named by its path inside the
/// archive (`Tekniska förvaltningen/protokoll.docx`) and is extracted like a file of its own,
/// with the entry's folders as folder metadata. Nested archives are opened up to
/// `limits.maxArchiveDepth`; the whole file may inflate at most `limits.maxArchiveBytes`
/// and open at most `limits.maxArchiveEntries` entries. The archive's own text is its list of
/// entries.
enum ArchiveExtractor {
    static func extract(_ archive: ZipArchive, components: [String], limits: ExtractionLimits) -> (ExtractedDocument, ExplicitMetadata) {
        let state = ContainerContext.current
        let budget = ContainerContext.budget(limits)
        var doc = ExtractedDocument(format: "zip")
        var names: [String] = []
        var stopped: ExtractionError? = nil
        for entry in archive.entries where !entry.isDirectory {
            let name = displayName(entry.name)
            guard !name.isEmpty else { continue }
            names.append(name)
            if stopped != nil { continue }
            if budget.entries <= 0 {
                stopped = .limitExceeded("more than \(limits.maxArchiveEntries) entries in all")
                continue
            }
            budget.entries -= 1
            let path = components + name.split(separator: "/").map(String.init)
            var part: ExtractedDocument
            if entry.isSymlink {
                part = ExtractedDocument(format: "link", failure: .unreadable(reason: "symbolic link inside the archive, not followed"))
            } else {
                switch ContainerContext.read(entry, of: archive, budget: budget, limits: limits) {
                case .success(let bytes):
                    let inner = ContainerContext.State(depth: state.depth + 1, budget: budget)
                    part = ContainerContext.$current.withValue(inner) {
                        Extractor(limits: limits).extract(bytes: bytes, components: path)
                    }
                case .failure(let reason):
                    part = ExtractedDocument(format: Extractor.formatFromName(name) ?? "unknown", failure: reason)
                    MetadataExtractor.fill(&part, explicit: ExplicitMetadata(), path: path)
                    if budget.bytes <= 0 { stopped = reason }
                }
            }
            part.partName = name
            // The inventory holds one level of parts: an entry's own parts (files of a nested
            // archive, attachments of a mail) follow it, named by their path through it.
            let nested = part.parts
            part.parts = []
            doc.parts.append(part)
            for var p in nested {
                p.partName = name + "/" + (p.partName ?? "part \(doc.parts.count + 1)")
                doc.parts.append(p)
            }
        }
        doc.text = names.joined(separator: "\n")
        if let stopped { doc.failure = stopped }
        var explicit = ExplicitMetadata()
        if let name = components.last { explicit.title = (MetadataExtractor.stripExtension(name), .archive("file-name")) }
        return (doc, explicit)
    }

    /// An entry name for display and metadata: `\` as `/`, no leading `/` or drive, no `.`,
    /// `..` or empty components, control characters dropped. Never used as a path on disk.
    static func displayName(_ raw: String) -> String {
        let cleaned = String(String.UnicodeScalarView(raw.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        var components: [Substring] = []
        for c in cleaned.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            if c == "." || c == ".." { continue }
            if components.isEmpty && c.count == 2 && c.hasSuffix(":") { continue }
            components.append(c)
        }
        return TextDecoding.nfc(components.joined(separator: "/"))
    }
}
