import Foundation
import DiariumExtraction
import DiariumIndex

/// One ranked document.
public struct SearchHit: Codable, Sendable, Equatable {
    public var rank: Int
    public var score: Double
    public var id: Int64
    public var path: String
    /// The file's absolute path where its release is now (`SearchResult.locateFiles`); nil
    /// when the index does not know where its root is.
    public var file: String? = nil
    public var title: String?
    public var authority: String?
    public var type: String?
    public var date: String?
    public var year: Int?
    public var dnr: String?
    public var format: String
    /// The page the snippet is on (1-based), for documents with pages.
    public var page: Int?
    /// For a document inside a file (a ZIP entry, an attachment): its name there
    /// (`Tekniska förvaltningen/protokoll.docx`); absent for a file itself.
    public var part: String? = nil
    /// A passage of the text with matched words between `«` and `»`.
    public var snippet: String
    /// Where the matched words are in `snippet`: `[start, end)` offsets in Unicode code points,
    /// the marks excluded.
    public var highlights: [[Int]] = []
}

/// The answer to one query.
public struct SearchResult: Codable, Sendable, Equatable {
    public var query: String
    /// Number of matching documents (all of them, not only those returned) — a lower bound
    /// when `exactTotal` is false.
    public var total: Int
    /// False when top-k evaluation skipped blocks that could not reach the page, so `total`
    /// counts only the matches it looked at; absent (nil) when `total` is exact.
    public var exactTotal: Bool?
    public var hits: [SearchHit]
    /// `or` when no document had every word and the hits are ranked by any word instead.
    public var fallback: String?

    public init(query: String, total: Int, hits: [SearchHit], fallback: String? = nil) {
        self.query = query
        self.total = total
        self.hits = hits
        self.fallback = fallback
    }

    /// Sets each hit's `file` (absolute) from the index's root folders, as `list` does: the
    /// command line and the web API call it alike.
    public mutating func locateFiles(_ roots: RootFolders) {
        for i in hits.indices { hits[i].file = roots.file(shownPath: hits[i].path) }
    }
}

extension SearchHit {
    /// The hit of `record` (borrowed: its fields are read through `metadata` itself, not the
    /// generic key-path member, which copied the record for each field).
    init(rank: Int, score: Double, record: borrowing HitRecord, snippet: String, page: Int?) {
        let m = record.metadata
        self.init(rank: rank, score: score, id: record.id, path: record.path, title: m.title, authority: m.authority,
                  type: m.docType, date: m.date, year: m.year, dnr: m.dnr, format: record.format, page: page,
                  part: record.partName, snippet: snippet, highlights: SearchHit.highlights(in: snippet))
    }


    /// Offsets of the `«…»`-marked words of a snippet, in code points: a walk over its UTF-8
    /// counting the bytes that start a scalar (« is C2 AB, » C2 BB). Eight bytes at a time
    /// where none of them is C2 (nor the byte before): their scalars are counted at once, as
    /// the bytes that are not continuation bytes (10xxxxxx).
    static func highlights(in snippet: String) -> [[Int]] {
        var out: [[Int]] = []
        var start = -1
        var scalar = -1
        var previous: UInt8 = 0
        // The snippet's UTF-8 as one buffer (a native string's own; a bridged one copied once),
        // not the `utf8` view's iterator byte by byte.
        var text = snippet
        text.withUTF8 { bytes in
            @inline(__always) func step(_ b: UInt8) {
                if b & 0xC0 != 0x80 { scalar += 1 }
                if previous == 0xC2 {
                    if b == 0xAB { start = scalar + 1 } else if b == 0xBB, start >= 0 { out.append([start, scalar]); start = -1 }
                }
                previous = b
            }
            let raw = UnsafeRawBufferPointer(bytes)
            var i = 0
            while i + 8 <= raw.count {
                let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if previous != 0xC2 && !ByteWord.hasByte(x, equalTo: 0xC2) {
                    // No C2 among them: count the scalars they start.
                    scalar += ByteWord.scalarStarts(x)
                    previous = UInt8(truncatingIfNeeded: x >> 56)
                } else {
                    for k in i..<(i + 8) { step(raw[k]) }
                }
                i += 8
            }
            while i < raw.count { step(raw[i]); i += 1 }
        }
        return out
    }
}
