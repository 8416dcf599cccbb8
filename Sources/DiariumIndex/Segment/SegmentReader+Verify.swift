/// What `SegmentReader.verifyAll()` decoded from one segment.
struct SegmentContents: Sendable {
    /// Dictionary entries decoded.
    var terms = 0
    /// (term, document) postings decoded.
    var postings = 0
    /// Term positions decoded.
    var positions = 0
    /// Stored-text blocks decompressed.
    var storedBlocks = 0
    /// Per segment document: whether at least one term's postings list it.
    var hasPostings: [Bool]
    /// Per segment document: whether its stored text is empty.
    var emptyText: [Bool]
}

extension SegmentReader {
    /// Decodes the whole segment: the checksum, every dictionary block and entry (order, prefix
    /// coding, fields; the term filter passes each), every term's postings blocks, skip entries
    /// and positions (bounds, ascending document numbers, exact lengths, block maxima), the fast
    /// fields, and every stored-text block (contiguity, zstd frame, document count, UTF-8).
    /// Throws `IndexError.corruptSegment` naming the file and the first damage found.
    func verifyAll() throws -> SegmentContents {
        try verifyChecksum()
        let path = file.path
        func corrupt(_ reason: String) -> IndexError { .corruptSegment(file: path, reason: reason) }
        let docs = documentCount
        let fieldCount = IndexField.allCases.count
        var out = SegmentContents(hasPostings: [Bool](repeating: false, count: docs),
                                  emptyText: [Bool](repeating: false, count: docs))
        let sectionLengths = SegmentFormat.Section.allCases.reduce(into: [SegmentFormat.Section: Int]()) {
            $0[$1] = sections[$1.rawValue]?.count ?? 0
        }

        // The block bounds' parameters: the ones the serializer derives from these norms.
        guard boundReference == BoundReference(norms: Array(normTable)) else {
            throw corrupt("the block-bound parameters do not match the segment's norms")
        }

        // Dictionary, postings, skips and positions, term by term.
        var previous: [UInt8] = []
        var postingEnd = 0, positionEnd = 0, skipEnd = 0
        try forEachTerm { key, entry in
            let term = String(decoding: key, as: UTF8.self)
            guard out.terms == 0 || previous.lexicographicallyPrecedes(key) else {
                throw corrupt("dictionary is out of order at term \"\(term)\"")
            }
            // The filter turns away no term the dictionary holds (a lookup would miss it).
            guard key.withUnsafeBytes({ termFilter.mayContain($0) }) else {
                throw corrupt("the term filter (TERMFILTER) turns away term \"\(term)\", which the dictionary holds")
            }
            guard entry.df >= 1, entry.df <= docs else { throw corrupt("term \"\(term)\" claims \(entry.df) documents in a segment of \(docs)") }
            guard entry.postings.lowerBound == postingEnd, entry.positions.lowerBound == positionEnd, entry.skips.lowerBound == skipEnd else {
                throw corrupt("postings of term \"\(term)\" do not start where the previous term's end")
            }
            let all: TermPostings
            do { all = try decode(entry, withPositions: true) } catch {
                throw corrupt("postings of term \"\(term)\" are damaged (\(error))")
            }
            guard all.fields == entry.fields else {
                throw corrupt("term \"\(term)\" is listed in fields \(entry.fields), its postings in \(all.fields)")
            }
            var last: UInt32?
            var k = 0
            for (i, d) in all.docs.enumerated() {
                if let last, d <= last { throw corrupt("postings of term \"\(term)\" are not in ascending document order") }
                last = d
                for field in [IndexField.title, .body] {
                    let tf = Int(all.frequency(i, field))
                    for j in 1..<max(tf, 1) where all.positions[k + j] < all.positions[k + j - 1] {
                        throw corrupt("positions of term \"\(term)\" in document \(d) are not ascending")
                    }
                    k += tf
                }
                out.hasPostings[Int(d)] = true
            }
            guard k == entry.ttf else { throw corrupt("term \"\(term)\" has \(k) positions, the dictionary says \(entry.ttf)") }
            // Skip entries: each block's last document, per-field maxima and pseudo-frequency bound.
            let skipCount = SegmentFormat.skipCount(df: entry.df)
            try withSection(.skips) { sk in
                var r = ByteReader(sk, offset: entry.skips.lowerBound)
                for b in 0..<skipCount {
                    let skip = SkipEntry(reading: &r)
                    let lo = b * SegmentFormat.postingsBlock, hi = min(lo + SegmentFormat.postingsBlock, all.docs.count)
                    var maxTF = [UInt32](repeating: 0, count: fieldCount), minNorm = [UInt8](repeating: .max, count: fieldCount)
                    var pseudo = 0.0
                    for i in lo..<hi {
                        let d = all.docs[i]
                        pseudo = max(pseudo, boundReference.pseudoFrequency(
                            tf: (all.frequency(i, .title), all.frequency(i, .body), all.frequency(i, .meta), all.frequency(i, .parts)),
                            norms: (normByte(d, .title), normByte(d, .body), normByte(d, .meta), normByte(d, .parts))))
                        for field in IndexField.allCases where all.frequency(i, field) > 0 {
                            let f = Int(field.rawValue)
                            maxTF[f] = max(maxTF[f], all.frequency(i, field))
                            minNorm[f] = min(minNorm[f], normByte(all.docs[i], field))
                        }
                    }
                    let m = maxTF.map(SkipEntry.stored)
                    guard !r.failed, skip.lastDoc == all.docs[hi - 1], skip.maxFrequency == (m[0], m[1], m[2], m[3]),
                          skip.minNorm == (minNorm[0], minNorm[1], minNorm[2], minNorm[3]),
                          skip.maxPseudoFrequency.bitPattern == BoundReference.stored(pseudo).bitPattern else {
                        throw corrupt("skip entry \(b) of term \"\(term)\" does not match its block")
                    }
                }
            }
            out.postings += entry.df
            out.positions += entry.ttf
            out.terms += 1
            postingEnd = entry.postings.upperBound
            positionEnd = entry.positions.upperBound
            skipEnd = entry.skips.upperBound
            previous = key
            return true
        }
        guard out.terms == termCount else { throw corrupt("dictionary holds \(out.terms) terms, the term index says \(termCount)") }
        guard postingEnd == sectionLengths[.postings], positionEnd == sectionLengths[.positions], skipEnd == sectionLengths[.skips] else {
            throw corrupt("the postings, positions or skip section has bytes no term points at")
        }
        // Statistics: exact field totals cannot be below what the norms keep.
        for f in IndexField.allCases {
            var sum: UInt64 = 0
            for d in 0..<docs { sum += UInt64(fieldLength(UInt32(d), f)) }
            guard totalFieldLengths[Int(f.rawValue)] >= sum else {
                throw corrupt("the \(f) field's total length \(totalFieldLengths[Int(f.rawValue)]) is below the sum of its norms \(sum)")
            }
        }
        // Fast fields: ordinals within their dictionaries.
        for c in FastValues.Column.allCases {
            let n = fastDictionary(c).count
            for d in 0..<docs where Int(fastOrdinal(c, UInt32(d))) > n {
                throw corrupt("fast field \(c) of document \(d) names value \(fastOrdinal(c, UInt32(d))) of \(n)")
            }
        }
        for d in 0..<docs {
            let key = dateKey(UInt32(d))
            guard key == 0 || DateKey.text(key) != nil else { throw corrupt("fast-field date of document \(d) is not a date (\(key))") }
        }

        // STORE, STOREINDEX and TEXTPOSITIONS: blocks contiguous and decompressing to their
        // sizes, covering documents 0..<docs in order; each text valid UTF-8; each document's
        // checkpoints ascending, inside its text, at the start of a UTF-8 sequence.
        var utf8 = UTF8Stream()
        var at = 0  // offset of the piece in its document
        var points: [UInt32] = []
        var p = 0
        out.storedBlocks = try forEachStoredText { d, piece, last in
            if at == 0 {
                points = try wordStarts(d)
                p = 0
                utf8 = UTF8Stream()
            }
            guard utf8.feed(piece) else { throw corrupt("stored text of document \(d) is not valid UTF-8") }
            while p < points.count, Int(points[p]) < at + piece.count {
                let o = Int(points[p])
                guard o >= at, p == 0 || points[p] > points[p - 1], piece[o - at] & 0xC0 != 0x80 else {
                    throw corrupt("text position \(UInt32(p) * TextPositions.interval) of document \(d) does not point at a word of its text")
                }
                p += 1
            }
            at += piece.count
            guard last else { return }
            guard utf8.isComplete else { throw corrupt("stored text of document \(d) is not valid UTF-8") }
            guard p == points.count else {
                throw corrupt("text position \(UInt32(p) * TextPositions.interval) of document \(d) lies past its text of \(at) bytes")
            }
            out.emptyText[Int(d)] = at == 0
            at = 0
        }
        return out
    }
}

/// UTF-8 validation of a text given in pieces that may cut a sequence.
struct UTF8Stream {
    /// Bytes of a sequence cut at the end of the last piece.
    private var carry: [UInt8] = []

    /// Whether the text so far is valid UTF-8 (a sequence cut at the end is kept for the next piece).
    mutating func feed(_ piece: UnsafeRawBufferPointer) -> Bool {
        var bytes = carry
        bytes.append(contentsOf: piece)
        // A sequence cut at the end: at most 3 bytes from its lead byte.
        var cut = bytes.count
        var k = bytes.count - 1
        while k >= 0, k >= bytes.count - 3, bytes[k] & 0xC0 == 0x80 { k -= 1 }
        if k >= 0 {
            let lead = bytes[k]
            let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if bytes.count - k < need { cut = k }
        }
        carry = Array(bytes[cut...])
        return String(validating: bytes[..<cut], as: UTF8.self) != nil
    }

    /// Whether no sequence is left cut.
    var isComplete: Bool { carry.isEmpty }
}
