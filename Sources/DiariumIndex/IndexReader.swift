import Foundation

/// A segment of a reader's snapshot with its deleted documents as a bitset.
public struct LiveSegment: Sendable {
    /// Catalog id of the segment.
    public let id: Int64
    /// The open segment.
    public let reader: SegmentReader
    /// One bit per segment document, set when it was replaced or removed since the segment
    /// was written; empty when none was.
    let deletedBits: [UInt64]
    /// Number of deleted documents.
    public let deletedCount: Int

    /// `deleted` must name documents of the segment (see `LiveSegment.open`).
    init(id: Int64, reader: SegmentReader, deleted: [UInt32]) {
        self.id = id
        self.reader = reader
        var bits: [UInt64] = []
        var n = 0
        if !deleted.isEmpty {
            bits = [UInt64](repeating: 0, count: (reader.documentCount + 63) / 64)
            for d in deleted where Int(d) < reader.documentCount && bits[Int(d) >> 6] & (1 << UInt64(d & 63)) == 0 {
                bits[Int(d) >> 6] |= 1 << UInt64(d & 63)
                n += 1
            }
        }
        deletedBits = bits
        deletedCount = n
    }

    /// The segments listed in the catalog of `directory` (but those in `busy`), opened, with
    /// their tombstones, read in one transaction. Every value read is checked before use: a
    /// segment name must be a segment file name, a tombstone must name a document of its
    /// segment; anything else is `IndexError.corruptCatalog`.
    static func open(directory: String, catalog: Catalog, excluding busy: Set<Int64> = []) throws -> [LiveSegment] {
        try openWithSignature(directory: directory, catalog: catalog, excluding: busy, signature: false).segments
    }

    /// `open`, with the catalog's change signature (`Catalog.changeSignature`) read in the same
    /// transaction as the segment list when `signature` is set (nil otherwise).
    static func openWithSignature(directory: String, catalog: Catalog, excluding busy: Set<Int64> = [],
                                  signature: Bool) throws -> (segments: [LiveSegment], signature: String?) {
        let snapshot = try catalog.snapshot(signature: signature)
        let segments = try open(snapshot.segments.filter { !busy.contains($0.id) }, tombstones: snapshot.tombstones,
                                directory: directory, catalog: catalog)
        return (segments, snapshot.signature)
    }

    /// The segments `records` of one catalog snapshot (`Catalog.snapshot`) opened, with their
    /// tombstones from the same snapshot, checked as `open` checks them.
    static func open(_ records: [SegmentRecord], tombstones: [Int64: [Int64]], directory: String, catalog: Catalog) throws -> [LiveSegment] {
        try records.map { s in
            let reader = try SegmentReader(path: IndexLayout.segment(directory, s.file))
            // The merge policy tiers and sizes merges by the catalog's count: one that is not
            // the file's would put the segment in the wrong tier (or in none that ever fits).
            guard s.docCount == reader.documentCount else {
                throw IndexError.corruptCatalog(file: catalog.path, reason: "segment \"\(s.file)\" is listed with \(s.docCount) documents, the file holds \(reader.documentCount)")
            }
            let docs = tombstones[s.id] ?? []
            try checkTombstones(docs, of: s.file, holding: reader.documentCount, catalog: catalog)
            return LiveSegment(id: s.id, reader: reader, deleted: docs.map { UInt32($0) })
        }
    }

    /// Throws `IndexError.corruptCatalog` when one of `tombstones` names no document of the
    /// segment `file`, which holds `documents`.
    static func checkTombstones(_ tombstones: [Int64], of file: String, holding documents: Int, catalog: Catalog) throws {
        if let bad = tombstones.first(where: { $0 < 0 || $0 >= Int64(documents) }) {
            throw IndexError.corruptCatalog(file: catalog.path, reason: "a tombstone names document \(bad) of segment \(file), which holds \(documents) documents")
        }
    }

    /// Whether segment document `doc` is live.
    @inline(__always)
    public func isLive(_ doc: UInt32) -> Bool {
        deletedBits.isEmpty || deletedBits[Int(doc) >> 6] & (1 << UInt64(doc & 63)) == 0
    }
}

/// Index-wide figures, for `diarium stats`.
public struct IndexStatistics: Codable, Sendable {
    public var documents: Int
    public var indexedDocuments: Int
    public var failedFiles: Int
    public var segments: Int
    public var terms: Int
    public var bytesOnDisk: Int64
    public var deletedDocuments: Int
}

/// A consistent, read-only snapshot of an index: the segments and deletions of the last
/// commit at the time of opening. Never blocks, and is never blocked by, the writer.
public final class IndexReader: Sendable {
    /// The index directory.
    public let directory: String
    /// Live segments of the snapshot.
    public let segments: [LiveSegment]
    let catalog: Catalog
    /// The catalog's change signature when the snapshot was read (`isCurrent()`); nil for a
    /// reader opened for one thread (`Threads.one`), which is never asked.
    ///
    /// Why not always: the signature counts the catalog's document rows, and SQLite counts
    /// them by reading every leaf page of the smallest index of `documents`. On the 100k
    /// benchmark catalog that was 336 page reads (`pread64`) and about 350 page faults for the
    /// pages' cache in a fresh `diarium search`, about a quarter of its page faults (`strace -c`,
    /// `perf record -e page-faults`), for a value only the web server's `isCurrent()` reads.
    let signature: String?

    /// How many threads read through one reader at a time.
    public enum Threads: Sendable {
        /// Several at once (the web server): the catalog is read through a connection pool.
        case many
        /// One at a time (a command): one catalog connection, faster to open.
        case one
    }

    /// Opens the index in `directory`, for several threads reading at once.
    public convenience init(directory: String) throws {
        try self.init(directory: directory, threads: .many)
    }

    /// Opens the index in `directory`, for `threads` reading at once. A reader for
    /// `Threads.one` (a one-shot command) does not read the change signature, so its
    /// `isCurrent()` is always false.
    public init(directory: String, threads: Threads) throws {
        self.directory = directory
        try IndexLayout.checkForReading(directory)
        catalog = try Catalog(path: IndexLayout.catalog(directory), create: false, pooled: threads == .many)
        // A merge may publish and delete segment files between reading the list and opening
        // them: then read the list again (the merged segment is in the newer one).
        var attempt = 0
        while true {
            do {
                (segments, signature) = try LiveSegment.openWithSignature(directory: directory, catalog: catalog, signature: threads == .many)
                return
            } catch IndexError.missingSegment(let file) {
                attempt += 1
                if attempt >= 5 { throw IndexError.missingSegment(file: file) }
            }
        }
    }

    /// Whether nothing was committed since this snapshot was read: no new or merged segment,
    /// no replaced, added or removed document. A long-running reader (the web server) reuses
    /// its snapshot while this holds and opens a new one when it does not. Always false for a
    /// reader opened for `Threads.one`, which did not read the signature.
    public func isCurrent() throws -> Bool {
        guard let signature else { return false }
        return try catalog.changeSignature() == signature
    }

    /// Number of live documents that have indexed text.
    public var liveDocumentCount: Int {
        segments.reduce(0) { $0 + $1.reader.documentCount - $1.deletedCount }
    }

    /// The document with catalog id `id`.
    public func document(id: Int64) throws -> DocumentRecord? {
        try catalog.document(id: id)
    }

    /// Documents with the given catalog ids, keyed by id.
    public func documents(ids: [Int64]) throws -> [Int64: DocumentRecord] {
        Dictionary(uniqueKeysWithValues: try catalog.documents(ids: ids).map { ($0.id, $0) })
    }

    /// What a page of hits shows of the documents with the given catalog ids (`HitRecord`: the
    /// columns a hit shows, one cached statement), in the order of `ids` (an id without a row
    /// left out, an id given twice there twice): a page takes its records in its own order,
    /// without a dictionary of them to build and copy out of.
    public func hitRecordsInOrder(ids: [Int64]) throws -> [HitRecord] {
        try catalog.hitRecords(ids: ids)
    }

    /// Documents shown under `path` (several when one file holds several documents, or when
    /// several received files are shown alike), by received path, then part.
    public func documents(path: String) throws -> [DocumentRecord] {
        try catalog.documents(path: path)
    }

    /// The inventory, newest first, optionally limited to a year range (inclusive).
    public func inventory(years: ClosedRange<Int>? = nil) throws -> [DocumentRecord] {
        try catalog.inventory(years: years)
    }

    /// Documents no segment holds (no text to search), which `fastFieldCounts` never counts.
    public func documentsWithoutText() throws -> [DocumentRecord] {
        try catalog.documentsWithoutText()
    }

    /// Number of documents per year (nil: year unknown), newest first.
    public func countsByYear(years: ClosedRange<Int>? = nil) throws -> [(year: Int?, count: Int)] {
        try catalog.countsByYear(years: years)
    }

    /// Where the ingested roots are now (absolute folders), to turn a document's path into a
    /// file that opens.
    public func rootFolders() throws -> RootFolders {
        RootFolders(try catalog.roots())
    }

    /// Catalog columns a query can filter on.
    public enum FilterColumn: String, Sendable {
        case authority, docType = "doc_type", format, path, language, dnr
    }

    /// Ids of documents whose `column` contains `value` (case-insensitive), or equals it when
    /// `exact`.
    public func documentIDs(_ column: FilterColumn, _ value: String, exact: Bool) throws -> Set<Int64> {
        try catalog.documentIDs(column, value, exact: exact)
    }

    /// Ids of documents with text read by OCR (`ocr` true) or without (`ocr` false).
    public func documentIDs(ocr: Bool) throws -> Set<Int64> {
        try catalog.documentIDs(ocr: ocr)
    }

    /// Ids of documents dated within `years`.
    public func documentIDs(years: ClosedRange<Int>) throws -> Set<Int64> {
        try catalog.documentIDs(years: years)
    }

    /// Every (id, value) of a column that has a value.
    public func columnValues(_ column: FilterColumn) throws -> [(Int64, String)] {
        try catalog.columnValues(column)
    }

    /// The stored text of a document, if it was indexed. A segment document number outside
    /// the segment is `IndexError.corruptCatalog`.
    public func storedText(of record: DocumentRecord) throws -> [UInt8]? {
        guard let sid = record.segmentID, let doc = record.segmentDoc,
              let segment = segments.first(where: { $0.id == sid }) else { return nil }
        guard doc >= 0, doc < segment.reader.documentCount else {
            throw IndexError.corruptCatalog(file: catalog.path, reason: "document \(record.id) points at document \(doc) of segment \(segment.reader.name), which holds \(segment.reader.documentCount) documents")
        }
        return try segment.reader.storedText(UInt32(doc))
    }

    /// Index-wide figures.
    public func statistics() throws -> IndexStatistics {
        let counts = try catalog.documentCounts()
        var bytes: Int64 = 0
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] {
            bytes += ((try? fm.attributesOfItem(atPath: directory + "/" + name))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        bytes += segments.reduce(0) { $0 + Int64($1.reader.byteCount) }
        return IndexStatistics(
            documents: counts.0, indexedDocuments: counts.1, failedFiles: counts.2,
            segments: segments.count, terms: segments.reduce(0) { $0 + $1.reader.termCount },
            bytesOnDisk: bytes, deletedDocuments: segments.reduce(0) { $0 + $1.deletedCount })
    }
}
