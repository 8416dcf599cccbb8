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
    /// 2: a fourth field (compound parts). Version 1 files are refused with a rebuild message.
    static let version: UInt32 = 2
    static let headerSize = 16
    static let footerSize = 24
    static let fileExtension = "seg"

    /// Terms per dictionary block.
    static let termsPerBlock = 32
    /// Raw bytes of stored text per compressed block, before a block is closed.
    static let storeBlockSize = 64 * 1024

    enum Section: UInt32, CaseIterable {
        case postings = 1, positions = 2, terms = 3, termIndex = 4, norms = 5, docIDs = 6,
            store = 7, storeIndex = 8
    }
}
