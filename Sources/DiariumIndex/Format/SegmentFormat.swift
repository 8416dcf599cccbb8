/// The indexed fields of a document. Each has its own frequencies (in a term's one postings
/// list) and length norms; the search layer weights them.
public enum IndexField: UInt8, CaseIterable, Sendable {
    /// The document's title.
    case title = 0
    /// The document's extracted text.
    case body = 1
    /// Searchable metadata: authority, type, diarienummer, year, folder names.
    case meta = 2
    /// Parts of compound words of the title and text, weighted low so that documents holding a
    /// word itself rank above those holding it only inside compounds.
    case parts = 3

    /// The field's bit in a field mask (bit `rawValue`).
    @inlinable public var bit: UInt8 { 1 << rawValue }

    /// The mask of a set of fields. Inlinable, so each caller's sequence type is specialised:
    /// the unspecialised `reduce` resolved `S.Element` at run time, a walk of the conformance
    /// records that cost 0.41 M instructions of a fresh `diarium search` (callgrind).
    @inlinable public static func mask<S: Sequence>(_ fields: S) -> UInt8 where S.Element == IndexField {
        var mask: UInt8 = 0
        for field in fields { mask |= field.bit }
        return mask
    }
}

/// Constants of the segment file format (see docs/index-format.md).
enum SegmentFormat {
    static let magic: [UInt8] = Array("DIARSEG\u{0}".utf8)
    static let footerMagic: [UInt8] = Array("DSF1".utf8)
    /// 3: postings and positions in bit-packed blocks of 128 with skip data and block maxima,
    /// one-byte norms, fast fields, stored statistics. 4: stored text as one stream in blocks
    /// of 32 KiB (`StoreIndex`) with a position → offset table (`TextPositions`), and a date
    /// column among the fast fields (sorting by date without the catalog). Older versions are
    /// refused with a rebuild message. 5: one postings list per term with the per-field
    /// frequencies (`PostingsBlock`), positions of the title and body only, per-field block
    /// maxima in the skip entries, dictionary blocks keyed by term (`TermBlock`). 6: stored
    /// text in blocks of 4 KiB compressed with a zstd dictionary per segment (`StoreDictionary`),
    /// and each skip entry also bounds its block's documents' pseudo frequency (`SkipEntry`), at
    /// the BM25F parameters of the new BOUNDS section (`BoundReference`). 7: STOREINDEX with
    /// 4-byte offsets when they fit (`StoreIndex`), stored text in blocks of 1 KiB whose frames
    /// declare neither their size nor their dictionary's id (`Zstd`). 8: TERMFILTER, a Bloom
    /// filter over the terms, so a lookup of an absent term usually (~99 %) reads one block
    /// and no dictionary (`TermFilter`).
    static let version: UInt32 = 8
    static let headerSize = 16
    static let footerSize = 24
    /// Bytes of one directory entry: section id (u32), offset and length (u64 each).
    static let directoryEntrySize = 20
    static let fileExtension = "seg"

    /// Terms per dictionary block.
    static let termsPerBlock = 32
    /// Documents per postings block.
    static let postingsBlock = BitPacking.blockSize
    /// Bytes of one skip entry (`SkipEntry` owns the layout).
    static let skipEntrySize = SkipEntry.size
    /// Bytes of one term-index entry (`TermIndexEntry` owns the layout).
    static let termIndexEntrySize = TermIndexEntry.size
    /// The fields whose positions are stored (phrases, proximity and snippets read no others),
    /// as a bit mask of `IndexField` raw values.
    static let positionalFields: UInt8 = 1 << IndexField.title.rawValue | 1 << IndexField.body.rawValue
    /// All fields, as a bit mask.
    static let allFields: UInt8 = (1 << UInt8(IndexField.allCases.count)) - 1

    /// Skip entries of a term with `df` documents: one per block, none for a single block.
    @inline(__always)
    static func skipCount(df: Int) -> Int {
        df > postingsBlock ? (df + postingsBlock - 1) / postingsBlock : 0
    }

    enum Section: UInt32, CaseIterable {
        case postings = 1, positions = 2, terms = 3, termIndex = 4, norms = 5, docIDs = 6,
            store = 7, storeIndex = 8, skips = 9, stats = 10, fast = 11, bounds = 12,
            textPositions = 20, storeDictionary = 21, termFilter = 22
    }
}

/// Per-document values kept columnar in a segment ("fast fields") for filtering and grouping
/// without the catalog.
public struct FastValues: Sendable, Equatable {
    /// The document's year, if known.
    public var year: Int?
    /// The authority's name.
    public var authority: String?
    /// The document type.
    public var docType: String?
    /// The detected file format.
    public var format: String?
    /// The document's date as `DateKey` packs it (0: none).
    public var date: UInt32

    /// Values for one document; `date` is an ISO date `YYYY-MM-DD` (anything else is kept as none).
    public init(year: Int? = nil, authority: String? = nil, docType: String? = nil, format: String? = nil, date: String? = nil) {
        self.year = year
        self.authority = authority
        self.docType = docType
        self.format = format
        self.date = DateKey.pack(date)
    }

    /// The string columns, in file order.
    public enum Column: Int, CaseIterable, Sendable { case authority = 0, docType = 1, format = 2 }

    subscript(_ c: Column) -> String? {
        switch c { case .authority: authority; case .docType: docType; case .format: format }
    }
}

/// A date as a number that sorts as its ISO text does: `YYYY-MM-DD` is `YYYYMMDD`, a year alone
/// is `YYYY0000` (so `2015` sorts below every date of 2015, as the text `"2015"` sorts below
/// `"2015-01-01"`), and 0 is no date. The fast-field date column holds it; sorting by date is an
/// integer comparison over the column instead of a catalog read per hit.
public enum DateKey {
    /// The key of an ISO date `YYYY-MM-DD` (month and day checked), else 0.
    public static func pack(_ date: String?) -> UInt32 {
        guard let date else { return 0 }
        let b = Array(date.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return 0 }
        var digits: [UInt32] = []
        for i in [0, 1, 2, 3, 5, 6, 8, 9] {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return 0 }
            digits.append(UInt32(b[i] - 0x30))
        }
        let y = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
        let m = digits[4] * 10 + digits[5], d = digits[6] * 10 + digits[7]
        guard y > 0, (1...12).contains(m), (1...31).contains(d) else { return 0 }
        return y * 10000 + m * 100 + d
    }

    /// The ISO text of a key made by `pack` (nil for 0 or a year alone).
    public static func text(_ key: UInt32) -> String? {
        let m = key / 100 % 100, d = key % 100
        guard key != 0, m != 0, d != 0 else { return nil }
        let y = key / 10000
        return (y < 1000 ? String(repeating: "0", count: y < 10 ? 3 : y < 100 ? 2 : 1) : "") + "\(y)-" + (m < 10 ? "0" : "") + "\(m)-" + (d < 10 ? "0" : "") + "\(d)"
    }

    /// The order key of a document by date: its date, else its year alone, else 0 — the order of
    /// the catalog's `date ?? year` as text.
    @inline(__always)
    public static func order(date: UInt32, year: Int?) -> UInt32 {
        date != 0 ? date : UInt32(clamping: (year ?? 0) * 10000)
    }
}

/// A segment's fast columns over its mapped bytes (`SegmentReader.withFastColumns`): valid only
/// inside that call. Indexes are segment document numbers; nothing is checked here (the
/// reader checked the column sizes and ordinals at open).
public struct FastColumns {
    let years: UnsafeRawBufferPointer
    let dates: UnsafeRawBufferPointer
    let ordinals: [UnsafeRawBufferPointer]

    /// The year of `doc` (0: unknown).
    @inline(__always)
    public func year(_ doc: UInt32) -> UInt16 { years.loadUnaligned(fromByteOffset: Int(doc) * 2, as: UInt16.self).littleEndian }

    /// The date of `doc` as `DateKey` packs it (0: none).
    @inline(__always)
    public func date(_ doc: UInt32) -> UInt32 { dates.loadUnaligned(fromByteOffset: Int(doc) * 4, as: UInt32.self).littleEndian }

    /// The ordinal of `doc` in a string column (0: no value; k: dictionary value k − 1).
    @inline(__always)
    public func ordinal(_ column: FastValues.Column, _ doc: UInt32) -> UInt16 {
        ordinals[column.rawValue].loadUnaligned(fromByteOffset: Int(doc) * 2, as: UInt16.self).littleEndian
    }

    /// The first document of each run of documents with one year (0 first), in document
    /// order; nil when there are more than `limit` runs. Four years are compared at a time
    /// with the four before them (one 8-byte load each), so a long run costs a compare per
    /// four documents.
    public func yearRunStarts(limit: Int) -> [UInt32]? {
        let n = years.count / 2
        guard n > 0 else { return [] }
        var starts: [UInt32] = [0]
        var d = 1
        while d < n {
            if d + 4 <= n && years.loadUnaligned(fromByteOffset: (d - 1) * 2, as: UInt64.self)
                == years.loadUnaligned(fromByteOffset: d * 2, as: UInt64.self) {
                d += 4
                continue
            }
            for k in d..<min(d + 4, n) where year(UInt32(k)) != year(UInt32(k - 1)) {
                starts.append(UInt32(k))
                if starts.count > limit { return nil }
            }
            d += 4
        }
        return starts
    }
}
