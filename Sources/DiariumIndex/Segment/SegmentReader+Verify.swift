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
    /// Decodes the whole segment: every dictionary block and entry (order, prefix coding,
    /// fields, block index agreement), every term's postings and positions (bounds, ascending
    /// document numbers, exact lengths), and every stored-text block (contiguity, zstd frame,
    /// document count, UTF-8). Throws `IndexError.corruptSegment` naming the file and the first
    /// damage found. Opening already checked the checksum, sections, norms and ids.
    func verifyAll() throws -> SegmentContents {
        let path = file.path
        func corrupt(_ reason: String) -> IndexError { .corruptSegment(file: path, reason: reason) }
        let docs = documentCount
        let fieldCount = IndexField.allCases.count
        var out = SegmentContents(hasPostings: [Bool](repeating: false, count: docs),
                                  emptyText: [Bool](repeating: false, count: docs))

        try file.withBytes { buf in
            func section(_ s: SegmentFormat.Section) -> UnsafeRawBufferPointer {
                // Every section was bounds-checked at open.
                UnsafeRawBufferPointer(rebasing: buf[sections[s.rawValue]!])
            }
            let termsSection = section(.terms), postingsSection = section(.postings)
            let positionsSection = section(.positions)

            // TERMINDEX: block count, term count, then each block's offset and first term.
            var ti = ByteReader(section(.termIndex))
            let blockCount = Int(ti.u32()), declaredTerms = Int(ti.u32())
            guard !ti.failed else { throw corrupt("term index is truncated") }
            let per = SegmentFormat.termsPerBlock
            guard blockCount == (declaredTerms + per - 1) / per else {
                throw corrupt("term index lists \(blockCount) blocks for \(declaredTerms) terms (expected \((declaredTerms + per - 1) / per))")
            }
            var index: [(offset: Int, first: [UInt8])] = []
            index.reserveCapacity(blockCount)
            for b in 0..<blockCount {
                let offset = Int(ti.u32())
                let length = Int(ti.varint32())
                guard let first = ti.bytes(length) else { throw corrupt("term index entry \(b) is truncated") }
                index.append((offset, Array(first)))
            }
            guard ti.isAtEnd else { throw corrupt("term index has \(ti.remaining) unexpected trailing bytes") }

            // TERMS, walked block by block; POSTINGS and POSITIONS in the same order.
            var r = ByteReader(termsSection)
            var previous: [UInt8] = []
            var postingOffset = 0, positionOffset = 0
            for (b, entry) in index.enumerated() {
                guard entry.offset == r.offset else {
                    throw corrupt("term block \(b) starts at byte \(entry.offset) of the dictionary, but the previous block ends at \(r.offset)")
                }
                let startPostings = Int(clamping: r.varint()), startPositions = Int(clamping: r.varint())
                guard !r.failed else { throw corrupt("term block \(b) is truncated") }
                guard startPostings == postingOffset, startPositions == positionOffset else {
                    throw corrupt("term block \(b) says its postings start at \(startPostings)/\(startPositions), but the previous terms end at \(postingOffset)/\(positionOffset)")
                }
                var current: [UInt8] = []
                let count = min(per, declaredTerms - b * per)
                for k in 0..<count {
                    let shared = Int(r.varint32()), suffixLength = Int(r.varint32())
                    guard !r.failed, shared <= current.count, let suffix = r.bytes(suffixLength) else {
                        throw corrupt("term \(k) of dictionary block \(b) is damaged")
                    }
                    current.removeSubrange(shared...)
                    current.append(contentsOf: suffix)
                    let df = Int(r.varint32()), pl = Int(clamping: r.varint()), ql = Int(clamping: r.varint())
                    guard !r.failed else { throw corrupt("term \(k) of dictionary block \(b) is truncated") }
                    let term = String(decoding: current.dropFirst(), as: UTF8.self)
                    if k == 0 && current != entry.first {
                        throw corrupt("dictionary block \(b) starts with a different term than the term index says")
                    }
                    guard let fieldByte = current.first, Int(fieldByte) < fieldCount else {
                        throw corrupt("term \"\(term)\" has an unknown field")
                    }
                    guard out.terms == 0 || previous.lexicographicallyPrecedes(current) else {
                        throw corrupt("dictionary is out of order at term \"\(term)\"")
                    }
                    guard df >= 1, df <= docs else {
                        throw corrupt("term \"\(term)\" claims \(df) documents in a segment of \(docs)")
                    }
                    guard pl <= postingsSection.count - postingOffset, ql <= positionsSection.count - positionOffset else {
                        throw corrupt("postings of term \"\(term)\" run past the end of their section")
                    }

                    // Postings: df × (doc delta, tf), ascending document numbers.
                    var p = ByteReader(UnsafeRawBufferPointer(rebasing: postingsSection[postingOffset..<(postingOffset + pl)]))
                    var q = ByteReader(UnsafeRawBufferPointer(rebasing: positionsSection[positionOffset..<(positionOffset + ql)]))
                    var doc: UInt32 = 0
                    for i in 0..<df {
                        let delta = p.varint32(), tf = p.varint32()
                        guard !p.failed else { throw corrupt("postings of term \"\(term)\" are truncated") }
                        if i == 0 {
                            doc = delta
                        } else {
                            let (next, overflow) = doc.addingReportingOverflow(delta)
                            guard delta > 0, !overflow else {
                                throw corrupt("postings of term \"\(term)\" are not in ascending document order")
                            }
                            doc = next
                        }
                        guard Int(doc) < docs else {
                            throw corrupt("postings of term \"\(term)\" name document \(doc) of a segment of \(docs)")
                        }
                        guard tf >= 1 else { throw corrupt("term \"\(term)\" has frequency 0 in document \(doc)") }
                        out.hasPostings[Int(doc)] = true
                        // Positions: tf deltas from 0, ascending, within 32 bits.
                        var position: UInt32 = 0
                        for _ in 0..<tf {
                            let (next, overflow) = position.addingReportingOverflow(q.varint32())
                            guard !q.failed, !overflow else {
                                throw corrupt("positions of term \"\(term)\" in document \(doc) are damaged")
                            }
                            position = next
                        }
                        out.positions += Int(tf)
                    }
                    guard p.isAtEnd else { throw corrupt("postings of term \"\(term)\" are longer than their \(df) documents") }
                    guard q.isAtEnd else { throw corrupt("positions of term \"\(term)\" are longer than its frequencies") }
                    out.postings += df
                    out.terms += 1
                    postingOffset += pl
                    positionOffset += ql
                    previous = current
                }
            }
            guard r.isAtEnd else { throw corrupt("dictionary has \(r.remaining) bytes after its last term") }
            guard out.terms == termCount else { throw corrupt("dictionary holds \(out.terms) terms, the term index says \(termCount)") }
            guard postingOffset == postingsSection.count else {
                throw corrupt("postings section has \(postingsSection.count - postingOffset) bytes no term points at")
            }
            guard positionOffset == positionsSection.count else {
                throw corrupt("positions section has \(positionsSection.count - positionOffset) bytes no term points at")
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
