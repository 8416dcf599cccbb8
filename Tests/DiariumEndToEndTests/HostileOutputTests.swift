import DiariumTestSupport
import Foundation
import Testing

/// Hostile strings in file and folder names, HTML titles, `DC.creator` meta, e-mail headers and
/// attachment names, a PDF's information dictionary (Title, Author, Subject: escape sequences,
/// formulas, bidi), DOCX core and app properties and XLSX formula cells and sheet names, run
/// through every command and output format of the built binary. Text
/// output must hold no control character but LF and TAB (and no bidi or invisible character);
/// CSV must parse back (Python's csv module) into the same number of columns per row, with no
/// formula cell and no control character; Markdown must hold no raw HTML and no unescaped `|`
/// in a table row; the HTML report, loaded in Chromium, must hold no element the payload made.
@Suite(.serialized) struct HostileOutputTests {
    static let esc = "\u{1B}]0;pwned\u{07}\u{1B}[2J"
    static let payloads = [
        "=HYPERLINK(\"http://evil.example\",\"y\")", "+1+2", "-3+4", "@SUM(A1:A9)", "=1+3",
        "<img src=x onerror=\"document.title='XSS'\">", "a|b", "fakt\u{202E}fdp.exe", "noll\u{200B}bredd\u{FEFF}",
    ]

    /// Scalars that must never reach a terminal, a spreadsheet cell or a Markdown line.
    static func isDangerous(_ v: UInt32, allowing allowed: Set<UInt32>) -> Bool {
        if allowed.contains(v) { return false }
        switch v {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x180E, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF, 0xFFF9...0xFFFB:
            return true
        default: return false
        }
    }

    func expectClean(_ text: String, _ what: String, allowing allowed: Set<UInt32> = [0x0A, 0x09]) {
        let bad = text.unicodeScalars.filter { HostileOutputTests.isDangerous($0.value, allowing: allowed) }
        #expect(bad.isEmpty, "\(what): raw \(Set(bad.map { "U+" + String($0.value, radix: 16) }).sorted())")
    }

    /// Parses CSV with Python's csv module (strict): the rows, or nil when it is not valid CSV.
    func parseCSV(_ text: String, in dir: String) throws -> [[String]] {
        let file = dir + "/out-\(UUID().uuidString).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let r = try TestProcess.run(["python3", "-c", """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f:
                print(json.dumps(list(csv.reader(f, strict=True))))
            """, file])
        try #require(r.status == 0, "python3's csv module rejected the CSV: \(r.stderrText)")
        return try JSONDecoder().decode([[String]].self, from: r.stdout)
    }

    func expectSafeCSV(_ text: String, _ what: String, in dir: String) throws {
        // Rows end with CR LF; no other control character anywhere.
        expectClean(text.replacingOccurrences(of: "\r\n", with: "\n"), what, allowing: [0x0A])
        let rows = try parseCSV(text, in: dir)
        try #require(!rows.isEmpty, "\(what): no rows")
        let width = rows[0].count
        for row in rows {
            #expect(row.count == width, "\(what): a row of \(row.count) cells, the header has \(width): \(row)")
            for cell in row {
                let first = cell.unicodeScalars.first
                #expect(!(first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false), "\(what): formula cell \(cell.debugDescription)")
                expectClean(cell, "\(what) cell", allowing: [])
            }
        }
    }

    func expectSafeMarkdown(_ text: String, _ what: String) {
        expectClean(text, what)
        #expect(!text.replacingOccurrences(of: "<br>", with: "").contains("<"), "\(what): raw HTML")
        // Every row of a table has as many unescaped `|` as the table's header: no name split a cell.
        var header: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { header = nil; continue }
            var pipes = 0, previous: Character = " "
            for c in line { if c == "|" && previous != "\\" { pipes += 1 }; previous = c }
            if let header { #expect(pipes == header, "\(what): a table row with \(pipes) pipes, its header has \(header): \(line)") } else { header = pipes }
        }
    }

    @Test func hostileNamesTitlesAuthoritiesAndHeadersComeOutSafeEverywhere() throws {
        let s = try ScratchDirectory("e2e")
        let fm = FileManager.default
        let folder = s.path + "/in/Nämnd" + HostileOutputTests.esc + " | <b>x</b>"
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let index = s.path + "/index"
        let body = "Riskanalys molntjänst hemligord. " + HostileOutputTests.payloads.joined(separator: " ") + " " + HostileOutputTests.esc
            + " riktlinje för molnet samt KS 2019/77 enligt bilaga 3."
        // File names: escape sequences, CR LF before a formula, a formula, bidi and zero-width.
        let names = ["x\r\n=1+2.txt", "=HYPERLINK(\"http:evil.example\",\"y\").txt", "fakt\u{202E}fdp.exe.txt", "noll\u{200B}bredd.txt",
                     "esc" + HostileOutputTests.esc + ".txt", "-kopia.txt"]
        for n in names { try (body + "\n" + String(repeating: "molntjänst riskanalys text ", count: 20)).write(toFile: folder + "/" + n, atomically: false, encoding: .utf8) }
        // HTML: a formula title, an authority (DC.creator) with HTML, a pipe, CR LF and a formula.
        let html = """
            <html><head><title>=HYPERLINK("http://evil.example","y") \u{1B}[31mröd</title>
            <meta name="DC.creator" content="<img src=x onerror=&quot;document.title='XSS'&quot;> | Foo&#13;&#10;=1+9 \u{1B}]0;t\u{07}">
            <meta name="DC.date" content="2019-05-01"></head>
            <body><p>\(body) Riskanalys av molntjänst för skolan med hemligord.</p></body></html>
            """
        try html.write(toFile: folder + "/sida.html", atomically: false, encoding: .utf8)
        try html.write(toFile: folder + "/sida-kopia.html", atomically: false, encoding: .utf8)   // an exact duplicate
        // E-mail: encoded-word headers carrying ESC, CR LF and formulas; an attachment with a hostile name.
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        let mail = """
            From: =?UTF-8?B?\(b64("=cmd|' /C calc'!A0 \u{1B}[2J"))?= <evil@example.se>
            To: registrator@example.se
            Subject: =?UTF-8?B?\(b64("=1+3 Svar\r\n=2+2 \u{1B}]0;x\u{07} \u{202E}gnp.exe"))?=
            Date: Tue, 8 Mar 2022 10:14:00 +0100
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="GRANS"

            --GRANS
            Content-Type: text/plain; charset=utf-8

            Hej, här är riskanalysen om molntjänst hemligord. \(HostileOutputTests.payloads.joined(separator: " "))
            --GRANS
            Content-Type: text/plain; charset=utf-8; name="=?UTF-8?B?\(b64("@bilaga\r\n=1+2 \u{1B}[2J.txt"))?="
            Content-Disposition: attachment; filename="=?UTF-8?B?\(b64("@bilaga\r\n=1+2 \u{1B}[2J.txt"))?="

            Bilagans text om riskanalys och molntjänst hemligord \(HostileOutputTests.esc).
            --GRANS--

            """
        try mail.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: folder + "/svar.eml", atomically: false, encoding: .utf8)

        // PDF: the information dictionary in UTF-16 (ESC sequences, a formula, bidi, HTML), a
        // first page without a heading, so the embedded Title and Author are what the inventory shows.
        try Data(HostileOutputTests.pdf(body: "hemligord molntjänst riskanalys " + HostileOutputTests.payloads.joined(separator: " ")))
            .write(to: URL(fileURLWithPath: folder + "/beslut.pdf"))
        // DOCX: core and app properties (C1 CSI and NEL, bidi, CR LF, formulas, HTML); XLSX: a formula
        // cell, string cells that start like formulas, a hostile sheet name.
        try Data(HostileOutputTests.docx()).write(to: URL(fileURLWithPath: folder + "/yttrande.docx"))
        try Data(HostileOutputTests.xlsx()).write(to: URL(fileURLWithPath: folder + "/register.xlsx"))

        // ingest (text and json): the "not indexed" lines name the files.
        try Data().write(to: URL(fileURLWithPath: folder + "/tom" + HostileOutputTests.esc + ".txt"))
        let ingest = try diarium(["ingest", s.path + "/in", "--index", index])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("not indexed:"))
        expectClean(ingest.stdout + ingest.stderr, "ingest")
        let reingest = try diarium(["ingest", s.path + "/in", "--index", index, "--format", "json"])
        expectClean(reingest.stdout, "ingest --format json")

        // Every document's id, for show.
        let list = try diarium(["list", "--index", index, "--format", "json"])
        let docs = try JSONDecoder().decode([Doc].self, from: Data(list.stdout.utf8))
        #expect(docs.count >= names.count + 4)
        #expect(docs.contains { $0.path.contains("\u{1B}") }, "JSON keeps the real path")
        expectClean(list.stdout, "list --format json")
        // The metadata payloads reached the inventory (JSON keeps them exact, as \u escapes).
        let pdfDoc = try #require(docs.first { $0.path.hasSuffix("beslut.pdf") })
        let pdfShow = try diarium(["show", String(pdfDoc.id), "--format", "json", "--index", index])
        #expect(pdfShow.stdout.contains("\\u001b]0;pdf") && pdfShow.stdout.contains("\\u202e"), "\(pdfShow.stdout.prefix(600))")
        let docxDoc = try #require(docs.first { $0.path.hasSuffix("yttrande.docx") })
        let docxShow = try diarium(["show", String(docxDoc.id), "--format", "json", "--index", index])
        #expect(docxShow.stdout.contains("\\u009b31m") && docxShow.stdout.contains("=HYPERLINK"), "\(docxShow.stdout.prefix(600))")
        for args in [["list"], ["list", "--by", "year"], ["list", "--by", "year", "--format", "json"], ["stats"], ["verify"],
                     ["duplicates"], ["duplicates", "--format", "json"], ["report", "--format", "json"]] {
            let r = try diarium(args + ["--index", index])
            #expect(r.status == 0, "\(args): \(r.stderr)")
            expectClean(r.stdout + r.stderr, args.joined(separator: " "))
        }
        let duplicates = try diarium(["duplicates", "--index", index])
        #expect(duplicates.stdout.contains("Exact copies"))
        for d in docs {
            for args in [["show", String(d.id)], ["show", String(d.id), "--text"], ["show", String(d.id), "--format", "json", "--text"]] {
                let r = try diarium(args + ["--index", index])
                #expect(r.status == 0, "\(args): \(r.stderr)")
                expectClean(r.stdout + r.stderr, args.joined(separator: " "))
            }
        }
        // search in every format, one page and all hits; the query echoed back is hostile too.
        for query in ["hemligord", "riskanalys molntjänst", "hemligord " + HostileOutputTests.esc] {
            for format in ["text", "json"] {
                let r = try diarium(["search", query, "--limit", "0", "--format", format, "--index", index])
                #expect(r.status == 0, "\(r.stderr)")
                expectClean(r.stdout + r.stderr, "search --format \(format)")
            }
            let csv = try diarium(["search", query, "--limit", "0", "--format", "csv", "--index", index])
            try expectSafeCSV(csv.stdout, "search --format csv", in: s.path)
            #expect(try parseCSV(csv.stdout, in: s.path).count > 5, "hits of \(query)")
            let explain = try diarium(["search", "--explain", query, "--index", index])
            expectClean(explain.stdout + explain.stderr, "search --explain")
        }
        try ("hemligord\n" + HostileOutputTests.payloads.joined(separator: "\n") + "\n" + HostileOutputTests.esc + "\n")
            .write(toFile: s.path + "/queries.txt", atomically: false, encoding: .utf8)
        for extra in [[], ["--by", "authority,year"], ["--by", "authority,year", "--format", "json"], ["--by", "authority"]] {
            let r = try diarium(["search", "--batch", s.path + "/queries.txt", "--index", index] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            expectClean(r.stdout + r.stderr, "search --batch \(extra)")
        }
        let batchCSV = try diarium(["search", "--batch", s.path + "/queries.txt", "--by", "authority,year", "--format", "csv", "--index", index])
        try expectSafeCSV(batchCSV.stdout, "search --batch --by --format csv", in: s.path)
        #expect(try parseCSV(batchCSV.stdout, in: s.path).contains { $0.first == "'=HYPERLINK(\"http://evil.example\",\"y\")" || $0.first == "hemligord" })

        // report: Markdown (the default), CSV, HTML (in Chromium).
        let md = try diarium(["report", "--index", index])
        #expect(md.status == 0)
        expectSafeMarkdown(md.stdout, "report")
        #expect(md.stdout.contains("&lt;img"), "the authority is in the report, escaped")
        let reportCSV = try diarium(["report", "--format", "csv", "--index", index])
        try expectSafeCSV(reportCSV.stdout, "report --format csv", in: s.path)
        let reportHTML = try diarium(["report", "--format", "html", "--index", index])
        expectClean(reportHTML.stdout, "report --format html")
        #expect(!reportHTML.stdout.contains("<img"))
        #expect(reportHTML.stdout.contains("&lt;img"))
        if let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { fm.isExecutableFile(atPath: $0) }) {
            try reportHTML.stdout.write(toFile: s.path + "/report.html", atomically: true, encoding: .utf8)
            let dom = try TestProcess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(s.path)/profile",
                                           "--dump-dom", "file://\(s.path)/report.html"]).stdoutText
            #expect(dom.contains("Release report"))
            #expect(!dom.contains("<img"), "the payload became an element")
            #expect(!dom.contains("<title>XSS"), "the payload ran")
        }

        // extract and analyze, text and json, on every file.
        let files = try fm.contentsOfDirectory(atPath: folder).map { folder + "/" + $0 }
        for format in ["text", "json"] {
            let r = try diarium(["extract", "--format", format] + files)
            #expect(r.status == 0, "\(r.stderr)")
            expectClean(r.stdout + r.stderr, "extract --format \(format)")
            #expect(r.stdout.contains("hemligord"))
        }
        for format in ["text", "json"] {
            let r = try diarium(["analyze", "--format", format, HostileOutputTests.esc + " " + HostileOutputTests.payloads.joined(separator: " ")])
            #expect(r.status == 0)
            expectClean(r.stdout + r.stderr, "analyze --format \(format)")
        }
        // Errors naming a hostile path are safe too.
        let missing = try diarium(["extract", folder + "/saknas" + HostileOutputTests.esc])
        #expect(missing.status != 0)
        expectClean(missing.stdout + missing.stderr, "extract of a missing file")
        let noIndex = try diarium(["search", "x", "--index", s.path + "/inget" + HostileOutputTests.esc])
        #expect(noIndex.status != 0)
        expectClean(noIndex.stdout + noIndex.stderr, "search without an index")
    }

    /// A PDF string of `s` as UTF-16BE with a byte-order mark (how a PDF carries any Unicode).
    static func utf16(_ s: String) -> String {
        "<FEFF" + s.utf16.map { String(format: "%04X", $0) }.joined() + ">"
    }

    /// One page of `body`, with a hostile information dictionary.
    static func pdf(body: String) -> [UInt8] {
        MiniPDF.assemble([
            MiniPDF.bytes("<< /Type /Catalog /Pages 2 0 R >>"),
            MiniPDF.bytes("<< /Type /Pages /Kids [4 0 R] /Count 1 >>"),
            MiniPDF.bytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
            MiniPDF.bytes("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>"),
            MiniPDF.stream(MiniPDF.content(["och " + body.replacingOccurrences(of: "\u{202E}", with: "").replacingOccurrences(of: "\u{200B}", with: "").replacingOccurrences(of: "\u{FEFF}", with: "")])),
            MiniPDF.bytes("<< /Title " + utf16("=HYPERLINK(\"http://evil.example\",\"y\") " + esc.replacingOccurrences(of: "pwned", with: "pdf") + " \u{202E}gnp.exe <img src=x onerror=alert(1)>")
                + " /Author " + utf16("Nämnd \u{202E}fdp.exe\r\n=1+2 | <b>") + " /Subject " + utf16("@SUM(A1) \u{1B}[2J")
                + " /CreationDate (D:20190501120000+02'00') >>"),
        ], info: 6)
    }

    static let contentTypes = #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#

    /// Relationships of a package to its main part and its properties.
    static func rels(main: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target=""# + main + #""/><Relationship Id="r2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="r3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#
    }

    /// Core and app properties carrying the payloads XML 1.0 can hold (no C0 controls but CR LF):
    /// the C1 CSI and NEL, bidi, zero-width, formulas and HTML.
    static let coreXML = #"<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>=HYPERLINK("http://evil.example","y") &#x9B;31m röd &#x85;rad</dc:title><dc:creator>&lt;img src=x onerror=alert(1)&gt; | Foo&#13;&#10;=1+9</dc:creator><cp:lastModifiedBy>fakt&#x202E;fdp.exe noll&#x200B;bredd</cp:lastModifiedBy><dc:identifier>@SUM(A1:A9)</dc:identifier><dcterms:created xsi:type="dcterms:W3CDTF">2019-05-01T10:00:00Z</dcterms:created></cp:coreProperties>"#
    static let appXML = #"<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>-3+4 &#x9B;2J</Application><Company>+1+2 &lt;script&gt;alert(1)&lt;/script&gt;</Company></Properties>"#

    static func docx() -> [UInt8] {
        var z = TestZip()
        z.add("[Content_Types].xml", contentTypes)
        z.add("_rels/.rels", rels(main: "word/document.xml"))
        z.add("word/document.xml", #"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>och yttrande om riskanalys av molntjänst hemligord =1+3 @SUM(A1)</w:t></w:r></w:p></w:body></w:document>"#)
        z.add("docProps/core.xml", coreXML)
        z.add("docProps/app.xml", appXML)
        return z.bytes()
    }

    static func xlsx() -> [UInt8] {
        var z = TestZip()
        z.add("[Content_Types].xml", contentTypes)
        z.add("_rels/.rels", rels(main: "xl/workbook.xml"))
        z.add("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="=1+2 &#x202E;blad" sheetId="1" r:id="s1"/></sheets></workbook>"#)
        z.add("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="s1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#)
        z.add("xl/worksheets/sheet1.xml", #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>=HYPERLINK("http://evil.example","y")</t></is></c><c r="B1" t="str"><f>HYPERLINK("http://evil.example","klick")</f><v>klick</v></c><c r="C1" t="inlineStr"><is><t>hemligord riskanalys molntjänst @SUM(A1:A9) -3+4 &#x9B;2J</t></is></c></row></sheetData></worksheet>"#)
        z.add("docProps/core.xml", coreXML)
        z.add("docProps/app.xml", appXML)
        return z.bytes()
    }
}
