import DiariumTestSupport
import Foundation
import Testing

/// `diarium ingest --jsonl`, run as the built binary: documents given as JSON Lines get their
/// declared metadata (sources `jsonl:…`) and the text heuristics for the rest, bad lines are
/// reported by number while the others are ingested, a line over `--max-file-size` is passed
/// over without stopping the batch, standard input works, hostile values reach the terminal
/// only through SafeText, and a document given again is unchanged or replaced by its SHA-256.
@Suite(.serialized) struct JSONLIngestTests {
    func line(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The inventory (`list --format json`), by path and part name.
    func inventory(_ index: String, in directory: String) throws -> [String: [String: Any]] {
        let r = try diarium(["list", "--index", index, "--format", "json"], in: directory)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        var byPath: [String: [String: Any]] = [:]
        for row in rows {
            let key = (row["path"] as? String ?? "") + ((row["part"] as? String).map { "#" + $0 } ?? "")
            byPath[key] = row
        }
        return byPath
    }

    func sources(_ index: String, id: Int, in directory: String) throws -> String {
        let r = try diarium(["show", "--index", index, String(id)], in: directory)
        return r.stdout.split(separator: "\n").first { $0.hasPrefix("sources:") }.map(String.init) ?? ""
    }

    /// A path given again in another Unicode normalisation (NFD "a" + combining diaeresis for
    /// the NFC "ä" of the first line) is the same path: refused, as the same bytes would be.
    @Test func aPathGivenAgainDecomposedIsRefused() throws {
        let s = try ScratchDirectory("e2e")
        let lines = [try line(["path": "Nämnden/beslut.txt", "text": "Beslut om riskanalys"]),
                     try line(["path": "Na\u{0308}mnden/beslut.txt", "text": "Ett annat beslut"])]
        #expect(Array("Nämnden".utf8) != Array("Na\u{0308}mnden".utf8))
        try (lines.joined(separator: "\n") + "\n").write(toFile: s.path + "/export.jsonl", atomically: false, encoding: .utf8)
        let r = try diarium(["ingest", "--jsonl", "export.jsonl", "--index", "index"], in: s.path)
        #expect(r.status == 1, "\(r.status) \(r.stderr)")
        #expect(r.stdout.hasPrefix("added 1, updated 0, unchanged 0, failed 0"), "\(r.stdout)")
        #expect(r.stdout.contains("line 2 not ingested: the path ") && r.stdout.contains("was given on line 1 already"), "\(r.stdout)")
        #expect(try inventory("index", in: s.path).count == 1)
    }

    @Test func goodLinesAreIngestedAndBadOnesReportedByNumber() throws {
        let s = try ScratchDirectory("e2e")
        let lines = [
            try line(["path": "Kommunstyrelsen/brev.txt",
                      "text": "Kommunstyrelsen\nDnr KS 2021/123\nBeslut om riskanalys\n\nDatum 2021-03-04\nText om informationssäkerhet."]),
            "{\"path\": \"trasig.txt\", \"text\": ",                                   // 2: not JSON
            try line(["path": "utan-text.txt", "title": "Ingen text"]),                 // 3: no text
            try line(["path": "år.txt", "text": "x", "year": "tjugo"]),                 // 4: year not a number
            try line(["path": "Kommunstyrelsen/brev.txt", "text": "igen"]),             // 5: path again
            "",                                                                       // 6: blank, allowed
            try line(["path": "export/protokoll-7.txt", "text": "Vi har beslutat att anta planen.",
                      "title": "Protokoll från nämndens sammanträde", "authority": "Socialnämnden", "type": "Protokoll",
                      "date": "4 mars 2022", "diarienummer": "SN 2022/77", "language": "sv"]),
            try line(["path": "export/protokoll-7.txt", "part": 1, "partName": "bilaga.pdf", "text": "Bilaga med budget"]),
            try line(["path": "fel-del.txt", "part": 2, "text": "en del utan sitt dokument"]),  // 9: part without its document
            "[1, 2, 3]",                                                              // 10: not an object
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: s.path + "/export.jsonl", atomically: false, encoding: .utf8)
        let r = try diarium(["ingest", "--jsonl", "export.jsonl", "--index", "index"], in: s.path)
        #expect(r.status == 1, "bad lines are problems found: \(r.status) \(r.stderr)")
        #expect(r.stdout.hasPrefix("added 2, updated 0, unchanged 0, failed 0"), "\(r.stdout)")
        for (number, reason) in [(2, "not a JSON object"), (3, "no \"text\""), (4, "\"year\" is not a whole number"),
                                 (5, "the path Kommunstyrelsen/brev.txt was given on line 1 already"), (9, "part 2 of fel-del.txt does not follow"), (10, "not a JSON object")] {
            #expect(r.stdout.contains("line \(number) not ingested: \(reason)"), "line \(number): \(r.stdout)")
        }
        #expect(!r.stdout.contains("line 6 "), "a blank line is no error")

        let docs = try inventory("index", in: s.path)
        #expect(docs.count == 3, "\(docs.keys.sorted())")
        // Metadata from the text, as for a file: the letterhead's authority, dnr, date; the title line.
        let letter = try #require(docs["Kommunstyrelsen/brev.txt"])
        #expect(letter["authority"] as? String == "Kommunstyrelsen")
        #expect(letter["dnr"] as? String == "KS 2021/123")
        #expect(letter["date"] as? String == "2021-03-04")
        #expect(letter["title"] as? String == "Beslut om riskanalys")
        #expect(letter["format"] as? String == "jsonl")
        // Declared metadata wins and is normalised as declared metadata is (type vocabulary, ISO date).
        let minutes = try #require(docs["export/protokoll-7.txt"])
        #expect(minutes["title"] as? String == "Protokoll från nämndens sammanträde")
        #expect(minutes["authority"] as? String == "Socialnämnden")
        #expect(minutes["type"] as? String == "protokoll")
        #expect(minutes["date"] as? String == "2022-03-04")
        #expect(minutes["year"] as? Int == 2022)
        #expect(minutes["dnr"] as? String == "SN 2022/77")
        let src = try sources("index", id: try #require(minutes["id"] as? Int), in: s.path)
        for field in ["title", "authority", "type", "date", "dnr", "language"] {
            #expect(src.contains("\"\(field)\":\"jsonl:\(field)\""), "\(field): \(src)")
        }
        #expect(try sources("index", id: try #require(letter["id"] as? Int), in: s.path).contains("\"dnr\":\"text:line 2\""))
        #expect(docs["export/protokoll-7.txt#bilaga.pdf"] != nil, "the part is recorded with its name: \(docs.keys.sorted())")

        // Searchable like any document.
        let search = try diarium(["search", "--index", "index", "--format", "json", "budget"], in: s.path)
        let result = try JSONDecoder().decode(Result.self, from: Data(search.stdout.utf8))
        #expect(result.total == 1 && result.hits.first?.path == "export/protokoll-7.txt", "\(search.stdout)")

        // Given again: unchanged by SHA-256; a changed line replaces its document.
        let again = try diarium(["ingest", "--jsonl", "export.jsonl", "--index", "index"], in: s.path)
        #expect(again.stdout.hasPrefix("added 0, updated 0, unchanged 2"), "\(again.stdout)")
        try (try line(["path": "Kommunstyrelsen/brev.txt", "text": "Nytt brev om arkivering"]) + "\n")
            .write(toFile: s.path + "/change.jsonl", atomically: false, encoding: .utf8)
        let changed = try diarium(["ingest", "--jsonl", "change.jsonl", "--index", "index"], in: s.path)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stdout.hasPrefix("added 0, updated 1, unchanged 0"), "\(changed.stdout)")
        let hits = try diarium(["search", "--index", "index", "--format", "json", "arkivering"], in: s.path)
        #expect(try JSONDecoder().decode(Result.self, from: Data(hits.stdout.utf8)).total == 1)
        let gone = try diarium(["search", "--index", "index", "--format", "json", "informationssäkerhet"], in: s.path)
        #expect(try JSONDecoder().decode(Result.self, from: Data(gone.stdout.utf8)).total == 0)
    }

    @Test func standardInputHugeLinesAndHostileValues() throws {
        let s = try ScratchDirectory("e2e")
        // A 2 MiB line over a 1 MiB limit, between two good lines: passed over, the batch goes on.
        let huge = try line(["path": "stor.txt", "text": String(repeating: "ord ", count: (2 << 20) / 4)])
        let hostileTitle = "\u{1B}]0;pwned\u{07}\u{1B}[31mRöd\u{202E}txt.exe"
        let input = [
            try line(["path": "före.txt", "text": "Första dokumentet om vatten"]),
            huge,
            try line(["path": "=cmd|'/c calc'!A1.txt", "title": hostileTitle, "authority": "Socialnämnden\u{1B}[2J",
                      "text": "Andra dokumentet om vatten"]),
        ].joined(separator: "\n")
        let r = try diarium(["ingest", "--jsonl", "-", "--index", "index", "--max-file-size", "1"], in: s.path, input: Data(input.utf8))
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("added 2, updated 0, unchanged 0, failed 0"), "\(r.stdout)")
        #expect(r.stdout.contains("line 2 not ingested: \(huge.utf8.count) bytes, more than the 1 MiB limit (--max-file-size)"), "\(r.stdout)")

        // The hostile title and path reach the terminal made visible, never as control sequences.
        for command in [["list"], ["search", "vatten"]] {
            let out = try diarium(command + ["--index", "index"], in: s.path)
            #expect(out.status == 0, "\(command): \(out.stderr)")
            #expect(!out.stdout.utf8.contains(0x1B) && !out.stdout.unicodeScalars.contains("\u{202E}"), "\(command): \(out.stdout)")
            #expect(out.stdout.contains("␛[31mRöd"), "\(command): \(out.stdout)")
        }
        // JSON keeps the value as given (JSON escapes it).
        let docs = try inventory("index", in: s.path)
        #expect(docs["=cmd|'/c calc'!A1.txt"]?["title"] as? String == hostileTitle)
        #expect(docs["före.txt"] != nil)
        #expect(docs["stor.txt"] == nil)
    }

    /// `--memory` holds for JSON Lines as for files: what the analyzers' caches and the batches
    /// hold is reserved from the budget, so a small budget cuts the lines into several segments
    /// (written in the background), and the index answers as one ingested with a large budget.
    @Test func aSmallMemoryBudgetCutsSegmentsAndChangesNoAnswer() throws {
        let s = try ScratchDirectory("e2e")
        var rng = SeededRandom(state: 17)
        let words = ["vatten", "riskanalys", "nämnden", "beslut", "skola", "informationssäkerhet",
                     "protokoll", "förvaltning", "avtal", "Göteborg", "år", "personuppgifter"]
        let input = try (0..<600).map { i in
            // Every fourth word one of a million (`ärende123456`): text and terms the buffer really
            // holds, so the lines need several of the writer's smallest buffers. (Twelve words
            // alone compress to almost nothing; they were cut only by what the builder held before
            // its first document — four term tables then, one now.)
            let text = (0..<400).map { k in
                k % 4 == 0 ? "ärende\(rng.next() % 1_000_000)" : words[Int(rng.next() % UInt64(words.count))]
            }.joined(separator: " ")
            return try line(["path": "brev/\(i).txt", "title": "Brev \(i)", "text": text])
        }.joined(separator: "\n")
        var written: [String: Int] = [:]
        for budget in ["16", "256"] {
            let r = try diarium(["ingest", "--jsonl", "-", "--index", budget, "--memory", budget],
                                in: s.path, input: Data(input.utf8))
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            #expect(r.stdout.hasPrefix("added 600, updated 0, unchanged 0, failed 0"), "\(r.stdout)")
            written[budget] = Int(try #require(r.stdout.firstMatch(of: /(\d+) segments? written/)).1)
            // 16 MiB is less than the process holds at start: said, and the ingest goes on.
            #expect(r.stderr.contains("warning: --memory 16 MiB is less than this ingest needs") == (budget == "16"), "\(r.stderr)")
        }
        // 600 lines of about 4 kB: one segment for 256 MiB. 16 MiB less the reserve (the resident
        // set at start, the slack, the caches, the batches) leaves the writer its smallest
        // buffer (`IndexWriter.minimumBufferBytes`), a few hundred of these documents; without the
        // reserve, 16 MiB held them all in one segment.
        #expect(written["256"] == 1)
        #expect((written["16"] ?? 0) >= 3, "\(written)")
        #expect(try inventory("16", in: s.path).count == 600)
        for query in ["riskanalys", "skola beslut", "\"nämnden beslut\"", "person*"] {
            let answers = try ["16", "256"].map { index in
                let r = try diarium(["search", query, "--index", index, "--count", "--limit", "20", "--format", "json"], in: s.path)
                #expect(r.status == 0, "\(r.stderr)")
                return r.stdout
            }
            #expect(answers[0] == answers[1], "\(query)")
        }
    }

    @Test func extractOutputIngestsAsTheFilesMetadata() throws {
        let s = try ScratchDirectory("e2e")
        let file = corpus + "/Gymnasienämnden/Riskanalys Office 365 (2015).html"
        let extracted = try diarium(["extract", "--format", "json", file])
        #expect(extracted.status == 0, "\(extracted.stderr)")
        let fromFile = try #require(try JSONSerialization.jsonObject(with: Data(extracted.stdout.split(separator: "\n")[0].utf8)) as? [String: Any])
        let r = try diarium(["ingest", "--jsonl", "-", "--index", "index"], in: s.path, input: Data(extracted.stdout.utf8))
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let doc = try #require(try inventory("index", in: s.path)[file])
        for field in ["title", "authority", "type", "date", "dnr", "format"] {
            #expect(doc[field] as? String == fromFile[field] as? String, "\(field)")
        }
        #expect(doc["year"] as? Int == fromFile["year"] as? Int)
    }

    @Test func usageMistakes() throws {
        let s = try ScratchDirectory("e2e")
        for (arguments, message) in [(["ingest", "--jsonl", "x.jsonl", "corpus"], "not both"), (["ingest"], "--jsonl FILE"),
                                     (["ingest", "--jsonl", ""], "needs a file")] {
            let r = try diarium(arguments + ["--index", "index"], in: s.path)
            #expect(r.status == 2 && r.stderr.contains(message), "\(arguments): \(r.status) \(r.stderr)")
        }
        let missing = try diarium(["ingest", "--jsonl", "finns-inte.jsonl", "--index", "index"], in: s.path)
        #expect(missing.status == 1 && missing.stderr.contains("finns-inte.jsonl: No such file"), "\(missing.status) \(missing.stderr)")
        let folder = try diarium(["ingest", "--jsonl", ".", "--index", "index"], in: s.path)
        #expect(folder.status == 1 && folder.stderr.contains("a folder"), "\(folder.status) \(folder.stderr)")
    }

    /// A commit's segment write that fails midway (the file size limit, `RLIMIT_FSIZE` with
    /// SIGXFSZ ignored, as a full disk would) while it is serialized on two threads (`TermPipe`):
    /// the ingest fails naming the file, nothing is left in `segments/` (neither the unfinished
    /// segment nor a scratch file) and nothing is published; the same ingest then succeeds.
    @Test func aFailedSegmentWriteLeavesNothingAndPublishesNothing() throws {
        let s = try ScratchDirectory("e2e")
        var rng = SeededRandom(state: 23)
        // 30 documents of 8,000 words out of 20,000: a segment of about 1.6 MB, a catalog of 0.1.
        let lines = try (0..<30).map { d in
            try line(["path": "dok\(d).txt", "text": (0..<8000).map { _ in "ord\(rng.next() % 20000)" }.joined(separator: " ")])
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: s.path + "/big.jsonl", atomically: false, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        let limited = try TestProcess.run(["/bin/sh", "-c", "trap '' XFSZ; exec prlimit --fsize=600000 \"$0\" \"$@\"",
                                           binary, "ingest", "--jsonl", "big.jsonl", "--index", "index"],
                                          environment: env, directory: s.path)
        #expect(limited.status != 0, "\(limited.stdoutText)")
        #expect(limited.stderrText.contains("index/segments/") && limited.stderrText.contains("File too large"), "\(limited.stderrText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.path + "/index/segments") == [])
        #expect(try inventory("index", in: s.path).isEmpty)

        let r = try diarium(["ingest", "--jsonl", "big.jsonl", "--index", "index"], in: s.path)
        #expect(r.status == 0 && r.stdout.hasPrefix("added 30, updated 0"), "\(r.status) \(r.stdout) \(r.stderr)")
        #expect(try inventory("index", in: s.path).count == 30)
        #expect(try diarium(["verify", "--index", "index"], in: s.path).status == 0)
    }
}
