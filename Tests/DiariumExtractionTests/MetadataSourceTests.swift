import Testing
@testable import DiariumExtraction

/// Which value wins is decided by the source's tier, and the labels stay what the catalog had.
@Suite struct MetadataSourceTests {
    @Test func labelsAreTheCatalogsStrings() {
        let labels: [(MetadataSource, String)] = [
            (.htmlMeta("DC.date"), "html-meta:DC.date"), (.htmlTitle, "html-title"), (.htmlH1, "html-h1"),
            (.markdownH1, "markdown-h1"), (.emailHeader("subject"), "email-header:subject"), (.emailHeader(nil), "email-header"),
            (.emailSignature, "email-signature"), (.xml("rm+beteckning"), "xml:rm+beteckning"), (.textLine(3), "text:line 3"),
            (.text, "text"), (.title, "title"), (.pdfInfo("Title"), "pdf-info:Title"), (.pdfXMP("dc:title"), "pdf-xmp:dc:title"),
            (.fileName, "file-name"), (.folder, "folder"), (.default, "default"),
        ]
        for (source, label) in labels { #expect(source.description == label) }
    }

    static let letter = "Kommunstyrelsen\n\nRiskanalys av e-posttjänsten\n\nDatum: 2015-03-02\nDnr KS 2015/118\n\nBakgrund och syfte."

    @Test func declaredMetadataBeatsTheText() {
        var doc = ExtractedDocument(format: "html", text: Self.letter)
        var explicit = ExplicitMetadata()
        explicit.title = ("Riskanalys Office 365", .htmlMeta("DC.title"))
        explicit.date = ("2015-04-01", .htmlMeta("DC.date"))
        MetadataExtractor.fill(&doc, explicit: explicit, path: ["a.html"])
        #expect(doc.title == "Riskanalys Office 365" && doc.sources["title"] == .htmlMeta("DC.title"))
        #expect(doc.date == "2015-04-01")
    }

    @Test func embeddedPropertiesRankBelowTheText() {
        var doc = ExtractedDocument(format: "pdf", text: Self.letter)
        var explicit = ExplicitMetadata()
        explicit.title = ("Microsoft Word - Dokument1", .pdfInfo("Title"))
        explicit.date = ("2019-11-20", .pdfInfo("CreationDate"))
        MetadataExtractor.fill(&doc, explicit: explicit, path: ["a.pdf"])
        #expect(doc.title == "Riskanalys av e-posttjänsten" && doc.sources["title"] == .textLine(3))
        #expect(doc.date == "2015-03-02" && doc.sources["date"] == .textLine(5))
        // Where the text says nothing, the embedded value is used, not the file name.
        var bare = ExtractedDocument(format: "pdf", text: "1\n2\n")
        MetadataExtractor.fill(&bare, explicit: explicit, path: ["scan0001.pdf"])
        #expect(bare.date == "2019-11-20" && bare.sources["date"] == .pdfInfo("CreationDate"))
        #expect(MetadataSource.pdfInfo("Title").tier < MetadataSource.textLine(1).tier)
        #expect(MetadataSource.fileName.tier < MetadataSource.pdfXMP("dc:title").tier)
    }
}
