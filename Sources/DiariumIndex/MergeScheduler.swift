import Dispatch
import Foundation
import Synchronization

/// The merges of one `IndexWriter`: the merge policy, the background threads that run the
/// merges it picks, and the publication of a merge's result. Shared between the writer's thread
/// (which calls `schedule(factor:)` after each commit and waits in `optimize()` and `close()`)
/// and the merge threads; all mutable state is behind one mutex.
///
/// A merge works on a snapshot of its sources (their files and the deletions of the commit it
/// was picked in) while the writer keeps adding and committing. Documents of the sources that
/// a later commit replaced are carried over when the merge publishes: in the same transaction
/// that switches the catalog to the merged segment, every tombstone the sources gained since the
/// snapshot becomes a tombstone of the merged segment (the way Lucene carries deletes over to a
/// merged segment).
///
/// A merge that fails on a damaged source (its checksum or structure does not hold, its file is
/// gone: `IndexError.corruptSegment` or `.missingSegment` naming one of the sources) sets that
/// source aside for the writer's life: the policy never picks it again, the other sources stay
/// free to merge, and the writer reports it (`damagedSegments`) instead of failing every later
/// commit on the same merge. Every other failure is thrown by the next commit, as before.
///
/// Merges fit the memory they are given (`room`, like the maximum merged segment size of
/// Lucene's TieredMergePolicy, but in memory instead of bytes on disk): a merge holds about
/// `SegmentMerger.memoryEstimate` of its sources while it runs, and the writer's budget counts
/// it (`runningBytes`), so the policy starts only merges whose estimate, with the running ones',
/// fits `room`. An ingest (`IndexWriter.mergesFitBudget`) gives the budget less what it reserves
/// and the writer's smallest buffer, so a merge never pushes the process above its budget; a
/// tier whose oldest `factor` segments do not fit merges as many of its smallest as fit, and
/// none when not even two fit. So a small budget ends with more segments, never more memory: at
/// `--memory 64` the late merges of ten ~8,600-document segments (about 30 MiB) no longer run.
/// `mergeAll()` (`diarium optimize`) is not bounded: it holds the estimate of every segment.
final class MergeScheduler: Sendable {
    private struct State {
        /// Segments taking part in a running merge; never picked by another one.
        var merging: Set<Int64> = []
        var running = 0
        var mergesDone = 0
        /// The first failure of a background merge, not yet reported to the writer.
        var failure: (any Error)?
        /// Set while the writer waits for the merges to drain: no new ones start.
        var paused = false
        /// What the running merges hold in memory (`SegmentMerger.memoryEstimate`).
        var mergeBytes = 0
        /// What the running merges may hold together (`schedule(factor:room:)`).
        var room = Int.max
        /// Sources set aside after a merge failed on their damage, by segment id, in the order
        /// found; never picked again by this scheduler.
        var setAside: [(id: Int64, segment: DamagedSegment)] = []
    }

    let directory: String
    let catalog: Catalog
    /// Merges that may run at the same time.
    let maxMerges: Int
    private let state = Mutex(State())
    /// Entered for each started merge, left when it ended and its follow-up merges were started.
    private let running = DispatchGroup()
    private let queue = DispatchQueue(label: "diarium.merge", qos: .utility, attributes: .concurrent)
    /// Tests only: called on a merge's thread with its source segment ids once the merged file
    /// is written, before the catalog switch.
    let beforePublish = Mutex<(@Sendable ([Int64]) -> Void)?>(nil)

    init(directory: String, catalog: Catalog, maxMerges: Int = 1) {
        self.directory = directory
        self.catalog = catalog
        self.maxMerges = max(1, maxMerges)
    }

    /// Number of merges published since the writer opened.
    var mergesDone: Int { state.withLock { $0.mergesDone } }

    /// The segments set aside because a merge found them damaged, in the order found.
    var damagedSegments: [DamagedSegment] { state.withLock { s in s.setAside.map { $0.segment } } }

    /// Bytes the running merges hold in memory, estimated (`SegmentMerger.memoryEstimate`): the
    /// writer's budget counts them while they run.
    var runningBytes: Int { state.withLock { $0.mergeBytes } }

    /// Starts, in the background, the merges the policy picks among the committed segments
    /// that no running merge holds — as many as `maxMerges` allows and whose estimates fit
    /// `room` bytes together with the running merges'. A nil `room` keeps the last one given
    /// (unbounded until one is). Returns at once.
    func schedule(factor: Int, room: Int? = nil) {
        guard factor >= 2 else { return }
        state.withLock { s in
            if let room { s.room = room }
            while !s.paused, s.failure == nil, s.running < maxMerges {
                let sources: [LiveSegment]
                do {
                    guard let picked = try pick(factor: factor, excluding: s.merging.union(s.setAside.map { $0.id }),
                                                room: s.room - s.mergeBytes) else { return }
                    sources = picked
                } catch {
                    s.failure = error
                    return
                }
                s.merging.formUnion(sources.map(\.id))
                s.running += 1
                s.mergeBytes += SegmentMerger.memoryEstimate(sources)
                running.enter()
                queue.async { self.runInBackground(sources, factor: factor) }
            }
        }
    }

    private func runInBackground(_ sources: [LiveSegment], factor: Int) {
        var failed = false
        do {
            try merge(sources)
        } catch {
            failed = true
            let damaged = Self.damagedSource(of: error, among: sources)
            state.withLock { s in
                if let (id, segment) = damaged {
                    if !s.setAside.contains(where: { $0.id == id }) { s.setAside.append((id, segment)) }
                } else if s.failure == nil {
                    s.failure = error
                }
            }
        }
        state.withLock { s in
            s.merging.subtract(sources.map(\.id))
            s.running -= 1
            s.mergeBytes -= SegmentMerger.memoryEstimate(sources)
            if !failed { s.mergesDone += 1 }
        }
        // The merged segment may fill the next tier: start its merge before this one counts
        // as ended, so that `waitForMerges()` also waits for it.
        schedule(factor: factor)
        running.leave()
    }

    /// The source that `error` says is damaged (`IndexError.corruptSegment` or
    /// `.missingSegment` naming one of `sources`' files), with its id; nil for any other failure.
    static func damagedSource(of error: any Error, among sources: [LiveSegment]) -> (Int64, DamagedSegment)? {
        let file: String
        switch error as? IndexError {
        case let .corruptSegment(f, _)?: file = f
        case let .missingSegment(f)?: file = f
        default: return nil
        }
        let name = (file as NSString).lastPathComponent
        guard let source = sources.first(where: { $0.reader.name == name }) else { return nil }
        return (source.id, DamagedSegment(file: file, reason: String(describing: error)))
    }

    /// Waits until no merge runs (follow-up merges included), then throws the first failure of
    /// a background merge since the last call, if any.
    func waitForMerges() throws {
        waitUntilIdle()
        if let failure = takeFailure() { throw failure }
    }

    /// Waits until no merge runs (follow-up merges included), leaving a failure for the next
    /// commit (`takeFailure`) to report.
    func waitUntilIdle() {
        running.wait()
        // A merge's block holds this scheduler (and through it the catalog) until its thread
        // has returned from it, after the group's last `leave`. The barrier waits for that, so
        // the writer's thread, not a merge thread, lets the catalog go last: its connections
        // close, and the WAL goes into the database file, before the process can exit. (Without
        // it, 100,000 JSON lines at `--memory 64` left a 4.8 MB `catalog.sqlite-wal` in three
        // runs of three once the ingest ended a few milliseconds sooner.)
        queue.sync(flags: .barrier) {}
    }

    /// The first failure of a background merge since the last call, cleared.
    func takeFailure() -> (any Error)? {
        state.withLock { s in
            defer { s.failure = nil }
            return s.failure
        }
    }

    /// Waits for the running merges (starting no new ones), then merges every committed segment
    /// into one on the calling thread, dropping deleted documents. Returns whether it merged.
    @discardableResult
    func mergeAll() throws -> Bool {
        state.withLock { $0.paused = true }
        defer { state.withLock { $0.paused = false } }
        waitUntilIdle()
        if let failure = takeFailure() { throw failure }
        let segments = try committedSegments()
        guard segments.count > 1 || segments.contains(where: { $0.deletedCount > 0 }) else { return false }
        state.withLock { $0.merging.formUnion(segments.map(\.id)) }
        defer { state.withLock { $0.merging.subtract(segments.map(\.id)) } }
        try merge(segments)
        state.withLock { $0.mergesDone += 1 }
        return true
    }

    // MARK: Policy

    /// The live segments of the last commit, with their deletions.
    func committedSegments() throws -> [LiveSegment] {
        try LiveSegment.open(directory: directory, catalog: catalog, excluding: [])
    }

    /// The merge policy (log-structured, like Lucene's LogMergePolicy): segments fall into tiers
    /// by live document count (tier k holds counts below factor^(k+1)); when a tier holds
    /// `factor` segments that no running merge holds, the lowest such tier's merge that fits
    /// `room` (`fitting`) is merged into one. The tiers come from the catalog's counts; only the
    /// chosen sources are opened (opening all of a small budget's hundred segments at every
    /// commit held 20-40 MiB for a moment: their stored-text dictionaries and fast-field pages),
    /// from the same snapshot (their files and tombstones as chosen).
    /// Called with the state locked, so that two calls never pick the same segment; a merge
    /// unregisters its sources only after its catalog switch and the removal of their files, so
    /// the list read here either still holds them (and they are excluded before any file is
    /// opened) or no longer does.
    private func pick(factor: Int, excluding busy: Set<Int64>, room: Int) throws -> [LiveSegment]? {
        let snapshot = try catalog.snapshot(signature: false)
        var tiers: [Int: [SegmentRecord]] = [:]
        for s in snapshot.segments where !busy.contains(s.id) {
            let deleted = snapshot.tombstones[s.id] ?? []
            try LiveSegment.checkTombstones(deleted, of: s.file, holding: s.docCount, catalog: catalog)
            let live = s.docCount - deleted.count
            var tier = 0, limit = factor
            while max(live, 1) >= limit {
                tier += 1
                // A huge factor or count ends the tiers rather than overflowing.
                let (next, overflow) = limit.multipliedReportingOverflow(by: factor)
                if overflow { break }
                limit = next
            }
            tiers[tier, default: []].append(s)
        }
        for tier in tiers.keys.sorted() {
            guard let segments = tiers[tier], segments.count >= factor,
                  let chosen = Self.fitting(segments, factor: factor, room: room) else { continue }
            return try LiveSegment.open(chosen, tombstones: snapshot.tombstones, directory: directory, catalog: catalog)
        }
        return nil
    }

    /// The merge of a full tier (`segments`, oldest first) whose `SegmentMerger.memoryEstimate`
    /// (of their documents, deleted ones included) fits `room`: its oldest `factor` segments
    /// when they fit (the usual merge); otherwise as many of its smallest (fewest documents, the
    /// older first among equals; at most `factor`) as fit, in their order in the tier; nil when
    /// not even the two smallest fit.
    static func fitting(_ segments: [SegmentRecord], factor: Int, room: Int) -> [SegmentRecord]? {
        func fits(_ chosen: [SegmentRecord]) -> Bool {
            SegmentMerger.memoryEstimate(documents: chosen.reduce(0) { $0 + $1.docCount }, sources: chosen.count) <= room
        }
        let oldest = Array(segments.prefix(factor))
        if fits(oldest) { return oldest }
        let bySize = segments.indices.sorted { (segments[$0].docCount, $0) < (segments[$1].docCount, $1) }
        var count = min(factor, segments.count)
        while count >= 2 {
            let chosen = bySize.prefix(count).sorted().map { segments[$0] }
            if fits(chosen) { return chosen }
            count -= 1
        }
        return nil
    }

    // MARK: Merge

    /// Merges `sources` into one new segment file, fsyncs it and its directory, and then in one
    /// transaction inserts the new segment row, points every live document's row at it, carries
    /// over the deletions the sources gained while the merge ran, and deletes the sources' rows
    /// and tombstones; then deletes the source files. A crash before the transaction leaves the
    /// old segments and an orphan file (removed at the next open); after it, the merged state.
    func merge(_ sources: [LiveSegment]) throws {
        guard !sources.isEmpty else { return }
        let segmentsDirectory = IndexLayout.segments(directory)
        let name = String(format: "%012llx-%08x.%@", UInt64(Date().timeIntervalSince1970 * 1000),
                          UInt32.random(in: 0...UInt32.max), SegmentFormat.fileExtension)
        let path = try IndexLayout.segment(directory, name)
        let result = try SegmentMerger.merge(sources, to: path)
        if result.documentIDs.isEmpty {
            IndexLayout.removeSegmentFile(path)
        } else {
            try DurableFile.syncDirectory(segmentsDirectory)
        }
        let sourceIDs = sources.map(\.id)
        let oldFiles = sources.map(\.reader.name)
        if let hook = beforePublish.withLock({ $0 }) { hook(sourceIDs) }
        do {
            try catalog.publishMerge(sources: sourceIDs, .init(file: name, byteCount: result.byteCount,
                                                              documentIDs: result.documentIDs, documentMap: result.documentMap))
        } catch {
            IndexLayout.removeSegmentFile(path)
            throw error
        }
        // Source names were checked (IndexLayout.segment) when their segments were opened.
        for f in oldFiles where IndexLayout.isSegmentFileName(f) { IndexLayout.removeSegmentFile(segmentsDirectory + "/" + f) }
    }
}

/// A segment file that a merge found damaged and set aside (`IndexWriter.damagedSegments`).
public struct DamagedSegment: Sendable, Equatable {
    /// The segment file's path.
    public let file: String
    /// What the merge found (`IndexError`'s description: the file, the damage, the remedy).
    public let reason: String
}
