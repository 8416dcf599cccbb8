import Foundation
import Testing
@testable import DiariumIndex
import DiariumTestSupport

/// `DocumentRecord.init(row:)` reads the catalog row column by column: every field written
/// comes back, and a value it cannot take is an error, not a crash.
@Suite struct DocumentRecordTests {
    @Test func everyFieldRoundTripsThroughTheCatalog() throws {
        let dir = try ScratchDirectory()
        var r = DocumentRecord(path: "Nämnd/ärende.pdf", rawPath: Data([0x4E, 0xC3, 0xA4, 0xFF]), part: 2, sha256: String(repeating: "a", count: 64),
                               size: 12345, mtime: 1_700_000_000.25, format: "pdf", status: .ok, ingestedAt: "2026-12-06T13:00:00Z")
        r.encoding = "utf-8"; r.error = nil; r.title = "Riskanalys – Office 365"; r.authority = "Tekniska nämnden"
        r.docType = "riskanalys"; r.date = "2015-03-01"; r.year = 2015; r.dnr = "TN 2015/12"; r.language = "sv"
        r.sources = #"{"title":"text","part":"bilaga.docx"}"#; r.textLength = 4711; r.properties = #"{"creator":"x"}"#
        r.comments = 3; r.trackedChanges = 4; r.pageCount = 7; r.pageStarts = Data([0, 0, 0, 0, 9, 0, 0, 0])
        r.ocrPages = 2; r.ocrConfidence = 87.5; r.ocrPending = "3,5"; r.ocrNote = "limit"
        var failed = DocumentRecord(path: "Nämnd/trasig.docx", sha256: String(repeating: "b", count: 64), size: 1, mtime: 0,
                                    format: "docx", status: .failed, ingestedAt: "2026-12-06T13:00:00Z")
        failed.error = "not a ZIP file"
        let writer = try IndexWriter(directory: dir.path)
        let id = try writer.add(r, fields: [.body: field(["riskanalys"])], storedText: Array("riskanalys".utf8))
        let failedID = try writer.add(failed, fields: nil, storedText: [])
        try writer.commit()
        writer.close()
        for threads in [IndexReader.Threads.many, .one] {
            let reader = try IndexReader(directory: dir.path, threads: threads)
            var expected = r
            expected.id = id
            let read = try #require(try reader.document(id: id))
            expected.segmentID = read.segmentID
            expected.segmentDoc = read.segmentDoc
            #expect(read.segmentID != nil && read.segmentDoc == 0)
            #expect(read == expected)
            failed.id = failedID
            let both = try reader.documents(ids: [id, failedID])
            #expect(both[id] == expected)
            #expect(both[failedID] == failed)
            // A page's columns, read by position, are the record's.
            for _ in 0..<2 {  // the second time from the cached statement
                let hits = try reader.hitRecords(ids: [failedID, id, 999_999])
                #expect(hits.count == 2)
                for (rid, full) in [(id, expected), (failedID, failed)] {
                    let h = try #require(hits[rid])
                    #expect(h == HitRecord(id: full.id, path: full.path, format: full.format, title: full.title, authority: full.authority,
                                           docType: full.docType, date: full.date, year: full.year, dnr: full.dnr,
                                           pageStarts: full.pageStarts, partName: full.partName))
                }
            }
            #expect(try reader.hitRecords(ids: [id])[id]?.partName == "bilaga.docx")
            #expect(try reader.hitRecords(ids: []).isEmpty)
        }
    }

    @Test func unknownStatusIsAnErrorNamingTheValue() throws {
        let dir = try ScratchDirectory()
        let writer = try IndexWriter(directory: dir.path)
        let id = try writer.add(record("a.txt"), fields: [.body: field(["ord"])], storedText: Array("ord".utf8))
        try writer.commit()
        try writer.catalog.write { db in try db.execute(sql: "UPDATE documents SET status = 'exploded' WHERE id = ?", arguments: [id]) }
        writer.close()
        let reader = try IndexReader(directory: dir.path, threads: .one)
        #expect { _ = try reader.document(id: id) } throws: { "\($0)".contains("exploded") }
    }
}
