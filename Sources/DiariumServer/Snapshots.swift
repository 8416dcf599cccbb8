import DiariumIndex
import DiariumReport
import DiariumSearch
import Foundation
import Synchronization

/// The index as the server sees it: one `IndexReader` snapshot shared by all requests while it
/// is current, replaced by a fresh one as soon as a commit (an ingest, a merge, an optimize)
/// changes the catalog — so a search started after a commit sees it, and a search running
/// during one finishes on the snapshot it began with (segment files stay readable through
/// their maps). Searchers are not thread-safe: each request borrows one from the snapshot's
/// pool and gives it back. What is costly to compute and depends only on the snapshot (the
/// the release report, duplicate families) is computed once
/// per snapshot, on first use.
final class Snapshots: Sendable {
    let directory: String
    private let current = Mutex<Snapshot?>(nil)

    init(directory: String) { self.directory = directory }

    /// The current snapshot, reopened if something was committed since it was read.
    func get() throws -> Snapshot {
        if let s = current.withLock({ $0 }), try s.reader.isCurrent() { return s }
        let fresh = Snapshot(reader: try IndexReader(directory: directory))
        current.withLock { $0 = fresh }
        return fresh
    }
}

/// One snapshot with its caches.
final class Snapshot: Sendable {
    let reader: IndexReader
    private let searchers = Mutex<[PooledSearcher]>([])
    private let reportCache = Mutex<ReleaseReport?>(nil)
    private let duplicatesCache = Mutex<DuplicateFamilies?>(nil)

    init(reader: IndexReader) { self.reader = reader }

    /// Runs `body` with a searcher of this snapshot that no other thread uses meanwhile.
    func withSearcher<T>(_ body: (Searcher) throws -> T) throws -> T {
        let pooled = try searchers.withLock { $0.popLast() } ?? PooledSearcher(searcher: Searcher(reader: reader))
        defer { searchers.withLock { if $0.count < 32 { $0.append(pooled) } } }
        return try body(pooled.searcher)
    }

    func report(staleAfter: Int) throws -> ReleaseReport {
        if let r = reportCache.withLock({ $0 }), r.staleAfter == staleAfter { return r }
        let r = try ReleaseReport(reader: reader, staleAfter: staleAfter)
        reportCache.withLock { $0 = r }
        return r
    }

    func duplicates() throws -> DuplicateFamilies {
        if let d = duplicatesCache.withLock({ $0 }) { return d }
        let d = try DuplicateFamilies(reader: reader)
        duplicatesCache.withLock { $0 = d }
        return d
    }
}

/// A searcher in the pool: handed from thread to thread through the pool's lock, used by one
/// thread at a time.
struct PooledSearcher: @unchecked Sendable {
    let searcher: Searcher
}
