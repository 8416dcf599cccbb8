import DiariumTestSupport
import Foundation
import Testing

/// Hostile folders given to the built binary: links out of the folder and in loops, special
/// files, file names with a newline or bytes that are not UTF-8, a gigantic single line. For
/// each file the test says what the inventory records, and it checks that nothing outside the
/// folder is read: no text of it is found, no path of it is recorded, a named pipe outside is
/// never opened (the ingest would block on it), and the outside files' access times stay put.
@Suite(.serialized) struct HostileIngestTests {
    struct Row: Decodable { var id: Int64; var path: String; var status: String; var format: String; var error: String? }

    /// Runs the binary with a watchdog: a hang (say, on a named pipe) fails instead of blocking.
    func run(_ arguments: [String], in directory: String, limit: TimeInterval = 300) throws -> Run {
        let finished = DispatchSemaphore(value: 0)
        let box = RunBox()
        Thread.detachNewThread {
            box.result = Swift.Result { try diarium(arguments, in: directory) }
            finished.signal()
        }
        guard finished.wait(timeout: .now() + limit) == .success else {
            Issue.record("diarium \(arguments.joined(separator: " ")) did not finish in \(Int(limit)) s")
            throw CancellationError()
        }
        return try box.result!.get()
    }

    final class RunBox: @unchecked Sendable { var result: Swift.Result<Run, Error>? }

    /// Creates a file whose name is given as bytes (not necessarily UTF-8).
    func create(_ folder: String, name: [UInt8], contents: String) throws {
        let path = Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]
        let fd = path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } }
        try #require(fd >= 0)
        let bytes = Array(contents.utf8)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } == bytes.count)
        close(fd)
    }

    func accessTime(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_atim.tv_sec : -1
    }

    /// Sets a file's access time 30 days back, so that a read updates it even under `relatime`.
    func ageAccessTime(_ path: String) {
        var times = [timespec(tv_sec: time(nil) - 30 * 86_400, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2)]  // UTIME_OMIT (Glibc does not export the macro)
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    func word() -> String { "ord" + String((0..<10).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement()! }) }

    @Test func linksSpecialFilesAndOddNamesAreRecordedAndNothingOutsideIsRead() throws {
        let s = try ScratchDirectory("e2e")
        let fm = FileManager.default
        let outside = s.path + "/outside", folder = s.path + "/in"
        try fm.createDirectory(atPath: outside + "/dir", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        let secret = word(), secretInDir = word(), newlineWord = word(), latinWord = word(), badWord = word(), lastWord = word()
        try "Hemlig text \(secret)\n".write(toFile: outside + "/secret.txt", atomically: false, encoding: .utf8)
        try "<html><body><p>\(secretInDir)</p></body></html>".write(toFile: outside + "/dir/inner.html", atomically: false, encoding: .utf8)
        #expect(mkfifo(outside + "/fifo", 0o644) == 0)
        #expect(mkfifo(folder + "/rör", 0o644) == 0)
        let links: [(String, String)] = [
            ("sub/link-out.txt", "../../outside/secret.txt"),  // relative, out of the folder
            ("absolute.txt", outside + "/secret.txt"),         // absolute, out of the folder
            ("dirlink", "../outside/dir"),                     // a folder outside
            ("fifolink", "../outside/fifo"),                   // a pipe outside: opening it would block
            ("zero.txt", "/dev/zero"),                         // endless
            ("passwd", "/etc/passwd"),
            ("loop-a", "loop-b"), ("loop-b", "loop-a"),        // a loop of links
            ("sub/self", "."), ("sub/parent", ".."),           // folder loops
            ("dangling", "finns-inte"),
        ]
        for (name, target) in links { try fm.createSymbolicLink(atPath: folder + "/" + name, withDestinationPath: target) }
        try "Första raden\n\(newlineWord)\n".write(toFile: folder + "/ny\nrad.txt", atomically: false, encoding: .utf8)
        try create(folder, name: Array("G".utf8) + [0xF6] + Array("ran.txt".utf8), contents: "Latin-1-namn \(latinWord)\n")
        try create(folder, name: Array("bad".utf8) + [0xFF, 0xFE, 0xC3] + Array(".txt".utf8), contents: "Trasigt namn \(badWord)\n")
        // A gigantic single line: 8 MiB of words without a line break, a rare word at the end.
        var line = String(repeating: "kommunstyrelsen beslutade att ", count: 8 << 20 / 30)
        line += lastWord
        try line.write(toFile: folder + "/en rad.txt", atomically: false, encoding: .utf8)
        try ("<html><body>" + String(repeating: "<p>ett stycke</p>", count: 100_000) + "<p>\(lastWord)</p></body></html>")
            .write(toFile: folder + "/en rad.html", atomically: false, encoding: .utf8)

        // Access times of what lies outside, aged; a control file shows whether reads update them here.
        let watched = [outside + "/secret.txt", outside + "/dir/inner.html"]
        for f in watched + [outside + "/control.txt"] where f.hasSuffix("control.txt") {
            try "x".write(toFile: f, atomically: false, encoding: .utf8)
        }
        for f in watched + [outside + "/control.txt"] { ageAccessTime(f) }
        let before = watched.map(accessTime)
        let controlBefore = accessTime(outside + "/control.txt")
        _ = try String(contentsOfFile: outside + "/control.txt", encoding: .utf8)
        let atimeWorks = accessTime(outside + "/control.txt") != controlBefore

        let index = s.path + "/index"
        let ingest = try run(["ingest", "in", "--index", index], in: s.path, limit: 600)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let rows = try JSONDecoder().decode([Row].self, from: Data(try diarium(["list", "--index", index, "--format", "json"]).stdout.utf8))
        let byPath = Dictionary(rows.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })

        // What the inventory records for each file.
        for (name, _) in links {
            let row = try #require(byPath["in/" + name], "no row for the link \(name)")
            #expect(row.format == "link" && row.status == "failed", "\(name)")
            #expect(row.error == "the file could not be read: symbolic link, not followed", "\(name)")
        }
        let pipe = try #require(byPath["in/rör"])
        #expect(pipe.format == "special" && pipe.status == "failed")
        #expect(pipe.error == "the file could not be read: not a regular file: a named pipe, not opened")
        for path in ["in/ny\nrad.txt", "in/G\\xF6ran.txt", "in/bad\\xFF\\xFE\\xC3.txt", "in/en rad.txt", "in/en rad.html"] {
            let row = try #require(byPath[path], "no row for \(path.debugDescription); rows: \(rows.map(\.path))")
            #expect(row.status == "ok", "\(path.debugDescription): \(row.error ?? "")")
        }
        #expect(rows.count == links.count + 6, "\(rows.map(\.path))")
        #expect(rows.allSatisfy { $0.path.hasPrefix("in/") })

        // Each file's text is found, under its recorded path; nothing from outside is.
        func hits(_ query: String) throws -> [String] {
            let r = try diarium(["search", query, "--index", index, "--format", "json", "--limit", "0"])
            #expect(r.status == 0, "\(r.stderr)")
            return try JSONDecoder().decode(Result.self, from: Data(r.stdout.utf8)).hits.map(\.path)
        }
        #expect(try hits(newlineWord) == ["in/ny\nrad.txt"])
        #expect(try hits(latinWord) == ["in/G\\xF6ran.txt"])
        #expect(try hits(badWord) == ["in/bad\\xFF\\xFE\\xC3.txt"])
        #expect(try Set(hits(lastWord)) == ["in/en rad.txt", "in/en rad.html"])
        #expect(try hits(secret).isEmpty)
        #expect(try hits(secretInDir).isEmpty)
        #expect(try hits("root").isEmpty)  // /etc/passwd
        if atimeWorks {
            #expect(watched.map(accessTime) == before, "a file outside the folder was read")
        }

        // Every row can be shown by id, the odd names included.
        for row in rows {
            let show = try diarium(["show", String(row.id), "--index", index])
            #expect(show.status == 0, "\(row.path.debugDescription): \(show.stderr)")
        }
        #expect(try diarium(["verify", "--index", index]).status == 0)

        // A second ingest finds every file unchanged, the odd names included.
        let again = try run(["ingest", "in", "--index", index], in: s.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("added 0, updated 0, unchanged \(links.count + 6), failed 0"), "\(again.stdout)")
    }
}

/// Hostile archives in a batch: each is recorded with its reason, the files next to them are
/// indexed, and no entry name becomes a file on disk.
/// An encrypted file is not a failure: the summary counts it apart and names it.
@Suite struct EncryptedIngestTests {
    @Test func encryptedFilesAreCountedApartFromFailures() throws {
        let s = try ScratchDirectory("e2e")
        let batch = s.path + "/batch"
        try FileManager.default.createDirectory(atPath: batch, withIntermediateDirectories: true)
        try Data(MiniPDF.text([["Protokoll fört vid sammanträde med socialnämnden den 4 maj 2021."]])).write(to: URL(fileURLWithPath: batch + "/öppen.pdf"))
        let qpdf = try TestProcess.run(["/usr/bin/qpdf", "--encrypt", "hemligt", "agare", "256", "--", batch + "/öppen.pdf", batch + "/låst.pdf"])
        try #require(qpdf.status == 0, "\(qpdf.stderrText)")
        try Data().write(to: URL(fileURLWithPath: batch + "/tom.txt"))
        let ingest = try diarium(["ingest", batch, "--index", s.path + "/index"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("added 3, updated 0, unchanged 0, failed 1, encrypted 1"), "\(ingest.stdout)")
        #expect(ingest.stdout.contains("  not indexed: batch/tom.txt: the file is empty"), "\(ingest.stdout)")
        #expect(ingest.stdout.contains("  encrypted (metadata only): batch/låst.pdf: the PDF is encrypted"), "\(ingest.stdout)")
        #expect(!ingest.stdout.contains("not indexed: batch/låst.pdf"))
        struct Counts: Decodable { var failed: Int; var encrypted: Int; var encryptedFiles: [[String: String]] }
        let json = try JSONDecoder().decode(Counts.self, from: Data(try diarium(["ingest", batch, "--index", s.path + "/index2", "--format", "json"]).stdout.utf8))
        #expect(json.failed == 1 && json.encrypted == 1 && json.encryptedFiles.first?["path"] == "batch/låst.pdf", "\(json)")
    }
}

@Suite(.serialized) struct HostileArchiveIngestTests {
    struct Row: Decodable { var path: String; var status: String; var error: String?; var part: String? }

    /// A ZIP of stored entries.
    static func zip(_ entries: [(String, [UInt8])]) -> [UInt8] {
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        var out: [UInt8] = [], central: [UInt8] = []
        func le(_ v: Int, _ n: Int, _ a: inout [UInt8]) { for k in 0..<n { a.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        for (name, data) in entries {
            let n = Array(name.utf8), crc = Int(crc32(data)), offset = out.count
            le(0x0403_4B50, 4, &out); le(20, 2, &out); le(0x800, 2, &out); le(0, 2, &out); le(0, 4, &out)
            le(crc, 4, &out); le(data.count, 4, &out); le(data.count, 4, &out); le(n.count, 2, &out); le(0, 2, &out)
            out += n + data
            le(0x0201_4B50, 4, &central); le(20, 2, &central); le(20, 2, &central); le(0x800, 2, &central); le(0, 2, &central)
            le(0, 4, &central); le(crc, 4, &central); le(data.count, 4, &central); le(data.count, 4, &central)
            le(n.count, 2, &central); le(0, 2, &central); le(0, 2, &central); le(0, 2, &central); le(0, 2, &central)
            le(0, 4, &central); le(offset, 4, &central)
            central += n
        }
        let start = out.count
        out += central
        le(0x0605_4B50, 4, &out); le(0, 4, &out); le(min(entries.count, 0xFFFF), 2, &out); le(min(entries.count, 0xFFFF), 2, &out)
        le(central.count, 4, &out); le(start, 4, &out); le(0, 2, &out)
        return out
    }

    @Test func hostileArchivesGetReasonsAndTheBatchGoesOn() throws {
        let s = try ScratchDirectory("e2e")
        let batch = s.path + "/batch"
        try FileManager.default.createDirectory(atPath: batch, withIntermediateDirectories: true)
        let many = HostileArchiveIngestTests.zip((0..<100_000).map { ("e\($0).txt", []) })
        try Data(many).write(to: URL(fileURLWithPath: batch + "/många.zip"))
        var nested = HostileArchiveIngestTests.zip([("a.txt", Array("innerst".utf8))])
        for level in 0..<6 { nested = HostileArchiveIngestTests.zip([("nivå\(level).zip", nested)]) }
        try Data(nested).write(to: URL(fileURLWithPath: batch + "/djup.zip"))
        let names = HostileArchiveIngestTests.zip([("../../utanför.txt", Array("Zebrafinkarna flyger.".utf8)), ("/tmp/diarium-absolut.txt", Array("absolut".utf8))])
        try Data(names).write(to: URL(fileURLWithPath: batch + "/namn.zip"))
        try "Vanlig fil om molntjänster.".write(toFile: batch + "/vanlig.txt", atomically: true, encoding: .utf8)
        let index = s.path + "/index"
        let ingest = try diarium(["ingest", "batch", "--index", index], in: s.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("added 4, updated 0, unchanged 0, failed 1"), "\(ingest.stdout)")
        #expect(ingest.stdout.contains("batch/många.zip: unpacking stopped: the archive has more than 10000 entries"))
        let rows = try JSONDecoder().decode([Row].self, from: Data(try diarium(["list", "--index", index, "--format", "json"], in: s.path).stdout.utf8))
        #expect(rows.contains { $0.path == "batch/vanlig.txt" && $0.status == "ok" })
        // The nesting stops four archives down; the deeper archive is a part with the reason.
        #expect(rows.contains { $0.path == "batch/djup.zip" && $0.part?.hasPrefix("nivå5.zip/nivå4.zip/nivå3.zip/nivå2.zip") == true
            && $0.error == "unpacking stopped: archives nested more than 4 deep" }, "\(rows.filter { $0.path == "batch/djup.zip" })")
        #expect(rows.contains { $0.path == "batch/namn.zip" && $0.part == "utanför.txt" && $0.status == "ok" })
        // The names stayed names: nothing was written outside (or inside) the folders.
        #expect(!FileManager.default.fileExists(atPath: s.path + "/utanför.txt"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/diarium-absolut.txt"))
        let search = try diarium(["search", "zebrafinkarna", "--index", index], in: s.path)
        #expect(search.stdout.contains("batch/namn.zip/utanför.txt"))
    }
}
