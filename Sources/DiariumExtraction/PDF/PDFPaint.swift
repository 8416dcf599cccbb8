/// Which pages of a PDF provably paint nothing, read from the file's own objects — so that the
/// blank-page test of a born-digital PDF (`PDFExtractor`) needs no `pdftoppm` render when the
/// answer is plain. A render costs a poppler process (its start alone is about 7 ms of CPU, as
/// much as the whole `pdftotext` run of a short document); LibreOffice and Word leave blank
/// pages in many documents (a page break at a form feed, a section that starts on an odd page),
/// and these are the common case.
///
/// Conservative by construction: a page is reported blank only when every step is certain —
/// a classic cross-reference table (with `/Prev` sections; an xref stream or a hybrid file is
/// not read), a page tree of exactly as many pages as `pdftotext` printed, a page without
/// annotations whose content streams are unfiltered or plain `/FlateDecode` (no predictor), and
/// whose operators include none that paint: no text shown (`Tj`, `TJ`, `'`, `"`), no path
/// stroked or filled (`S s f F f* B B* b b*`), no XObject (`Do`), shading (`sh`) or inline
/// image (`BI`). Anything else — an object that is not where the table says, an object stream,
/// another filter, a page tree that loops — leaves the page undecided, and it is rendered as
/// before. Damage that shows (an object not where the table says) leaves pages undecided; only
/// a file crafted to read one way here and another in poppler can get a wrong answer, and the
/// cost of that is one page not sent to OCR.
///
/// Bounded for hostile files: at most `maxInflated` bytes of content are read (inflated or
/// not) per document, at most `maxEntries` cross-reference entries and 16 sections are read,
/// values nest at most 32 deep, the page tree is walked with a visited set and stops past the
/// expected page count.
/// Pure Swift over the bytes (no C parser), driven by the fuzz suite (`DiariumFuzzing`).
public enum PDFPaint {
    /// Bytes of content streams read per document (inflated or unfiltered), at most.
    static let maxInflated = 8 << 20
    /// Cross-reference entries read, at most.
    static let maxEntries = 1 << 20

    /// The pages among `candidates` (1-based) that provably paint nothing, in a PDF of
    /// `pageCount` pages; pages that cannot be decided are left out.
    public static func blankPages(_ bytes: [UInt8], pageCount: Int, candidates: [Int]) -> Set<Int> {
        guard !candidates.isEmpty, pageCount > 0 else { return [] }
        var reader = Reader(bytes: bytes)
        guard reader.readCrossReference(), let pages = reader.pageTree(expected: pageCount), pages.count == pageCount else { return [] }
        var blank = Set<Int>()
        for p in candidates where p >= 1 && p <= pageCount {
            if reader.paintsNothing(pages[p - 1]) == true { blank.insert(p) }
        }
        return blank
    }

    /// A PDF value, as far as this reader needs one.
    indirect enum Value {
        case number(Int)
        case real
        case name([UInt8])
        case reference(Int)
        case array([Value])
        case dictionary([[UInt8]: Value])
        case other

        subscript(key: String) -> Value? {
            if case let .dictionary(d) = self { return d[Array(key.utf8)] }
            return nil
        }
    }

    /// Lexer, object index and page tree over one file's bytes.
    struct Reader {
        let bytes: [UInt8]
        var offsets: [Int: Int] = [:]
        var trailerRoot: Int?
        var inflated = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        // MARK: Lexing

        static func isWhite(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 || b == 0x0C || b == 0x00 }
        static func isDelimiter(_ b: UInt8) -> Bool {
            b == 0x28 || b == 0x29 || b == 0x3C || b == 0x3E || b == 0x5B || b == 0x5D || b == 0x7B || b == 0x7D || b == 0x2F || b == 0x25
        }
        static func isRegular(_ b: UInt8) -> Bool { !isWhite(b) && !isDelimiter(b) }

        /// Skips white space and comments from `i` in `data`.
        static func skip(_ data: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
            while i < data.count {
                if isWhite(data[i]) { i += 1; continue }
                if data[i] == 0x25 { while i < data.count && data[i] != 0x0A && data[i] != 0x0D { i += 1 }; continue }
                return
            }
        }

        /// The regular characters from `i` (a keyword, a number or a name's body).
        static func word(_ data: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> ArraySlice<UInt8> {
            let start = i
            while i < data.count && isRegular(data[i]) { i += 1 }
            return ArraySlice(data[start..<i])
        }

        static func integer(_ w: ArraySlice<UInt8>) -> Int? {
            guard !w.isEmpty, w.count <= 12 else { return nil }
            var v = 0, negative = false
            for (k, b) in w.enumerated() {
                if k == 0 && (b == 0x2D || b == 0x2B) { negative = b == 0x2D; if w.count == 1 { return nil }; continue }
                guard b >= 0x30 && b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return negative ? -v : v
        }

        /// Skips a literal string starting at its `(`: nesting and backslash escapes.
        static func skipLiteral(_ data: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
            var depth = 0
            while i < data.count {
                let b = data[i]
                i += 1
                if b == 0x5C { i += 1; continue }
                if b == 0x28 { depth += 1 } else if b == 0x29 { depth -= 1; if depth == 0 { return } }
            }
        }

        /// One value at `i` (a reference `n g R` read as one); nil at the end, on an
        /// unexpected delimiter, or past the nesting limit.
        static func value(_ data: UnsafeBufferPointer<UInt8>, _ i: inout Int, depth: Int = 0) -> Value? {
            guard depth < 32 else { return nil }
            skip(data, &i)
            guard i < data.count else { return nil }
            switch data[i] {
            case 0x2F:   // /Name (# escapes kept as written: a name that needs them is not one this reader looks up)
                i += 1
                return .name(Array(word(data, &i)))
            case 0x28:
                skipLiteral(data, &i)
                return .other
            case 0x3C:
                if i + 1 < data.count && data[i + 1] == 0x3C {
                    i += 2
                    var d: [[UInt8]: Value] = [:]
                    while true {
                        skip(data, &i)
                        guard i < data.count else { return nil }
                        if data[i] == 0x3E { guard i + 1 < data.count, data[i + 1] == 0x3E else { return nil }; i += 2; return .dictionary(d) }
                        guard case let .name(key)? = value(data, &i, depth: depth + 1), let v = value(data, &i, depth: depth + 1) else { return nil }
                        d[key] = v
                    }
                }
                while i < data.count && data[i] != 0x3E { i += 1 }
                i += 1
                return .other
            case 0x5B:
                i += 1
                var a: [Value] = []
                while true {
                    skip(data, &i)
                    guard i < data.count else { return nil }
                    if data[i] == 0x5D { i += 1; return .array(a) }
                    guard let v = value(data, &i, depth: depth + 1) else { return nil }
                    a.append(v)
                }
            default:
                guard isRegular(data[i]) else { return nil }
                let w = word(data, &i)
                guard let n = integer(w) else {
                    if w.contains(0x2E), w.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B }) { return .real }
                    return .other
                }
                // `n g R`?
                var j = i
                skip(data, &j)
                guard j < data.count, isRegular(data[j]) else { return .number(n) }
                guard let _ = integer(word(data, &j)) else { return .number(n) }
                skip(data, &j)
                guard j < data.count, data[j] == 0x52, j + 1 == data.count || !isRegular(data[j + 1]) else { return .number(n) }
                i = j + 1
                return .reference(n)
            }
        }

        func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R { bytes.withUnsafeBufferPointer(body) }

        // MARK: Cross-reference table

        /// Offset of the last `startxref` within the file's last 4 KiB.
        static func lastStartxref(_ bytes: [UInt8]) -> Int? {
            let needle = Array("startxref".utf8)
            var i = bytes.count - needle.count
            while i >= max(0, bytes.count - 4096) {
                if bytes[i] == 0x73, bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
                i -= 1
            }
            return nil
        }

        /// Reads the classic cross-reference table (newest section first, then `/Prev`);
        /// false for an xref stream, a hybrid file or anything malformed.
        mutating func readCrossReference() -> Bool {
            guard let at = Self.lastStartxref(bytes) else { return false }
            var offsets: [Int: Int] = [:]
            var root: Int?
            let ok: Bool = withBytes { data in
                var i = at + 9
                Self.skip(data, &i)
                guard var section = Self.integer(Self.word(data, &i)) else { return false }
                var entries = 0
                var seen = Set<Int>()
                for _ in 0..<16 {
                    guard section >= 0, section < data.count, seen.insert(section).inserted else { return false }
                    var j = section
                    Self.skip(data, &j)
                    guard Self.word(data, &j).elementsEqual("xref".utf8) else { return false }
                    while true {
                        Self.skip(data, &j)
                        let w = Self.word(data, &j)
                        if w.elementsEqual("trailer".utf8) { break }
                        guard let first = Self.integer(w) else { return false }
                        Self.skip(data, &j)
                        guard let count = Self.integer(Self.word(data, &j)), first >= 0, count >= 0 else { return false }
                        for k in 0..<count {
                            entries += 1
                            guard entries <= PDFPaint.maxEntries else { return false }
                            Self.skip(data, &j)
                            guard let offset = Self.integer(Self.word(data, &j)) else { return false }
                            Self.skip(data, &j)
                            guard Self.integer(Self.word(data, &j)) != nil else { return false }
                            Self.skip(data, &j)
                            let kind = Self.word(data, &j)
                            // The newest section is read first: an object keeps its first entry.
                            if kind.elementsEqual("n".utf8) {
                                if offsets[first + k] == nil { offsets[first + k] = offset }
                            } else if kind.elementsEqual("f".utf8) {
                                if offsets[first + k] == nil { offsets[first + k] = -1 }
                            } else { return false }
                        }
                    }
                    guard let trailer = Self.value(data, &j), case .dictionary = trailer else { return false }
                    if trailer["XRefStm"] != nil { return false }
                    if root == nil, case let .reference(r)? = trailer["Root"] { root = r }
                    guard case let .number(previous)? = trailer["Prev"] else { return root != nil }
                    section = previous
                }
                return false
            }
            guard ok else { return false }
            self.offsets = offsets
            trailerRoot = root
            return true
        }

        // MARK: Objects

        /// The object `number` (its value, and where its stream data starts when it is a stream).
        func object(_ number: Int) -> (value: Value, streamStart: Int?)? {
            guard let offset = offsets[number], offset >= 0, offset < bytes.count else { return nil }
            return withBytes { data in
                var i = offset
                Self.skip(data, &i)
                guard Self.integer(Self.word(data, &i)) == number else { return nil }
                Self.skip(data, &i)
                guard Self.integer(Self.word(data, &i)) != nil else { return nil }
                Self.skip(data, &i)
                guard Self.word(data, &i).elementsEqual("obj".utf8), let v = Self.value(data, &i) else { return nil }
                var j = i
                Self.skip(data, &j)
                var k = j
                guard Self.word(data, &k).elementsEqual("stream".utf8) else { return (v, nil) }
                // The data starts after the end of line that follows `stream` (CR LF or LF).
                if k < data.count && data[k] == 0x0D { k += 1 }
                if k < data.count && data[k] == 0x0A { k += 1 }
                return (v, k)
            }
        }

        /// `v`, with a reference followed (one step).
        func resolve(_ v: Value?) -> Value? {
            if case let .reference(n)? = v { return object(n)?.value }
            return v
        }

        /// The leaves of the page tree in order; nil when it cannot be walked exactly.
        func pageTree(expected: Int) -> [Value]? {
            guard let root = trailerRoot, let catalog = object(root)?.value, case let .reference(top)? = catalog["Pages"] else { return nil }
            var pages: [Value] = []
            var visited = Set<Int>()
            // Depth-first, in order: a stack of kids still to visit.
            var stack: [Int] = [top]
            while let n = stack.popLast() {
                guard visited.insert(n).inserted, visited.count <= 2 * expected + 64, let node = object(n)?.value else { return nil }
                let type = node["Type"]
                if case let .name(t)? = type, t.elementsEqual("Page".utf8) {
                    pages.append(node)
                } else if case let .array(kids)? = node["Kids"] {
                    for kid in kids.reversed() {
                        guard case let .reference(k) = kid else { return nil }
                        stack.append(k)
                    }
                } else if type == nil {
                    pages.append(node)
                } else {
                    return nil
                }
                if pages.count > expected { return nil }
            }
            return pages
        }

        /// Whether `page` provably paints nothing: true, false (it paints), or nil (undecided).
        mutating func paintsNothing(_ page: Value) -> Bool? {
            guard case .dictionary = page else { return nil }
            if let annots = page["Annots"] {
                if case let .array(a)? = resolve(annots), a.isEmpty {} else { return nil }
            }
            var streams: [Int] = []
            switch page["Contents"] {
            case nil: return true
            case let .reference(n)?:
                // A reference to an array of streams, or to the stream itself.
                if let (v, start) = object(n), start == nil, case let .array(items) = v {
                    for item in items { guard case let .reference(s) = item else { return nil }; streams.append(s) }
                } else {
                    streams = [n]
                }
            case let .array(items)?:
                for item in items { guard case let .reference(s) = item else { return nil }; streams.append(s) }
            default: return nil
            }
            for s in streams {
                guard let content = streamData(s) else { return nil }
                if Self.paints(content) { return false }
            }
            return true
        }

        /// The decoded data of stream object `n`: unfiltered or `/FlateDecode` without parameters.
        mutating func streamData(_ n: Int) -> [UInt8]? {
            guard let (dict, start) = object(n), let start else { return nil }
            guard case let .number(length)? = resolve(dict["Length"]), length >= 0, length <= bytes.count - start else { return nil }
            let raw = bytes[start..<(start + length)]
            if let parms = dict["DecodeParms"] { if case .array(let a) = parms, a.isEmpty {} else { return nil } }
            var flate = false
            switch dict["Filter"] {
            case nil: break
            case let .name(f)?: guard f.elementsEqual("FlateDecode".utf8) else { return nil }; flate = true
            case let .array(fs)?:
                if fs.isEmpty { break }
                guard fs.count == 1, case let .name(f) = fs[0], f.elementsEqual("FlateDecode".utf8) else { return nil }
                flate = true
            default: return nil
            }
            guard flate else {
                // Unfiltered data counts against the same budget as inflated data.
                guard raw.count <= PDFPaint.maxInflated - inflated else { return nil }
                inflated += raw.count
                return Array(raw)
            }
            // zlib format: a two-byte header (method 8), then raw deflate.
            guard raw.count > 2, raw[raw.startIndex] & 0x0F == 8,
                  (UInt16(raw[raw.startIndex]) << 8 | UInt16(raw[raw.startIndex + 1])) % 31 == 0,
                  raw[raw.startIndex + 1] & 0x20 == 0 else { return nil }
            let budget = PDFPaint.maxInflated - inflated
            guard budget > 0, let out = try? Inflate.inflate(raw.dropFirst(2), expected: raw.count * 4, limit: budget) else { return nil }
            inflated += out.count
            return out
        }

        /// Operators that put marks on the page.
        static let painting: Set<[UInt8]> = Set(["S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Tj", "TJ", "'", "\"", "Do", "sh", "BI"].map { Array($0.utf8) })

        /// Whether a content stream has an operator that paints.
        static func paints(_ content: [UInt8]) -> Bool {
            content.withUnsafeBufferPointer { data in
                var i = 0
                while true {
                    skip(data, &i)
                    guard i < data.count else { return false }
                    switch data[i] {
                    case 0x28: skipLiteral(data, &i)
                    case 0x3C:
                        if i + 1 < data.count && data[i + 1] == 0x3C {
                            // A dictionary operand (marked content properties).
                            guard value(data, &i) != nil else { return true }
                        } else {
                            while i < data.count && data[i] != 0x3E { i += 1 }
                            i += 1
                        }
                    case 0x2F: i += 1; _ = word(data, &i)
                    case 0x5B, 0x5D, 0x7B, 0x7D, 0x3E, 0x29: i += 1
                    default:
                        let w = word(data, &i)
                        if painting.contains(Array(w)) { return true }
                    }
                }
            }
        }
    }
}
