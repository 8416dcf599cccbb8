import Foundation

/// Test support shared by the test targets (Tests/DiariumTestSupport).
///
/// Writes small, valid PDFs (and deliberately broken ones) at test time: pages of text in
/// Helvetica with WinAnsiEncoding (å, ä, ö included), a correct cross-reference table, and
/// hooks for the hostile variants.
public enum MiniPDF {
    /// One object's body, without `n 0 obj` / `endobj`.
    public typealias Object = [UInt8]

    /// A PDF of `pages`, each a list of lines. `info` goes into the document information
    /// dictionary (`Title`, `Author`, `CreationDate` as `D:20150302…`); `drawings` adds content
    /// operators to pages by 0-based index (`0.3 g 72 300 450 200 re f`: a filled rectangle).
    public static func text(_ pages: [[String]], info: [String: String] = [:], drawings: [Int: String] = [:]) -> [UInt8] {
        // 1 catalog, 2 pages, 3 font, then per page: page, content.
        var objects: [Object] = [
            bytes("<< /Type /Catalog /Pages 2 0 R >>"),
            bytes("<< /Type /Pages /Kids [\(pages.indices.map { "\(4 + 2 * $0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>"),
            bytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
        ]
        for (i, lines) in pages.enumerated() {
            objects.append(bytes("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents \(5 + 2 * i) 0 R >>"))
            objects.append(stream(content(lines) + bytes(drawings[i].map { $0 + "\n" } ?? "")))
        }
        var infoObject: Int?
        if !info.isEmpty {
            objects.append(bytes("<< " + info.sorted { $0.key < $1.key }.map { "/\($0.key) " + literal($0.value) }.joined(separator: " ") + " >>"))
            infoObject = objects.count
        }
        return assemble(objects, info: infoObject)
    }

    /// A content stream drawing `lines` top down.
    public static func content(_ lines: [String]) -> [UInt8] {
        var c = bytes("BT /F1 11 Tf 14 TL 72 780 Td\n")
        for line in lines { c += bytes(literal(line)) + bytes(" Tj T*\n") }
        return c + bytes("ET\n")
    }

    /// `stream … endstream` with its /Length (and any extra dictionary entries).
    public static func stream(_ data: [UInt8], extra: String = "") -> Object {
        bytes("<< /Length \(data.count)\(extra.isEmpty ? "" : " " + extra) >>\nstream\n") + data + bytes("\nendstream")
    }

    /// Objects numbered from 1, with a cross-reference table and a trailer.
    public static func assemble(_ objects: [Object], info: Int? = nil, size: Int? = nil) -> [UInt8] {
        var out = bytes("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n")
        var offsets: [Int] = []
        offsets.reserveCapacity(objects.count)
        for (i, o) in objects.enumerated() {
            offsets.append(out.count)
            out += bytes("\(i + 1) 0 obj\n") + o + bytes("\nendobj\n")
        }
        let xref = out.count
        out += bytes("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n")
        for o in offsets { out += bytes(String(format: "%010d 00000 n \n", o)) }
        out += bytes("trailer\n<< /Size \(size ?? objects.count + 1) /Root 1 0 R\(info.map { " /Info \($0) 0 R" } ?? "") >>\nstartxref\n\(xref)\n%%EOF\n")
        return out
    }

    /// A PDF string literal in WinAnsi (Latin-1 for the Swedish letters), `(`, `)` and `\` escaped.
    public static func literal(_ s: String) -> String {
        var out = "("
        for u in s.unicodeScalars {
            switch u {
            case "(", ")", "\\": out += "\\" + String(u)
            default:
                if u.value < 0x80 { out.unicodeScalars.append(u) } else if u.value <= 0xFF { out += String(format: "\\%03o", u.value) } else { out += "?" }
            }
        }
        return out + ")"
    }

    public static func bytes(_ s: String) -> [UInt8] {
        // Latin-1 for the two binary-comment bytes of the header; UTF-8 never reaches here otherwise.
        s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }

    // MARK: - Hostile variants

    /// A page tree whose Kids point back at itself.
    public static func pageTreeLoop() -> [UInt8] {
        assemble([
            bytes("<< /Type /Catalog /Pages 2 0 R >>"),
            bytes("<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"),
            bytes("<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 1 >>"),
        ])
    }

    /// A trailer and cross-reference section claiming a billion objects.
    public static func hugeXref() -> [UInt8] {
        var pdf = text([["Ett dokument med en orimlig korsreferenstabell."]])
        let s = String(decoding: pdf, as: UTF8.self)
        pdf = bytes(s.replacingOccurrences(of: "/Size 6", with: "/Size 1000000000")
            .replacingOccurrences(of: "xref\n0 6\n", with: "xref\n0 1000000000\n"))
        return pdf
    }

    /// `count` pages sharing one content stream: a small file with a huge page tree.
    public static func manyPages(_ count: Int) -> [UInt8] {
        var objects: [Object] = [
            bytes("<< /Type /Catalog /Pages 2 0 R >>"),
            bytes("<< /Type /Pages /Kids [" + (0..<count).map { "\(5 + $0) 0 R" }.joined(separator: " ") + "] /Count \(count) >>"),
            bytes("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
            stream(content(["Sida"])),
        ]
        objects.reserveCapacity(count + 4)
        let page = bytes("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>")
        for _ in 0..<count { objects.append(page) }
        return assemble(objects)
    }

    /// A page whose content stream is `megabytes` MiB of operators that draw nothing.
    public static func endlessContent(megabytes: Int) -> [UInt8] {
        let unit = bytes("q 1 0 0 1 0 0 cm Q\n")
        var data: [UInt8] = []
        data.reserveCapacity(megabytes << 20)
        while data.count < megabytes << 20 { data += unit }
        return assemble([
            bytes("<< /Type /Catalog /Pages 2 0 R >>"),
            bytes("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            bytes("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"),
            stream(data),
        ])
    }
}
