import DiariumIndex

/// A segment's documents as runs of one year each, in document order (`FastColumns.yearRunStarts`).
/// A year filter's documents are whole runs, so the union engine (`TopK+Union.swift`) moves from
/// one matching run to the next without reading the postings between them. Documents are
/// numbered in the order they were ingested, which for a tree of releases walks authority by
/// authority and year by year: the 100k benchmark index has ~600 runs.
struct YearRuns {
    /// Run i's first document and its year (0: unknown); run i ends before run i + 1's start.
    let starts: [UInt32]
    let years: [UInt16]
    let documentCount: Int

    /// The runs of `reader`'s segment, or nil when runs are shorter than `minimumRun` documents
    /// on average (then skipping by runs saves less than it costs: the filter is checked per
    /// document instead).
    init?(_ reader: SegmentReader, minimumRun: Int = 16) {
        let count = reader.documentCount
        // The run starts and their years in one pass over the columns.
        let runs: (starts: [UInt32], years: [UInt16])? = reader.withFastColumns { f in
            f.yearRunStarts(limit: max(1, count / max(minimumRun, 1))).map { s in (s, s.map { f.year($0) }) }
        }
        guard let runs else { return nil }
        starts = runs.starts
        years = runs.years
        documentCount = count
    }

    /// Whether a document of year `year` (the fast column's value, 0: unknown) passes the
    /// filter `year:range`: the one place an unknown year is written never to pass, for the
    /// runs here and for the union engine's per-document check.
    @inline(__always)
    static func admits(_ year: UInt16, _ range: ClosedRange<Int>) -> Bool {
        year != 0 && range.contains(Int(year))
    }

    /// The documents whose year lies in `range`, as ascending, disjoint ranges (adjacent runs
    /// joined): the documents the filter `year:range` passes, exactly.
    func ranges(_ range: ClosedRange<Int>) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        for i in starts.indices where Self.admits(years[i], range) {
            let last = i + 1 < starts.count ? starts[i + 1] - 1 : UInt32(documentCount - 1)
            if let previous = out.last, previous.upperBound &+ 1 == starts[i] {
                out[out.count - 1] = previous.lowerBound...last
            } else {
                out.append(starts[i]...last)
            }
        }
        return out
    }
}
