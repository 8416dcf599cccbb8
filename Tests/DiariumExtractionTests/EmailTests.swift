import DiariumTestSupport
import Foundation
import Testing
@testable import DiariumExtraction

/// A message from lines written with `\n`, sent with CRLF line ends as on the wire.
private func mail(_ text: String) -> [UInt8] {
    Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
}

private func extractMail(_ bytes: [UInt8], name: String = "svar.eml") -> ExtractedDocument {
    Extractor().extract(bytes: bytes, components: ["Korrespondens", name])
}

/// The body: the text after the header block.
private func body(_ doc: ExtractedDocument) -> String {
    guard let r = doc.text.range(of: "\n\n") else { return "" }
    return String(doc.text[r.upperBound...])
}

@Suite struct EmailTests {
    // MARK: Bodies

    @Test func quotedPrintableLatin1Body() {
        let doc = extractMail(mail("""
            From: =?iso-8859-1?Q?Byggnadsn=E4mnden?= <bn@norrvika.se>
            To: anders.nyberg@example.se
            Subject: Handlingar
            Date: Wed, 9 Mar 2022 14:21:00 +0100
            MIME-Version: 1.0
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            H=E4r kommer handlingarna fr=E5n n=E4mnden. Tack f=F6r din beg=E4ran, som =
            vi har registrerat.=20
            Rad tv=E5 =3D slut.
            """))
        #expect(doc.format == "email")
        #expect(doc.failure == nil)
        #expect(doc.encoding == "iso-8859-1")
        #expect(doc.text == "Från: Byggnadsnämnden <bn@norrvika.se>\nTill: anders.nyberg@example.se\nDatum: 2022-03-09 14:21\nÄmne: Handlingar\n\n"
            + "Här kommer handlingarna från nämnden. Tack för din begäran, som vi har registrerat. \nRad två = slut.")
        #expect(doc.title == "Handlingar")
        #expect(doc.sources["title"]?.description == "email-header:subject")
        #expect(doc.authority == "Byggnadsnämnden")
        #expect(doc.sources["authority"]?.description == "email-header:from")
        #expect(doc.type == "e-post")
    }

    @Test func base64UTF8Body() {
        let doc = extractMail(mail("""
            From: Sara Lind <sara.lind@norrvika.se>
            To: anders.nyberg@example.se
            Subject: Beslut
            Date: Fri, 11 Mar 2022 08:55:00 +0100
            MIME-Version: 1.0
            Content-Type: text/plain; charset="utf-8"
            Content-Transfer-Encoding: base64

            SGVqIEFuZGVycywKQmlmb2dhdCBmaW5ucyBiZXNsdXRldCBvbSBtb2xudGrDpG5zdGVyLgoKTWVk
            IHbDpG5saWcgaMOkbHNuaW5nClNhcmEgTGluZApOw6RtbmRzZWtyZXRlcmFyZSwgU29jaWFsbsOk
            bW5kZW4K
            """))
        #expect(doc.encoding == "utf-8")
        #expect(body(doc) == "Hej Anders,\nBifogat finns beslutet om molntjänster.\n\nMed vänlig hälsning\nSara Lind\nNämndsekreterare, Socialnämnden")
        #expect(doc.authority == "Socialnämnden")
        #expect(doc.sources["authority"]?.description == "email-signature")
        #expect(doc.date == "2022-03-11")
    }

    @Test func brokenBase64StillYieldsADocument() {
        // Junk characters, a space, a line break mid-group and the last group cut off.
        let doc = extractMail(mail("""
            From: registrator@norrvika.se
            Subject: Trasig bilaga
            Date: Thu, 10 Mar 2022 09:40:00 +0100
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: base64

            SGVqIGhh bGzD$$pSBk
            w6RyLCBo w6RyIMOkc!iBiZXNsdXR
            """))
        #expect(doc.failure == nil)
        #expect(doc.format == "email")
        #expect(body(doc) == "Hej hallå där, här är beslut")
        #expect(MailBase64.decode(Array("@@@".utf8)) == [])
    }

    @Test func quotedPrintableEdgeCases() {
        func qp(_ s: String) -> String { String(decoding: QuotedPrintable.decode(Array(s.utf8)), as: UTF8.self) }
        #expect(qp("a=\r\nb") == "ab")                 // soft line break
        #expect(qp("a= \t\r\nb") == "ab")              // soft line break with transport padding
        #expect(qp("a=\nb") == "ab")                    // bare LF
        #expect(qp("a  \r\nb") == "a\r\nb")            // trailing whitespace added in transport
        #expect(qp("a  =\r\nb") == "a  b")             // protected by the soft break
        #expect(qp("=C3=A4=c3=b6") == "äö")             // either case
        #expect(qp("100=%") == "100=%")                 // malformed: kept
        #expect(qp("slut=") == "slut")
        #expect(String(decoding: QuotedPrintable.decode(Array("a_b".utf8), header: true), as: UTF8.self) == "a b")
    }

    // MARK: Header fields

    @Test func encodedWordSubjectSplitAcrossWords() {
        // Q: the split falls between two words; B: it falls inside "ä" (C3 | A4).
        let q = extractMail(mail("""
            From: a@example.se
            Subject: =?UTF-8?Q?Sv:_Beg=C3=A4ran_om_allm?=
             =?UTF-8?Q?=C3=A4n_handling_=E2=80=93_molntj=C3=A4nster?=
            Date: Tue, 8 Mar 2022 10:14:00 +0100

            Hej
            """))
        #expect(q.title == "Sv: Begäran om allmän handling – molntjänster")
        let b = extractMail(mail("""
            From: a@example.se
            Subject: =?utf-8?B?QmVnww==?= =?utf-8?B?pHJhbg==?= om handlingar
            Date: Tue, 8 Mar 2022 10:14:00 +0100

            Hej
            """))
        #expect(b.title == "Begäran om handlingar")
        #expect(EncodedWords.decode(Array("=?iso-8859-1?B?ZvZy?= text =?us-ascii?Q?x?=".utf8)) == "för text x")
        #expect(EncodedWords.decode(Array("=?windows-1252?Q?=96_sv=E5r?=".utf8)) == "– svår")
        #expect(EncodedWords.decode(Array("=?ISO-8859-1*sv?Q?v=E4g?= =?latin1?q?_och_?= =?UTF-8?Q?st=C3=A4der?=".utf8)) == "väg och städer")
        #expect(EncodedWords.decode(Array("not =?utf-8?Q?an encoded word?= here".utf8)) == "not =?utf-8?Q?an encoded word?= here")
        #expect(EncodedWords.decode(Array("=?utf-8?X?abc?=".utf8)) == "=?utf-8?X?abc?=")
    }

    @Test func foldedHeadersAndCaseInsensitiveNames() {
        let doc = extractMail(mail("""
            FROM: "Kvist, Helena" <helena.kvist@norrvika.se>
            to: Anna Berg <anna@example.se>,
            \tBo Ek <bo@example.se>
            CC: =?utf-8?Q?G=C3=B6ran_=C3=85str=C3=B6m?= <goran@norrvika.se>
            subject: Sv: Begäran om allmän handling
             =?UTF-8?Q?=E2=80=93_molntj=C3=A4nster?=
            Date: Wed, 9 Mar 2022
             14:21:00 +0100
            Content-Type: text/plain;
             charset="iso-8859-1"

            Hej
            """))
        #expect(doc.text == """
            Från: Kvist, Helena <helena.kvist@norrvika.se>
            Till: Anna Berg <anna@example.se>, Bo Ek <bo@example.se>
            Kopia: Göran Åström <goran@norrvika.se>
            Datum: 2022-03-09 14:21
            Ämne: Sv: Begäran om allmän handling – molntjänster

            Hej
            """)
        let entity = MIMEParser.parseEntity(mail("Subject: a\n\tb\n  c\nX: 1\n\nbody")[...])
        #expect(entity.headers["subject"].map { String(decoding: $0, as: UTF8.self) } == "a\tb  c")
        #expect(entity.headers.text("SUBJECT") == "a b c")
        #expect(String(decoding: entity.body, as: UTF8.self) == "body")
    }

    @Test func addressesAndParameters() {
        let list = MIMEParser.addresses(Array(#""Alm, Jenny" <jenny.alm@norrvika.se>, bo@example.se (Bo Ek), Styrelsen: c@d.se;, =?utf-8?Q?=C3=96verf=C3=B6rmyndarenheten?= <of@norrvika.se>"#.utf8))
        #expect(list == [
            MailAddress(name: "Alm, Jenny", address: "jenny.alm@norrvika.se"),
            MailAddress(name: "Bo Ek", address: "bo@example.se"),
            MailAddress(name: nil, address: "c@d.se"),
            MailAddress(name: "Överförmyndarenheten", address: "of@norrvika.se"),
        ])
        let ct = MIMEParser.parseValue(Array(#"Text/Plain; charset="ISO-8859-1" (latin); format=flowed; name="a \"b\";c.txt""#.utf8))
        #expect(ct.value == "text/plain")
        #expect(ct.parameters["charset"] == "ISO-8859-1")
        #expect(ct.parameters["format"] == "flowed")
        #expect(ct.parameters["name"] == #"a "b";c.txt"#)
        let simple = MIMEParser.parseValue(Array("attachment; filename*=UTF-8''F%C3%B6rteckning%20%C3%B6ver%20handlingar.txt".utf8))
        #expect(simple.value == "attachment")
        #expect(simple.parameters["filename"] == "Förteckning över handlingar.txt")
        let continued = MIMEParser.parseValue(Array("attachment; filename*1*=%E4n.pdf; filename*0*=iso-8859-1'sv'Beg%E4ran%20allm; filename=\"fallback.pdf\"".utf8))
        #expect(continued.parameters["filename"] == "Begäran allmän.pdf")
        let encodedWord = MIMEParser.parseValue(Array("attachment; filename=\"=?UTF-8?B?QmVnw6RyYW4ucGRm?=\"".utf8))
        #expect(encodedWord.parameters["filename"] == "Begäran.pdf")
        #expect(EmailExtractor.senderAuthority("Gymnasienämndens registratur") == "Gymnasienämnden")
        #expect(EmailExtractor.senderAuthority("Registrator Tekniska förvaltningen") == "Tekniska förvaltningen")
        #expect(EmailExtractor.senderAuthority("Jenny Alm") == nil)
    }

    @Test func dateHeaderToISODate() {
        func parsed(_ s: String) -> String? { MailDate.parse(s).map { $0.date + " " + ($0.time ?? "-") } }
        #expect(parsed("Tue, 8 Mar 2022 10:14:00 +0100") == "2022-03-08 10:14")
        // As written: no conversion to UTC, even when that would change the day.
        #expect(parsed("8 Mar 22 23:59 -0800") == "2022-03-08 23:59")
        #expect(parsed("Mon, 31 Dec 2018 23:30:00 -0500 (EST)") == "2018-12-31 23:30")
        #expect(parsed("Tue Mar  8 10:14:00 2022") == "2022-03-08 10:14")
        #expect(parsed("Wed, 09-Mar-2022 9:05:00 GMT") == "2022-03-09 09:05")
        #expect(parsed("2022-03-14 15:30") == "2022-03-14 15:30")
        #expect(parsed("Mon, 30 Feb 2022 10:00:00 +0100") == nil)
        #expect(parsed("någon gång i våras") == nil)
        let doc = extractMail(mail("From: a@b.se\nSubject: x\nDate: Tue, 8 Mar 2022 10:14:00 +0100\n\nHej"))
        #expect(doc.date == "2022-03-08")
        #expect(doc.year == 2022)
        #expect(doc.sources["date"]?.description == "email-header:date")
    }

    // MARK: Multipart

    @Test func alternativePrefersPlainText() {
        let doc = extractMail(mail("""
            From: a@example.se
            Subject: Planen
            Date: Tue, 8 Mar 2022 10:14:00 +0100
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="=_alt"

            This is a multi-part message in MIME format.
            --=_alt
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Planen bifogas.
            --=_alt
            Content-Type: text/html; charset=utf-8

            <html><body><p>HTML-versionen av planen</p></body></html>
            --=_alt--
            epilogue
            """))
        #expect(body(doc) == "Planen bifogas.")
        #expect(doc.parts.isEmpty)
    }

    @Test func htmlOnlyBodyIsConvertedToText() {
        let doc = extractMail(mail("""
            From: a@example.se
            Subject: Riskanalys
            Date: Tue, 8 Mar 2022 10:14:00 +0100
            Content-Type: text/html; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            <html><head><style>p { color: red }</style></head><body><p>Hej!</p><p>Riskana=
            lysen =C3=A4r klar.</p><script>x()</script></body></html>
            """))
        #expect(body(doc) == "Hej!\nRiskanalysen är klar.")
        #expect(doc.encoding == "utf-8")
    }

    @Test func alternativeWithEmptyPlainFallsBackToRelatedHTML() {
        let doc = extractMail(mail("""
            From: a@example.se
            Subject: Logga
            Date: Tue, 8 Mar 2022 10:14:00 +0100
            Content-Type: multipart/alternative; boundary=alt

            --alt
            Content-Type: text/plain

            --alt
            Content-Type: multipart/related; boundary=rel

            --rel
            Content-Type: text/html; charset=iso-8859-1

            <p>Tack f\u{F6}r fr\u{E5}gan</p><img src="cid:logo">
            --rel
            Content-Type: image/png
            Content-ID: <logo>

            iVBORw0KGgo=
            --rel--
            --alt--
            """))
        // The HTML was declared ISO-8859-1 but is UTF-8 here; it is read as what it is.
        #expect(body(doc) == "Tack för frågan")
        #expect(doc.parts.isEmpty)  // the logo is a resource of the HTML, not an attachment
    }

    @Test func attachmentsBecomeParts() throws {
        let doc = extractMail(mail("""
            From: Kommunstyrelsens registratur <ks.registrator@norrvika.se>
            To: anders.nyberg@example.se
            Subject: Handlingar
            Date: Tue, 8 Mar 2022 10:14:00 +0100
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="----=_Part_1"

            ------=_Part_1
            Content-Type: text/plain; charset=utf-8

            Handlingarna bifogas.
            ------=_Part_1
            Content-Type: text/plain; charset=utf-8
            Content-Disposition: attachment;
             filename*=UTF-8''F%C3%B6rteckning%20%C3%B6ver%20handlingar.txt
            Content-Transfer-Encoding: base64

            RsO2cnRlY2tuaW5nIMO2dmVyIGJpZm9nYWRlIGhhbmRsaW5nYXIK
            ------=_Part_1
            Content-Type: application/pdf; name="Beslut 2022.pdf"
            Content-Disposition: attachment; filename="Beslut 2022.pdf"
            Content-Transfer-Encoding: base64

            JVBERi0xLjQKJcOkw7zDtsOfCg==
            ------=_Part_1--
            """), name: "svar.eml")
        #expect(body(doc) == "Handlingarna bifogas.")
        #expect(doc.text.contains("Bilagor: Förteckning över handlingar.txt, Beslut 2022.pdf\n"))
        #expect(doc.parts.count == 2)
        let list = try #require(doc.parts.first)
        #expect(list.partName == "Förteckning över handlingar.txt")
        #expect(list.format == "text")
        #expect(list.failure == nil)
        #expect(list.text == "Förteckning över bifogade handlingar\n")
        let pdf = doc.parts[1]
        #expect(pdf.partName == "Beslut 2022.pdf")
        #expect(pdf.format == "pdf")
        // Attachments go through the same PDF reader (poppler on standard input); this one is no real PDF.
        #expect(pdf.failure?.description.hasPrefix("the PDF could not be parsed") == true)
        #expect(doc.authority == "Kommunstyrelsen")
        #expect(doc.sources["authority"]?.description == "email-header:from")
    }

    @Test func inlineForwardedMessageIsANestedEmailPart() throws {
        let doc = extractMail(mail("""
            From: a@example.se
            Subject: Fwd: Beslut
            Date: Tue, 8 Mar 2022 10:14:00 +0100
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain

            Se nedan.
            --b
            Content-Type: message/rfc822

            From: =?utf-8?Q?Socialn=C3=A4mnden?= <sn@norrvika.se>
            Subject: =?utf-8?Q?Beslut_om_s=C3=A4ker_e-post?=
            Date: Tue, 27 Sep 2016 13:00:00 +0200
            Content-Type: multipart/mixed; boundary=inner

            --inner
            Content-Type: text/plain; charset=utf-8

            Beslutet bifogas.
            --inner
            Content-Type: text/plain; name=protokoll.txt

            Protokoll 2016-09-27
            --inner--
            --b--
            """))
        #expect(body(doc) == "Se nedan.")
        #expect(doc.parts.map(\.partName) == ["Beslut om säker e-post.eml", "Beslut om säker e-post.eml/protokoll.txt"])
        let nested = doc.parts[0]
        #expect(nested.format == "email")
        #expect(nested.title == "Beslut om säker e-post")
        #expect(nested.date == "2016-09-27")
        #expect(nested.authority == "Socialnämnden")
        #expect(nested.text.hasSuffix("Ämne: Beslut om säker e-post\nBilagor: protokoll.txt\n\nBeslutet bifogas."))
        #expect(doc.parts[1].text == "Protokoll 2016-09-27")
        #expect(doc.parts[1].date == "2016-09-27")
    }

    // MARK: Hostile mail

    /// 10,000 nested multiparts: only the first 20 levels are opened, so nothing of the innermost
    /// part is read and no part is made.
    @Test func tenThousandNestedMultipartsFinish() {
        let depth = 10_000
        var s = "From: a@example.se\nSubject: Djup\nDate: Tue, 8 Mar 2022 10:14:00 +0100\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n"
        for i in 0..<depth { s += "--b\(i)\nContent-Type: multipart/mixed; boundary=\"b\(i + 1)\"\n\n" }
        s += "--b\(depth)\nContent-Type: text/plain\n\nInnersta texten\n"
        for i in stride(from: depth, through: 0, by: -1) { s += "--b\(i)--\n" }
        let doc = extractMail(mail(s))
        #expect(doc.failure == nil)
        #expect(doc.title == "Djup")
        #expect(!doc.text.contains("Innersta"))  // deeper than the 20 levels that are opened
        #expect(doc.parts.isEmpty)
    }

    @Test func manyPartsAndNestedMessagesAreBounded() {
        var s = "From: a@example.se\nSubject: Många\nContent-Type: multipart/mixed; boundary=b\n\n"
        for i in 0..<5000 { s += "--b\nContent-Type: application/octet-stream; name=\"f\(i).txt\"\n\nfil \(i)\n" }
        s += "--b--\n"
        let many = extractMail(mail(s))
        #expect(many.parts.count == EmailExtractor.maxParts)
        #expect(many.parts.last?.text == "fil \(EmailExtractor.maxParts - 1)")

        var nested = "From: x@example.se\nSubject: Innerst\n\nSlut"
        for _ in 0..<200 { nested = "From: x@example.se\nSubject: Vidare\nContent-Type: message/rfc822\n\n" + nested }
        let deep = extractMail(mail(nested))
        #expect(deep.failure == nil)
        #expect(deep.parts.count == EmailExtractor.maxDepth)
        #expect(!deep.parts.contains { $0.text.contains("Slut") })
    }

    /// Mail bytes cut, flipped and spliced at random (a fixed seed) never crash the extractor,
    /// and what is still read as an e-mail always yields a document, with no more parts than
    /// `EmailExtractor.maxParts` and no more text than the input can decode to.
    @Test func mutatedMailsNeverCrash() throws {
        let seedPath = corpus + "/Kommunstyrelsen/Korrespondens/Sv Begäran om allmän handling – molntjänster.eml"
        let seeds = [
            try [UInt8](Data(contentsOf: URL(fileURLWithPath: seedPath))),
            mail("From: =?utf-8?B?QmVnww==?= <a@b>\nSubject: =?x?Q?=?=\nDate: Tue, 8 Mar 2022\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\nPHA+SGVqPC9wPg==\n--b\nContent-Type: message/rfc822\n\nFrom: c@d\n\nx\n--b--"),
        ]
        let splices = ["=", "=?", "?=", "--", "\r\n", "\r\n\r\n", ";", "\"", "*0*=", "'", "%", "<", "(", "=?utf-8?b?", "\r\n "].map { Array($0.utf8) }
        var random = SeededRandom(state: 0x9E37_79B9_7F4A_7C15)
        func next(_ n: Int) -> Int { random.below(max(n, 1)) }
        for round in 0..<300 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + next(8)) {
                let at = next(bytes.count + 1)
                switch next(4) {
                case 0: bytes.insert(contentsOf: splices[next(splices.count)], at: at)
                case 1: if at < bytes.count { bytes[at] = UInt8(truncatingIfNeeded: next(256)) }
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + next(40)))
                default: bytes = Array(bytes.prefix(at))
                }
            }
            let doc = extractMail(bytes)
            if doc.format == "email" { #expect(doc.failure == nil) }
            // Every byte decodes to at most 3 UTF-8 bytes (Windows-1252), and a part's text is
            // in the document once for the part and at most once more in its parent; header
            // labels (`Från:`, `Ämne:`, `Bilagor:`) add a little per part.
            let all = [doc] + doc.parts
            #expect(doc.parts.count <= EmailExtractor.maxParts)
            #expect(all.allSatisfy { $0.parts.count <= EmailExtractor.maxParts })
            let textBytes = all.reduce(0) { $0 + $1.text.utf8.count }
            #expect(textBytes <= 6 * bytes.count + 200 * all.count, "round \(round): \(textBytes) bytes of text from \(bytes.count)")
        }
    }

    // MARK: Format detection and the corpus

    @Test func formatDetection() {
        let headers = mail("Return-Path: <a@b.se>\nReceived: from x\n\tby y\nFrom: a@b.se\nSubject: Hej\n\nText")
        #expect(Extractor.detectFormat(headers, name: "meddelande") == .email)
        #expect(Extractor.detectFormat(headers, name: "svar.eml") == .email)
        #expect(Extractor.detectFormat(headers, name: "svar.txt") == .text)
        #expect(Extractor.detectFormat(mail("X-Mailer: Outlook\nDate: Tue, 8 Mar 2022\nFROM: a@b.se\n\nText"), name: "m") == .email)
        #expect(Extractor.detectFormat(mail("From: a@b.se\nHej, här kommer texten"), name: "m") == .text)
        #expect(Extractor.detectFormat(mail("Från: a@b.se\nÄmne: Hej\n\nText"), name: "m") == .text)
        #expect(Extractor.detectFormat(mail("Subject: Hej\nFrom: a@b.se\n\nText"), name: "m") == .text)
    }

    @Test func corpusReplyWithAttachment() throws {
        let d = extract("Kommunstyrelsen/Korrespondens/Sv Begäran om allmän handling – molntjänster.eml")
        #expect(d.format == "email")
        #expect(d.title == "Sv: Begäran om allmän handling – molntjänster")
        #expect(d.date == "2022-03-08")
        #expect(d.dnr == "KS 2022/0150")
        #expect(d.authority == "Kommunstyrelsen")
        #expect(d.type == "e-post")
        #expect(d.text.hasPrefix("Från: Kommunstyrelsens registratur <ks.registrator@norrvika.se>\nTill: Anders Nyberg <anders.nyberg@example.se>\nDatum: 2022-03-08 10:14\nÄmne: Sv: Begäran om allmän handling – molntjänster\nBilagor: Förteckning över bifogade handlingar.txt\n\nHej,\n"))
        let part = try #require(d.parts.first)
        #expect(d.parts.count == 1)
        #expect(part.partName == "Förteckning över bifogade handlingar.txt")
        #expect(part.failure == nil)
        #expect(part.text.contains("Konsekvensbedömning för Microsoft 365"))
    }
}
