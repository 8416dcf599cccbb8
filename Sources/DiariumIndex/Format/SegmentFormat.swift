/// The indexed fields of a document. Each has its own postings and length norms; the
/// search layer weights them.
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
}

/// Constants of the segment file format (see docs/index-format.md).
enum SegmentFormat {
    static let magic: [UInt8] = Array("DIARSEG\u{0}".utf8)
    static let footerMagic: [UInt8] = Array("DSF1".utf8)
    /// 3: postings and positions in bit-packed blocks of 128 with skip data and block maxima,
    /// one-byte norms, fast fields, stored statistics. Versions 1 and 2 are refused with a
    /// rebuild message.
    static let version: UInt32 = 3
    static let headerSize = 16
    static let footerSize = 24
    static let fileExtension = "seg"

    /// Terms per dictionary block.
    static let termsPerBlock = 32
    /// Documents per postings block.
    static let postingsBlock = BitPacking.blockSize
    /// Bytes of one skip entry (`SkipEntry` owns the layout).
    static let skipEntrySize = SkipEntry.size
    /// Bytes of one term-index entry: dictionary offset (u32), key offset (u32), key length (u16), 2 bytes padding.
    static let termIndexEntrySize = 12
    /// Bytes of one stored-text index entry: first document (u32), offset (u64), compressed
    /// size (u32), raw size (u32).
    static let storeIndexEntrySize = 20
    /// Raw bytes of stored text per compressed block, before a block is closed.
    static let storeBlockSize = 64 * 1024

    /// Skip entries of a term with `df` documents: one per block, none for a single block.
    @inline(__always)
    static func skipCount(df: Int) -> Int {
        df > postingsBlock ? (df + postingsBlock - 1) / postingsBlock : 0
    }

    enum Section: UInt32, CaseIterable {
        case postings = 1, positions = 2, terms = 3, termIndex = 4, norms = 5, docIDs = 6,
            store = 7, storeIndex = 8, skips = 9, stats = 10, fast = 11
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

    /// Values for one document.
    public init(year: Int? = nil, authority: String? = nil, docType: String? = nil, format: String? = nil) {
        self.year = year
        self.authority = authority
        self.docType = docType
        self.format = format
    }

    /// The string columns, in file order.
    public enum Column: Int, CaseIterable, Sendable { case authority = 0, docType = 1, format = 2 }

    subscript(_ c: Column) -> String? {
        switch c { case .authority: authority; case .docType: docType; case .format: format }
    }
}
