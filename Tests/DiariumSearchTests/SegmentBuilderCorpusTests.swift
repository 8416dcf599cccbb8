import DiariumAnalysis
import DiariumExtraction
import Foundation
import Testing
import DiariumTestSupport
@testable import DiariumIndex
@testable import DiariumIngest

/// The segment builder keeps one list per term with every field's frequencies from the start
/// (`SegmentBuilder`'s `Postings`), where it kept a list per field and merged them at the commit.
/// Judged on the corpus's real files, extracted and analysed as an ingest does (title, body,
/// metadata, compound parts: many terms in several fields of one document): every term of the
/// segment holds exactly the documents, per-field frequencies and title and body positions the
/// documents' own fields (`FieldTerms`) gave, and no other term is stored.
@Suite struct SegmentBuilderCorpusTests {
    /// One document's occurrences of a term in one field.
    struct Occurrences: Equatable {
        var doc: UInt32
        var field: IndexField
        var positions: [UInt32]
    }

    @Test func everyTermHoldsTheFieldsTheDocumentsGave() throws {
        let analyzer = try Analyzer()
        let extractor = Extractor()
        let root = repositoryRoot.appendingPathComponent("corpus").path
        let files = try FileManager.default.subpathsOfDirectory(atPath: root).sorted()
        var given: [(fields: [IndexField: FieldTerms], text: String)] = []
        var expected: [[UInt8]: [Occurrences]] = [:]
        var documents = 0
        func add(_ fields: [IndexField: FieldTerms], text: String) {
            let doc = UInt32(documents)
            for field in IndexField.allCases {
                guard var ft = fields[field] else { continue }
                ft.finish()
                for t in 0..<ft.terms.count {
                    let positions = Array(ft.positions[Int(ft.positionStarts[t])..<Int(ft.positionStarts[t + 1])])
                    expected[ft.terms.term(Int32(t)), default: []].append(Occurrences(doc: doc, field: field, positions: positions))
                }
            }
            given.append((fields, text))
            documents += 1
        }
        for file in files {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + file, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            let components = ["corpus"] + file.split(separator: "/").map(String.init)
            let doc = extractor.extract(file: root + "/" + file, components: components)
            for d in [doc] + doc.parts where d.failure == nil {
                add(DocumentFields.analyze(d, components: components, analyzer: analyzer), text: d.text)
            }
        }
        // A term in every field of one document, 40 times in the title and body (a frequency
        // whose entry takes two bytes beside its field), after a gap of documents.
        func field(_ words: [String]) -> FieldTerms {
            var f = FieldTerms()
            for (i, w) in words.enumerated() { f.add(Array(w.utf8), position: UInt32(i * 3)) }
            f.length = UInt32(words.count)
            f.finish()
            return f
        }
        let many = Array(repeating: "ärende", count: 40)
        add([.title: field(many + ["x"]), .body: field(["y"] + many), .meta: field(["ärende"]), .parts: field(["ärende", "z"])],
            text: "ärende")
        // Between two documents holding "ärende": a document without fields, one whose body
        // holds no term, and one whose terms are only in the fields without positions.
        add([:], text: "")
        add([.body: field([])], text: "")
        add([.meta: field(["endastmeta", "ärende"]), .parts: field(["endastdelar"])], text: "")
        add([.body: field(["ärende"])], text: "ärende")
        #expect(documents > 60)
        func build() -> SegmentBuilder {
            var builder = SegmentBuilder()
            for (i, d) in given.enumerated() {
                builder.add(id: Int64(i), fields: d.fields, fast: FastValues(year: nil, authority: nil, format: "text"),
                            storedText: Array(d.text.utf8))
            }
            return builder
        }
        var builder = build()

        let scratch = try ScratchDirectory("corpus-segment")
        let path = scratch.path + "/corpus.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        let reader = try SegmentReader(path: path)
        #expect(reader.documentCount == documents)
        var stored = 0, inSeveralFields = 0
        try reader.forEachTerm { key, entry in
            stored += 1
            let p = try reader.decode(entry, withPositions: true)
            var got: [Occurrences] = []
            var k = 0
            for (i, doc) in p.docs.enumerated() {
                var fields = 0
                for field in IndexField.allCases {
                    let tf = Int(p.frequency(i, field))
                    guard tf > 0 else { continue }
                    fields += 1
                    let positional = SegmentFormat.positionalFields & field.bit != 0
                    got.append(Occurrences(doc: doc, field: field, positions: positional ? Array(p.positions[k..<(k + tf)]) : []))
                    if positional { k += tf }
                }
                if fields > 1 { inSeveralFields += 1 }
            }
            let want = (expected[key] ?? []).map { o in
                Occurrences(doc: o.doc, field: o.field, positions: SegmentFormat.positionalFields & o.field.bit != 0 ? o.positions : [])
            }
            #expect(got == want, "term \(String(decoding: key, as: UTF8.self))")
            // Every field's frequency, the fields without stored positions included.
            for (i, doc) in p.docs.enumerated() {
                for field in IndexField.allCases {
                    let given = expected[key]?.first { $0.doc == doc && $0.field == field }?.positions.count ?? 0
                    #expect(Int(p.frequency(i, field)) == given, "term \(String(decoding: key, as: UTF8.self)), document \(doc), \(field)")
                }
            }
            return true
        }
        #expect(stored == expected.count)
        #expect(inSeveralFields > 1000, "the corpus should give many terms in several fields of a document")
        // The same segment written on two threads (`TermPipe`, as a commit writes it) is the same file.
        var again = build()
        let piped = scratch.path + "/piped.seg"
        _ = try again.write(to: piped, pipelined: true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: piped)) == Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
