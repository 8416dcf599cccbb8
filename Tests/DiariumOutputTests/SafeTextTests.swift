@testable import DiariumOutput
import Foundation
import Testing

/// The output-safety rules on the strings an attacker would put in a file name, a title or a
/// header. The end-to-end `HostileOutputTests` run the same strings through every command.
struct SafeTextTests {
    /// Every scalar that must never reach a terminal raw: C0 (but in `block` LF and TAB), DEL,
    /// C1, bidi formatting, invisible characters, line and paragraph separators.
    static let dangerous: [UInt32] = Array(0x00...0x1F) + [0x7F] + Array(0x80...0x9F)
        + [0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
           0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB]

    @Test func lineMakesEveryDangerousScalarVisible() {
        for v in SafeTextTests.dangerous {
            let s = "a" + String(Unicode.Scalar(v)!) + "b"
            let out = SafeText.line(s)
            #expect(!out.unicodeScalars.contains { SafeTextTests.dangerous.contains($0.value) }, "U+\(String(v, radix: 16))")
            #expect(out.unicodeScalars.count == 3, "one visible stand-in for U+\(String(v, radix: 16))")
        }
        #expect(SafeText.line("x\u{1B}]0;owned\u{07}\u{1B}[2Jy") == "x␛]0;owned␇␛[2Jy")
        #expect(SafeText.line("rad\r\nett") == "rad␍␊ett")
        #expect(SafeText.line("fakt\u{202E}fdp.exe") == "fakt\u{FFFD}fdp.exe")
        #expect(SafeText.line("Riskanalys – Office 365 (2015) åäö ÅÄÖ é ü “citat” 日本") == "Riskanalys – Office 365 (2015) åäö ÅÄÖ é ü “citat” 日本")
    }

    /// The fast path's byte test says "may need work" for every scalar `replacement` changes
    /// (either mode), and "plain" for every other scalar, alone and between plain letters:
    /// each scalar of the BMP and of the supplementary planes' first block.
    @Test func fastPathAgreesWithTheScalarRules() {
        var disagreements: [UInt32] = []
        for v in UInt32(0)...0x1_FFFF {
            guard let u = Unicode.Scalar(v) else { continue }  // surrogates
            let changed = SafeText.replacement(v, block: false) != nil || SafeText.replacement(v, block: true) != nil
            let alone = String(Character(u)), embedded = "a" + String(Character(u)) + "b"
            if SafeText.mayNeedWork(alone) != changed || SafeText.mayNeedWork(embedded) != changed { disagreements.append(v) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10).map { String($0, radix: 16) })")
        #expect(!SafeText.mayNeedWork("«riskanalys» … «analys»"))
        #expect(SafeText.line("«riskanalys» … \u{202E}gpj") == "«riskanalys» … \u{FFFD}gpj")
    }

    @Test func blockKeepsLinesAndTabs() {
        #expect(SafeText.block("ett\r\ntvå\tkolumn\nthree\rfour\u{1B}[31m") == "ett\ntvå\tkolumn\nthree␍four␛[31m")
        for v in SafeTextTests.dangerous where v != 0x0A && v != 0x09 {
            #expect(!SafeText.block("x" + String(Unicode.Scalar(v)!)).unicodeScalars.contains { $0.value == v })
        }
    }

    /// A strict RFC 4180 reader: fields quoted or not, CR LF records; a quote inside an unquoted
    /// field, or text after a closing quote, is an error (returns nil).
    static func parseCSV(_ text: String) -> [[String]]? {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var scalars = Array(text.unicodeScalars)[...]
        var quoted = false, wasQuoted = false
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" { scalars.removeFirst(); field.unicodeScalars.append("\"") } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty, !wasQuoted else { return nil }
                quoted = true; wasQuoted = true
            case ",": row.append(field); field = ""; wasQuoted = false
            case "\r":
                guard scalars.popFirst() == "\n" else { return nil }
                row.append(field); rows.append(row); row = []; field = ""; wasQuoted = false
            case "\n": return nil
            default:
                guard !wasQuoted else { return nil }
                field.unicodeScalars.append(c)
            }
        }
        guard !quoted, row.isEmpty, field.isEmpty else { return nil }
        return rows
    }

    @Test func csvDefusesFormulasAndNeverSplitsARow() throws {
        let hostile = ["=HYPERLINK(\"http://evil.example\",\"y\")", "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=1", "x\r\n=1+2.txt",
                       "Foo\r\n=1+9", "a,b", "say \"hi\"", "line\u{2028}sep", "nel\u{85}x", "vt\u{0B}ff\u{0C}", "\u{1B}[2J", "plain", ""]
        let csv = SafeText.csvRow(hostile) + SafeText.csvRow(["ett", "två"])
        let rows = try #require(SafeTextTests.parseCSV(csv), "not valid RFC 4180: \(csv.debugDescription)")
        #expect(rows.count == 2)
        #expect(rows[0].count == hostile.count)
        for cell in rows[0] {
            #expect(!(cell.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false), "formula cell \(cell.debugDescription)")
            #expect(!cell.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 })
        }
        #expect(rows[0][0] == "'=HYPERLINK(\"http://evil.example\",\"y\")")
        #expect(rows[0][6] == "'x␍␊=1+2.txt" || rows[0][6] == "x␍␊=1+2.txt")
        #expect(rows[0][8] == "a,b")
        #expect(rows[0][14] == "plain")
        #expect(rows[1] == ["ett", "två"])
        // Numbers diarium computed are never prefixed.
        #expect(SafeText.csvNumber("-1.5") == "-1.5")
        // The quoting decision is per byte: a raw CR LF (one Character) is still quoted.
        #expect(SafeText.csvQuoted("a\r\nb") == "\"a\r\nb\"")
    }

    @Test func markdownEscapesHTMLAndTables() {
        let md = SafeText.markdown("<img src=x onerror=\"alert(1)\"> | [länk](javascript:alert(1)) **fet** &amp;\n")
        #expect(!md.contains("<") && !md.contains(">"))
        #expect(md.contains("&lt;img"))
        #expect(md.contains("\\|") && !md.replacingOccurrences(of: "\\|", with: "").contains("|"))
        #expect(md.contains("\\[länk\\]"))
        #expect(md.contains("\\*\\*fet\\*\\*"))
        #expect(md.contains("&amp;amp;"))
        #expect(md.hasSuffix("␊"))
        #expect(SafeText.markdown("Riskanalys Office 365 (2015).html") == "Riskanalys Office 365 (2015).html")
    }

    @Test func jsonEscapesInvisiblesLosslessly() throws {
        let value = ["name": "fakt\u{202E}fdp.exe \u{200B}\u{FEFF}\u{85}\u{7F} åäö \u{1B}"]
        let encoded = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        let safe = SafeText.json(encoded)
        #expect(!safe.unicodeScalars.contains { SafeTextTests.dangerous.contains($0.value) })
        #expect(safe.contains("\\u202e") && safe.contains("åäö"))
        #expect(try JSONDecoder().decode([String: String].self, from: Data(safe.utf8)) == value)
    }

    @Test func htmlEscapesMarkupAndAttributes() {
        #expect(SafeText.html("<script>alert('x')</script> & \"q\"") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        #expect(SafeText.html("Gymnasienämnden") == "Gymnasienämnden")
        #expect(SafeText.html("a\u{1B}b\u{202E}c") == "a␛b\u{FFFD}c")
    }
}
