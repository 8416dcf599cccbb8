import Foundation
import Testing
@testable import DiariumExtraction

/// Hostile markup beyond `HostileFileTests`: external entities, DTDs, XIncludes and schema
/// locations that point at the network, the quadratic blow-up, long single lines, bytes that
/// are not UTF-8 in every format.
@Suite struct HostileMarkupTests {
    /// A TCP listener on 127.0.0.1 that counts the connections made to it.
    final class Listener {
        let fd: Int32
        let port: UInt16
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            self.port = UInt16(bigEndian: addr.sin_port)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        /// Connections waiting to be accepted (each is accepted and closed).
        func connections() -> Int {
            var n = 0
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { return n }
                close(c)
                n += 1
            }
        }
        deinit { close(fd) }
    }

    func extract(_ name: String, _ text: String) -> ExtractedDocument {
        Extractor().extract(bytes: Array(text.utf8), components: [name])
    }

    /// No external entity, DTD, parameter entity, XInclude or schema location reaches the
    /// network: a listener on the loopback sees no connection.
    @Test func externalReferencesNeverReachTheNetwork() throws {
        let listener = try Listener()
        let url = "http://127.0.0.1:\(listener.port)"
        let documents: [(String, String)] = [
            ("a.xml", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"\(url)/entity\">]><r><titel>&xxe;</titel></r>"),
            ("b.xml", "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"\(url)/dtd\"><r>text</r>"),
            ("c.xml", "<?xml version=\"1.0\"?><!DOCTYPE r PUBLIC \"-//X//DTD X//EN\" \"\(url)/public\"><r>&ent;</r>"),
            ("d.xml", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"\(url)/param\"> %p;]><r>text</r>"),
            ("e.xml", "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"\(url)/xinclude\" parse=\"text\"/></r>"),
            ("f.xml", "<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:x \(url)/schema.xsd\" xsi:noNamespaceSchemaLocation=\"\(url)/s.xsd\">text</r>"),
            ("g.xml", "<?xml version=\"1.0\"?><?xml-stylesheet type=\"text/xsl\" href=\"\(url)/style.xsl\"?><r>text</r>"),
            ("h.html", "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" \"\(url)/xhtml.dtd\"><html><head><link rel=\"stylesheet\" href=\"\(url)/a.css\"><script src=\"\(url)/a.js\"></script></head><body><img src=\"\(url)/a.png\"><iframe src=\"\(url)/frame\"></iframe><p>text</p></body></html>"),
            ("i.xhtml", "<?xml version=\"1.0\"?><!DOCTYPE html [<!ENTITY xxe SYSTEM \"\(url)/xhtml-entity\">]><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>&xxe;</p></body></html>"),
            ("j.eml", "From: a@example.se\nSubject: Länk\nContent-Type: message/external-body; access-type=URL; URL=\"\(url)/external\"\n\nContent-Type: text/plain\n\n"),
        ]
        for (name, text) in documents {
            let d = extract(name, text)
            #expect(d.failure == nil || d.format != "", "\(name)")
        }
        #expect(listener.connections() == 0)
    }

    /// The quadratic blow-up: one 50 KB entity referenced 50,000 times (2.5 GB if expanded).
    /// Entity references are left out of element text and of attribute values alike, so the
    /// text stays below the size of the input.
    @Test func quadraticBlowUpIsNotExpanded() {
        // Small enough to expand at once if references were substituted: none of the entity's
        // text may show, in element text, in an attribute value (an RDF resource that names
        // the authority) or in HTML.
        let small = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"utvidgad\">]>"
            + "<r xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:dct=\"http://purl.org/dc/terms/\">"
            + "<dct:publisher rdf:resource=\"http://rinfo.lagrummet.se/org/&e;boverket\"/><titel>Titel &e;</titel><p>&e;&e; text</p></r>"
        let s = extract("small.xml", small)
        #expect(s.authority == "Boverket")
        #expect(s.title == "Titel")
        #expect(s.text.contains("text"))
        #expect(![s.text, s.title ?? "", s.authority ?? ""].joined().lowercased().contains("utvidgad"))
        let smallHTML = extract("small.html", "<!DOCTYPE html [<!ENTITY e \"utvidgad\">]><html><body><p>&e; text</p></body></html>")
        #expect(!smallHTML.text.contains("utvidgad"))

        let big = String(repeating: "a", count: 50_000)
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"\(big)\">]><r>" + String(repeating: "&a;", count: 50_000) + "</r>"
        let d = extract("quad.xml", xml)
        #expect(d.format == "xml")
        #expect(d.text.utf8.count < 1_000_000)
        // The same in an attribute value, where entities are always substituted by the parser.
        let attr = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"\(big)\">]><r><p x=\"" + String(repeating: "&a;", count: 50_000) + "\">t</p></r>"
        #expect(extract("quad-attr.xml", attr).text.utf8.count < 1_000_000)
        let html = "<!DOCTYPE html [<!ENTITY a \"\(big)\">]><html><body><p>" + String(repeating: "&a;", count: 50_000) + "</p></body></html>"
        #expect(extract("quad.html", html).text.utf8.count < 1_000_000)
    }

    /// Long single lines in every format: extraction keeps the text, the title is cut at
    /// `MetadataExtractor.maxTitleLength`, and the metadata finders look at no more than
    /// `MetadataExtractor.maxLineLength` characters of a line (scanning a 4 MB line whole with
    /// every finder made such a file 20 times slower).
    @Test func giganticSingleLines() {
        let filler = String(repeating: "beslut om molntjänst ", count: 1_000)  // 21,000 characters
        #expect(filler.count > MetadataExtractor.maxLineLength)
        #expect(extract("near.txt", "Beslutat 2015-03-04 " + filler).date == "2015-03-04")
        #expect(extract("mid.txt", String(filler.prefix(10_000)) + "beslutat 2015-03-04 " + filler).date == "2015-03-04")
        #expect(extract("far.txt", filler + "beslutat 2015-03-04 " + filler).date == nil)

        let words = String(repeating: "beslut om molntjänst ", count: 200_000)  // 4.4 MB, no line break
        for (name, text) in [("a.txt", words + "slutord"), ("a.md", "# Rubrik " + words + "slutord"),
                             ("a.html", "<html><body><p>" + words + "slutord</p></body></html>"),
                             ("a.xml", "<r><p>" + words + "slutord</p></r>"),
                             ("a.eml", "From: a@example.se\nSubject: " + String(words.prefix(100_000)) + "\n\n" + words + "slutord")] {
            let d = extract(name, text)
            #expect(d.failure == nil, "\(name)")
            #expect(d.text.hasSuffix("slutord"), "\(name)")
            #expect((d.title ?? "").count <= 2_000, "\(name): title of \((d.title ?? "").count) characters")
        }
    }

    /// Bytes that are not UTF-8 in documents that say they are.
    @Test func invalidUTF8InEveryFormat() {
        let bad: [UInt8] = [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xC0, 0xAF]
        let samples: [(String, [UInt8])] = [
            ("a.html", Array("<html><head><meta charset=\"utf-8\"><title>T".utf8) + bad + Array("</title></head><body><p>Hej ".utf8) + bad + Array("</p></body></html>".utf8)),
            ("a.xml", Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><r><titel>".utf8) + bad + Array("</titel><p>Hej</p></r>".utf8)),
            ("a.eml", Array("From: a@example.se\nSubject: ".utf8) + bad + Array("\nContent-Type: text/plain; charset=utf-8\n\nHej ".utf8) + bad),
            ("a.md", Array("# Rubrik ".utf8) + bad + Array("\nHej".utf8)),
        ]
        for (name, bytes) in samples {
            let d = Extractor().extract(bytes: bytes, components: [name])
            #expect(d.failure == nil, "\(name): \(String(describing: d.failure))")
            #expect(d.text.contains("Hej"), "\(name)")
        }
    }
}
