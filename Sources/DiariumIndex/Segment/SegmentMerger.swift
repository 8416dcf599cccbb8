/// Merges segments into one new segment file: the live documents of each, in segment order,
/// renumbered from 0; postings are copied term by term (remapped, deleted documents dropped),
/// never re-analysed. Each source's checksum is verified first, so a damaged segment is reported
/// instead of merged. The writer of merges; the result is an ordinary segment.
struct SegmentMerger {
    /// The merged file's size, the new catalog ids in order, and per source segment the new
    /// document number of each old one (-1: deleted).
    struct Result {
        var byteCount: Int
        var documentIDs: [Int64]
        var documentMap: [[Int32]]
    }

    /// Bytes of the sources' postings, positions and skips (or of a source's texts) a merge
    /// reads between two releases of their pages (`MappedFile.releasePages`): 1 MiB.
    static let releaseAfter = 1 << 20

    /// About what a merge of `sources` adds to the resident set: per document its norms, id,
    /// fast values, new number and store-index and position-table entries, the largest term's
    /// postings (decoded, merged and encoded: they grow with the documents) and its terms'
    /// hashes for TERMFILTER (8 bytes a term while writing, reserved at once; 7.2 distinct terms
    /// a document on the benchmark corpus: 58 bytes), 346 bytes. The hashes grow with distinct
    /// terms, not documents: text with many one-off tokens (OCR noise, numbers) needs more;
    /// per source its window of terms and its pages being read (about 320 KiB); and 4 MiB for
    /// the pages read between two releases, the sections' buffers, the file's buffer and the
    /// replay of the scratch files. Measured (max RSS of `diarium optimize` less the process's
    /// before the merge; docs/benchmarks.md, tenth session): 10 sources of 10,000 documents
    /// 7–8 MiB (estimate 9.9), 5 sources of 100,000 documents 34 MiB (estimate 33.1); the term
    /// filter (format 8) added 4.0 MiB to the latter's max RSS (thirteenth session, 41 bytes a
    /// document, before its hashes were reserved at once).
    static func memoryEstimate(_ sources: [LiveSegment]) -> Int {
        memoryEstimate(documents: sources.reduce(0) { $0 + $1.reader.documentCount }, sources: sources.count)
    }

    /// `memoryEstimate(_:)` of `sources` segments holding `documents` documents in all (deleted
    /// ones included), from the catalog's counts, without opening them.
    static func memoryEstimate(documents: Int, sources: Int) -> Int {
        documents * 346 + sources * (320 << 10) + (4 << 20)
    }

    /// Merges `sources` into a new file at `path` (created with `O_EXCL`, written front to back
    /// and fsynced; removed on failure). With no live document left, the file is still written
    /// (an empty segment) and `documentIDs` is empty.
    static func merge(_ sources: [LiveSegment], to path: String) throws -> Result {
        let fieldCount = IndexField.allCases.count
        var map: [[Int32]] = []
        var norms: [UInt8] = []
        var ids: [Int64] = []
        var fast = FastColumnsWriter()
        var totals = [UInt64](repeating: 0, count: fieldCount)
        // The merged text and the sections produced beside POSTINGS wait in scratch files
        // beside the new segment, not in memory: a merge of large segments holds about as much
        // as one term's postings and the dictionaries.
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        var store = try StoredTextWriter(spillingTo: folder)
        var next: Int32 = 0
        for s in sources {
            let r = s.reader
            try r.verifyChecksum(releasingPages: true)
            var m = [Int32](repeating: -1, count: r.documentCount)
            var removed = [UInt64](repeating: 0, count: fieldCount)
            for d in 0..<UInt32(r.documentCount) {
                guard s.isLive(d) else {
                    for f in IndexField.allCases { removed[Int(f.rawValue)] += UInt64(r.fieldLength(d, f)) }
                    continue
                }
                m[Int(d)] = next
                next += 1
                for f in IndexField.allCases { norms.append(r.normByte(d, f)) }
                ids.append(r.documentID(d))
                fast.append(r.fastValues(d))
            }
            // Exact totals of the live documents are not kept; deleted ones are subtracted by
            // their norm lengths (exact below 24 tokens), never below what the norms hold.
            for f in 0..<fieldCount { totals[f] += r.totalFieldLengths[f] - min(removed[f], r.totalFieldLengths[f]) }
            // Texts and their position tables carried over piece by piece (a 100 MB text is
            // never held whole); positions do not change in a merge.
            var open = false
            var copiedSinceRelease = 0
            try r.forEachStoredText { d, piece, last in
                copiedSinceRelease += piece.count
                if copiedSinceRelease >= Self.releaseAfter {
                    r.releasePages()
                    copiedSinceRelease = 0
                }
                guard m[Int(d)] >= 0 else { return }
                if !open {
                    store.beginDocument(length: try r.storedTextLength(d))
                    open = true
                }
                store.append(piece)
                if last {
                    store.endDocument(wordStarts: try r.wordStarts(d))
                    open = false
                }
            }
            map.append(m)
            // The checksum and the texts read the whole source; its pages leave the resident set.
            r.releasePages()
        }
        for f in 0..<fieldCount {
            var sum: UInt64 = 0
            for d in 0..<ids.count { sum += UInt64(SmallFloat.decode(norms[d * fieldCount + f])) }
            totals[f] = max(totals[f], sum)
        }

        // The sources' dictionaries, merged in key order, each read through a window of at most
        // `TermWindow.size` terms (a merge of ten large segments would otherwise hold every key
        // of all ten: tens of millions of arrays at a million documents).
        var windows = sources.map { TermWindow($0.reader) }
        let file = try DurableFileWriter(creating: path)
        var serializer = try SegmentSerializer(norms: norms, output: file, spillDirectory: folder,
                                               expectedTerms: sources.reduce(0) { $0 + $1.reader.termCount })
        var merged = TermPostings()
        // The sources' postings are read once, in key order: every `releaseAfter` bytes of
        // postings, positions and skips read, the pages read so far leave the resident set (a
        // merge of ten 2 MB segments otherwise held 8–11 MiB of them at its end, one of large
        // segments all of theirs).
        var readSinceRelease = 0
        while true {
            if readSinceRelease >= Self.releaseAfter {
                for s in sources { s.reader.releasePages() }
                readSinceRelease = 0
            }
            var smallest: [UInt8]?
            for i in windows.indices {
                guard let key = try windows[i].current?.0 else { continue }
                if smallest.map({ key.lexicographicallyPrecedes($0) }) ?? true { smallest = key }
            }
            guard let key = smallest else { break }
            merged.removeAll()
            for i in windows.indices {
                guard let (term, entry) = try windows[i].current, term == key else { continue }
                let p = try sources[i].reader.decode(entry, withPositions: true)
                readSinceRelease += entry.postings.count + entry.positions.count + entry.skips.count
                var k = 0
                for (j, d) in p.docs.enumerated() {
                    let n = p.positionCount(j)
                    let target = map[i][Int(d)]
                    if target >= 0 {
                        merged.docs.append(UInt32(target))
                        merged.frequencies.append(contentsOf: p.frequencies[(j * TermPostings.fieldCount)..<((j + 1) * TermPostings.fieldCount)])
                        merged.positions.append(contentsOf: p.positions[k..<(k + n)])
                    }
                    k += n
                }
                windows[i].advance()
            }
            if !merged.docs.isEmpty { try serializer.addTerm(key, merged) }
        }
        let size = try serializer.finish(docIDs: ids, fieldTotals: totals, fast: fast, store: store.finish()).size
        try file.finish()
        return Result(byteCount: size, documentIDs: ids, documentMap: map)
    }
}

/// One source's dictionary in key order, read a window of terms at a time: `current` is the
/// next term, `advance()` moves past it. A window is refilled by scanning the dictionary from
/// the block holding the last key read (`SegmentReader.scanTerms(from:)`), skipping the keys
/// up to it, so at most one block is read twice per window.
private enum TermWindowSize {
    /// Terms a `TermWindow` holds at most: about 210 bytes each (the key's array and the
    /// entry; heaptrack), so ten sources hold 0.5 MiB of windows (4,096 held 8.5 MiB). A refill
    /// reads one dictionary block (32 terms) twice.
    static let terms = 256
}

private struct TermWindow {
    /// Terms held at most.
    static let size = TermWindowSize.terms
    let reader: SegmentReader
    private var terms: [([UInt8], TermEntry)] = []
    private var at = 0
    private var last: [UInt8]?
    private var exhausted = false

    init(_ reader: SegmentReader) { self.reader = reader }

    /// The next term and its entry; nil at the end of the dictionary.
    var current: ([UInt8], TermEntry)? {
        mutating get throws {
            if at == terms.count && !exhausted { try refill() }
            return at < terms.count ? terms[at] : nil
        }
    }

    mutating func advance() { at += 1 }

    private mutating func refill() throws {
        terms.removeAll(keepingCapacity: true)
        at = 0
        let after = last
        var window: [([UInt8], TermEntry)] = []
        window.reserveCapacity(Self.size)
        let visit: ([UInt8], TermEntry) throws -> Bool = { key, entry in
            if let after, !after.lexicographicallyPrecedes(key) { return true }
            window.append((key, entry))
            return window.count < Self.size
        }
        if let after { try reader.scanTerms(from: after, visit) } else { try reader.forEachTerm(visit) }
        terms = window
        if terms.count < Self.size { exhausted = true }
        last = terms.last?.0 ?? last
    }
}
