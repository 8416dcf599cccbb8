import Foundation

/// How serious a problem found by `IndexVerifier` is.
public enum VerificationSeverity: String, Codable, Sendable {
    /// The index is damaged or inconsistent: searches may fail or return wrong documents.
    case error
    /// Harmless for readers, e.g. a file left by an interrupted ingest.
    case warning
}

/// One problem found by `IndexVerifier`.
public struct VerificationProblem: Codable, Sendable, Equatable {
    /// Error or warning.
    public var severity: VerificationSeverity
    /// Path of the file concerned: a segment file, the catalog, or the index directory.
    public var file: String
    /// What is wrong, worded for the person running diarium.
    public var message: String

    /// A problem of `severity` in `file`.
    public init(severity: VerificationSeverity, file: String, message: String) {
        self.severity = severity
        self.file = file
        self.message = message
    }
}

/// The outcome of `IndexVerifier.verify()`: what was checked, and every problem found.
public struct VerificationReport: Codable, Sendable {
    /// The index directory.
    public var directory: String
    /// Segments listed in the catalog.
    public var segments = 0
    /// Catalog rows (one per received file or document inside one).
    public var documents = 0
    /// Catalog rows whose text is in a segment.
    public var indexedDocuments = 0
    /// Documents in the segment files, deleted ones included.
    public var segmentDocuments = 0
    /// Tombstones (segment documents replaced since their segment was written).
    public var deletedDocuments = 0
    /// Dictionary entries decoded.
    public var terms = 0
    /// (term, document) postings decoded.
    public var postings = 0
    /// Term positions decoded.
    public var positions = 0
    /// Stored-text blocks decompressed.
    public var storedTextBlocks = 0
    /// Files in `segments/` that no catalog row names.
    public var orphanFiles = 0
    /// Number of problems of severity error.
    public var errors = 0
    /// Number of problems of severity warning.
    public var warnings = 0
    /// The problems, errors and warnings in the order found (at most `problemLimit`; the
    /// counts include those left out).
    public var problems: [VerificationProblem] = []

    /// Problems listed at most; later ones are counted only.
    public static let problemLimit = 1000

    /// True when no error was found (warnings allowed).
    public var isValid: Bool { errors == 0 }

    /// An empty report for `directory`.
    public init(directory: String) { self.directory = directory }

    /// Records a problem.
    mutating func add(_ severity: VerificationSeverity, _ file: String, _ message: String) {
        switch severity {
        case .error: errors += 1
        case .warning: warnings += 1
        }
        if problems.count < VerificationReport.problemLimit {
            problems.append(VerificationProblem(severity: severity, file: file, message: message))
        }
    }
}

/// Checks an index directory without changing it (the catalog is opened read-only, segments
/// are mapped read-only, no lock is taken): every listed segment opens (magic, version,
/// CRC-32, bounds) and decodes in full (dictionary, postings, positions, stored text); catalog
/// rows and segment documents point at each other; every indexed row has postings; and no
/// unlisted files lie in `segments/`. Run it while no ingest is writing: files of a commit in
/// progress show up as unlisted.
public struct IndexVerifier: Sendable {
    /// The index directory.
    public let directory: String

    /// A verifier of the index in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// A segment that opened and decoded.
    private struct Checked {
        var reader: SegmentReader
        var contents: SegmentContents
        var file: String
    }

    /// Runs every check. Throws `IndexError.noIndex` when `directory` holds no catalog; every
    /// other problem is reported in the result.
    public func verify() throws -> VerificationReport {
        var report = VerificationReport(directory: directory)
        let catalogPath = IndexLayout.catalog(directory)
        let segmentsPath = IndexLayout.segments(directory)
        guard FileManager.default.fileExists(atPath: catalogPath) else { throw IndexError.noIndex(directory: directory) }
        // A link where diarium keeps its own file is reported, never followed.
        do {
            try IndexLayout.checkForReading(directory)
        } catch let error as IndexError {
            if case let .unsafeIndexEntry(path, _) = error { report.add(.error, path, error.description); return report }
            throw error
        }

        // 1. The catalog, read in one transaction so that it is one commit, whole.
        let snapshot: Catalog.VerificationSnapshot
        do {
            guard let read = try Catalog.readForVerification(path: catalogPath) else {
                report.add(.error, catalogPath, "the catalog is empty: the first ingest was interrupted before it created the catalog's tables, so no command can read this index; run `diarium ingest` again")
                return report
            }
            snapshot = read
        } catch {
            report.add(.error, catalogPath, "the catalog cannot be read as a diarium SQLite database: \(error)")
            return report
        }
        for problem in snapshot.problems { report.add(.error, catalogPath, problem) }
        if snapshot.integrity != ["ok"] {
            report.add(.error, catalogPath, "SQLite integrity check failed: " + snapshot.integrity.prefix(5).joined(separator: "; "))
        }
        if snapshot.version != Catalog.formatVersion {
            report.add(.error, catalogPath, "catalog format is \(snapshot.version.map { "v\($0)" } ?? "unknown"), this diarium reads v\(Catalog.formatVersion); rebuild the index with `diarium ingest --rebuild`")
        }
        report.segments = snapshot.segments.count
        report.documents = snapshot.rows.count
        report.indexedDocuments = snapshot.rows.filter { $0.segmentID != nil }.count
        report.deletedDocuments = snapshot.tombstones.count
        if let next = snapshot.nextID, let highest = snapshot.rows.last?.id, next <= highest {
            report.add(.error, catalogPath, "next_doc_id is \(next) but document id \(highest) exists; the next ingest would reuse ids")
        }

        // 2. Segments: open checks (magic, version, CRC-32, bounds), then a full decode.
        var checked: [Int64: Checked] = [:]
        for s in snapshot.segments {
            let file = segmentsPath + "/" + s.file
            guard !s.file.isEmpty, !s.file.contains("/"), s.file != "..", s.file != "." else {
                report.add(.error, catalogPath, "segment \(s.id) has an invalid file name \"\(s.file)\"")
                continue
            }
            do {
                let reader = try SegmentReader(path: file)
                report.segmentDocuments += reader.documentCount
                if reader.documentCount != s.docCount {
                    report.add(.error, file, "the catalog says this segment holds \(s.docCount) documents, the file holds \(reader.documentCount)")
                }
                if Int64(reader.byteCount) != s.bytes {
                    report.add(.error, file, "the catalog says this segment is \(s.bytes) bytes long, the file is \(reader.byteCount) bytes")
                }
                let contents = try reader.verifyAll()
                report.terms += contents.terms
                report.postings += contents.postings
                report.positions += contents.positions
                report.storedTextBlocks += contents.storedBlocks
                checked[s.id] = Checked(reader: reader, contents: contents, file: file)
            } catch let error as IndexError {
                switch error {
                case .missingSegment:
                    report.add(.error, file, "segment \(s.id) is listed in the catalog but the file is missing; rebuild the index with `diarium ingest --rebuild`")
                default:
                    report.add(.error, file, error.description)
                }
            } catch {
                report.add(.error, file, "segment \(s.id) cannot be read: \(error)")
            }
        }
        let listed = Dictionary(snapshot.segments.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

        // 3. Tombstones name existing segments and documents.
        var deleted: [Int64: Set<Int64>] = [:]
        for (sid, doc) in snapshot.tombstones {
            guard let s = listed[sid] else {
                report.add(.error, catalogPath, "a tombstone names segment \(sid), which the catalog does not list")
                continue
            }
            if doc < 0 || doc >= Int64(checked[sid]?.reader.documentCount ?? s.docCount) {
                report.add(.error, catalogPath, "a tombstone names document \(doc) of segment \(s.file), which holds \(checked[sid]?.reader.documentCount ?? s.docCount) documents")
            }
            deleted[sid, default: []].insert(doc)
        }

        // 4. Catalog rows → segment documents.
        var claimed: [Int64: [Int64: Int64]] = [:]  // segment → segment doc → row id
        for row in snapshot.rows {
            let who = "document \(row.id) (\(row.path)\(row.part > 0 ? " part \(row.part)" : ""))"
            guard let sid = row.segmentID else {
                if row.segmentDoc != nil {
                    report.add(.error, catalogPath, "\(who) has a segment document number but no segment")
                } else if row.status == DocumentRecord.Status.ok.rawValue {
                    report.add(.warning, catalogPath, "\(who) has status ok but its text is in no segment")
                }
                continue
            }
            guard let s = listed[sid] else {
                report.add(.error, catalogPath, "\(who) points at segment \(sid), which the catalog does not list")
                continue
            }
            let file = segmentsPath + "/" + s.file
            guard let doc = row.segmentDoc else {
                report.add(.error, catalogPath, "\(who) points at segment \(s.file) but names no document in it")
                continue
            }
            guard let c = checked[sid] else { continue }  // the segment itself was reported
            guard doc >= 0, doc < Int64(c.reader.documentCount) else {
                report.add(.error, catalogPath, "\(who) points at document \(doc) of segment \(s.file), which holds only \(c.reader.documentCount) documents")
                continue
            }
            if let other = claimed[sid]?[doc] {
                report.add(.error, catalogPath, "\(who) and document \(other) both point at document \(doc) of segment \(s.file)")
                continue
            }
            claimed[sid, default: [:]][doc] = row.id
            let stored = c.reader.documentID(UInt32(doc))
            if stored != row.id {
                report.add(.error, file, "document \(doc) of this segment holds catalog id \(stored), but catalog \(who) points at it")
            }
            if deleted[sid]?.contains(doc) == true {
                report.add(.error, catalogPath, "\(who) points at document \(doc) of segment \(s.file), which a tombstone marks as deleted; search will not find it")
            }
            // 5. An indexed row has postings (or no text at all).
            if row.status == DocumentRecord.Status.ok.rawValue {
                let d = UInt32(doc)
                let length = IndexField.allCases.reduce(UInt64(0)) { $0 + UInt64(c.reader.fieldLength(d, $1)) }
                if length == 0 && !c.contents.emptyText[Int(doc)] {
                    report.add(.error, file, "document \(doc) (catalog \(who)) has stored text but no indexed words in its title, body or metadata")
                } else if length > 0 && !c.contents.hasPostings[Int(doc)] {
                    report.add(.error, file, "document \(doc) (catalog \(who)) has \(length) indexed words but appears in no term's postings")
                }
            }
        }

        // 6. Live segment documents → catalog rows.
        for s in snapshot.segments {
            guard let c = checked[s.id] else { continue }
            let gone = deleted[s.id] ?? []
            let mine = claimed[s.id] ?? [:]
            let unclaimed = (0..<Int64(c.reader.documentCount)).filter { !gone.contains($0) && mine[$0] == nil }
            guard !unclaimed.isEmpty else { continue }
            let shown = unclaimed.prefix(10).map { "\($0) (id \(c.reader.documentID(UInt32($0))))" }.joined(separator: ", ")
            report.add(.error, c.file, "\(unclaimed.count) live document\(unclaimed.count == 1 ? " has" : "s have") no catalog row, so search would return \(unclaimed.count == 1 ? "it" : "them") without path or title: \(shown)\(unclaimed.count > 10 ? ", …" : "")")
        }

        // 7. Files in segments/ that no catalog row names.
        let names = Set(snapshot.segments.map(\.file))
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: segmentsPath, isDirectory: &isDirectory), isDirectory.boolValue {
            do {
                for f in try IndexLayout.names(in: segmentsPath, noFollow: true).sorted() where !names.contains(f) {
                    report.orphanFiles += 1
                    let path = segmentsPath + "/" + f
                    if IndexLayout.isSegmentFileName(f), (try? IndexLayout.fileType(path)) == S_IFREG {
                        report.add(.warning, path, "file is not listed in the catalog (left by an interrupted ingest); the next `diarium ingest` removes it")
                    } else {
                        report.add(.warning, path, "not a segment file diarium wrote; diarium leaves it alone, remove it yourself if it does not belong here")
                    }
                }
            } catch {
                report.add(.error, segmentsPath, "the segments folder cannot be listed: \(error)")
            }
        } else if !snapshot.segments.isEmpty {
            report.add(.error, segmentsPath, "the segments folder is missing")
        }
        return report
    }
}
