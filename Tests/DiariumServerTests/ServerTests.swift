import Crypto
import DiariumAPI
import DiariumIndex
import DiariumOutput
import DiariumIngest
import DiariumOutput
import DiariumReport
import DiariumSearch
import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumServer

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The web application over an index of corpus/ (paths recorded as `corpus/…`, so the files
/// root is the repository).
enum CorpusApp {
    /// Removed when the test process exits.
    static let scratch: ScratchDirectory = {
        do {
            let scratch = try ScratchDirectory("serve")
            let ingester = try Ingester(indexDirectory: scratch.path)
            _ = try ingester.ingest(paths: [repositoryRoot.appendingPathComponent("corpus").path])
            ingester.close()
            return scratch
        } catch { fatalError("\(error)") }
    }()
    static var index: String { scratch.path }

    static let app = WebApp(indexDirectory: index, filesRoot: repositoryRoot.path, loopbackPort: 8080)

    static func get(_ target: String, headers: [(String, String)] = [("host", "127.0.0.1:8080")]) -> (status: HTTPStatus, body: String, headers: [(String, String)]) {
        let r = app.handle(HTTPRequest(method: .get, target: target, headers: headers))
        return (r.status, String(decoding: r.body, as: UTF8.self), r.headers)
    }
}

@Suite struct WebAppTests {
    @Test func searchPageRanksTheRiskAnalysisFirstWithFacetsAndEscapedState() throws {
        let page = CorpusApp.get("/?q=riskanalys+2015+Office+365")
        #expect(page.status == .ok)
        let first = try #require(page.body.range(of: "<ol class=\"hits\">"))
        let firstHit = page.body[first.upperBound...].prefix(600)
        #expect(firstHit.contains("Riskanalys – införande av Office 365 i gymnasieskolan"))
        #expect(page.body.contains("data-facet=\"org\">Gymnasienämnden<code class=\"clause\">org:&quot;Gymnasienämnden&quot;</code>"))
        #expect(page.body.contains("<mark>"))
    }

    @Test func facetParameterNarrowsTheQuery() throws {
        let all = CorpusApp.get("/api/search?q=riskanalys&limit=0&count=1").body
        let narrowed = CorpusApp.get("/?q=riskanalys&org=Gymnasien%C3%A4mnden").body
        let expected = try Searcher(reader: IndexReader(directory: CorpusApp.index))
            .search("riskanalys org:\"Gymnasienämnden\"", limit: 0, countTotal: true)
        #expect(expected.total >= 2 && expected.hits.allSatisfy { $0.authority == "Gymnasienämnden" })
        #expect(all.contains("Tekniska förvaltningen"))
        #expect(!narrowed.contains("<p class=\"meta\">Tekniska förvaltningen"))
        #expect(narrowed.contains("\(expected.total) dokument matchar"))
        #expect(narrowed.contains("<li><span><b>Gymnasienämnden</b></span><span class=\"count\">\(expected.total)</span></li>"))
    }

    @Test func apiReturnsTheCLIsShapes() throws {
        let searcher = try Searcher(reader: IndexReader(directory: CorpusApp.index))
        var result = try searcher.search("riskanalys 2015 Office 365", limit: 3)
        result.locateFiles(try searcher.reader.rootFolders())
        #expect(result.hits.allSatisfy { $0.file.map { FileManager.default.fileExists(atPath: $0) } ?? false }, "every hit's file opens")
        let expected = try APIJSON.encode(result) + "\n"
        #expect(CorpusApp.get("/api/search?q=riskanalys+2015+Office+365&limit=3").body == expected)
        let list = CorpusApp.get("/api/list?year=2015").body
        let reader = try IndexReader(directory: CorpusApp.index)
        let families = try DuplicateFamilies(reader: reader).familyNumbers
        #expect(list == (try APIJSON.encode(InventoryEntry.entries(reader.inventory(years: 2015...2015), roots: reader.rootFolders(), families: families))) + "\n")
        #expect(CorpusApp.get("/api/show/999999").status == .notFound)
        #expect(CorpusApp.get("/api/search?q=x&sort=random").status == .badRequest)
        #expect(CorpusApp.get("/api/stats").body.contains("\"documents\""))
    }

    @Test func documentPageHighlightsAndDownloadIsTheRecordedFile() throws {
        let reader = try IndexReader(directory: CorpusApp.index)
        let record = try #require(try reader.documents(path: "corpus/Gymnasienämnden/Riskanalys Office 365 (2015).html").first)
        let page = CorpusApp.get("/doc/\(record.id)?q=Office+365")
        #expect(page.status == .ok)
        #expect(page.body.contains("<mark class=\"hit\" id=\"m1\">Office</mark>"))
        #expect(page.body.contains("html-meta:dc.date"))
        let file = CorpusApp.app.handle(HTTPRequest(method: .get, target: "/file/\(record.id)", headers: [("host", "localhost:8080")]))
        #expect(file.status == .ok)
        let original = try Data(contentsOf: repositoryRoot.appendingPathComponent(record.path))
        #expect(file.body == Array(original))
        #expect(SHA256.hash(data: file.body).map { String(format: "%02x", $0) }.joined() == record.sha256)
    }

    @Test func pathsFromTheURLNeverReachTheDisk() {
        for target in ["/file/../../etc/passwd", "/file/..%2F..%2Fetc%2Fpasswd", "/file/%2e%2e", "/assets/..%2f..%2fPackage.swift",
                       "/corpus/Gymnasienämnden", "/file/0", "/file/abc", "/doc/-3"] {
            let r = CorpusApp.get(target)
            #expect(r.status == .notFound, "\(target)")
            #expect(!r.body.contains("root:x"))
        }
        #expect(CorpusApp.get("/?q=%ZZ").status == .badRequest)
        #expect(CorpusApp.get("/?q=%00").status == .badRequest)
        #expect(CorpusApp.get("/?q=" + String(repeating: "a", count: 2000)).status == .uriTooLong)
    }

    @Test func otherHostNamesAreRefusedOnLoopback() {
        #expect(CorpusApp.get("/", headers: [("host", "attacker.example:8080")]).status == .misdirected)
        #expect(CorpusApp.get("/", headers: [("host", "localhost:8080")]).status == .ok)
    }

    @Test func languageFollowsTheParameterThenAcceptLanguage() {
        #expect(Language.negotiate(query: nil, acceptLanguage: nil) == .sv)
        #expect(Language.negotiate(query: "en", acceptLanguage: "sv") == .en)
        #expect(Language.negotiate(query: nil, acceptLanguage: "de-DE,en;q=0.8,sv;q=0.5") == .en)
        #expect(Language.negotiate(query: nil, acceptLanguage: "en;q=0.4,sv-SE") == .sv)
        #expect(CorpusApp.get("/?lang=en").body.contains("<html lang=\"en\">"))
    }
}

@Suite struct FileStoreTests {
    /// A release folder with one file in `scratch`, ingested; returns (root, index, record).
    func release(in scratch: ScratchDirectory) throws -> (String, String, DocumentRecord) {
        let root = scratch.path
        try FileManager.default.createDirectory(atPath: root + "/batch/Nämnd", withIntermediateDirectories: true)
        try Data("Riskanalys för molntjänster 2020\n\nText.\n".utf8).write(to: URL(fileURLWithPath: root + "/batch/Nämnd/a.txt"))
        let index = root + "/index"
        let ingester = try Ingester(indexDirectory: index)
        _ = try ingester.ingest(paths: [root + "/batch"])
        ingester.close()
        let record = try #require(try IndexReader(directory: index).documents(path: "batch/Nämnd/a.txt").first)
        return (root, index, record)
    }

    @Test func servesTheRecordedFileAndRefusesAChangedOne() throws {
        let scratch = try ScratchDirectory("files")
        let (root, _, record) = try release(in: scratch)
        let store = FileStore(root: root)
        #expect(try store.read(record) == Array("Riskanalys för molntjänster 2020\n\nText.\n".utf8))
        try Data("Riskanalys för molntjänster 2021\n\nText.\n".utf8).write(to: URL(fileURLWithPath: root + "/batch/Nämnd/a.txt"))
        #expect(throws: RequestError.self) { try store.read(record) }
    }

    @Test func neverFollowsASymbolicLink() throws {
        let scratch = try ScratchDirectory("files")
        let (root, _, record) = try release(in: scratch)
        let path = root + "/batch/Nämnd/a.txt"
        let content = try Data(contentsOf: URL(fileURLWithPath: path))
        try FileManager.default.moveItem(atPath: path, toPath: root + "/elsewhere.txt")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: root + "/elsewhere.txt")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == content)  // same bytes through the link
        #expect(throws: RequestError.self) { try FileStore(root: root).read(record) }
        // A linked folder on the way is refused too.
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: root + "/batch/Nämnd", toPath: root + "/moved")
        try FileManager.default.createSymbolicLink(atPath: root + "/batch/Nämnd", withDestinationPath: root + "/moved")
        try FileManager.default.moveItem(atPath: root + "/elsewhere.txt", toPath: root + "/moved/a.txt")
        #expect(throws: RequestError.self) { try FileStore(root: root).read(record) }
    }

    @Test func refusesRecordedPathsThatAreNotPlainAndRelative() throws {
        let scratch = try ScratchDirectory("files")
        let (root, _, record) = try release(in: scratch)
        for bad in ["/etc/passwd", "batch/../../etc/passwd", "./batch/Nämnd/a.txt", "batch//Nämnd/a.txt"] {
            var r = record
            r.path = bad
            #expect(throws: RequestError.self) { try FileStore(root: root).read(r) }
        }
    }
}

@Suite struct HTTPTests {
    let limits = HTTPServer.Limits()

    func parse(_ s: String) -> Connection.ReadOutcome { HTTPParser.parse(head: Array(s.utf8), limits: limits) }

    func status(_ s: String) -> Int? {
        if case let .rejected(r) = parse(s) { return r.status.rawValue }
        return nil
    }

    @Test func parsesRequestLineHeadersAndKeepAlive() throws {
        guard case let .request(r) = parse("GET /?q=a%20b HTTP/1.1\r\nHost: x\r\nAccept-Language: sv\r\n\r\n") else {
            Issue.record("not parsed")
            return
        }
        #expect(r.method == .get && r.target == "/?q=a%20b" && r.keepAlive)
        #expect(r.header("accept-language") == "sv")
        #expect(r.query["q"] == "a b")
        guard case let .request(r10) = parse("HEAD / HTTP/1.0\r\n\r\n"), case let .request(closing) = parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n") else {
            Issue.record("not parsed")
            return
        }
        #expect(!r10.keepAlive && r10.method == .head && !closing.keepAlive)
    }

    @Test func refusesWhatAReadOnlyServerDoesNotTake() {
        #expect(status("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n") == 405)
        #expect(status("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\n") == 413)
        #expect(status("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 413)
        #expect(status("GET / HTTP/2.0\r\n\r\n") == 400)
        #expect(status("GET  / HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET http://x/ HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET /a b HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n") == 400)
        #expect(status("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n\r\n") == 414)
        #expect(HTTPParser.parse(head: [0x47, 0x45, 0x54, 0x20, 0x2F, 0xFF, 0x0D, 0x0A, 0x0D, 0x0A], limits: limits).isRejected)
    }

    @Test func findsTheEndOfAHead() {
        #expect(HTTPParser.headEnd(Array("GET / HTTP/1.1\r\nA: b\r\n\r\nGET".utf8), from: 0) == 24)
        #expect(HTTPParser.headEnd(Array("GET / HTTP/1.1\nA: b\n\n".utf8), from: 0) == 21)
        #expect(HTTPParser.headEnd(Array("GET / HTTP/1.1\r\nA: b\r\n".utf8), from: 0) == nil)
    }

    @Test func decodesAndEncodesQueries() {
        #expect(URLQuery("q=r%C3%A4ksm%C3%B6rg%C3%A5s+2015&org=A%26B")["q"] == "räksmörgås 2015")
        #expect(URLQuery("q=r%C3%A4ksm%C3%B6rg%C3%A5s+2015&org=A%26B")["org"] == "A&B")
        #expect(URLQuery("q=%ZZ").malformed && URLQuery("q=%C3").malformed && URLQuery("q=%00").malformed)
        let s = "Gymnasienämnden \"x\" &<>#?+"
        #expect(URLQuery("v=" + URLQuery.encode(s))["v"] == s)
    }

    /// The count the document page shows is the number of marks it makes (next/previous walk
    /// the marks): overlapping matches — a case number and its parts, a hyphenated word and its
    /// joined form — are one mark, and a match inside a cited case number is marked, not lost.
    @Test(arguments: ["Office 365", "2015", "GYN 2015/112", "riskanalys 2015 Office 365", "molntjänst personuppgifter"])
    func documentPageCountsTheMarksItMakes(query: String) throws {
        let reader = try IndexReader(directory: CorpusApp.index)
        for path in ["corpus/Gymnasienämnden/Riskanalys Office 365 (2015).pdf", "corpus/Gymnasienämnden/Riskanalys Office 365 (2015).html"] {
            let record = try #require(try reader.documents(path: path).first)
            let page = CorpusApp.get("/doc/\(record.id)?q=" + URLQuery.encode(query))
            #expect(page.status == .ok)
            let marks = page.body.components(separatedBy: "<mark class=\"hit\"").count - 1
            #expect(marks > 0, "\(path) \(query)")
            let shown = try #require(page.body.firstMatch(of: #/role="toolbar" aria-label="[^"]*"><span>(\d+) /#))
            #expect(Int(shown.1) == marks, "\(path) \(query): says \(shown.1), marks \(marks)")
            #expect(page.body.contains("id=\"m\(marks)\"") && !page.body.contains("id=\"m\(marks + 1)\""))
        }
        #expect(Page.hitRanges([5..<9, 0..<3, 2..<4, 9..<12, 20..<30, 14..<14], textLength: 25) == [0..<4, 5..<12])
    }

    @Test func escapesEverythingFromDocuments() {
        #expect(SafeText.htmlBlock("<script>\"'&") == "&lt;script&gt;&quot;&#39;&amp;")
        #expect(SafeText.htmlBlock("a\u{1B}[31mb\u{07}\u{202E}c\r\nd\te") == "a\u{241B}[31mb\u{2407}\u{FFFD}c\nd\te")
        #expect(HTML.snippet("x «<b>» «y»", highlights: [[3, 6], [9, 10]]) == "x <mark>&lt;b&gt;</mark> <mark>y</mark>")
        // A literal « in a document is text, not a mark.
        #expect(HTML.snippet("«a» b", highlights: []) == "«a» b")
    }
}

extension Connection.ReadOutcome {
    var isRejected: Bool { if case .rejected = self { return true } else { return false } }
}

@Suite struct SortedSearchTests {
    /// Sorting by date or year ranks without snippets and makes them for the page only: the
    /// page must equal sorting the full result (every hit with its snippet) and slicing it.
    @Test(arguments: ["riskanalys", "Office 365", "molntjänst NOT utkast", "org:teknisk", "\"Microsoft 365\" OR DPIA", "risk*"])
    func pageEqualsSortingEverything(query: String) throws {
        let searcher = try Searcher(reader: IndexReader(directory: CorpusApp.index))
        let all = try searcher.search(query, limit: 0)
        for order in [SearchOrder.date, .year] {
            func key(_ h: SearchHit) -> String {
                order == .date ? (h.date ?? h.year.map(String.init) ?? "") : (h.year.map(String.init) ?? "")
            }
            let reference = all.hits.sorted { a, b in key(a) != key(b) ? key(a) > key(b) : a.rank < b.rank }
            for (limit, offset) in [(3, 0), (3, 2), (0, 1), (10, 100)] {
                let page = try searcher.search(query, limit: limit, offset: offset, countTotal: false, order: order)
                let slice = limit == 0 ? Array(reference.dropFirst(offset)) : Array(reference.dropFirst(offset).prefix(limit))
                #expect(page.hits.map(\.id) == slice.map(\.id), "\(query) \(order) \(limit) \(offset)")
                #expect(page.hits.map(\.snippet) == slice.map(\.snippet))
                #expect(page.hits.map(\.rank) == Array((offset + 1)..<(offset + 1 + slice.count)))
                #expect(page.total == all.total)
            }
        }
    }
}
