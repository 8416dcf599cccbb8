import Foundation
import Testing
@testable import DiariumIndex
import DiariumTestSupport
import GRDB

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
                let list = try reader.hitRecordsInOrder(ids: [failedID, id, 999_999])
                #expect(list.map(\.id) == [failedID, id])
                let hits = Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0) })
                for (rid, full) in [(id, expected), (failedID, failed)] {
                    let h = try #require(hits[rid])
                    #expect(h == HitRecord(id: full.id, path: full.path, format: full.format, metadata: full.metadata,
                                           pageStarts: full.pageStarts, partName: full.partName))
                }
            }
            #expect(try reader.hitRecordsInOrder(ids: [id]).first?.partName == "bilaga.docx")
            #expect(try reader.hitRecordsInOrder(ids: []).isEmpty)
        }
    }

    /// A page's records come in the order of its ids, over several runs of the statement
    /// (`Catalog.hitBatch` ids each), an id given twice twice and an id without a row left out.
    @Test func hitRecordsComeInTheOrderOfTheIds() throws {
        let dir = try ScratchDirectory()
        let writer = try IndexWriter(directory: dir.path)
        var ids: [Int64] = []
        for i in 0..<25 { ids.append(try writer.add(record("mapp\(i % 3)/dok\(i).txt"), fields: [.body: field(["ord"])], storedText: Array("ord".utf8))) }
        try writer.commit()
        writer.close()
        let reader = try IndexReader(directory: dir.path)
        var asked = ids.reversed() + [ids[3], 999_999, ids[7]]
        asked.swapAt(0, 12)
        let read = try reader.catalog.hitRecords(ids: asked)
        #expect(read.map(\.id) == asked.filter { $0 != 999_999 })
        #expect(read.map(\.path) == asked.filter { $0 != 999_999 }.map { id in "mapp\((ids.firstIndex(of: id) ?? 0) % 3)/dok\(ids.firstIndex(of: id) ?? 0).txt" })
    }

    /// The record is read by position (`Catalog.DocumentColumn`): a row of other columns (the
    /// table's own, `SELECT *`) is an error, never fields read from the wrong columns.
    @Test func aRowOfOtherColumnsIsAnError() throws {
        let dir = try ScratchDirectory()
        let writer = try IndexWriter(directory: dir.path)
        let id = try writer.add(record("a.txt"), fields: [.body: field(["ord"])], storedText: Array("ord".utf8))
        try writer.commit()
        #expect { _ = try writer.catalog.read { db in try DocumentRecord.fetchOne(db, sql: "SELECT * FROM documents WHERE id = ?", arguments: [id]) } }
            throws: { "\($0)".contains("columns") }
        #expect(try writer.catalog.read { db in
            try DocumentRecord.fetchOne(db, sql: "SELECT \(Catalog.documentColumns) FROM documents WHERE id = ?", arguments: [id])
        }?.path == "a.txt")
        writer.close()
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

    /// Migration `compact`'s stored forms: folders shared, the shown path only where it differs
    /// from the received bytes, the checksum as 32 bytes, each distinct sources object once; every
    /// value reads back, and a document is found by its shown path whichever form it has.
    @Test func storedFormsAreCompactAndReadBack() throws {
        let dir = try ScratchDirectory()
        let sources = #"{"title":"html-meta:DC.title"}"#
        let nfc = "Nämnd/café.txt", nfd = "Nämnd/cafe\u{301}.txt"
        var plain = DocumentRecord(path: nfc, sha256: String(repeating: "0f", count: 32), size: 1, mtime: 0, format: "text",
                                   status: .ok, ingestedAt: "2026-12-06T13:00:00Z")
        plain.sources = sources
        var decomposed = DocumentRecord(path: nfc, rawPath: Data(nfd.utf8), sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                        size: 2, mtime: 0, format: "text", status: .ok, ingestedAt: "2026-12-06T13:00:00Z")
        decomposed.sources = sources
        var unread = DocumentRecord(path: "Nämnd/tom.txt", sha256: "", size: 0, mtime: 0, format: "text", status: .empty,
                                    ingestedAt: "2026-12-06T13:00:00Z")
        unread.sources = #"{"title":"file name"}"#
        let writer = try IndexWriter(directory: dir.path)
        plain.id = try writer.add(plain, fields: [.body: field(["kaffe"])], storedText: Array("kaffe".utf8))
        decomposed.id = try writer.add(decomposed, fields: [.body: field(["kaffe"])], storedText: Array("kaffe".utf8))
        unread.id = try writer.add(unread, fields: nil, storedText: [])
        try writer.commit()
        let stored = try writer.catalog.read { db in
            try Row.fetchAll(db, sql: "SELECT path, typeof(sha256), length(sha256) FROM documents ORDER BY id").map {
                [($0[0] as String?) ?? "NULL", $0[1] as String, String($0[2] as Int)]
            }
        }
        #expect(stored == [["NULL", "blob", "32"], [nfc, "blob", "32"], ["NULL", "text", "0"]])
        #expect(try writer.catalog.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document_sources") } == 2)
        // The three files share their folder's row.
        #expect(try writer.catalog.read { db in try Data.fetchAll(db, sql: "SELECT raw FROM folders") } == [Data("Nämnd/".utf8)])
        writer.close()
        let reader = try IndexReader(directory: dir.path, threads: .one)
        let read = try reader.documents(ids: [plain.id, decomposed.id, unread.id])
        for var r in [plain, decomposed] {
            r.segmentID = read[r.id]?.segmentID
            r.segmentDoc = read[r.id]?.segmentDoc
            #expect(read[r.id] == r)
        }
        #expect(read[unread.id] == unread)
        // By received bytes: the NFD name's "e" (0x65) sorts before the NFC "é" (0xC3 0xA9).
        #expect(try reader.documents(path: nfc).map(\.id) == [decomposed.id, plain.id])
        #expect(try reader.documentIDs(.path, "café", exact: false) == [plain.id, decomposed.id])
        #expect(try reader.inventory().map(\.path) == [nfc, nfc, "Nämnd/tom.txt"])
    }

    /// A folder no document is in any more, and a sources object no document names any more,
    /// are deleted by the commit (or move) that took the last one; rows still used stay.
    @Test func foldersAndSourcesNoDocumentUsesAreDeleted() throws {
        let dir = try ScratchDirectory()
        let writer = try IndexWriter(directory: dir.path)
        func add(_ path: String, sources: String) throws {
            var r = record(path)
            r.sources = sources
            _ = try writer.add(r, fields: [.body: field(["ord"])], storedText: Array("ord".utf8))
        }
        func stored() throws -> (folders: [String], sources: [String]) {
            try writer.catalog.read { db in
                (try Data.fetchAll(db, sql: "SELECT raw FROM folders ORDER BY raw").map { String(decoding: $0, as: UTF8.self) },
                 try String.fetchAll(db, sql: "SELECT json FROM document_sources ORDER BY json"))
            }
        }
        let (s1, s2, s3) = (#"{"title":"text"}"#, #"{"title":"file name"}"#, #"{"title":"html-meta:DC.title"}"#)
        try add("r/A/a.txt", sources: s1)
        try add("r/A/b.txt", sources: s1)
        try add("r/B/c.txt", sources: s2)
        try writer.commit()
        #expect(try stored().folders == ["r/A/", "r/B/"] && stored().sources == [s1, s2].sorted())
        // c.txt replaced with other sources: s2 names nothing any more.
        try add("r/B/c.txt", sources: s3)
        try writer.commit()
        #expect(try stored().folders == ["r/A/", "r/B/"] && stored().sources == [s1, s3].sorted())
        // a.txt replaced with s3: b.txt still names s1, which stays.
        try add("r/A/a.txt", sources: s3)
        try writer.commit()
        #expect(try stored().sources == [s1, s3].sorted())
        // c.txt moved to another folder: B/ holds nothing any more.
        try writer.moveFile(from: Data("r/B/c.txt".utf8), to: Data("r/C/c.txt".utf8), shown: "r/C/c.txt", mtime: 1)
        #expect(try stored().folders == ["r/A/", "r/C/"])
        // b.txt moved beside it: A/ still holds a.txt.
        try writer.moveFile(from: Data("r/A/b.txt".utf8), to: Data("r/C/b.txt".utf8), shown: "r/C/b.txt", mtime: 1)
        #expect(try stored().folders == ["r/A/", "r/C/"])
        writer.close()
        let reader = try IndexReader(directory: dir.path, threads: .one)
        #expect(try reader.inventory().map(\.path).sorted() == ["r/A/a.txt", "r/C/b.txt", "r/C/c.txt"])
        #expect(try reader.inventory().compactMap(\.sources).sorted() == [s1, s3, s3].sorted())
    }
}
