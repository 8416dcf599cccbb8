import DiariumTestSupport
import Foundation
import Testing

/// The attacks of issue 15 on the index directory (items 5, 6) and on file identity (item 8),
/// run as the issue ran them: the built binary with `--index` pointed at a crafted folder.
@Suite(.serialized) struct IndexOwnershipTests {
    /// A small folder of two documents to ingest.
    func batch(_ s: ScratchDirectory) throws -> String {
        let folder = s.path + "/batch"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "Riskanalys för molntjänster\n\nKommunstyrelsen beslutade om riskanalysen.\n".write(toFile: folder + "/a.txt", atomically: false, encoding: .utf8)
        try "Informationsklassning\n\nGymnasienämnden klassade informationen.\n".write(toFile: folder + "/b.txt", atomically: false, encoding: .utf8)
        return folder
    }

    func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// `mkdir -p d/segments/sub; echo k > d/segments/sub/k.txt; D ingest corpus --index d`
    /// deleted everything under segments/: now the folder is refused and nothing is touched.
    @Test func foreignFolderIsRefusedAndNothingDeleted() throws {
        let s = try ScratchDirectory("e2e")
        let d = s.path + "/d"
        try FileManager.default.createDirectory(atPath: d + "/segments/sub", withIntermediateDirectories: true)
        try "k\n".write(toFile: d + "/segments/sub/k.txt", atomically: false, encoding: .utf8)
        try "mine\n".write(toFile: d + "/segments/notes.seg", atomically: false, encoding: .utf8)
        for args in [["ingest", try batch(s), "--index", d], ["ingest", try batch(s), "--index", d, "--rebuild"]] {
            let run = try diarium(args)
            #expect(run.status != 0)
            #expect(run.stderr.contains("\(d) is not a diarium index"), "\(run.stderr)")
            #expect(run.stderr.contains("give --index a new or empty folder"))
            #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
        }
        #expect(contents(d + "/segments/sub/k.txt") == "k\n")
        #expect(contents(d + "/segments/notes.seg") == "mine\n")
        #expect(!FileManager.default.fileExists(atPath: d + "/write.lock"))
        #expect(!FileManager.default.fileExists(atPath: d + "/diarium-index"))
    }

    /// With `segments` a link to another folder, that folder's files were deleted; now the
    /// index is refused (even a real one, with its marker) and the folder keeps its files.
    @Test func segmentsAsLinkIsRefused() throws {
        let s = try ScratchDirectory("e2e")
        let other = s.path + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "keep\n".write(toFile: other + "/keep.seg", atomically: false, encoding: .utf8)
        try "keep\n".write(toFile: other + "/keep.txt", atomically: false, encoding: .utf8)
        // A fresh folder holding only the link (no marker), and a real index whose segments/
        // was replaced by the link.
        let fresh = s.path + "/fresh", real = s.path + "/real"
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fresh + "/segments", withDestinationPath: other)
        #expect(try diarium(["ingest", try batch(s), "--index", real]).status == 0)
        try FileManager.default.removeItem(atPath: real + "/segments")
        try FileManager.default.createSymbolicLink(atPath: real + "/segments", withDestinationPath: other)
        for index in [fresh, real] {
            let run = try diarium(["ingest", try batch(s), "--index", index, "--rebuild"])
            #expect(run.status != 0)
            #expect(run.stderr.contains(index), "\(run.stderr)")
        }
        let readers = try diarium(["search", "riskanalys", "--index", real])
        #expect(readers.status != 0)
        #expect(readers.stderr.contains("\(real)/segments is a symbolic link"), "\(readers.stderr)")
        #expect(contents(other + "/keep.seg") == "keep\n")
        #expect(contents(other + "/keep.txt") == "keep\n")
    }

    /// `ln -s SOMEFILE ix/write.lock; D ingest …` truncated SOMEFILE and wrote `pid N` into it.
    /// A hard link is refused too.
    @Test func lockAsLinkIsRefusedAndTargetUntouched() throws {
        let s = try ScratchDirectory("e2e")
        let ix = s.path + "/ix", victim = s.path + "/victim.txt"
        #expect(try diarium(["ingest", try batch(s), "--index", ix]).status == 0)
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        for makeLink in [{ try FileManager.default.createSymbolicLink(atPath: ix + "/write.lock", withDestinationPath: victim) },
                         { try FileManager.default.linkItem(atPath: victim, toPath: ix + "/write.lock") }] as [() throws -> Void] {
            try? FileManager.default.removeItem(atPath: ix + "/write.lock")
            try makeLink()
            let run = try diarium(["ingest", try batch(s), "--index", ix])
            #expect(run.status != 0)
            #expect(run.stderr.contains("\(ix)/write.lock"), "\(run.stderr)")
            #expect(contents(victim) == "precious\n")
        }
    }

    /// In a real index, files diarium did not write inside segments/ (a folder, a text file,
    /// a folder named like a segment) survive an ingest and a rebuild; only *.seg files go.
    @Test func onlySegmentFilesAreDeleted() throws {
        let s = try ScratchDirectory("e2e")
        let ix = s.path + "/ix"
        #expect(try diarium(["ingest", try batch(s), "--index", ix]).status == 0)
        try FileManager.default.createDirectory(atPath: ix + "/segments/sub", withIntermediateDirectories: true)
        try "k\n".write(toFile: ix + "/segments/sub/k.txt", atomically: false, encoding: .utf8)
        try "n\n".write(toFile: ix + "/segments/notes.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: ix + "/segments/dir.seg", withIntermediateDirectories: true)
        try "d\n".write(toFile: ix + "/segments/dir.seg/inner.txt", atomically: false, encoding: .utf8)
        try "orphan".write(toFile: ix + "/segments/000000000000-00000000.seg", atomically: false, encoding: .utf8)
        #expect(try diarium(["ingest", try batch(s), "--index", ix]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: ix + "/segments/000000000000-00000000.seg"), "a leftover segment is removed")
        #expect(try diarium(["ingest", try batch(s), "--index", ix, "--rebuild"]).status == 0)
        #expect(contents(ix + "/segments/sub/k.txt") == "k\n")
        #expect(contents(ix + "/segments/notes.txt") == "n\n")
        #expect(contents(ix + "/segments/dir.seg/inner.txt") == "d\n")
        #expect(try diarium(["search", "riskanalys", "--index", ix]).stdout.contains("batch/a.txt"))
    }

    /// The catalog reached through a link is refused by readers and writers alike.
    @Test func catalogAsLinkIsRefused() throws {
        let s = try ScratchDirectory("e2e")
        let ix = s.path + "/ix", elsewhere = s.path + "/elsewhere.sqlite"
        #expect(try diarium(["ingest", try batch(s), "--index", ix]).status == 0)
        try FileManager.default.moveItem(atPath: ix + "/catalog.sqlite", toPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: ix + "/catalog.sqlite", withDestinationPath: elsewhere)
        for args in [["ingest", try batch(s), "--index", ix], ["list", "--index", ix]] {
            let run = try diarium(args)
            #expect(run.status != 0)
            #expect(run.stderr.contains("\(ix)/catalog.sqlite is a symbolic link"), "\(run.stderr)")
        }
    }

    /// An index path that is a file gets a message saying so.
    @Test func indexPathThatIsAFile() throws {
        let s = try ScratchDirectory("e2e")
        let file = s.path + "/file"
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        let run = try diarium(["ingest", try batch(s), "--index", file])
        #expect(run.status == 3)
        #expect(run.stderr.contains("\(file) is not a folder"), "\(run.stderr)")
        #expect(contents(file) == "x")
    }

    /// `café.txt` in NFC beside `café.txt` in NFD, and `bad\xff.txt` beside a literal
    /// `bad\xFF.txt`, failed the whole batch (`UNIQUE constraint failed`, 0 documents). Now each
    /// received file is a document, all four are listed and searchable, and a second ingest
    /// keeps all four (nothing replaced, nothing lost); changing one replaces only it.
    @Test func namesThatDisplayAlikeAreDistinctDocuments() throws {
        let s = try ScratchDirectory("e2e")
        let folder = s.path + "/in", ix = s.path + "/ix"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let names: [([UInt8], String)] = [
            (Array("caf\u{E9}.txt".utf8), "nfcord"),
            (Array("cafe\u{301}.txt".utf8), "nfdord"),
            (Array("bad".utf8) + [0xFF] + Array(".txt".utf8), "byteord"),
            (Array("bad\\xFF.txt".utf8), "literalord"),
        ]
        for (name, word) in names {
            let path = Array(folder.utf8) + [UInt8(ascii: "/")] + name
            let data = Data("Dokument \(word)\n".utf8)
            let fd = (path + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } }
            try #require(fd >= 0)
            _ = data.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            close(fd)
        }
        let first = try diarium(["ingest", folder, "--index", ix])
        #expect(first.status == 0, "\(first.stderr)")
        func listed() throws -> [String] {
            let run = try diarium(["list", "--format", "json", "--index", ix])
            return try JSONDecoder().decode([Doc].self, from: Data(run.stdout.utf8)).map(\.path).sorted()
        }
        #expect(try listed() == ["in/bad\\xFF.txt", "in/bad\\xFF.txt", "in/café.txt", "in/café.txt"])
        for (_, word) in names {
            let run = try diarium(["search", word, "--format", "json", "--index", ix])
            let result = try JSONDecoder().decode(Result.self, from: Data(run.stdout.utf8))
            #expect(result.total == 1, "\(word): \(run.stdout)")
        }
        let second = try diarium(["ingest", folder, "--index", ix])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try listed().count == 4)
        // Change the NFD file only: the NFC one keeps its text.
        let nfd = folder + "/cafe\u{301}.txt"
        try "Dokument nyttord\n".write(toFile: nfd, atomically: false, encoding: .utf8)
        #expect(try diarium(["ingest", folder, "--index", ix]).status == 0)
        #expect(try listed().count == 4)
        for (word, hits) in [("nfcord", 1), ("nfdord", 0), ("nyttord", 1)] {
            let run = try diarium(["search", word, "--format", "json", "--index", ix])
            #expect(try JSONDecoder().decode(Result.self, from: Data(run.stdout.utf8)).total == hits, "\(word)")
        }
        #expect(try diarium(["verify", "--index", ix]).status == 0)
    }
}
