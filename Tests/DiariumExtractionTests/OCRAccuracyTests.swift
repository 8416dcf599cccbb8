import Foundation
import Testing
@testable import DiariumExtraction

/// Word accuracy of OCR against a transcription made by reading the page (docs/accuracy.md).
///
/// Both texts are cut into words the same way: a word ending a line with a hyphen is joined
/// with the first word of the next line (`rege-` / `ringen` → `regeringen`, as a reader reads
/// it), then words are the runs of letters and decimal digits (punctuation, `§`, dashes and
/// footnote marks such as `¹` separate words and are not counted). Words are compared exactly,
/// case included. A reference word counts as right when OCR produced the same word as often:
/// accuracy = Σ over distinct words of min(count in reference, count in OCR) / words in the
/// reference. Order is not compared (tesseract may read the side column before the title; a
/// search engine does not care); words OCR invented are reported separately as `extra`.
enum WordAccuracy {
    static func words(_ text: String) -> [String] {
        // Join hyphenated line ends: `letter-\n letter`.
        let joined = text.replacingOccurrences(of: #"(\p{L})[-\x{00AD}]\s*\n\s*(\p{L})"#, with: "$1$2", options: .regularExpression)
        var out: [String] = []
        var current = ""
        for scalar in joined.unicodeScalars {
            let p = scalar.properties
            if p.isAlphabetic || p.numericType == .decimal {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// (right, reference words, extra OCR words).
    static func score(reference: String, ocr: String) -> (right: Int, total: Int, extra: Int) {
        var counts: [String: Int] = [:]
        for w in words(ocr) { counts[w, default: 0] += 1 }
        let ref = words(reference)
        var right = 0
        for w in ref where (counts[w] ?? 0) > 0 {
            counts[w]! -= 1
            right += 1
        }
        return (right, ref.count, counts.values.reduce(0, +))
    }
}

struct OCRAccuracyTests {
    @Test func wordCountingJoinsHyphensAndIgnoresPunctuation() {
        #expect(WordAccuracy.words("rege-\nringen, 11 och 12 §§ (RA-FS 2004:2) m.m.²") ==
                ["regeringen", "11", "och", "12", "RA", "FS", "2004", "2", "m", "m"])
        let s = WordAccuracy.score(reference: "ett två två tre", ocr: "två ett tva fyra")
        #expect(s.right == 2 && s.total == 4 && s.extra == 2)
    }

    /// Riksarkivet's RA-FS 2006:6, a scan without a text layer, read through the same path as an
    /// ingest (pdftoppm at 300 dpi, tesseract swe+eng): at least 95 % of its words right.
    @Test func riksarkivetScanIsReadWithNinetyFivePercentOfWordsRight() throws {
        let pdf = sharedData + "/released_files/Riksarkivet/RA-FS-2006_6.pdf"
        let reference = try String(contentsOfFile: ocrFixtures + "/RA-FS-2006_6.txt", encoding: .utf8)
        var limits = ExtractionLimits()
        limits.ocr = OCRSettings(mode: .auto, recognizer: OCREngine())
        let doc = Extractor(limits: limits).extract(bytes: try fixtureBytes(pdf), components: ["Riksarkivet", "RA-FS-2006_6.pdf"])
        #expect(doc.format == "pdf")
        #expect(doc.ocr?.pages == 1)
        let s = WordAccuracy.score(reference: reference, ocr: doc.text)
        let accuracy = Double(s.right) / Double(s.total)
        print(String(format: "RA-FS-2006_6: %d of %d words right (%.1f %%), %d extra words, mean confidence %.1f",
                     s.right, s.total, accuracy * 100, s.extra, doc.ocr?.meanConfidence ?? 0))
        #expect(s.total > 200)
        #expect(accuracy >= 0.95)
    }

    /// With OCR off the scan has no text; its only date is the one the scanner wrote into the
    /// PDF (CreationDate, 2017-09-25), never the day it was ingested or made.
    @Test func corpusScanWithOCROffKeepsTheScannersDate() throws {
        var limits = ExtractionLimits()
        limits.ocr = OCRSettings(mode: .off)
        let scan = Extractor(limits: limits).extract(file: corpus + "/Kultur- och fritidsnämnden/Skannad handling 2017.pdf",
                                                     components: ["Skannad handling 2017.pdf"])
        #expect(scan.failure == nil && scan.ocrPages == [1] && !scan.text.contains { $0.isLetter })
        #expect(scan.year == 2017 && scan.date?.hasPrefix("2017-09-25") == true, "\(scan.date ?? "no date")")
        #expect(scan.sources["date"]?.description == "pdf-info:CreationDate")
    }

    /// The corpus's scanned protocol (noise, skew, bilevel) against the born-digital page it was
    /// made from (`scripts/make-scans.sh`): the HTML source's text is the reference.
    @Test func corpusScanIsReadWithNinetyFivePercentOfWordsRight() throws {
        let source = repositoryRoot.appendingPathComponent("scripts/scans/kfn-2017-protokoll.html").path
        let reference = Extractor().extract(file: source, components: ["kfn-2017-protokoll.html"]).text
        var limits = ExtractionLimits()
        limits.ocr = OCRSettings(mode: .auto, recognizer: OCREngine())
        let scan = Extractor(limits: limits).extract(file: corpus + "/Kultur- och fritidsnämnden/Skannad handling 2017.pdf",
                                                     components: ["Skannad handling 2017.pdf"])
        #expect(scan.ocr?.pages == 1)
        let s = WordAccuracy.score(reference: reference, ocr: scan.text)
        let accuracy = Double(s.right) / Double(s.total)
        print(String(format: "Skannad handling 2017: %d of %d words right (%.1f %%), %d extra words, mean confidence %.1f",
                     s.right, s.total, accuracy * 100, s.extra, scan.ocr?.meanConfidence ?? 0))
        #expect(s.total > 100)
        #expect(accuracy >= 0.95)
    }
}
