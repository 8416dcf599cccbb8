import DiariumTestSupport
import Foundation
import Testing

/// Numeric options out of range, odd paths and odd files: each gets a clear message and an
/// exit status that says what happened (`ExitStatus`: 2 usage, 1 failure, 3 index unusable),
/// never a trap, a hang, a wrapped limit or a misleading "permission denied".
@Suite(.serialized) struct UsageErrorTests {
    /// Runs the binary with a watchdog, so that a hang (on a named pipe) fails the test.
    func run(_ arguments: [String], limit: TimeInterval = 120) throws -> Run {
        final class Box: @unchecked Sendable { var result: Swift.Result<Run, Error>? }
        let box = Box(), finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.result = Swift.Result { try diarium(arguments) }
            finished.signal()
        }
        guard finished.wait(timeout: .now() + limit) == .success else {
            Issue.record("diarium \(arguments.joined(separator: " ")) did not finish in \(Int(limit)) s")
            throw CancellationError()
        }
        return try box.result!.get()
    }

    @Test func numericOptionsOutOfRangeAreUsageErrors() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        #expect(try run(["ingest", corpus, "--index", index]).status == 0)
        let cases: [([String], String)] = [
            (["search", "riskanalys", "--offset", "9223372036854775807"], "--offset takes 0 to 1000000000"),
            (["search", "riskanalys", "--offset=-5"], "--offset takes"),
            (["search", "riskanalys", "--limit=-1"], "--limit takes 0 (all hits)"),
            (["search", "riskanalys", "--limit", "99999999999"], "--limit takes"),
            (["ingest", corpus, "--threads", "9223372036854775807"], "--threads takes 1 to"),
            (["ingest", corpus, "--threads", "100000"], "--threads takes 1 to"),
            (["ingest", corpus, "--threads=-1"], "--threads takes 1 to"),
            (["ingest", corpus, "--threads", "0"], "--threads takes 1 to"),
            (["ingest", corpus, "--memory=-5"], "--memory takes MiB from 1 to 1048576"),
            (["ingest", corpus, "--memory", "9223372036854775807"], "--memory takes"),
            (["ingest", corpus, "--max-file-size", "9223372036854775807"], "--max-file-size takes MiB from 1 to 1048576"),
            (["ingest", corpus, "--max-file-size", "0"], "--max-file-size takes"),
            (["extract", corpus + "/Gymnasienämnden/Riskanalys Office 365 (2015).html", "--max-file-size=-1"], "--max-file-size takes"),
            (["ingest", corpus, "--parse-time-limit", "nan"], "--parse-time-limit takes"),
            (["ingest", corpus, "--parse-time-limit=-1"], "--parse-time-limit takes"),
            (["ingest", corpus, "--parse-time-limit", "inf"], "--parse-time-limit takes"),
            (["duplicates", "--threshold", "nan"], "--threshold takes a share from 0.05 to 1"),
            (["duplicates", "--threshold", "2"], "--threshold takes"),
            (["report", "--stale-after=-3"], "--stale-after takes 0 to 1000"),
            (["ingest", ""], "an empty path names no file or folder"),
        ]
        for (args, message) in cases {
            let r = try run(args + (args[0] == "extract" ? [] : ["--index", index]))
            #expect(r.status == 2, "\(args): exit \(r.status), \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        // In range at the edges: accepted.
        #expect(try run(["search", "riskanalys", "--offset", "1000000000", "--index", index]).status == 0)
        #expect(try run(["ingest", corpus, "--threads", "1", "--max-file-size", "1048576", "--index", index]).status == 0)
        // The nesting that overflowed the stack: a one-line message, exit 2 (the query is refused).
        for query in [String(repeating: "(", count: 50_000) + "x" + String(repeating: ")", count: 50_000),
                      String(repeating: "NOT (", count: 20_000) + "x"] {
            let r = try run(["search", query, "--index", index])
            #expect(r.status == 2, "\(r.stderr.prefix(200))")
            #expect(r.stderr.contains("the query nests parentheses"), "\(r.stderr.prefix(200))")
            #expect(r.stderr.count < 300)
        }
        let nots = try run(["search", String(repeating: "NOT ", count: 32_000) + "riskanalys", "--format", "json", "--index", index])
        #expect(nots.status == 0, "\(nots.stderr.prefix(200))")
    }

    @Test func oddPathsGetClearMessages() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        #expect(try run(["ingest", corpus, "--index", index]).status == 0)
        // show of an id that does not exist: a failure, not a usage text.
        let show = try run(["show", "999", "--index", index])
        #expect(show.status == 1)
        #expect(show.stderr.contains("no document 999"), "\(show.stderr)")
        #expect(!show.stderr.contains("USAGE") && !show.stderr.contains("Usage"))
        // An index path that is a file, and segments that is a file.
        try "x".write(toFile: s.path + "/file", atomically: false, encoding: .utf8)
        for args in [["search", "x"], ["list"], ["ingest", corpus]] {
            let r = try run(args + ["--index", s.path + "/file"])
            #expect(r.status == 3, "\(args): \(r.status)")
            #expect(r.stderr.contains("\(s.path)/file is not a folder"), "\(args): \(r.stderr)")
        }
        try FileManager.default.createDirectory(atPath: s.path + "/odd", withIntermediateDirectories: true)
        try "x".write(toFile: s.path + "/odd/segments", atomically: false, encoding: .utf8)
        let seg = try run(["ingest", corpus, "--index", s.path + "/odd"])
        #expect(seg.status == 3)
        #expect(seg.stderr.contains("/odd/segments is not a folder"), "\(seg.stderr)")
        // extract: a missing file, a folder and a named pipe are errors (exit 1), and a pipe never blocks.
        #expect(mkfifo(s.path + "/pipe", 0o644) == 0)
        let good = corpus + "/Gymnasienämnden/Riskanalys Office 365 (2015).html"
        let extract = try run(["extract", s.path + "/nonexistent", s.path + "/pipe", corpus, good], limit: 60)
        #expect(extract.status == 1)
        #expect(extract.stderr.contains("nonexistent: no such file"), "\(extract.stderr)")
        #expect(extract.stderr.contains("pipe: not a regular file"), "\(extract.stderr)")
        #expect(extract.stderr.contains("corpus: a folder"), "\(extract.stderr)")
        #expect(extract.stdout.contains("Riskanalys – införande av Office 365"), "the good file is still extracted")
        #expect(try run(["extract", s.path + "/nonexistent"]).status == 1)
        // --batch on a pipe: refused with a message, without blocking; `-` reads standard input.
        let batch = try run(["search", "--batch", s.path + "/pipe", "--index", index], limit: 60)
        #expect(batch.status == 1)
        #expect(batch.stderr.contains("not a regular file"), "\(batch.stderr)")
        // A batch line that is not UTF-8 is named and skipped; the others run.
        try Data("riskanalys\n".utf8 + [0x66, 0xFF, 0x0A] + "molntjänst\n".utf8).write(to: URL(fileURLWithPath: s.path + "/q.txt"))
        let lines = try run(["search", "--batch", s.path + "/q.txt", "--index", index])
        #expect(lines.status == 0)
        #expect(lines.stderr.contains("line 2 is not valid UTF-8"), "\(lines.stderr)")
        #expect(lines.stdout.split(separator: "\n").count == 2)
    }

    @Test func synonymsFileProblemsAreNamed() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        #expect(try run(["ingest", corpus, "--index", index]).status == 0)
        // Line 2 is not UTF-8; line 3 still counts.
        try Data("# egna\n".utf8 + [0x61, 0x2C, 0x20, 0xC3, 0x28, 0x0A] + "lärplattformen, lärplattform, itslearning\n".utf8)
            .write(to: URL(fileURLWithPath: index + "/synonyms.txt"))
        let r = try run(["search", "--explain", "itslearning", "--index", index])
        #expect(r.status == 0)
        #expect(r.stderr.contains("synonyms.txt: line 2 is not valid UTF-8 and was skipped"), "\(r.stderr)")
        #expect(r.stdout.contains("synonym ×0.9: lärplattform"), "\(r.stdout)")
        // A named pipe as the synonyms file would block every search: it is named and skipped.
        try FileManager.default.removeItem(atPath: index + "/synonyms.txt")
        #expect(mkfifo(index + "/synonyms.txt", 0o644) == 0)
        let pipe = try run(["search", "riskanalys", "--index", index], limit: 60)
        #expect(pipe.status == 0)
        #expect(pipe.stderr.contains("synonyms.txt: not a regular file"), "\(pipe.stderr)")
    }
}
