import Testing
import DiariumTestSupport
@testable import DiariumIndex

/// `PostingsCursor.advance(to:)` against a reference — a linear scan over the term's documents
/// as they were written — for every target of the segment and past its end, from a fresh cursor
/// and along walks of several strides, over block layouts with full blocks only, a last partial
/// block, a single full block, a single short block and sparse title entries, each with cursors
/// over every field, the title alone and the body alone.
@Suite struct CursorAdvanceTests {
    static let documentCount = 700

    /// A term: the documents holding it in the body (ascending) and those of them holding it in
    /// the title too.
    struct Layout {
        var term: String
        var docs: [Int]
        var titled: Set<Int>
    }

    static let layouts: [Layout] = {
        let all = Array(0..<documentCount)
        let even = stride(from: 0, to: 512, by: 2).map { $0 }  // 256: two full blocks
        let single = (0..<128).map { $0 * 5 + 3 }  // one full block
        let short = (0..<50).map { $0 * 13 + 1 }  // one short block
        let thirds = stride(from: 1, to: documentCount, by: 3).map { $0 }  // 233: a full block and 105
        let edges = [0, 127, 128, 255, 256, 383, 384, 698, 699]
        return [
            Layout(term: "alla", docs: all, titled: Set(all.filter { $0 % 5 == 0 })),  // 5 full blocks and 60
            Layout(term: "jämn", docs: even, titled: Set(even.filter { $0 % 7 == 0 })),
            Layout(term: "enblock", docs: single, titled: Set(single.enumerated().filter { $0.offset % 11 == 0 }.map(\.element))),
            Layout(term: "kort", docs: short, titled: Set(short.filter { $0 % 2 == 0 })),
            // Title entries only in the second block: a title cursor passes the whole first one.
            Layout(term: "gles", docs: thirds, titled: Set(thirds.filter { $0 > 400 })),
            Layout(term: "kant", docs: edges, titled: [127, 128, 699]),
        ]
    }()

    /// The body frequency of a layout's term in document `d` (varied, so a landing on the wrong
    /// entry of the right document list shows).
    static func bodyFrequency(_ d: Int, _ layout: Int) -> UInt32 { UInt32(1 + (d + layout) % 4) }

    static func segment(in dir: ScratchDirectory) throws -> SegmentReader {
        var builder = SegmentBuilder()
        for d in 0..<documentCount {
            var body = ["fyll"], title = ["rubrik"]
            for (k, layout) in layouts.enumerated() where layout.docs.contains(d) {
                body += Array(repeating: layout.term, count: Int(bodyFrequency(d, k)))
                if layout.titled.contains(d) { title.append(layout.term) }
            }
            builder.add(id: Int64(d + 1), fields: [.body: field(body), .title: field(title)], fast: FastValues(format: "text"),
                        storedText: Array(body.joined(separator: " ").utf8))
        }
        let path = dir.path + "/advance.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        return try SegmentReader(path: path)
    }

    @Test func advanceAgreesWithALinearScan() throws {
        let dir = try ScratchDirectory()
        let reader = try Self.segment(in: dir)
        let buffers = PostingsBuffers()
        defer { withExtendedLifetime(buffers) {} }  // the cursors point into them
        let targets = Array(UInt32(0)...UInt32(Self.documentCount + 2)) + [10_000, PostingsCursor.exhausted - 1, PostingsCursor.exhausted]
        let fieldSets: [Set<IndexField>] = [Set(IndexField.allCases), [.title], [.body]]
        for (k, layout) in Self.layouts.enumerated() {
            let found = try #require(try reader.lookUp(Array(layout.term.utf8)))
            #expect(found.documentFrequency == layout.docs.count, "\(layout.term)")
            for fields in fieldSets {
                // The reference: the documents the cursor stops on, in order.
                let expected = layout.docs.filter { fields.contains(.body) || layout.titled.contains($0) }.map(UInt32.init)
                func first(atOrAfter target: UInt32) -> UInt32 { expected.first { $0 >= target } ?? PostingsCursor.exhausted }
                func open() throws -> PostingsCursor {
                    try #require(try reader.cursor(found, fields: fields, buffers: buffers))
                }
                func check(_ c: PostingsCursor, _ want: UInt32, _ context: @autoclosure () -> String) {
                    #expect(c.doc == want, "\(layout.term) \(fields.map(\.rawValue).sorted()): \(context())")
                    guard want != PostingsCursor.exhausted, c.doc == want else { return }
                    let titled: UInt32 = layout.titled.contains(Int(want)) ? 1 : 0
                    #expect(c.frequency(.body) == Self.bodyFrequency(Int(want), k) && c.frequency(.title) == titled,
                            "\(layout.term) frequencies at \(want): \(context())")
                }
                // Every target from a fresh cursor (its first block decoded).
                for t in targets {
                    buffers.recycle()
                    var c = try open()
                    c.advance(to: t)
                    check(c, first(atOrAfter: t), "fresh cursor to \(t)")
                    #expect(c.error == nil)
                }
                // Walks of increasing targets: within a block, across one, over several; a
                // target at or before the cursor leaves it where it stands.
                for step in [1, 2, 3, 5, 64, 127, 128, 129, 300] as [UInt32] {
                    buffers.recycle()
                    var c = try open()
                    var t: UInt32 = 0
                    while true {
                        let before = c.doc
                        c.advance(to: t)
                        check(c, before >= t ? before : first(atOrAfter: t), "step \(step) to \(t)")
                        if c.doc == PostingsCursor.exhausted { break }
                        t += step
                    }
                    #expect(c.error == nil)
                }
                // `advance` and `next` interleaved: every document once, in order.
                buffers.recycle()
                var c = try open()
                var seen: [UInt32] = []
                while c.doc != PostingsCursor.exhausted {
                    seen.append(c.doc)
                    if seen.count % 2 == 0 { c.next() } else { c.advance(to: c.doc + 1) }
                }
                #expect(seen == expected, "\(layout.term) \(fields.map(\.rawValue).sorted()) by next and advance")
            }
        }
    }
}
