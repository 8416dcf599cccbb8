import DiariumIndex
import DiariumTestSupport
import Foundation
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let corpus = repositoryRoot.appendingPathComponent("corpus").path

/// The built `diarium` executable, next to the test bundle.
let binary: String = {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("diarium").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/diarium").path
}()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the binary with `arguments` in `directory`.
/// Runs the built binary (with `input` on its standard input). Headings and messages are in
/// English (the locale variables are replaced by `LANG=C.UTF-8`) unless `environment` sets them.
func diarium(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: Data? = nil) throws -> Run {
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "DIARIUM_INDEX")
    for name in ["LC_ALL", "LC_MESSAGES", "LANGUAGE"] { env.removeValue(forKey: name) }
    env["LANG"] = "C.UTF-8"
    env.merge(environment) { $1 }
    let r = try TestProcess.run([binary] + arguments, input: input, environment: env, directory: directory)
    return Run(status: r.status, stdout: r.stdoutText, stderr: r.stderrText)
}

struct Hit: Decodable {
    var rank: Int; var score: Double; var id: Int64; var path: String; var title: String?; var authority: String?
    var type: String?; var date: String?; var year: Int?; var dnr: String?; var format: String; var snippet: String
}
struct Result: Decodable { var query: String; var total: Int; var hits: [Hit] }
struct Doc: Decodable { var id: Int64; var path: String; var year: Int?; var status: String; var error: String?; var title: String? }

func truthRows() throws -> [[String]] {
    let text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Tests/Fixtures/corpus-truth.tsv").path, encoding: .utf8)
    return text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
}

@Suite(.serialized) struct EndToEndTests {
    @Test func ingestSearchListAndReingest() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        let ingest = try diarium(["ingest", corpus, "--index", index])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("added 63, updated 0, unchanged 0, failed 1"))
        // The scanned protocol, the scanned page of a merged PDF and the screenshot. (The blank
        // first page LibreOffice left in a PDF of the 2021 ZIP is rendered white at 10 dpi and
        // not sent to OCR.)
        #expect(ingest.stdout.contains("OCR: 3 pages (3 read by tesseract, 0 from the cache)"), "\(ingest.stdout)")
        #expect(ingest.stdout.contains("Bilaga 2.txt: the file is empty"))

        let search = try diarium(["search", "riskanalys 2015 Office 365", "--index", index, "--format", "json"])
        #expect(search.status == 0, "\(search.stderr)")
        let result = try JSONDecoder().decode(Result.self, from: Data(search.stdout.utf8))
        let first = try #require(result.hits.first)
        #expect(first.rank == 1)
        #expect(first.path == "corpus/Gymnasienämnden/Riskanalys Office 365 (2015).html")
        #expect(first.title == "Riskanalys – införande av Office 365 i gymnasieskolan")
        #expect(first.dnr == "GYN 2015/112")
        #expect(first.date == "2015-04-14")
        #expect(first.snippet.contains("«Office» «365»"))

        let text = try diarium(["search", "riskanalys 2015 Office 365", "--index", index])
        #expect(text.stdout.contains(" 1. Riskanalys – införande av Office 365 i gymnasieskolan"))
        #expect(text.stdout.contains("Gymnasienämnden · riskanalys · 2015-04-14 · Dnr GYN 2015/112"))

        // list --year 2021: exactly the 2021 documents of the ground truth.
        let list = try diarium(["list", "--year", "2021", "--index", index, "--format", "json"])
        let docs = try JSONDecoder().decode([Doc].self, from: Data(list.stdout.utf8))
        let expected2021 = Set(try truthRows().filter { $0[7] == "2021" }.map { "corpus/" + $0[0] })
        #expect(Set(docs.map(\.path)) == expected2021)
        #expect(expected2021.count == 11)

        let range = try JSONDecoder().decode([Doc].self, from: Data(try diarium(["list", "--year", "2020..2021", "--index", index, "--format", "json"]).stdout.utf8))
        #expect(range.allSatisfy { $0.year == 2020 || $0.year == 2021 })
        // The 2021 ZIP's three entries are 2021 documents of their own.
        #expect(range.count == 11 + 3 + (try truthRows().filter { $0[7] == "2020" }.count))

        let byYear = try diarium(["list", "--by", "year", "--index", index])
        var counts: [String: Int] = [:]
        for row in try truthRows() { counts[row[7].isEmpty ? "unknown" : row[7], default: 0] += 1 }
        // Kommunstyrelsen's reply and Socialnämnden's .msg carry an attachment each: two more
        // 2022 entries in the inventory; the 2021 ZIP's three entries are 2021 entries.
        counts["2022", default: 0] += 2
        counts["2021", default: 0] += 3
        for (year, n) in counts { #expect(byYear.stdout.contains("\(year)\t\(n)\n"), "year \(year)") }

        // Re-ingest: nothing re-indexed.
        let again = try diarium(["ingest", corpus, "--index", index])
        #expect(again.stdout.contains("added 0, updated 0, unchanged 63, failed 0"))
        #expect(again.stdout.contains("0 segments written"))

        let stats = try diarium(["stats", "--index", index])
        #expect(stats.stdout.contains("documents:  68 (67 with indexed text)"))
        // The text pass's segment, and those of the OCR pass (it commits every few seconds).
        let written = try #require(ingest.stdout.firstMatch(of: /(\d+) segments? written/)).1
        let live = try #require(stats.stdout.firstMatch(of: /segments:\s+(\d+)/)).1
        #expect(live == written, "\(stats.stdout)")
    }

    @Test func officeFilesZipEntriesAndReviewMarksAreSearchable() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        #expect(try diarium(["ingest", corpus, "--index", index]).status == 0)
        func hits(_ query: String) throws -> [Hit] {
            try JSONDecoder().decode(Result.self, from: Data(try diarium(["search", query, "--index", index, "--format", "json"]).stdout.utf8)).hits
        }
        let docx = "corpus/Tekniska förvaltningen/Informationsklassningar 2021/Informationsklassning felanmälan gata och park.docx"
        // The reviewer's comment and the tracked change are found and marked.
        #expect(try hits("riktigheten verkligen gatuchefen").map(\.path) == [docx])
        let borttaget = try hits("borttaget Anna Berg")
        #expect(borttaget.first?.path == docx)
        let show = try diarium(["show", docx, "--text", "--index", index])
        #expect(show.stdout.contains("review:    1 comment, 2 tracked changes"))
        #expect(show.stdout.contains("[Borttaget av Anna Berg: 24][Infogat av Anna Berg: 12] månader"))
        #expect(show.stdout.contains("\"lastModifiedBy\":\"Anna Berg\""))
        // An XLSX cell, a .msg attachment and a ZIP entry are found like any file.
        #expect(try hits("trafiksignalstyrning registerförteckning").contains { $0.format == "xlsx" })
        #expect(try hits("Leverantör trygghetslarm förteckning").contains { $0.path.hasSuffix(".msg") && $0.format == "docx" })
        let zip = try hits("utlämnande TF 2021/0733")
        #expect(zip.first?.path == "corpus/Tekniska förvaltningen/Utlämnade handlingar 2021.zip" && zip.first?.format == "docx")
        #expect(try hits("bygglovshantering").contains { $0.format == "doc" })
        let report = try diarium(["report", "--index", index])
        #expect(report.stdout.contains("1 document still carries comments or tracked changes"))
    }

    @Test func unreadableFilesAreInTheInventoryWithTheirReason() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        _ = try diarium(["ingest", corpus, "--index", index])
        let docs = try JSONDecoder().decode([Doc].self, from: Data(try diarium(["list", "--index", index, "--format", "json"]).stdout.utf8))
        // 63 files, the attachments of Kommunstyrelsen's e-mail and Socialnämnden's .msg and the
        // three entries of Tekniska förvaltningen's ZIP as documents of their own.
        #expect(docs.count == 68)
        let attachment = try #require(docs.first { $0.path.hasSuffix(".eml") && $0.title == "Förteckning över bifogade handlingar" })
        #expect(attachment.path == "corpus/Kommunstyrelsen/Korrespondens/Sv Begäran om allmän handling – molntjänster.eml")
        let failed = docs.filter { $0.status != "ok" }
        #expect(Set(failed.map(\.status)) == ["empty"])
        #expect(failed.count == 1)
        #expect(failed.allSatisfy { ($0.error ?? "").count > 5 })
        let show = try diarium(["show", "corpus/Kultur- och fritidsnämnden/Skärmbild bokningssystem.png", "--index", index])
        #expect(show.stdout.contains("status:    ok"))
        #expect(show.stdout.contains("format:    png"))
        #expect(show.stdout.contains("ocr:       1 page, mean word confidence"), "\(show.stdout)")
        #expect(show.stdout.contains("sha256:"))
    }

    @Test func changedFileIsReplaced() throws {
        let s = try ScratchDirectory("e2e")
        let folder = s.path + "/batch"
        try FileManager.default.copyItem(atPath: corpus, toPath: folder)
        let index = s.path + "/index"
        #expect(try diarium(["ingest", "batch", "--index", index], in: s.path).status == 0)
        let file = folder + "/Socialnämnden/Konsekvensbedömning digitala möten 2020.md"
        var content = try String(contentsOfFile: file, encoding: .utf8)
        #expect(try diarium(["search", "klienter", "--index", index, "--format", "json"], in: s.path).stdout.contains("digitala möten"))
        // Every inflection of "klient" goes; a new word arrives.
        for form in ["Klienten", "Klienter", "klienten", "klienter"] { content = content.replacingOccurrences(of: form, with: "brukare") }
        content += "\nTillägg: videolänk via Zebrafinkplattformen.\n"
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        let again = try diarium(["ingest", "batch", "--index", index], in: s.path)
        #expect(again.stdout.contains("added 0, updated 1, unchanged 62, failed 0"), "\(again.stdout)")
        let old = try JSONDecoder().decode(Result.self, from: Data(try diarium(["search", "klienter", "--index", index, "--format", "json"], in: s.path).stdout.utf8))
        #expect(!old.hits.contains { $0.path.hasSuffix("Konsekvensbedömning digitala möten 2020.md") })
        let new = try JSONDecoder().decode(Result.self, from: Data(try diarium(["search", "zebrafinkplattformen", "--index", index, "--format", "json"], in: s.path).stdout.utf8))
        #expect(new.hits.map(\.path) == ["batch/Socialnämnden/Konsekvensbedömning digitala möten 2020.md"])
        let docs = try JSONDecoder().decode([Doc].self, from: Data(try diarium(["list", "--index", index, "--format", "json"], in: s.path).stdout.utf8))
        #expect(docs.count == 68)
    }

    @Test func secondWriterIsRefused() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        let writer = try IndexWriter(directory: index)
        let run = try diarium(["ingest", corpus, "--index", index])
        #expect(run.status != 0)
        #expect(run.stderr.contains("is being written by another diarium process (pid \(ProcessInfo.processInfo.processIdentifier))"), "\(run.stderr)")
        writer.close()
        // Readers are not blocked by a writer.
        let w2 = try IndexWriter(directory: index)
        #expect(try diarium(["stats", "--index", index]).status == 0)
        w2.close()
    }

    @Test func corruptedSegmentIsDetectedAndNamed() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        _ = try diarium(["ingest", corpus, "--index", index])
        let segments = try FileManager.default.contentsOfDirectory(atPath: index + "/segments")
        let segment = index + "/segments/" + (try #require(segments.first))
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        // Opening checks structure only (its cost must not grow with the segment); the
        // checksum of every byte is verify's (and a merge's) job.
        let run = try diarium(["verify", "--index", index])
        #expect(run.status != 0)
        #expect(run.stdout.contains(segment), "\(run.stdout)")
        #expect(run.stdout.contains("checksum mismatch"))
    }

    @Test func clearErrorsForMissingIndexAndPaths() throws {
        let s = try ScratchDirectory("e2e")
        let none = try diarium(["search", "x", "--index", s.path + "/nothing"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("no index in \(s.path)/nothing"))
        let missing = try diarium(["ingest", s.path + "/saknas", "--index", s.path + "/index"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("saknas: no such file or folder"))
        let badYear = try diarium(["list", "--year", "tjugo", "--index", s.path + "/index"])
        #expect(badYear.status != 0)
        #expect(badYear.stderr.contains("--year takes a year"))
    }

    @Test func batchCSVExplainAndSort() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        _ = try diarium(["ingest", corpus, "--index", index])
        try "riskanalys\n\"unbalanced ((\nkonsekvensbedömning year:2020\n".write(toFile: s.path + "/q.txt", atomically: true, encoding: .utf8)
        let batch = try diarium(["search", "--batch", s.path + "/q.txt", "--index", index, "--limit", "1"])
        #expect(batch.status == 0)
        let lines = batch.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.contains("\"ms\"") })
        let table = try diarium(["search", "--batch", s.path + "/q.txt", "--by", "authority,year", "--format", "csv", "--index", index])
        #expect(table.stdout.hasPrefix("query,authority,year,count\r\n"))
        #expect(table.stdout.contains("riskanalys,Gymnasienämnden,2015,3\r\n"))
        let csv = try diarium(["search", "molntjänst", "--limit", "0", "--format", "csv", "--index", index])
        let rows = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let json = try JSONDecoder().decode(Result.self, from: Data(try diarium(["search", "molntjänst", "--limit", "0", "--format", "json", "--index", index]).stdout.utf8))
        #expect(rows.count == json.total + 1)
        let explain = try diarium(["search", "--explain", "DPIA year:2020..2022", "--index", index])
        #expect(explain.stdout.contains("synonym ×0.9: konsekvensbedömning [df "))
        #expect(explain.stdout.contains("filter year 2020–2022:"))
        let sorted = try JSONDecoder().decode(Result.self, from: Data(try diarium(["search", "molntjänst", "--sort", "date", "--limit", "0", "--format", "json", "--index", index]).stdout.utf8))
        let dates = sorted.hits.compactMap(\.date)
        #expect(dates == dates.sorted(by: >))
    }

    /// The HTML report renders in a real headless browser: the page's text is there, and a
    /// screenshot is taken.
    @Test func htmlReportRendersInChromium() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        _ = try diarium(["ingest", corpus, "--index", index])
        let html = try diarium(["report", "--format", "html", "--index", index])
        #expect(html.status == 0)
        try html.stdout.write(toFile: s.path + "/report.html", atomically: true, encoding: .utf8)
        let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let chromium = try #require(browser, "Debian's chromium is not installed (make deps installs it)")
        func run(_ args: [String]) throws -> String {
            try TestProcess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(s.path)/profile"]
                                + args + ["file://\(s.path)/report.html"]).stdoutText
        }
        let dom = try run(["--dump-dom"])
        #expect(dom.contains("Release report"))
        #expect(dom.contains("latest risk analysis is older than 5 years (2015)"))
        #expect(dom.contains("<svg"))
        _ = try run(["--screenshot=\(s.path)/report.png", "--window-size=1200,1400"])
        let png = try Data(contentsOf: URL(fileURLWithPath: s.path + "/report.png"))
        #expect(png.count > 10_000)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func indexFromEnvironment() throws {
        let s = try ScratchDirectory("e2e")
        let r = try TestProcess.run([binary, "ingest", corpus], environment: ["DIARIUM_INDEX": s.path + "/envindex", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(FileManager.default.fileExists(atPath: s.path + "/envindex/catalog.sqlite"))
    }
}
