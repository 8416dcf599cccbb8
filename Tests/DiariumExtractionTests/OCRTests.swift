import Foundation
import Testing
@testable import DiariumExtraction

let ocrFixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/ocr").path

func fixtureBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The parts of OCR that need no OCR program: tesseract's TSV, TIFF frames, page splicing.
struct OCRParsingTests {
    @Test func tsvRebuildsLinesAndParagraphsWithConfidences() {
        let tsv = """
            level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
            1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t
            2\t1\t1\t0\t0\t0\t10\t10\t100\t20\t-1\t
            5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t90\tProtokoll
            5\t1\t1\t1\t1\t2\t70\t10\t50\t20\t80\tfrån
            5\t1\t1\t1\t2\t1\t10\t40\t50\t20\t70.5\tsammanträde
            5\t1\t1\t2\t1\t1\t10\t80\t50\t20\t60\t§ 12
            5\t1\t1\t2\t1\t2\t10\t80\t50\t20\t95\t\u{20}
            5\t1\tx\t2\t1\t3\t10\t80\t50\t20\t95\tbroken
            5\t1\t1\t2\t1
            5\t2\t1\t1\t1\t1\t10\t10\t50\t20\t50\tSida
            """
        let pages = TesseractTSV.parse(Array(tsv.utf8))
        #expect(pages.count == 2)
        #expect(pages[0].text == "Protokoll från\nsammanträde\n\n§ 12")
        #expect(pages[0].words == 4)
        let expected: Double = (90.0 + 80.0 + 70.5 + 60.0) / 4.0
        #expect(pages[0].meanConfidence == expected)
        #expect(pages[1].text == "Sida")
        #expect(TesseractTSV.parse([]).count == 1)
        #expect(TesseractTSV.parse([]).first?.meanConfidence == nil)
        // A page number far beyond reason is dropped, not allocated.
        let absurd = "5\t999999999\t1\t1\t1\t1\t0\t0\t1\t1\t90\tx"
        #expect(TesseractTSV.parse(Array(absurd.utf8)) == [RecognizedPage(text: "", words: 0, confidenceSum: 0)])
    }

    @Test func tiffFramesFollowTheDirectoryChainWithinBounds() throws {
        #expect(ImageFile.tiffFrames(try fixtureBytes(ocrFixtures + "/two-frames.tif")) == 2)
        // A directory whose next offset points at itself: one frame, not a loop.
        var loop: [UInt8] = Array("II".utf8) + [42, 0, 8, 0, 0, 0]
        loop += [0, 0] + [8, 0, 0, 0]
        #expect(ImageFile.tiffFrames(loop) == 1)
        // Truncated and big-endian headers.
        #expect(ImageFile.tiffFrames(Array(loop.prefix(9))) == 0)
        let bigEndian: [UInt8] = Array("MM".utf8) + [0, 42, 0, 0, 0, 8] + [0, 0] + [0, 0, 0, 0]
        #expect(ImageFile.tiffFrames(bigEndian) == 1)
        #expect(ImageFile.pageCount(Array("\u{89}PNG".utf8), format: "png") == 1)
    }

    @Test func splicingReplacesPagesAndKeepsPageStarts() {
        var doc = ExtractedDocument(format: "pdf", text: "första sidan\n\u{FFFD}\u{FFFD}\ntredje sidan\n")
        let second = "första sidan\n".utf8.count
        doc.pageStarts = [0, second, second + "\u{FFFD}\u{FFFD}\n".utf8.count]
        OCRStep.splice(&doc, [2: "andra sidan, skannad"])
        #expect(doc.text == "första sidan\nandra sidan, skannad\n\ntredje sidan\n")
        let bytes = Array(doc.text.utf8)
        func page(_ n: Int) -> String {
            String(decoding: bytes[PageMap.range(ofPage: n, in: doc.pageStarts, textLength: bytes.count)!], as: UTF8.self)
        }
        #expect(page(1) == "första sidan\n")
        #expect(page(2) == "andra sidan, skannad\n\n")
        #expect(page(3) == "tredje sidan\n")

        // Repeated header lines are found in the new text: a stale range cannot survive.
        var letters = ExtractedDocument(format: "pdf", text: "NORRVIKA KOMMUN\nett\n\u{FFFD}\nNORRVIKA KOMMUN\ntre\n")
        letters.pageStarts = [0, "NORRVIKA KOMMUN\nett\n".utf8.count, "NORRVIKA KOMMUN\nett\n\u{FFFD}\n".utf8.count]
        letters.repeatedLines = [1000..<1010]
        OCRStep.splice(&letters, [2: "NORRVIKA KOMMUN\ntvå"])
        let text = Array(letters.text.utf8)
        #expect(!letters.repeatedLines.isEmpty)
        for r in letters.repeatedLines {
            #expect(r.upperBound <= text.count)
            #expect(String(decoding: text[r], as: UTF8.self).hasPrefix("NORRVIKA KOMMUN"))
        }
    }

    /// A recognizer that reads nothing and answers from a fixed table, to check what the
    /// extractor does with its answers (limits, notes, pending pages).
    struct Table: PageRecognizer {
        var texts: [Int: String]
        var failing: Set<Int> = []
        func recognize(_ request: OCRRequest) -> OCRAnswer {
            var a = OCRAnswer()
            for p in request.pages {
                if failing.contains(p) { a.failures[p] = .timeLimit(seconds: 60) }
                else if let t = texts[p] { a.pages[p] = RecognizedPage(text: t, words: t.split(separator: " ").count, confidenceSum: 80 * Double(t.split(separator: " ").count)) }
                else { a.pending.append(p) }
            }
            return a
        }
    }

    @Test func ocrStepHonoursModeLimitAndRecordsNotes() {
        func scanned(_ pages: Int) -> ExtractedDocument {
            var d = ExtractedDocument(format: "pdf", text: String(repeating: "\n", count: pages))
            d.pageStarts = Array(0..<pages)
            d.ocrPages = Array(1...pages)
            return d
        }
        var settings = OCRSettings(mode: .auto, maxPages: 2, recognizer: Table(texts: [1: "ett", 2: "två tre", 3: "fyra"], failing: []))
        var d = scanned(3)
        OCRStep.apply(&d, bytes: [], settings: settings)
        #expect(d.ocr?.pages == 2)
        #expect(d.ocr?.words == 3)
        #expect(d.ocr?.meanConfidence == 80)
        #expect(d.ocr?.note == "OCR stopped after 2 of the 3 pages that need it (--ocr-max-pages)")
        #expect(d.text.hasPrefix("ett\n\ntvå tre\n\n"))

        settings = OCRSettings(mode: .auto, maxPages: 10, recognizer: Table(texts: [1: "ett"], failing: [3]))
        d = scanned(3)
        OCRStep.apply(&d, bytes: [], settings: settings)
        #expect(d.ocr?.pending == [2])
        #expect(d.ocr?.note == "page 3: OCR took longer than the 60-second limit per page (raise it with --ocr-page-time-limit)")

        // Off: the text layer stays, with a note; an image is not read at all.
        d = scanned(2)
        OCRStep.apply(&d, bytes: [], settings: OCRSettings(mode: .off))
        #expect(d.ocr?.pages == 0 && d.ocr?.note == "2 pages need OCR, turned off (--ocr off)")
        var image = ImageFile.document(Array("\u{89}PNG".utf8), format: "png")
        OCRStep.apply(&image, bytes: [], settings: OCRSettings(mode: .off))
        #expect(image.failure == .needsOCR(format: "PNG"))

        // Force: every page, the text layer's good ones too.
        var born = ExtractedDocument(format: "pdf", text: "text\nlager\n")
        born.pageStarts = [0, 5]
        OCRStep.apply(&born, bytes: [], settings: OCRSettings(mode: .force, recognizer: Table(texts: [1: "TEXT", 2: "LAGER"])))
        #expect(born.text == "TEXT\n\nLAGER")
        #expect(born.pageStarts == [0, 6])
    }
}

/// OCR through tesseract itself, on a few small pages (CI has 2 cores).
@Suite(.serialized)
struct OCREngineTests {
    @Test func multiPageTIFFIsReadFrameByFrame() throws {
        let doc = Extractor(limits: ExtractionLimits(maxFileSize: 1 << 20, parseTimeLimit: 30))
        var limits = doc.limits
        limits.ocr = OCRSettings(mode: .auto, recognizer: OCREngine())
        let d = Extractor(limits: limits).extract(bytes: try fixtureBytes(ocrFixtures + "/two-frames.tif"), components: ["Skannat.tif"])
        #expect(d.failure == nil)
        #expect(d.format == "tiff")
        #expect(d.pageCount == 2)
        #expect(d.ocr?.pages == 2)
        let confidence = try #require(d.ocr?.meanConfidence)
        #expect(confidence > 70)
        let bytes = Array(d.text.utf8)
        let first = String(decoding: bytes[PageMap.range(ofPage: 1, in: d.pageStarts, textLength: bytes.count)!], as: UTF8.self)
        let second = String(decoding: bytes[PageMap.range(ofPage: 2, in: d.pageStarts, textLength: bytes.count)!], as: UTF8.self)
        #expect(first.contains("KULTUR- OCH FRITIDSNÄMNDEN"))
        #expect(first.contains("KFN 2017/088"))
        #expect(second.contains("BYGGNADSNÄMNDEN"))
        #expect(second.contains("Justering och anslag"))
        // The letterhead of the first frame gives the metadata.
        #expect(d.dnr == "KFN 2017/088")
        #expect(d.date == "2017-09-19")
    }

    @Test func timeLimitPerPageKillsTesseract() throws {
        let engine = OCREngine(pageTimeLimit: 0.05)
        #expect(throws: OCRFailure.timeLimit(seconds: 0.05)) {
            _ = try engine.recognizeImage(try fixtureBytes(ocrFixtures + "/two-frames.tif"), frames: 1)
        }
    }

    @Test func garbageIsAFailureNotACrash() {
        #expect(throws: OCRFailure.self) { _ = try OCREngine().recognizeImage(Array("II*\u{0}garbage".utf8), frames: 1) }
        #expect(throws: OCRFailure.self) { _ = try OCREngine().recognizePDFPage(Array("%PDF-1.4 broken".utf8), page: 1) }
    }

    /// Tesseract reads input it does not recognise as a list of image files to OCR. An "image"
    /// naming another file must never bring that file's text in.
    @Test func anImageThatListsFilesReadsNoOtherFile() throws {
        let listing = [0x89, 0x50, 0x4E, 0x47] + Array("\n\(ocrFixtures)/two-frames.tif\n".utf8)
        var limits = ExtractionLimits()
        limits.ocr = OCRSettings(mode: .auto, recognizer: OCREngine())
        let d = Extractor(limits: limits).extract(bytes: listing, components: ["Skärmbild.png"])
        #expect(d.format == "png")
        #expect(!d.text.contains("NÄMNDEN"))
        #expect(d.failure != nil)
        #expect(d.ocr?.pages == 0)
    }

    @Test func missingLanguageModelIsNamed() {
        #expect(throws: OCRFailure.missingLanguage("xyz")) { try OCREngine(languages: "swe+xyz").checkLanguages() }
    }
}
