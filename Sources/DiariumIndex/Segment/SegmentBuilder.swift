/// Accumulates documents in memory and serializes them as one immutable segment file.
/// The writer side of the segment format; `SegmentReader` is the reader.
struct SegmentBuilder {
    private struct Postings {
        var docs: [UInt8] = []       // per doc: varint(doc delta), varint(tf)
        var positions: [UInt8] = []  // per doc: tf varints, delta-coded
        var lastDoc: UInt32 = 0
        var df: UInt32 = 0
    }

    private var terms = TermTable(capacity: 1 << 16)
    private var postings: [Postings] = []
    private var norms: [UInt32] = []              // docCount × fieldCount
    private(set) var docIDs: [Int64] = []
    private var storeRaw: [UInt8] = []
    private var storeBlocks: [(firstDoc: UInt32, compressed: [UInt8], rawSize: UInt32)] = []
    private var storeFirstDoc: UInt32 = 0
    private var postingBytes = 0
    private var keyBuffer: [UInt8] = []

    var documentCount: Int { docIDs.count }

    /// Estimated heap bytes held, for the writer's memory budget.
    var memoryFootprint: Int {
        terms.memoryFootprint + postingBytes + postings.count * 80 + norms.count * 4
            + docIDs.count * 8 + storeRaw.capacity + storeBlocks.reduce(0) { $0 + $1.compressed.count }
    }

    /// Adds a document with catalog id `id`, its fields and its stored text.
    mutating func add(id: Int64, fields: [IndexField: FieldTerms], storedText: [UInt8]) {
        let doc = UInt32(docIDs.count)
        docIDs.append(id)
        for field in IndexField.allCases {
            guard var ft = fields[field] else { norms.append(0); continue }
            ft.finish()
            norms.append(ft.length)
            for t in 0..<ft.terms.count {
                keyBuffer.removeAll(keepingCapacity: true)
                keyBuffer.append(field.rawValue)
                ft.terms.withTerm(Int32(t)) { keyBuffer.append(contentsOf: $0) }
                let (tid, inserted) = keyBuffer.withUnsafeBytes { terms.intern($0) }
                if inserted { postings.append(Postings()) }
                let before = postings[Int(tid)].docs.capacity + postings[Int(tid)].positions.capacity
                let lo = Int(ft.positionStarts[t]), hi = Int(ft.positionStarts[t + 1])
                let delta = postings[Int(tid)].df == 0 ? doc : doc - postings[Int(tid)].lastDoc
                appendVarint(delta, to: &postings[Int(tid)].docs)
                appendVarint(UInt32(hi - lo), to: &postings[Int(tid)].docs)
                var prev: UInt32 = 0
                for i in lo..<hi {
                    let p = ft.positions[i]
                    appendVarint(p - prev, to: &postings[Int(tid)].positions)
                    prev = p
                }
                postings[Int(tid)].lastDoc = doc
                postings[Int(tid)].df += 1
                postingBytes += postings[Int(tid)].docs.capacity + postings[Int(tid)].positions.capacity - before
            }
        }
        appendVarint(UInt32(storedText.count), to: &storeRaw)
        storeRaw.append(contentsOf: storedText)
        if storeRaw.count >= SegmentFormat.storeBlockSize { closeStoreBlock() }
    }

    private mutating func closeStoreBlock() {
        guard !storeRaw.isEmpty else { return }
        storeBlocks.append((storeFirstDoc, Zstd.compress(storeRaw), UInt32(storeRaw.count)))
        storeRaw.removeAll(keepingCapacity: true)
        storeFirstDoc = UInt32(docIDs.count)
    }

    /// Serializes the segment into one byte image: header, sections, directory, footer.
    mutating func serialize() -> [UInt8] {
        closeStoreBlock()
        var out = ByteWriter(capacity: postingBytes + 1 << 16)
        out.raw(SegmentFormat.magic)
        out.u32(SegmentFormat.version)
        out.u32(UInt32(IndexField.allCases.count))
        var directory: [(SegmentFormat.Section, Int, Int)] = []
        func section(_ id: SegmentFormat.Section, _ body: (inout ByteWriter) -> Void) {
            let start = out.count
            body(&out)
            directory.append((id, start, out.count - start))
        }

        // Sorted term order drives postings, positions and the dictionary alike.
        let order = sortedTermIDs()
        var postingLengths = [Int](repeating: 0, count: order.count)
        var positionLengths = [Int](repeating: 0, count: order.count)
        section(.postings) { w in
            for (i, t) in order.enumerated() {
                w.raw(postings[Int(t)].docs)
                postingLengths[i] = postings[Int(t)].docs.count
            }
        }
        section(.positions) { w in
            for (i, t) in order.enumerated() {
                w.raw(postings[Int(t)].positions)
                positionLengths[i] = postings[Int(t)].positions.count
            }
        }
        // Dictionary: blocks of `termsPerBlock` prefix-compressed entries; block index holds
        // each block's first term and offset.
        var blockIndex = ByteWriter()
        section(.terms) { w in
            let base = w.count
            var postingOffset = 0, positionOffset = 0
            var prev: [UInt8] = []
            for (i, t) in order.enumerated() {
                let term = terms.term(t)
                if i % SegmentFormat.termsPerBlock == 0 {
                    blockIndex.u32(UInt32(w.count - base))
                    blockIndex.varint(term.count)
                    blockIndex.raw(term)
                    w.varint(postingOffset)
                    w.varint(positionOffset)
                    prev = []
                }
                var shared = 0
                let limit = min(prev.count, term.count)
                while shared < limit && prev[shared] == term[shared] { shared += 1 }
                w.varint(shared)
                w.varint(term.count - shared)
                w.raw(term[shared...])
                w.varint(Int(postings[Int(t)].df))
                w.varint(postingLengths[i])
                w.varint(positionLengths[i])
                postingOffset += postingLengths[i]
                positionOffset += positionLengths[i]
                prev = term
            }
        }
        section(.termIndex) { w in
            w.u32(UInt32((order.count + SegmentFormat.termsPerBlock - 1) / SegmentFormat.termsPerBlock))
            w.u32(UInt32(order.count))
            w.raw(blockIndex.bytes)
        }
        section(.norms) { w in for n in norms { w.u32(n) } }
        section(.docIDs) { w in for id in docIDs { w.u64(UInt64(bitPattern: id)) } }
        var storeIndex = ByteWriter()
        section(.store) { w in
            let base = w.count
            for block in storeBlocks {
                storeIndex.u32(block.firstDoc)
                storeIndex.u64(UInt64(w.count - base))
                storeIndex.u32(UInt32(block.compressed.count))
                storeIndex.u32(block.rawSize)
                w.raw(block.compressed)
            }
        }
        section(.storeIndex) { w in
            w.u32(UInt32(storeBlocks.count))
            w.raw(storeIndex.bytes)
        }

        let directoryOffset = out.count
        out.u32(UInt32(directory.count))
        for (id, offset, length) in directory {
            out.u32(id.rawValue)
            out.u64(UInt64(offset))
            out.u64(UInt64(length))
        }
        out.u64(UInt64(directoryOffset))
        out.u32(UInt32(docIDs.count))
        out.u32(0)  // reserved flags
        out.raw(SegmentFormat.footerMagic)
        let crc = out.bytes.withUnsafeBytes { CRC32.checksum($0) }
        out.u32(crc)
        return out.bytes
    }

    private func sortedTermIDs() -> [Int32] {
        var ids = (0..<Int32(terms.count)).map { $0 }
        terms.arena.withUnsafeBytes { a in
            let starts = terms.starts
            ids.sort { x, y in
                let xl = Int(starts[Int(x)]), xh = Int(starts[Int(x) + 1])
                let yl = Int(starts[Int(y)]), yh = Int(starts[Int(y) + 1])
                let n = min(xh - xl, yh - yl)
                let c = n == 0 ? 0 : memcmp(a.baseAddress! + xl, a.baseAddress! + yl, n)
                return c != 0 ? c < 0 : (xh - xl) < (yh - yl)
            }
        }
        return ids
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
