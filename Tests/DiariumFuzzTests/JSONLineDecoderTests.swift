@testable import DiariumIngest
import DiariumTestSupport
import Foundation
import Testing

/// `JSONLineDecoder` against `JSONDecoder`, its judge, on generated hostile lines: wherever the
/// byte reader answers, `JSONDecoder` decodes the line to the same document; where it declines,
/// the line goes to `JSONDecoder` anyway. And `DocumentFields.characterCount` on bytes against
/// `String.count`.
@Suite struct JSONLineDecoderTests {
    static let keys = ["path", "text", "pages", "title", "authority", "type", "date", "year", "dnr", "diarienummer", "language",
                       "format", "part", "partName", "extra", "Path", "påth", "nested", ""]

    /// A random JSON string literal: plain, Swedish, escaped, hostile.
    static func string(_ r: inout SeededRandom, _ hostile: Bool) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for _ in 0..<r.below(12) {
            var choice = r.below(24)
            if !hostile && [5, 6, 7, 8, 9, 10, 12, 13].contains(choice) { choice = 20 }
            switch choice {
            case 0: out += Array("\\n".utf8)
            case 1: out += Array("\\\"".utf8)
            case 2: out += Array("\\\\".utf8)
            case 3: out += Array("\\u00e5".utf8)
            case 4: out += Array("\\ud83d\\ude00".utf8)                 // a surrogate pair
            case 5: out += Array("\\ud83d".utf8)                        // a lone high surrogate
            case 6: out += Array("\\ude00x".utf8)                       // a lone low surrogate
            case 7: out += Array("\\u0000".utf8)
            case 8: out.append(UInt8(r.below(0x20)))                  // a raw control character
            case 9: out.append(0xFF)                                  // invalid UTF-8
            case 10: out += [0xC3]                                    // a truncated sequence
            case 11: out += Array("\\/\\b\\f\\r\\t".utf8)
            case 12: out += Array("\\x".utf8)                          // a bad escape
            case 13: out += Array("\\u12G4".utf8)
            case 14: out += Array("e\u{301}".utf8)                    // a combining mark
            case 15: out += Array("/".utf8)
            default: out += Array(["risk", "å", "Nämnden", " ", "ä ö", "2021", "–", "{", "}", ",", ":", "[", "]"][r.below(13)].utf8)
            }
        }
        out.append(0x22)
        return out
    }

    static func number(_ r: inout SeededRandom, _ hostile: Bool) -> [UInt8] {
        Array(["0", "7", "-3", "2021", "-0", "123456789012345678", "01", "1.0", "1.5", "1e3", "2E+2", "-", "1.", ".5",
               "1234567890123456789", "99999999999999999999", "1e", "0x10"][r.below(hostile ? 18 : 6)].utf8)
    }

    static func value(_ r: inout SeededRandom, depth: Int, _ hostile: Bool) -> [UInt8] {
        switch r.below(depth > 3 ? 6 : hostile ? 9 : 8) {
        case 0, 1, 2: return string(&r, hostile)
        case 3: return number(&r, hostile)
        case 4: return Array(["null", "true", "false", "nul", "tru"][r.below(hostile ? 5 : 3)].utf8)
        case 5: return string(&r, hostile)
        case 6:
            var out: [UInt8] = [0x5B]
            for k in 0..<r.below(4) {
                if k > 0 { out.append(0x2C) }
                out += value(&r, depth: depth + 1, hostile)
            }
            return out + [0x5D]
        case 7: return object(&r, depth: depth + 1, hostile)
        default:
            // Deep nesting, past `JSONLineDecoder.maxDepth` sometimes.
            let n = r.below(80)
            return Array(repeating: 0x5B, count: n) + Array(repeating: 0x5D, count: n)
        }
    }

    static func object(_ r: inout SeededRandom, depth: Int, _ hostile: Bool) -> [UInt8] {
        var out: [UInt8] = [0x7B]
        var fields = r.below(7)
        if depth == 0 && r.below(4) > 0 {
            out += Array("\"path\":".utf8) + string(&r, hostile)
            fields -= 1
            if fields >= 0 { out.append(0x2C) }
        }
        for k in 0..<max(0, fields) {
            if k > 0 { out += Array([",", " , ", ",\t"][r.below(3)].utf8) }
            let key = hostile ? keys[r.below(keys.count)] : keys[1 + r.below(keys.count - 1)]
            out += hostile && r.below(10) == 0 ? Array("\"pa\\u0074h\"".utf8) : Array("\"\(key)\"".utf8)
            out += Array([":", " : ", ":\n"][r.below(3)].utf8)
            if key == "pages" && r.below(2) == 0 {
                out.append(0x5B)
                for p in 0..<r.below(4) {
                    if p > 0 { out.append(0x2C) }
                    out += hostile && r.below(8) == 0 ? Array("null".utf8) : string(&r, hostile)
                }
                out.append(0x5D)
            } else if (key == "year" || key == "part") && r.below(2) == 0 {
                out += number(&r, hostile)
            } else {
                out += value(&r, depth: depth, hostile)
            }
        }
        return out + [0x7D]
    }

    /// A line: an object, a third of them hostile (bad strings and numbers, duplicate and
    /// escaped keys, deep nesting) and then mutated (cut, a byte changed, bytes around it).
    static func line(_ r: inout SeededRandom) -> [UInt8] {
        let hostile = r.below(3) == 0
        var line = object(&r, depth: 0, hostile)
        switch hostile ? r.below(10) : 9 {
        case 0: line = Array(line.prefix(r.below(line.count + 1)))
        case 1: line[r.below(line.count)] = UInt8(r.below(256))
        case 2: line = Array("  \t".utf8) + line + Array(" ".utf8)
        case 3: line = [0xEF, 0xBB, 0xBF] + line
        case 4: line += Array(["x", "}", "{}", ",", "\u{0}"][r.below(5)].utf8)
        case 5: line = Array(["[]", "\"path\"", "null", "3", ""][r.below(5)].utf8)
        default: break
        }
        return line
    }

    @Test func agreesWithJSONDecoderOnGeneratedLines() throws {
        var r = SeededRandom(state: 17)
        var fast = 0, declined = 0
        for n in 0..<30_000 {
            let bytes = Self.line(&r)
            let mine = bytes.withUnsafeBytes(JSONLineDecoder.decode)
            let judge = try? JSONDecoder().decode(JSONLDocument.self, from: Data(bytes))
            if let mine {
                fast += 1
                #expect(mine == judge, "line \(n): \(String(decoding: bytes, as: UTF8.self)) → \(mine), JSONDecoder: \(String(describing: judge))")
            } else {
                declined += 1
            }
        }
        // The reader must take the usual lines itself, not pass everything on.
        #expect(fast > 3_000, "the byte reader answered only \(fast) of 30,000 lines")
        #expect(declined > 3_000)
    }

    @Test func takesTheUsualLinesItself() throws {
        let lines = [
            #"{"path": "a/b.txt", "text": "Datum 2021-03-04\nRisk", "year": 2021, "title": "T", "authority": "Kommunstyrelsen", "type": "beslut", "dnr": "KS 2021/1"}"#,
            #"{"path":"x","pages":["ett","två"],"part":1,"partName":"bilaga.pdf","format":"pdf","unknown":{"a":[1,2.5e3,true,null]}}"#,
            #"{"path": "\u00e5r/\ud83d\ude00.txt", "text": "citat: \"x\" \\ slut", "language": null}"#,
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            let mine = try #require(bytes.withUnsafeBytes(JSONLineDecoder.decode), "declined: \(line)")
            #expect(mine == (try JSONDecoder().decode(JSONLDocument.self, from: Data(bytes))))
        }
    }

    @Test func characterCountOnBytesIsStringCount() {
        var r = SeededRandom(state: 5)
        let pieces = ["a", "å", "Ä", "\r", "\n", "\r\n", "–", "…", "“", "€", "™", "\u{301}", "e\u{301}", "\u{200D}", "👍", "👍🏽",
                      "\u{2028}", "ẞ", "\u{FEFF}", "한", "x", " ", "\t", "©", "ǅ", "\u{0300}"]
        for _ in 0..<20_000 {
            var s = ""
            for _ in 0..<r.below(10) { s += pieces[r.below(pieces.count)] }
            #expect(DocumentFields.characterCount(s) == s.count, "\(Array(s.unicodeScalars))")
        }
        // Longer runs of Latin text, where eight bytes at a time hold two-byte letters (the
        // byte path's Latin words), with the other pieces among them now and then.
        let latin = ["a", "å", "Ä", "ö", "é", "ß", "ł", "\u{A0}", "x", " ", "\r", "\u{FF}", "\u{80}", "ˇ"]
        var latinWords = 0
        for _ in 0..<5_000 {
            var s = ""
            for _ in 0..<(8 + r.below(60)) {
                s += r.below(12) == 0 ? pieces[r.below(pieces.count)] : latin[r.below(latin.count)]
            }
            if s.utf8.allSatisfy({ $0 < 0xCC && $0 != 0x0A }) { latinWords += 1 }
            #expect(DocumentFields.characterCount(s) == s.count, "\(Array(s.unicodeScalars))")
        }
        #expect(latinWords > 100)
    }
}
