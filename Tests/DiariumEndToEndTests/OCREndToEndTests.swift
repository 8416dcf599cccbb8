import DiariumIndex
import DiariumTestSupport
import Foundation
import Testing

/// The OCR pass of `diarium ingest` on scanned images: text searchable after it, the cache
/// kept by `--rebuild`, and an ingest killed in its OCR pass continued by the next one.
@Suite(.serialized) struct OCREndToEndTests {
    static let tiff = repositoryRoot.appendingPathComponent("Tests/Fixtures/ocr/two-frames.tif").path

    /// `count` different two-frame TIFFs (the fixture with a distinct trailer each: tesseract
    /// reads them alike, their SHA-256 differ, so the cache cannot answer one for another).
    func scans(_ count: Int, in dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.tiff))
        for i in 1...count {
            try (bytes + Data("copy \(i)".utf8)).write(to: URL(fileURLWithPath: "\(dir)/Skannat brev \(i).tif"))
        }
    }

    @Test func scannedImagesAreSearchableAndTheCacheSurvivesRebuild() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        try scans(1, in: s.path + "/in/Kultur- och fritidsnämnden")
        let first = try diarium(["ingest", s.path + "/in", "--index", index])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("OCR: 2 pages (2 read by tesseract, 0 from the cache)"), "\(first.stdout)")

        let hit = try diarium(["search", "justeringen anslag ocr:yes", "--index", index])
        #expect(hit.stdout.contains("Skannat brev 1.tif"), "\(hit.stdout)")
        #expect(!(try diarium(["search", "justeringen ocr:no", "--index", index]).stdout.contains("Skannat")))
        let show = try diarium(["show", "in/Kultur- och fritidsnämnden/Skannat brev 1.tif", "--index", index])
        #expect(show.stdout.contains("format:    tiff"))
        #expect(show.stdout.contains("dnr:       KFN 2017/088"))
        #expect(show.stdout.range(of: #"ocr:\s+2 pages, mean word confidence \d+\.\d %"#, options: .regularExpression) != nil, "\(show.stdout)")

        // --rebuild empties the index but keeps the OCR cache: no page is read twice.
        let rebuilt = try diarium(["ingest", s.path + "/in", "--index", index, "--rebuild"])
        #expect(rebuilt.stdout.contains("OCR: 2 pages (0 read by tesseract, 2 from the cache)"), "\(rebuilt.stdout)")
        #expect(try diarium(["search", "justeringen", "--index", index]).stdout.contains("Skannat brev 1.tif"))

        // --ocr off: the image is recorded, not read, and says why.
        let off = try diarium(["ingest", s.path + "/in", "--index", s.path + "/off", "--ocr", "off"])
        #expect(off.stdout.contains("is an image: its text is read by OCR, which is turned off (--ocr off)"), "\(off.stdout)")
    }

    @Test func ingestKilledDuringOCRContinuesWhereItStopped() throws {
        let s = try ScratchDirectory("e2e")
        let index = s.path + "/index"
        try scans(4, in: s.path + "/in")
        // Kill it as soon as the OCR pass has cached a page (the text pass has committed by then).
        var cached = 0
        _ = try TestProcess.run([binary, "ingest", s.path + "/in", "--index", index, "--threads", "1"], timeLimit: 120) {
            if FileManager.default.fileExists(atPath: index + "/ocr-cache.sqlite") {
                cached = (try? OCRCache(indexDirectory: index).count()) ?? 0
            }
            return cached > 0
        }
        #expect(cached >= 1 && cached < 8, "the kill came too late to test resuming (\(cached) pages cached)")

        // The documents are in the inventory with pages waiting.
        let list = try diarium(["list", "--index", index, "--format", "json"])
        #expect(list.status == 0, "\(list.stderr)")
        let waiting = try (1...4).filter { i in
            try diarium(["show", "in/Skannat brev \(i).tif", "--index", index]).stdout.contains("waiting (the next ingest reads them)")
        }
        #expect(!waiting.isEmpty)

        // The next ingest reads only what is left; the cached pages are not read again.
        let again = try diarium(["ingest", s.path + "/in", "--index", index])
        #expect(again.status == 0, "\(again.stderr)")
        let m = try #require(again.stdout.firstMatch(of: /OCR: (\d+) pages \((\d+) read by tesseract, (\d+) from the cache\)/), "\(again.stdout)")
        #expect(Int(m.1)! == 2 * waiting.count)
        #expect(Int(m.2)! <= 8 - cached)
        #expect(!again.stdout.contains("still waiting"))
        for i in 1...4 {
            let show = try diarium(["show", "in/Skannat brev \(i).tif", "--index", index])
            #expect(show.stdout.contains("2 pages, mean word confidence"), "file \(i): \(show.stdout)")
            #expect(!show.stdout.contains("waiting"))
        }
        #expect(try OCRCache(indexDirectory: index).count() == 8)
    }
}
