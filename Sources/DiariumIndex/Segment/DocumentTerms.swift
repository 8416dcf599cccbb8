/// The indexable form of one field of one document: its unique terms, each with the
/// positions where it occurs, and the field's length in tokens. Built on any thread (it is
/// plain data), handed to `IndexWriter` on the writer's thread.
public struct FieldTerms: Sendable {
    /// The unique terms of the field.
    public private(set) var terms: TermTable
    /// For term id `t`: its positions are `positions[positionStarts[t]..<positionStarts[t+1]]`
    /// after `finish()`.
    public private(set) var positionStarts: [Int32] = []
    /// Positions, grouped by term after `finish()`.
    public private(set) var positions: [UInt32] = []
    /// Number of tokens in the field (the BM25 field length).
    public var length: UInt32 = 0
    /// Byte offsets, in the analysed text, of the words at positions 0, k, 2k, … (k =
    /// `TextPositions.interval`), from `noteWord`: the body's become the stored text's position
    /// → offset table, from which a snippet finds the bytes of a matched position.
    public private(set) var wordStarts: [UInt32] = []

    private var pending: [(term: Int32, position: UInt32)] = []
    private var finished = false

    /// An empty field.
    public init() {
        terms = TermTable(capacity: 32)
    }

    /// An empty field with room for about `expectedTerms` distinct terms and `expectedTokens`
    /// occurrences before anything grows (what a document's text length suggests; a guess
    /// changes nothing but how often the buffers grow).
    public init(expectedTerms: Int, expectedTokens: Int) {
        terms = TermTable(capacity: max(32, expectedTerms))
        pending.reserveCapacity(expectedTokens)
    }

    /// Bytes this field holds on the heap (its term table, positions and pending occurrences),
    /// for the ingest's memory budget: a document waiting to be added counts too.
    public var memoryFootprint: Int {
        terms.memoryFootprint + (positionStarts.capacity + positions.capacity + wordStarts.capacity) * 4
            + pending.capacity * MemoryLayout<(term: Int32, position: UInt32)>.stride
    }

    /// Records one occurrence of `term` at `position`.
    public mutating func add(_ term: UnsafeRawBufferPointer, position: UInt32) {
        add(term, hash: TermTable.hash(term), position: position)
    }

    /// Records one occurrence of `term`, whose `TermTable.hash` is `hash`, at `position`.
    @inline(__always)
    public mutating func add(_ term: UnsafeRawBufferPointer, hash: UInt32, position: UInt32) {
        let id = terms.intern(term, hash: hash).id
        pending.append((id, position))
    }

    /// Records one occurrence of `term` at `position`.
    public mutating func add(_ term: [UInt8], position: UInt32) {
        term.withUnsafeBytes { add($0, position: position) }
    }

    /// Notes that the word at `position` starts at byte `start` of the analysed text. Called for
    /// every word in order; every k-th is kept.
    @inline(__always)
    public mutating func noteWord(position: UInt32, start: Int) {
        if position % TextPositions.interval == 0 && Int(position / TextPositions.interval) == wordStarts.count {
            wordStarts.append(UInt32(clamping: start))
        }
    }

    /// Groups positions by term (counting sort, stable, so each term's positions stay in
    /// ascending order when added in ascending order). Call once, after the last `add`.
    public mutating func finish() {
        guard !finished else { return }
        finished = true
        let n = terms.count
        let total = pending.count
        var counts = [Int32](repeating: 0, count: n + 1)
        positions = [UInt32](repeating: 0, count: total)
        pending.withUnsafeBufferPointer { pend in
            counts.withUnsafeMutableBufferPointer { c in
                for p in pend { c[Int(p.term) &+ 1] &+= 1 }
                for i in 0..<n { c[i &+ 1] &+= c[i] }
            }
            positionStarts = counts
            positions.withUnsafeMutableBufferPointer { ps in
                // `counts` becomes each term's next free slot.
                counts.withUnsafeMutableBufferPointer { cursor in
                    for p in pend {
                        let t = Int(p.term)
                        ps[Int(cursor[t])] = p.position
                        cursor[t] &+= 1
                    }
                }
                // Positions of one term must ascend for delta coding, whatever order they came in.
                // Nearly always they ascend already (a field's tokens come in order); only the parts
                // field mixes title and body positions. Checked first, sorted only where needed.
                positionStarts.withUnsafeBufferPointer { starts in
                    for t in 0..<n {
                        let lo = Int(starts[t]), hi = Int(starts[t &+ 1])
                        guard hi &- lo > 1 else { continue }
                        var ascending = true
                        for k in (lo &+ 1)..<hi where ps[k] < ps[k &- 1] { ascending = false; break }
                        if !ascending {
                            var run = UnsafeMutableBufferPointer(rebasing: ps[lo..<hi])
                            run.sort()
                        }
                    }
                }
            }
        }
        pending = []
    }
}
