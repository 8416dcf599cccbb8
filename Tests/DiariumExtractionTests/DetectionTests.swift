import Testing
@testable import DiariumExtraction

/// The content decides the format; the page map answers by binary search.
@Suite struct DetectionTests {
    static let pdfHead = Array("%PDF-1.7\n%\u{E2}\u{E3}\n1 0 obj\n<<>>\nendobj\n".utf8)

    @Test func pdfAndImagesAreKnownByContentWhateverTheName() {
        #expect(Extractor.detectFormat(Self.pdfHead, name: "protokoll.docx") == .pdf)
        #expect(Extractor.detectFormat(Self.pdfHead, name: "utan-namn") == .pdf)
        // Readers accept junk before the header.
        #expect(Extractor.detectFormat(Array("\r\n\r\n".utf8) + Self.pdfHead, name: "x.txt") == .pdf)
        #expect(Extractor.detectFormat([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], name: "skanning.pdf") == .image("png"))
        #expect(Extractor.detectFormat([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], name: "brev.doc") == .image("jpeg"))
        #expect(Extractor.detectFormat(Array("II*\u{0}".utf8) + [8, 0, 0, 0], name: "a") == .image("tiff"))
        #expect(Extractor.detectFormat(Array("MM\u{0}*".utf8) + [0, 0, 0, 8], name: "a.tif") == .image("tiff"))
    }

    @Test func aPDFThatIsReallySomethingElseIsReadAsThat() {
        let html = Array("<!DOCTYPE html><html><head><title>Beslut</title></head><body><p>Nämnden beslutar.</p></body></html>".utf8)
        #expect(Extractor.detectFormat(html, name: "beslut.pdf") == .markup(isHTML: true))
        let doc = Extractor().extract(bytes: html, components: ["beslut.pdf"])
        #expect(doc.format == "html" && doc.failure == nil && doc.text.contains("Nämnden beslutar."))
        // A ZIP that holds a PDF stored uncompressed is a ZIP, though `%PDF-` is in its first KiB.
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 26) + Array("a.pdf".utf8) + Self.pdfHead
        #expect(Extractor.detectFormat(zip, name: "a.pdf") == .unsupported("zip"))
    }

    @Test func encryptedIsAStatusNotAFailureMessage() {
        #expect(ExtractionError.encrypted(format: "PDF").description == "the PDF is encrypted: its text cannot be read without the password")
        #expect(ExtractionError.programMissing(program: "pdftotext", package: "poppler-utils").description
                == "pdftotext is not installed: apt-get install poppler-utils")
    }

    @Test func pageMapFindsThePageOfAnOffset() {
        let starts = [0, 10, 10, 25, 40]   // page 3 is empty
        #expect(PageMap.page(atOffset: 0, in: starts) == 1)
        #expect(PageMap.page(atOffset: 9, in: starts) == 1)
        #expect(PageMap.page(atOffset: 10, in: starts) == 3)
        #expect(PageMap.page(atOffset: 39, in: starts) == 4)
        #expect(PageMap.page(atOffset: 1_000, in: starts) == 5)
        #expect(PageMap.page(atOffset: 5, in: []) == nil)
        #expect(PageMap.range(ofPage: 2, in: starts, textLength: 50) == 10..<10)
        #expect(PageMap.range(ofPage: 5, in: starts, textLength: 50) == 40..<50)
        #expect(PageMap.range(ofPage: 6, in: starts, textLength: 50) == nil)
        #expect(PageMap.isValid(starts, textLength: 50) && !PageMap.isValid([0, 30, 20], textLength: 50) && !PageMap.isValid([1], textLength: 5))
        // Against a linear scan on every offset of a random-looking map.
        var big = [0]
        for i in 1..<2_000 { big.append(big[i - 1] + (i * 7919) % 13) }
        for offset in stride(from: 0, through: big.last! + 3, by: 1) {
            let linear = big.lastIndex { $0 <= offset }.map { $0 + 1 }
            #expect(PageMap.page(atOffset: offset, in: big) == linear)
        }
    }
}
