/// Content-Transfer-Encoding decoders (RFC 2045 § 6.7 and § 6.8) and the RFC 2047 "Q"
/// encoding. All of them are lenient: malformed input is decoded as far as it goes and never
/// stops extraction.
enum QuotedPrintable {
    /// Decodes quoted-printable bytes. `=XX` (either case) becomes the byte, `=` at the end of a
    /// line (soft line break, also with transport padding `= \r\n`) joins the lines, and
    /// whitespace a gateway appended before a hard line break is dropped. A malformed `=` is kept
    /// as it stands. With `header` set (the RFC 2047 "Q" form), `_` stands for a space.
    static func decode<C: Collection>(_ input: C, header: Bool = false) -> [UInt8] where C.Element == UInt8, C.Index == Int {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = input.startIndex
        let end = input.endIndex
        // Start of the run of spaces/tabs at the end of `out`, to drop it before a line break.
        var trailingStart: Int? = nil
        while i < end {
            let b = input[i]
            if b == UInt8(ascii: "=") {
                if i + 2 < end, let h = hex(input[i + 1]), let l = hex(input[i + 2]) {
                    out.append(h << 4 | l)
                    trailingStart = nil
                    i += 3
                    continue
                }
                // Soft line break: "=" then optional spaces/tabs then CRLF, LF or the end. The
                // spaces before it are text (that is why the encoder broke the line there).
                var j = i + 1
                while j < end, input[j] == 0x20 || input[j] == 0x09 { j += 1 }
                if j == end || input[j] == 0x0A || input[j] == 0x0D { trailingStart = nil }
                if j == end { i = j; continue }
                if input[j] == 0x0A { i = j + 1; continue }
                if input[j] == 0x0D {
                    i = (j + 1 < end && input[j + 1] == 0x0A) ? j + 2 : j + 1
                    continue
                }
                out.append(b)
                trailingStart = nil
                i += 1
                continue
            }
            if header && b == UInt8(ascii: "_") {
                out.append(0x20)
                trailingStart = nil
                i += 1
                continue
            }
            if b == 0x20 || b == 0x09 {
                if trailingStart == nil { trailingStart = out.count }
                out.append(b)
                i += 1
                continue
            }
            if b == 0x0D || b == 0x0A {
                if let t = trailingStart { out.removeSubrange(t...) }
                trailingStart = nil
                out.append(b)
                i += 1
                continue
            }
            trailingStart = nil
            out.append(b)
            i += 1
        }
        return out
    }

    @inline(__always)
    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}

/// A base64 decoder that never gives up: characters outside the alphabet (line breaks, junk)
/// are skipped, padding in the middle of the data ends one group and decoding goes on, and an
/// unpadded tail yields the bytes it holds.
enum MailBase64 {
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        // The URL-safe alphabet, which some mailers use by mistake.
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    static func decode<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3 + 3)
        var acc: UInt32 = 0
        var n = 0
        func flush() {
            // 2 sextets → 1 byte, 3 → 2 bytes; a lone sextet carries no whole byte.
            if n == 2 { out.append(UInt8(truncatingIfNeeded: acc >> 4)) }
            if n == 3 {
                out.append(UInt8(truncatingIfNeeded: acc >> 10))
                out.append(UInt8(truncatingIfNeeded: acc >> 2))
            }
            acc = 0
            n = 0
        }
        for c in input {
            if c == UInt8(ascii: "=") { flush(); continue }
            let v = table[Int(c)]
            if v == 0xFF { continue }
            acc = acc << 6 | UInt32(v)
            n += 1
            if n == 4 {
                out.append(UInt8(truncatingIfNeeded: acc >> 16))
                out.append(UInt8(truncatingIfNeeded: acc >> 8))
                out.append(UInt8(truncatingIfNeeded: acc))
                acc = 0
                n = 0
            }
        }
        flush()
        return out
    }
}
