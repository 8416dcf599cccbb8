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
    /// coding, fields), every term's postings blocks, skip entries and positions (bounds,
    /// ascending document numbers, exact lengths, block maxima), the fast fields, and every
    /// stored-text block (contiguity, zstd frame, document count, UTF-8). Throws
    /// `IndexError.corruptSegment` naming the file and the first damage found.
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

        // Dictionary, postings, skips and positions, term by term.
        var previous: [UInt8] = []
        var postingEnd = 0, positionEnd = 0, skipEnd = 0
        try forEachTerm { key, entry in
            let term = String(decoding: key.dropFirst(), as: UTF8.self)
            guard let fieldByte = key.first, let field = IndexField(rawValue: fieldByte), Int(fieldByte) < fieldCount else {
                throw corrupt("term \"\(term)\" has an unknown field")
            }
            guard out.terms == 0 || previous.lexicographicallyPrecedes(key) else {
                throw corrupt("dictionary is out of order at term \"\(term)\"")
            }
            guard entry.df >= 1, entry.df <= docs else { throw corrupt("term \"\(term)\" claims \(entry.df) documents in a segment of \(docs)") }
            guard entry.postings.lowerBound == postingEnd, entry.positions.lowerBound == positionEnd, entry.skips.lowerBound == skipEnd else {
                throw corrupt("postings of term \"\(term)\" do not start where the previous term's end")
            }
            let all: TermPostings
            do { all = try decode(entry, field: field, withPositions: true) } catch {
                throw corrupt("postings of term \"\(term)\" are damaged (\(error))")
            }
            var last: UInt32?
            var k = 0
            for (i, d) in all.docs.enumerated() {
                if let last, d <= last { throw corrupt("postings of term \"\(term)\" are not in ascending document order") }
                last = d
                let tf = Int(all.frequencies[i])
                guard tf >= 1 else { throw corrupt("term \"\(term)\" has frequency 0 in document \(d)") }
                for j in 1..<max(tf, 1) where all.positions[k + j] < all.positions[k + j - 1] {
                    throw corrupt("positions of term \"\(term)\" in document \(d) are not ascending")
                }
                k += tf
                out.hasPostings[Int(d)] = true
            }
            guard k == entry.ttf else { throw corrupt("term \"\(term)\" has \(k) positions, the dictionary says \(entry.ttf)") }
            // Skip entries: each block's last document and maxima.
            let skipCount = SegmentFormat.skipCount(df: entry.df)
            try withSection(.skips) { sk in
                var r = ByteReader(sk, offset: entry.skips.lowerBound)
                for b in 0..<skipCount {
                    let skip = SkipEntry(reading: &r)
                    let lo = b * SegmentFormat.postingsBlock, hi = min(lo + SegmentFormat.postingsBlock, all.docs.count)
                    let blockMaxTF = all.frequencies[lo..<hi].max() ?? 0
                    let blockMinNorm = all.docs[lo..<hi].map { normByte($0, field) }.min() ?? 0
                    guard !r.failed, skip.lastDoc == all.docs[hi - 1], skip.maxFrequency == blockMaxTF, skip.minNorm == blockMinNorm else {
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

        try file.withBytes { buf in
            func section(_ s: SegmentFormat.Section) -> UnsafeRawBufferPointer {
                // Every section was bounds-checked at open.
                UnsafeRawBufferPointer(rebasing: buf[sections[s.rawValue]!])
            }
            // STOREINDEX and STORE: contiguous zstd frames covering documents 0..<docs.
            let store = section(.store)
            var si = ByteReader(section(.storeIndex))
            let blocks = Int(si.u32())
            var blockList: [(first: Int, offset: Int, size: Int, raw: Int)] = []
            for b in 0..<blocks {
                let first = Int(si.u32()), offset = Int(clamping: si.u64()), size = Int(si.u32()), raw = Int(si.u32())
                guard !si.failed else { throw corrupt("stored-text index entry \(b) is truncated") }
                blockList.append((first, offset, size, raw))
            }
            guard !si.failed, si.isAtEnd else { throw corrupt("stored-text index does not match its block count \(blocks)") }
            guard (docs == 0) == blockList.isEmpty, blockList.first.map({ $0.first == 0 }) ?? true else {
                throw corrupt("stored text does not start at document 0")
            }
            var storeOffset = 0
            for (b, block) in blockList.enumerated() {
                let end = b + 1 < blockList.count ? blockList[b + 1].first : docs
                guard block.first < end, end <= docs else {
                    throw corrupt("stored-text block \(b) covers documents \(block.first)..<\(end) of a segment of \(docs)")
                }
                guard block.offset == storeOffset, block.size <= store.count - storeOffset else {
                    throw corrupt("stored-text block \(b) is not where the previous block ends or runs past the section")
                }
                guard let raw = Zstd.decompress(UnsafeRawBufferPointer(rebasing: store[storeOffset..<(storeOffset + block.size)]), size: block.raw) else {
                    throw corrupt("stored-text block \(b) (documents \(block.first)..<\(end)) does not decompress to \(block.raw) bytes")
                }
                try raw.withUnsafeBytes { rb in
                    var t = ByteReader(rb)
                    for d in block.first..<end {
                        let length = Int(t.varint32())
                        guard !t.failed, let text = t.bytes(length) else {
                            throw corrupt("stored text of document \(d) is truncated")
                        }
                        guard String(validating: text, as: UTF8.self) != nil else {
                            throw corrupt("stored text of document \(d) is not valid UTF-8")
                        }
                        out.emptyText[d] = length == 0
                    }
                    guard t.isAtEnd else { throw corrupt("stored-text block \(b) has \(t.remaining) bytes after its last document") }
                }
                storeOffset += block.size
                out.storedBlocks += 1
            }
            guard storeOffset == store.count else {
                throw corrupt("stored-text section has \(store.count - storeOffset) bytes no block points at")
            }
        }
        return out
    }
}
