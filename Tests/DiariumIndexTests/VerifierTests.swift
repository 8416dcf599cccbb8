import Foundation
import GRDB
import Testing
import DiariumTestSupport
@testable import DiariumIndex

@Suite struct VerifierTests {
    /// An index of two commits: five documents (one recorded without text), then a
    /// replacement of one of them, which leaves a tombstone.
    static func makeIndex(_ dir: ScratchDirectory) throws -> String {
        let index = dir.path + "/index"
        let writer = try IndexWriter(directory: index)
        for i in 0..<4 {
            let words = ["riskanalys", "molntjänst", "ord\(i)", "år", "ord\(i)"]
            try writer.add(record("batch/doc\(i).txt"), fields: [.title: field(["titel\(i)"]), .body: field(words), .meta: field(["batch"])],
                           storedText: Array(words.joined(separator: " ").utf8))
        }
        try writer.add(record("batch/bild.png", status: .unsupported), fields: nil, storedText: [])
        try writer.commit()
        try writer.add(record("batch/doc1.txt"), fields: [.body: field(["ny", "text"]), .meta: field(["batch"])],
                       storedText: Array("ny text".utf8))
        try writer.commit()
        writer.close()
        return index
    }

    static func segmentFiles(_ index: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: index + "/segments").sorted().map { index + "/segments/" + $0 }
    }

    /// An index written by an earlier segment format (v4: a postings list per field and term;
    /// v7: no TERMFILTER) is refused by readers and by an ingest alike, with the rebuild
    /// command in the message; never read as today's.
    @Test(arguments: [UInt8(4), 7])
    func previousFormatIsRefusedWithRebuildMessage(version: UInt8) throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        for segment in try Self.segmentFiles(index) {
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
            bytes[8] = version  // u32 format version, little-endian
            try Data(bytes).write(to: URL(fileURLWithPath: segment))
        }
        try Self.expectRefusedAsOld(index, naming: "segment v\(version)")
    }

    /// Readers and an ingest refuse the index as written in an older format
    /// (`incompatibleFormat`, its message naming `found` and the rebuild command).
    static func expectRefusedAsOld(_ index: String, naming found: String) throws {
        for open in [{ _ = try IndexReader(directory: index) }, { _ = try IndexWriter(directory: index) }] as [() throws -> Void] {
            do {
                try open()
                Issue.record("an index in an older format (\(found)) was opened")
            } catch let e as IndexError {
                guard case .incompatibleFormat = e else { Issue.record("unexpected error \(e)"); continue }
                #expect(e.description.contains(found))
                #expect(e.description.contains("diarium ingest --rebuild"))
            }
        }
    }

    /// Main's commits 34d4fb4..c8090c9 wrote version 6 without the BOUNDS section. Such an index
    /// is old, not damaged: readers and an ingest refuse it with the rebuild message
    /// (`incompatibleFormat`, by its version since version 7), not as a corrupt segment; its
    /// checksum holds.
    @Test func earlyVersion6WithoutBoundsIsRefusedWithRebuildMessage() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        for segment in try Self.segmentFiles(index) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
            let old = try #require(OldSegments.version6WithoutBounds(bytes))
            #expect(old.count < bytes.count)
            let stored = old.suffix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(old.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0.dropLast(4))) } == stored)
            try Data(old).write(to: URL(fileURLWithPath: segment))
        }
        try Self.expectRefusedAsOld(index, naming: "segment v6")
    }

    /// The catalog's migrations commit one by one. A reader that opens it between two of them
    /// (a first ingest still creating it) finds no index yet, never a missing table; the next
    /// writer finishes the migrations and the index reads again.
    @Test func catalogStillBeingCreatedIsNoIndexYet() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let db = try DatabaseQueue(path: index + "/catalog.sqlite")
        try db.write { db in
            try db.execute(sql: "DROP TABLE roots; DELETE FROM grdb_migrations WHERE identifier = 'inventory'")
        }
        try db.close()
        #expect(throws: IndexError.noIndex(directory: index)) { _ = try IndexReader(directory: index) }
        let writer = try IndexWriter(directory: index)
        writer.close()
        #expect(try IndexReader(directory: index).inventory().count == 5)
    }

    @Test func healthyIndexVerifiesClean() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.problems == [])
        #expect(report.isValid)
        #expect(report.segments == 2)
        #expect(report.documents == 5)
        #expect(report.indexedDocuments == 4)
        #expect(report.segmentDocuments == 5)
        #expect(report.deletedDocuments == 1)
        // Postings are (term, document) pairs, one per document whatever fields hold the term;
        // positions are the title's and the body's.
        #expect(report.terms > 0 && report.postings >= report.terms && report.positions > 0)
        #expect(report.storedTextBlocks == 2)
        // Codable: the report round-trips through JSON.
        let decoded = try JSONDecoder().decode(VerificationReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.terms == report.terms && decoded.problems == report.problems)
    }

    @Test func missingIndexThrows() throws {
        let dir = try ScratchDirectory()
        #expect(throws: IndexError.noIndex(directory: dir.path + "/none")) {
            try IndexVerifier(directory: dir.path + "/none").verify()
        }
    }

    /// A kill during the first open can leave a catalog file without tables.
    @Test func catalogWithoutTablesIsAnError() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        try FileManager.default.createDirectory(atPath: index + "/segments", withIntermediateDirectories: true)
        let db = try DatabaseQueue(path: index + "/catalog.sqlite")
        try db.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        try db.close()
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.errors == 1)
        #expect(report.problems.first?.file == index + "/catalog.sqlite")
        #expect(report.problems.first?.message.contains("the catalog is empty") == true)
    }

    @Test func flippedByteIsAnErrorNamingTheFile() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let segment = try Self.segmentFiles(index)[0]
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let report = try IndexVerifier(directory: index).verify()
        #expect(!report.isValid)
        let errors = report.problems.filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.file == segment)
        #expect(errors.first?.message.contains(segment) == true)
        #expect(errors.first?.message.contains("checksum mismatch") == true)
    }

    /// Damage behind a valid checksum (as a buggy writer would leave) is found by the full decode.
    @Test func damagedPostingsWithValidChecksumAreFound() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let segment = try Self.segmentFiles(index)[0]
        let postings = try SegmentReader(path: segment).sections[SegmentFormat.Section.postings.rawValue]!
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[postings.upperBound - 1] |= 0x80  // the last varint now runs off the end
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((bytes.count - 4)..., with: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        _ = try SegmentReader(path: segment)  // opening still succeeds
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.errors == 1)
        #expect(report.problems.first?.file == segment)
        #expect(report.problems.first?.message.contains("postings of term") == true)
    }

    @Test func rowPointingAtMissingSegmentDocumentIsAnError() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let catalog = index + "/catalog.sqlite"
        let db = try DatabaseQueue(path: catalog)
        try db.write { db in
            try db.execute(sql: "UPDATE documents SET segment_doc = 99 WHERE name = CAST('doc2.txt' AS BLOB)")
        }
        try db.close()
        let report = try IndexVerifier(directory: index).verify()
        #expect(!report.isValid)
        let row = report.problems.first { $0.message.contains("batch/doc2.txt") }
        #expect(row?.severity == .error)
        #expect(row?.file == catalog)
        #expect(row?.message.contains("points at document 99") == true)
        #expect(row?.message.contains("holds only 4 documents") == true)
        // The segment document it used to point at is now live without a row.
        #expect(report.problems.contains { $0.severity == .error && $0.message.contains("1 live document has no catalog row") })
    }

    /// Values of the wrong type (`segment_doc = 'zz'`, a text tombstone) crashed verify
    /// (a GRDB row subscript traps on them); now each is an error naming the catalog.
    @Test func valuesOfTheWrongTypeAreErrors() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let catalog = index + "/catalog.sqlite"
        let db = try DatabaseQueue(path: catalog)
        try db.write { db in
            try db.execute(sql: "UPDATE documents SET segment_doc = 'zz' WHERE name = CAST('doc2.txt' AS BLOB)")
            try db.execute(sql: "UPDATE tombstones SET segment_doc = 'x'")
        }
        try db.close()
        let report = try IndexVerifier(directory: index).verify()
        #expect(!report.isValid)
        #expect(report.problems.contains { $0.file == catalog && $0.message.contains("segment_doc of document") && $0.message.contains("\"zz\"") }, "\(report.problems)")
        #expect(report.problems.contains { $0.file == catalog && $0.message.contains("segment_doc of a tombstone") })
    }

    /// A `segments` that is a link (to a folder holding the real files) is an error, never
    /// followed; a folder inside `segments/` is a warning saying diarium leaves it alone.
    @Test func linksAndForeignEntriesAreReported() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        try FileManager.default.createDirectory(atPath: index + "/segments/sub", withIntermediateDirectories: true)
        let foreign = try IndexVerifier(directory: index).verify()
        #expect(foreign.isValid)
        #expect(foreign.problems.contains { $0.severity == .warning && $0.file == index + "/segments/sub" && $0.message.contains("leaves it alone") })
        try FileManager.default.moveItem(atPath: index + "/segments", toPath: dir.path + "/elsewhere")
        try FileManager.default.createSymbolicLink(atPath: index + "/segments", withDestinationPath: dir.path + "/elsewhere")
        let linked = try IndexVerifier(directory: index).verify()
        #expect(!linked.isValid)
        #expect(linked.problems.first?.file == index + "/segments")
        #expect(linked.problems.first?.message.contains("is a symbolic link") == true)
    }

    @Test func missingSegmentFileIsAnError() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let segment = try Self.segmentFiles(index)[1]
        try FileManager.default.removeItem(atPath: segment)
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.errors == 1)
        #expect(report.problems.first?.file == segment)
        #expect(report.problems.first?.message.contains("missing") == true)
    }

    @Test func documentWithTextButNoPostingsIsAnError() throws {
        let dir = try ScratchDirectory()
        let index = dir.path + "/index"
        let writer = try IndexWriter(directory: index)
        try writer.add(record("a.txt"), fields: [:], storedText: Array("text that was never indexed".utf8))
        try writer.add(record("b.txt"), fields: [:], storedText: [])  // empty text: fine
        try writer.commit()
        writer.close()
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.errors == 1)
        #expect(report.problems.first?.message.contains("a.txt") == true)
        #expect(report.problems.first?.message.contains("no indexed words") == true)
    }

    @Test func orphanFileIsAWarning() throws {
        let dir = try ScratchDirectory()
        let index = try Self.makeIndex(dir)
        let orphan = index + "/segments/000000000000-00000000.seg"
        try Data("half-written".utf8).write(to: URL(fileURLWithPath: orphan))
        let report = try IndexVerifier(directory: index).verify()
        #expect(report.isValid)
        #expect(report.errors == 0)
        #expect(report.orphanFiles == 1)
        #expect(report.problems == [VerificationProblem(severity: .warning, file: orphan, message: report.problems.first?.message ?? "")])
        #expect(report.problems.first?.message.contains("not listed in the catalog") == true)
        // The next writer open removes it, and the index verifies clean.
        try IndexWriter(directory: index).close()
        #expect(try IndexVerifier(directory: index).verify().problems == [])
    }

    /// The full decode of a random segment counts exactly what was written.
    @Test func verifyAllCountsEveryPosting() throws {
        var rng = SeededRandom(state: 7)
        let vocabulary = (0..<300).map { "ord\($0)" }
        var builder = SegmentBuilder()
        // One postings list per term: a (term, document) posting whatever fields hold it;
        // positions of the title and the body.
        var expected: (postings: Int, positions: Int, keys: Set<String>) = (0, 0, [])
        for d in 0..<500 {
            let words = (0..<Int.random(in: 0...80, using: &rng)).map { _ in vocabulary[Int(rng.next() % 300)] }
            let title = Array(words.prefix(2))
            expected.postings += Set(words).count
            expected.positions += words.count + title.count
            expected.keys.formUnion(words)
            builder.add(id: Int64(d + 1), fields: [.body: field(words), .title: field(title)], fast: FastValues(), storedText: Array(words.joined(separator: " ").utf8))
        }
        let dir = try ScratchDirectory()
        let path = dir.path + "/random.seg"
        try DurableFile.create(path, bytes: builder.serialize())
        let reader = try SegmentReader(path: path)
        let contents = try reader.verifyAll()
        #expect(contents.terms == expected.keys.count)
        #expect(contents.terms == reader.termCount)
        #expect(contents.postings == expected.postings)
        #expect(contents.positions == expected.positions)
        #expect(contents.storedBlocks >= 1)
        #expect(contents.emptyText.filter { $0 }.count == (0..<500).filter { reader.fieldLength(UInt32($0), .body) == 0 }.count)
    }
}
