/// A term found in one segment's dictionary: its document frequency, and where its postings
/// are, so a cursor opens on it without looking it up again (`SegmentReader.cursor(_:fields:buffers:)`).
/// Valid only with the reader that found it.
public struct FoundTerm: Sendable {
    let entry: TermEntry
    /// Number of documents of the segment holding the term (in any field).
    public var documentFrequency: Int { entry.df }
    /// Whether one of the fields of `mask` (`IndexField.bit`) holds the term.
    public func isIn(_ mask: UInt8) -> Bool { entry.fields & mask != 0 }
}

extension SegmentReader {
    /// The terms starting with `prefix`, in dictionary order, in one walk of the dictionary: every
    /// one up to and including the `limit`-th held in one of `fields` (so a term held only in
    /// other fields is there too, with its document frequency), and whether the walk ended
    /// because no further term starts with `prefix` (`complete`: then a term starting with
    /// `prefix` that is not listed is not in the segment).
    public func lookUp(prefix: [UInt8], fields: Set<IndexField>, limit: Int) throws -> (terms: [(term: [UInt8], found: FoundTerm)], complete: Bool) {
        let mask = IndexField.mask(fields)
        var out: [(term: [UInt8], found: FoundTerm)] = []
        var held = 0
        var complete = true
        guard limit > 0 else { return ([], false) }
        try scanTerms(from: prefix) { term, entry in
            if term.starts(with: prefix) {
                out.append((term, FoundTerm(entry: entry)))
                if entry.fields & mask != 0 { held += 1 }
                if held >= limit { complete = false; return false }
                return true
            }
            return term.lexicographicallyPrecedes(prefix)
        }
        return (out, complete)
    }

    /// Terms starting with `prefix` held in one of `fields`, in order, at most `limit`
    /// (`lookUp(prefix:fields:limit:)`'s walk, without the terms held only in other fields).
    public func terms(prefix: [UInt8], fields: Set<IndexField> = Set(IndexField.allCases), limit: Int) throws -> [[UInt8]] {
        let mask = IndexField.mask(fields)
        return try lookUp(prefix: prefix, fields: fields, limit: limit).terms.filter { $0.found.isIn(mask) }.map(\.term)
    }

    /// `term`'s dictionary entry, or nil if the segment lacks it.
    public func lookUp(_ term: [UInt8]) throws -> FoundTerm? {
        try find(term).map(FoundTerm.init(entry:))
    }

    /// A cursor over the postings of a term this reader found, reporting the documents holding
    /// it in one of `fields`; nil when none of them holds it. As `cursor(_:fields:buffers:)`,
    /// without the dictionary lookup.
    public func cursor(_ found: FoundTerm, fields: Set<IndexField>, buffers: PostingsBuffers) throws -> PostingsCursor? {
        try cursor(found, mask: IndexField.mask(fields), buffers: buffers)
    }

    /// `cursor(_:fields:buffers:)` with the fields as a mask (`IndexField.mask`), for the query
    /// engines, which open a cursor per term and segment.
    public func cursor(_ found: FoundTerm, mask: UInt8, buffers: PostingsBuffers) throws -> PostingsCursor? {
        guard found.entry.fields & mask != 0 else { return nil }
        return try PostingsCursor(segment: self, entry: found.entry, fields: mask, buffers: buffers)
    }
}
