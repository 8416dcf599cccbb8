import DiariumTestSupport
import Foundation
import Testing

/// `diarium list` on `corpus/` (issue 18), run as the built binary: every filter and output
/// format against the ground truth and against the unfiltered inventory; CSV read back by
/// Python's csv module; the spreadsheet CSV opened by LibreOffice and its cells read back from
/// the `.xlsx`; hostile values; paths that open from any folder; a moved release re-rooted
/// without re-indexing; Swedish headings.
@Suite(.serialized) struct InventoryTests {
    /// One index of corpus/ for the suite (OCR on, as a user ingests it).
    static let shared: (scratch: ScratchDirectory, index: String)? = {
        guard let s = try? ScratchDirectory() else { return nil }
        let index = s.path + "/index"
        guard let run = try? diarium(["ingest", corpus, "--index", index]), run.status == 0 else { return nil }
        return (s, index)
    }()

    func index() throws -> (dir: String, index: String) {
        let shared = try #require(InventoryTests.shared, "the corpus could not be ingested")
        return (shared.scratch.path, shared.index)
    }

    static let columns = ["id", "path", "file", "part", "authority", "type", "date", "year", "dnr", "title", "format",
                          "encoding", "language", "pages", "size", "sha256", "status", "reason", "ingested_at", "duplicate_family"]

    /// `list ARGS --format csv`, parsed by Python, as dictionaries by column name.
    func listCSV(_ arguments: [String]) throws -> [[String: String]] {
        let (dir, index) = try index()
        let run = try diarium(["list"] + arguments + ["--format", "csv", "--index", index])
        try #require(run.status == 0, "list \(arguments): \(run.stderr)")
        let rows = try Spreadsheets.parseCSV(run.stdout, in: dir)
        try #require(rows.first == InventoryTests.columns, "the CSV header: \(rows.first ?? [])")
        return rows.dropFirst().map { row in
            #expect(row.count == InventoryTests.columns.count, "a row of \(row.count) cells")
            return Dictionary(uniqueKeysWithValues: zip(InventoryTests.columns, row))
        }
    }

    func ids(_ rows: [[String: String]]) -> [String] { rows.map { $0["id"] ?? "" } }

    @Test func csvHasEveryColumnOfEveryDocumentAsTheGroundTruthSays() throws {
        let rows = try listCSV([])
        #expect(rows.count == 68, "63 files, 3 ZIP entries, 2 attachments")
        let byPath = Dictionary(grouping: rows.filter { $0["part"] == "" }, by: { $0["path"] ?? "" })
        // Title, authority and type as the catalog has them (`show`, another path to the same
        // rows; extraction's accuracy against the truth is scripts/accuracy.py's business).
        struct Shown: Decodable {
            struct Document: Decodable { var id: Int64; var title: String?; var authority: String?; var type: String? }
            var document: Document
        }
        let (_, index) = try index()
        let truth = try truthRows()
        #expect(truth.count == 63)
        for t in truth {
            let row = try #require(byPath["corpus/" + t[0]]?.first, "no row for \(t[0])")
            // path format status title authority type date year dnr
            for (i, column) in ["format", "status", "title", "authority", "type", "date", "year", "dnr"].enumerated()
            where !["title", "authority", "type"].contains(column) {
                #expect(row[column] == t[i + 1], "\(t[0]): \(column) is \(row[column] ?? "nil"), the truth says \(t[i + 1])")
            }
            let shown = try JSONDecoder().decode(Shown.self, from: Data(try diarium(["show", row["id"] ?? "", "--format", "json", "--index", index]).stdout.utf8)).document
            #expect(String(shown.id) == row["id"])
            #expect([shown.title ?? "", shown.authority ?? "", shown.type ?? ""] == [row["title"], row["authority"], row["type"]].map { $0 ?? "" }, "\(t[0])")
            // The file opens: absolute, where the corpus is, with the file's size and SHA-256.
            let file = try #require(row["file"])
            #expect(file == corpus + "/" + t[0])
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect(row["size"] == String((attributes[.size] as? NSNumber)?.int64Value ?? -1), "\(t[0]) size")
            #expect(row["ingested_at"]?.hasSuffix("Z") == true)
        }
        // SHA-256 as sha256sum computes it, for a sample.
        for row in rows.prefix(5) where row["status"] == "ok" {
            #expect(String(try shell(["sha256sum", row["file"] ?? ""]).prefix(64)) == row["sha256"], "\(row["path"] ?? "")")
        }
        // PDFs have their pages, the ZIP's entries their part names.
        let pdf = try #require(rows.first { $0["path"] == "corpus/Gymnasienämnden/Riskanalys Office 365 (2015).pdf" })
        #expect(Int(pdf["pages"] ?? "") ?? 0 >= 3)
        #expect(rows.filter { $0["path"]?.hasSuffix(".zip") == true && $0["part"] != "" }.count == 3)
        // The empty file says why it was not read.
        let empty = try #require(rows.first { $0["path"] == "corpus/Överförmyndarnämnden/Bilaga 2.txt" })
        #expect(empty["status"] == "empty" && empty["reason"] == "the file is empty")
        // The policy copied by two boards: one family, the number `duplicates` gives it.
        let copies = rows.filter { ["corpus/Kommunstyrelsen/Informationssäkerhetspolicy.html",
                                    "corpus/Vård- och omsorgsnämnden/Bilaga 1 Informationssäkerhetspolicy.html"].contains($0["path"] ?? "") }
        #expect(copies.count == 2)
        let family = copies.map { ($0["duplicate_family"] ?? "").split(separator: " ").first.map(String.init) ?? "" }
        #expect(family[0] == family[1] && !family[0].isEmpty)
        let duplicates = try diarium(["duplicates", "--index", index])
        #expect(duplicates.stdout.contains("Exact copies (family \(family[0])):"))
    }

    @Test func everyFilterSelectsWhatTheInventorySays() throws {
        let all = try listCSV([])
        func expected(_ keep: ([String: String]) -> Bool) -> Set<String> { Set(ids(all.filter(keep))) }
        func year(_ r: [String: String]) -> Int? { Int(r["year"] ?? "") }
        let cases: [([String], Set<String>)] = [
            (["--authority", "socialnämnden"], expected { $0["authority"]?.lowercased().contains("socialnämnden") == true }),
            (["--type", "riskanalys"], expected { $0["type"]?.contains("riskanalys") == true }),
            (["--year", "2021"], expected { year($0) == 2021 }),
            (["--year", "2015..2017"], expected { year($0).map { (2015...2017).contains($0) } ?? false }),
            (["--year", "2020.."], expected { year($0).map { $0 >= 2020 } ?? false }),
            (["--year", "..2015"], expected { year($0).map { $0 <= 2015 } ?? false }),
            (["--file-format", "pdf"], expected { $0["format"] == "pdf" }),
            (["--status", "empty"], expected { $0["status"] == "empty" }),
            (["--status", "ok", "--status", "empty"], expected { $0["status"] == "ok" || $0["status"] == "empty" }),
            (["org:Socialnämnden year:2015.."], expected { $0["authority"] == "Socialnämnden" && (year($0) ?? 0) >= 2015 }),
            (["(type:riskanalys OR type:informationsklassning) NOT org:teknisk"],
             expected { ($0["type"] == "riskanalys" || $0["type"] == "informationsklassning") && $0["authority"]?.lowercased().contains("teknisk") != true }),
            (["--authority", "Tekniska", "--year", "2021", "format:xml"], expected { $0["authority"] == "Tekniska förvaltningen" && year($0) == 2021 && $0["format"] == "xml" }),
        ]
        for (arguments, want) in cases {
            #expect(!want.isEmpty, "\(arguments) selects something")
            #expect(Set(ids(try listCSV(arguments))) == want, "list \(arguments)")
        }
        // A query with words lists what search finds (documents with text), every one of them.
        let (_, index) = try index()
        let search = try diarium(["search", "riskanalys format:pdf", "--limit", "0", "--format", "json", "--index", index])
        let hits = try JSONDecoder().decode(Result.self, from: Data(search.stdout.utf8)).hits.map { String($0.id) }
        #expect(!hits.isEmpty)
        #expect(Set(ids(try listCSV(["riskanalys format:pdf"]))) == Set(hits))
        // A filter-only query keeps documents that have no text (the empty file).
        #expect(ids(try listCSV(["path:Bilaga"])).contains(ids(all.filter { $0["status"] == "empty" }).first ?? "-"))
    }

    @Test func sortLimitAndOffset() throws {
        let all = try listCSV([])
        // Default: newest first.
        let dates = all.compactMap { $0["date"] }.filter { !$0.isEmpty }
        #expect(dates == dates.sorted(by: >))
        #expect(ids(try listCSV(["--limit", "5", "--offset", "3"])) == Array(ids(all)[3..<8]))
        #expect(ids(try listCSV(["--limit", "0"])) == ids(all), "no cap")
        let sizes = try listCSV(["--sort", "size"]).map { Int64($0["size"] ?? "") ?? -1 }
        #expect(sizes == sizes.sorted(by: >))
        let byID = try listCSV(["--sort", "id", "--reverse"]).map { Int($0["id"] ?? "") ?? -1 }
        #expect(byID == byID.sorted(by: >) && byID.count == all.count)
        // Authorities in Swedish alphabetical order: Å, Ä, Ö last, in that order.
        let authorities = try listCSV(["--sort", "authority"]).compactMap { $0["authority"] }.filter { !$0.isEmpty }
        #expect(authorities.last == "Överförmyndarnämnden")
        #expect(authorities.first?.hasPrefix("Barn") == true)
    }

    @Test func countTablesByEveryKeyAndPairInEveryFormat() throws {
        let (dir, index) = try index()
        let all = try listCSV([])
        for keys in [["authority"], ["type"], ["year"], ["format"], ["status"], ["authority", "year"], ["type", "status"]] {
            var want: [[String]: Int] = [:]
            for r in all { want[keys.map { r[$0] ?? "" }, default: 0] += 1 }
            let by = keys.joined(separator: ",")
            let csv = try Spreadsheets.parseCSV(try diarium(["list", "--by", by, "--format", "csv", "--index", index]).stdout, in: dir)
            #expect(csv.first == keys + ["count"])
            var got: [[String]: Int] = [:]
            for row in csv.dropFirst() { got[Array(row.dropLast()), default: 0] += Int(row.last ?? "") ?? -1 }
            #expect(got == want, "--by \(by) --format csv")
            // Text: tab-separated, unknown values named.
            let text = try diarium(["list", "--by", by, "--index", index]).stdout
            var fromText: [[String]: Int] = [:]
            for line in text.split(separator: "\n") {
                let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                fromText[cells.dropLast().map { $0 == "unknown" ? "" : $0 }, default: 0] += Int(cells.last ?? "") ?? -1
            }
            #expect(fromText == want, "--by \(by) text")
            // Nothing selecting, fast fields only: counted from the segments' fast columns (and
            // the catalog rows of documents without text). Every status selected: from the
            // catalog rows. The same table.
            let everyStatus = ["ok", "empty", "unsupported", "failed", "encrypted"].flatMap { ["--status", $0] }
            #expect(text == (try diarium(["list", "--by", by, "--index", index] + everyStatus).stdout), "--by \(by): fast columns ≠ catalog")
            // JSON: one object per row, the keys and count.
            let json = try JSONSerialization.jsonObject(with: Data(try diarium(["list", "--by", by, "--format", "json", "--index", index]).stdout.utf8)) as? [[String: Any]]
            #expect(json?.reduce(0) { $0 + (($1["count"] as? Int) ?? 0) } == all.count, "--by \(by) json")
        }
        let bad = try diarium(["list", "--by", "colour", "--index", index])
        #expect(bad.status == 2 && bad.stderr.contains("--by takes"))
    }

    @Test func jsonCarriesTheSameEntriesAsTheCSV() throws {
        let (_, index) = try index()
        let csv = try listCSV(["--year", "2015"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try diarium(["list", "--year", "2015", "--format", "json", "--index", index]).stdout.utf8)) as? [[String: Any]])
        #expect(json.count == csv.count)
        for (j, c) in zip(json, csv) {
            #expect("\(j["id"] ?? "")" == c["id"])
            #expect(j["file"] as? String == c["file"])
            #expect(j["sha256"] as? String == c["sha256"])
            #expect((j["size"] as? Int).map(String.init) == c["size"])
            #expect(j["ingestedAt"] as? String == c["ingested_at"])
        }
    }

    @Test func spreadsheetCSVHasABOMASemicolonOptionAndOpensInLibreOffice() throws {
        let (dir, index) = try index()
        let csv = try listCSV([])
        let run = try diarium(["list", "--format", "xlsx-csv", "--separator", ";", "--index", index])
        #expect(Array(run.stdout.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 byte order mark")
        let rows = try Spreadsheets.parseCSV(run.stdout, delimiter: ";", in: dir)
        #expect(rows.first == InventoryTests.columns)
        #expect(rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(InventoryTests.columns, $0)) } == csv, "the same cells as --format csv")
        let plain = try diarium(["list", "--format", "xlsx-csv", "--index", index]).stdout
        #expect(try Spreadsheets.parseCSV(plain, in: dir) == rows)

        guard Spreadsheets.hasLibreOffice else {
            print("InventoryTests: soffice is not installed; the LibreOffice check of --format xlsx-csv did not run (the CSV checks did)")
            return
        }
        let file = dir + "/inventering.csv"
        try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: file))
        let sheet = try Spreadsheets.openInLibreOffice(csvPath: file, separator: ";", in: dir)
        #expect(sheet.formulas == 0)
        #expect(sheet.rows.first == InventoryTests.columns, "the BOM is not part of the first heading")
        #expect(sheet.rows.count == rows.count)
        // Text cells read back as written: titles with å, ä, ö, paths, SHA-256.
        for (got, want) in zip(sheet.rows.dropFirst(), rows.dropFirst()) {
            for column in ["path", "file", "authority", "title", "sha256", "status"] {
                let i = InventoryTests.columns.firstIndex(of: column)!
                #expect((got.count > i ? got[i] : "") == want[i], "\(column) of \(want[1])")
            }
        }
    }

    @Test func hostileValuesStayTextInEveryCSV() throws {
        let s = try ScratchDirectory()
        let folder = s.path + "/in/=Nämnd;\u{1B}]0;x\u{07}"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let names = ["=HYPERLINK(\"http:evil.example\";\"y\").txt", "+1+2;@SUM(A1).txt", "-3 x\r\n=1+2.txt", "fakt\u{202E}fdp.exe.txt"]
        for n in names { try "Riskanalys molntjänst text.\n".write(toFile: folder + "/" + n, atomically: false, encoding: .utf8) }
        try """
            <html><head><title>=1+2;@x\r\n-y</title><meta name="DC.creator" content="@SUM(1;2)&#13;&#10;=3"></head><body>Text.</body></html>
            """.write(toFile: folder + "/sida.html", atomically: false, encoding: .utf8)
        let index = s.path + "/index"
        #expect(try diarium(["ingest", s.path + "/in", "--index", index, "--ocr", "off"]).status == 0)
        for (format, separator) in [("csv", ","), ("csv", ";"), ("xlsx-csv", ";"), ("xlsx-csv", ",")] {
            let run = try diarium(["list", "--format", format, "--separator", separator, "--index", index])
            let rows = try Spreadsheets.parseCSV(run.stdout, delimiter: Character(separator), in: s.path)
            #expect(rows.count == 6, "\(format) \(separator): a header and five documents, no row split")
            for row in rows {
                #expect(row.count == InventoryTests.columns.count)
                for cell in row {
                    #expect(!(cell.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false), "formula cell \(cell.debugDescription)")
                    #expect(!cell.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E || $0.value == 0x7F }, "control in \(cell.debugDescription)")
                }
            }
            if Spreadsheets.hasLibreOffice && format == "xlsx-csv" {
                let file = s.path + "/hostile\(separator == ";" ? "-sc" : "").csv"
                try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: file))
                let sheet = try Spreadsheets.openInLibreOffice(csvPath: file, separator: Character(separator), in: s.path)
                #expect(sheet.formulas == 0, "LibreOffice made a formula of a cell")
                #expect(sheet.rows.count == 6)
            }
        }
        let counts = try diarium(["list", "--by", "authority", "--format", "csv", "--separator", ";", "--index", index]).stdout
        #expect(!counts.contains("\n=") && !counts.contains("\n@"), "\(counts)")
    }

    @Test func pathsOpenFromAnyFolderAndAMovedReleaseIsReRootedWithoutReindexing() throws {
        let s = try ScratchDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: s.path + "/a", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: s.path + "/b", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: s.path + "/elsewhere", withIntermediateDirectories: true)
        // A release: the corpus' text, HTML and XML files of three boards, and an empty file.
        for board in ["Gymnasienämnden", "Socialnämnden", "Överförmyndarnämnden"] {
            try fm.createDirectory(atPath: s.path + "/a/release/" + board, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: corpus + "/" + board) where [".html", ".txt", ".xml"].contains(where: name.hasSuffix) {
                try fm.copyItem(atPath: corpus + "/" + board + "/" + name, toPath: s.path + "/a/release/" + board + "/" + name)
            }
        }
        let index = s.path + "/index"
        let first = try diarium(["ingest", "a/release", "--index", index, "--ocr", "off"], in: s.path)
        #expect(first.status == 0, "\(first.stderr)")
        let segments = try fm.contentsOfDirectory(atPath: index + "/segments").sorted()
        struct Entry: Decodable { var id: Int64; var path: String; var file: String?; var sha256: String }
        func entries() throws -> [Entry] {
            try JSONDecoder().decode([Entry].self, from: Data(try diarium(["list", "--format", "json", "--index", index]).stdout.utf8))
        }
        let before = try entries()
        #expect(before.count > 5)
        #expect(before.allSatisfy { $0.file == s.path + "/a/" + $0.path && fm.fileExists(atPath: $0.file ?? "") })

        // Text output: relative to the current folder when below it, else absolute.
        let hereText = try diarium(["list", "--index", index], in: s.path + "/a").stdout
        #expect(hereText.contains("\n      release/Gymnasienämnden/"))
        let elsewhereText = try diarium(["list", "--index", index], in: s.path + "/elsewhere").stdout
        #expect(elsewhereText.contains("\n      " + s.path + "/a/release/Gymnasienämnden/"))
        let searchText = try diarium(["search", "riskanalys", "--index", index], in: s.path + "/elsewhere").stdout
        #expect(searchText.contains("    " + s.path + "/a/release/"), "\(searchText)")

        // Move the release under another name; ingest the new place.
        try fm.moveItem(atPath: s.path + "/a/release", toPath: s.path + "/b/flyttad")
        let moved = try diarium(["ingest", "b/flyttad", "--index", index, "--ocr", "off"], in: s.path)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("added 0, updated 0, unchanged 0, failed 0, moved \(before.count)"), "\(moved.stdout)")
        #expect(moved.stdout.contains("0 segments written"))
        #expect(try fm.contentsOfDirectory(atPath: index + "/segments").sorted() == segments, "no segment written or merged")
        let after = try entries()
        #expect(after.map(\.id).sorted() == before.map(\.id).sorted(), "the same documents, same ids")
        let beforeByID = Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0) })
        for e in after {
            let old = try #require(beforeByID[e.id])
            #expect(e.sha256 == old.sha256)
            #expect(e.path == "flyttad/" + old.path.dropFirst("release/".count))
            #expect(e.file == s.path + "/b/" + e.path && fm.fileExists(atPath: e.file ?? ""))
        }
        // search and list show the new paths; the text is still found.
        let search = try diarium(["search", "riskanalys", "--format", "json", "--limit", "0", "--index", index])
        let hits = try JSONDecoder().decode(Result.self, from: Data(search.stdout.utf8)).hits
        #expect(!hits.isEmpty && hits.allSatisfy { $0.path.hasPrefix("flyttad/") })
        #expect(try diarium(["search", "riskanalys", "--index", index], in: s.path + "/b").stdout.contains("    flyttad/"))
        #expect(try diarium(["list", "path:release", "--index", index]).stdout.hasPrefix("0 documents"))
        let verify = try diarium(["verify", "--index", index])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func headingsAndMessagesInSwedishOrEnglish() throws {
        let (_, index) = try index()
        let n = try listCSV(["--year", "2015"]).count
        let sv = try diarium(["list", "--year", "2015", "--lang", "sv", "--index", index]).stdout
        #expect(sv.hasSuffix("\n\(n) dokument\n"), "\(sv)")
        let fromLocale = try diarium(["list", "--year", "2015", "--index", index], environment: ["LANG": "sv_SE.UTF-8"]).stdout
        #expect(fromLocale == sv)
        let overridden = try diarium(["list", "--year", "2015", "--index", index], environment: ["LANG": "sv_SE.UTF-8", "LC_ALL": "en_US.UTF-8"]).stdout
        #expect(overridden.hasSuffix("\n\(n) documents\n"))
        #expect(try diarium(["list", "--by", "year", "--lang", "sv", "--index", index]).stdout.contains("okänt\t"))
        let search = try diarium(["search", "riskanalys", "2015", "--lang", "sv", "--index", index]).stdout
        #expect(search.hasPrefix("3 dokument matchar \"riskanalys 2015\""), "\(search)")
        #expect(search.contains(".pdf, s. 1"))
        #expect(try diarium(["search", "riskanalys", "2015", "--lang", "en", "--index", index]).stdout.contains(".pdf, p. 1"))
        let report = try diarium(["report", "--lang", "sv", "--index", index]).stdout
        #expect(report.hasPrefix("# Rapport över utlämnandet\n"))
        #expect(report.contains("## Senaste år per dokumenttyp"))
        #expect(report.contains("- **Gymnasienämnden**: senaste riskanalysen är äldre än 5 år (2015)"))
        let english = try diarium(["report", "--lang", "en", "--index", index]).stdout
        #expect(english.hasPrefix("# Release report\n") && english.contains("latest risk analysis is older than 5 years (2015)"))
        // CSV column names stay English identifiers whatever the language.
        #expect(try diarium(["list", "--format", "csv", "--lang", "sv", "--index", index]).stdout.hasPrefix(InventoryTests.columns.joined(separator: ",") + "\r\n"))
        let html = try diarium(["report", "--format", "html", "--lang", "sv", "--index", index]).stdout
        #expect(html.contains("<html lang=\"sv\">") && html.contains("<h1>Rapport över utlämnandet</h1>"))
    }
}

/// Runs a program and returns its standard output.
func shell(_ arguments: [String]) throws -> String {
    try TestProcess.run(arguments).stdoutText
}
