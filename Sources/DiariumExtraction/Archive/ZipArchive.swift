/// A ZIP archive (PKWARE APPNOTE 6.3) read from bytes in memory: the owner of the ZIP byte
/// layout. The central directory is the table of contents (ZIP64 included); an entry's data is
/// found through its local header and inflated only on request, with an output cap.
///
/// Nothing here touches the file system: an entry name is a string for display and metadata,
/// never a path (`../../etc/passwd` inside an archive is just a name).
struct ZipArchive {
    /// One central-directory record.
    struct Entry {
        /// The name as stored, decoded (UTF-8 when flagged or valid, else code page 850).
        var name: String
        /// General-purpose flags (bit 0: encrypted; bit 3: sizes in a data descriptor; bit 11: UTF-8).
        var flags: UInt16
        /// 0 stored, 8 deflate; others are not read.
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
        /// External attributes (Unix mode in the high 16 bits when made on Unix).
        var externalAttributes: UInt32

        var isDirectory: Bool { name.hasSuffix("/") || name.hasSuffix("\\") }
        /// Traditional PKWARE encryption (flag bit 0) or WinZip AES (method 99).
        var isEncrypted: Bool { flags & 1 != 0 || method == 99 }
        /// A Unix symbolic link stored as an entry (its data is the target's name).
        var isSymlink: Bool { (externalAttributes >> 16) & 0o170000 == 0o120000 }
    }

    /// Why an archive or an entry could not be read.
    enum Failure: Error, Equatable {
        case notAnArchive(String)
        case tooManyEntries(limit: Int)
        case entry(String)
        case encrypted
        case unsupportedMethod(UInt16)
        case overLimit(limit: Int)
    }

    let bytes: [UInt8]
    /// The entries in central-directory order.
    private(set) var entries: [Entry] = []
    /// Where the archive's own offsets start (non-zero when something is prepended, as in a
    /// self-extracting archive).
    private var base = 0

    /// Reads the central directory. More than `maxEntries` records is a failure of its own,
    /// found before any entry is read.
    init(_ bytes: [UInt8], maxEntries: Int) throws(Failure) {
        self.bytes = bytes
        guard let eocd = ZipArchive.findEndRecord(bytes) else { throw .notAnArchive("no end of central directory record") }
        var count = Int(u16(eocd + 10))
        var cdSize = Int(u32(eocd + 12))
        var cdOffset = Int(u32(eocd + 16))
        // ZIP64: the locator sits just before the end record.
        if (count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF), eocd >= 20, u32(eocd - 20) == 0x0706_4B50 {
            let z64 = Int(clamping: u64(eocd - 12))
            guard z64 >= 0, z64 + 56 <= bytes.count, u32(z64) == 0x0606_4B50 else { throw .notAnArchive("damaged ZIP64 end record") }
            count = Int(clamping: u64(z64 + 32))
            cdSize = Int(clamping: u64(z64 + 40))
            cdOffset = Int(clamping: u64(z64 + 48))
        } else if cdOffset + cdSize < eocd {
            base = eocd - (cdOffset + cdSize)
        }
        if count > maxEntries { throw .tooManyEntries(limit: maxEntries) }
        guard cdOffset <= bytes.count else { throw .notAnArchive("central directory outside the file") }
        var p = base + cdOffset
        guard p <= bytes.count else { throw .notAnArchive("central directory outside the file") }
        entries.reserveCapacity(min(count, 4096))
        while p + 46 <= bytes.count && u32(p) == 0x0201_4B50 {
            if entries.count == maxEntries { throw .tooManyEntries(limit: maxEntries) }
            let nameLength = Int(u16(p + 28)), extraLength = Int(u16(p + 30)), commentLength = Int(u16(p + 32))
            guard p + 46 + nameLength + extraLength <= bytes.count else { break }
            let flags = u16(p + 8)
            let nameBytes = bytes[(p + 46)..<(p + 46 + nameLength)]
            var entry = Entry(name: ZipArchive.decodeName(nameBytes, utf8: flags & 0x800 != 0), flags: flags, method: u16(p + 10),
                              crc32: u32(p + 16), compressedSize: Int(u32(p + 20)), uncompressedSize: Int(u32(p + 24)),
                              localHeaderOffset: Int(u32(p + 42)), externalAttributes: u32(p + 38))
            readExtra(&entry, from: p + 46 + nameLength, length: extraLength)
            entries.append(entry)
            p += 46 + nameLength + extraLength + commentLength
        }
        if entries.isEmpty && count > 0 { throw .notAnArchive("damaged central directory") }
    }

    /// ZIP64 sizes and offsets (extra field 0x0001), and the Info-ZIP Unicode path (0x7075).
    private func readExtra(_ entry: inout Entry, from start: Int, length: Int) {
        var q = start
        let end = start + length
        while q + 4 <= end {
            let id = u16(q), size = Int(u16(q + 2))
            let data = q + 4
            guard data + size <= end else { return }
            if id == 0x0001 {
                var r = data
                func next() -> Int? {
                    guard r + 8 <= data + size else { return nil }
                    defer { r += 8 }
                    return Int(clamping: u64(r))
                }
                if entry.uncompressedSize == 0xFFFF_FFFF, let v = next() { entry.uncompressedSize = v }
                if entry.compressedSize == 0xFFFF_FFFF, let v = next() { entry.compressedSize = v }
                if entry.localHeaderOffset == 0xFFFF_FFFF, let v = next() { entry.localHeaderOffset = v }
            } else if id == 0x7075, size > 5, bytes[data] == 1 {
                let utf8 = bytes[(data + 5)..<(data + size)]
                if TextDecoding.isValidUTF8(utf8) { entry.name = String(decoding: utf8, as: UTF8.self) }
            }
            q = data + size
        }
    }

    /// The entry named `name` exactly (OOXML and ODF part names), if any.
    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The entry's data, at most `limit` bytes after inflation.
    func read(_ entry: Entry, limit: Int) throws(Failure) -> [UInt8] {
        if entry.isEncrypted { throw .encrypted }
        guard entry.localHeaderOffset <= bytes.count else { throw .entry("local header outside the file") }
        let local = base + entry.localHeaderOffset
        guard local + 30 <= bytes.count, u32(local) == 0x0403_4B50 else { throw .entry("local header missing") }
        let start = local + 30 + Int(u16(local + 26)) + Int(u16(local + 28))
        guard start <= bytes.count else { throw .entry("data outside the file") }
        let end = start + min(max(0, entry.compressedSize), bytes.count - start)
        let data = bytes[start..<end]
        var out: [UInt8]
        switch entry.method {
        case 0:
            if data.count > limit { throw .overLimit(limit: limit) }
            if data.count < entry.compressedSize { throw .entry("data truncated") }
            out = Array(data)
        case 8:
            do {
                out = try Inflate.inflate(data, expected: min(entry.uncompressedSize, limit), limit: limit)
            } catch {
                switch error {
                case .overLimit: throw .overLimit(limit: limit)
                case .truncated: throw .entry("compressed data truncated")
                case .corrupt(let why): throw .entry("damaged compressed data (\(why))")
                }
            }
        default:
            throw .unsupportedMethod(entry.method)
        }
        if Inflate.crc32(out) != entry.crc32 { throw .entry("checksum mismatch (damaged archive)") }
        return out
    }

    /// The end-of-central-directory record's offset: searched backwards over the last 64 KiB
    /// (the longest archive comment) plus the record itself.
    static func findEndRecord(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 22 else { return nil }
        var p = bytes.count - 22
        let stop = max(0, bytes.count - 22 - 0xFFFF)
        while p >= stop {
            if bytes[p] == 0x50 && bytes[p + 1] == 0x4B && bytes[p + 2] == 0x05 && bytes[p + 3] == 0x06 { return p }
            p -= 1
        }
        return nil
    }

    /// UTF-8 when flagged or valid; otherwise IBM code page 850, the OEM code page Swedish
    /// Windows writes ZIP names in (å, ä, ö are at the same places as in code page 437).
    static func decodeName(_ name: ArraySlice<UInt8>, utf8: Bool) -> String {
        if utf8 || TextDecoding.isValidUTF8(name) { return String(decoding: name, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        for b in name {
            if b < 0x80 { scalars.append(Unicode.Scalar(b)) } else {
                scalars.append(Unicode.Scalar(cp850High[Int(b - 0x80)]) ?? "_")
            }
        }
        return String(scalars)
    }


    /// Code page 850, bytes 0x80–0xFF. Box-drawing characters become `_` (never in names).
    static let cp850High: [UInt32] = [
        0xC7, 0xFC, 0xE9, 0xE2, 0xE4, 0xE0, 0xE5, 0xE7, 0xEA, 0xEB, 0xE8, 0xEF, 0xEE, 0xEC, 0xC4, 0xC5,
        0xC9, 0xE6, 0xC6, 0xF4, 0xF6, 0xF2, 0xFB, 0xF9, 0xFF, 0xD6, 0xDC, 0xF8, 0xA3, 0xD8, 0xD7, 0x192,
        0xE1, 0xED, 0xF3, 0xFA, 0xF1, 0xD1, 0xAA, 0xBA, 0xBF, 0xAE, 0xAC, 0xBD, 0xBC, 0xA1, 0xAB, 0xBB,
        0x5F, 0x5F, 0x5F, 0x5F, 0x5F, 0xC1, 0xC2, 0xC0, 0xA9, 0x5F, 0x5F, 0x5F, 0x5F, 0xA2, 0xA5, 0x5F,
        0x5F, 0x5F, 0x5F, 0x5F, 0x5F, 0x5F, 0xE3, 0xC3, 0x5F, 0x5F, 0x5F, 0x5F, 0x5F, 0x5F, 0x5F, 0xA4,
        0xF0, 0xD0, 0xCA, 0xCB, 0xC8, 0x131, 0xCD, 0xCE, 0xCF, 0x5F, 0x5F, 0x5F, 0x5F, 0xA6, 0xCC, 0x5F,
        0xD3, 0xDF, 0xD4, 0xD2, 0xF5, 0xD5, 0xB5, 0xFE, 0xDE, 0xDA, 0xDB, 0xD9, 0xFD, 0xDD, 0xAF, 0xB4,
        0xAD, 0xB1, 0x5F, 0xBE, 0xB6, 0xA7, 0xF7, 0xB8, 0xB0, 0xA8, 0xB7, 0xB9, 0xB3, 0xB2, 0x5F, 0xA0,
    ]

    // Little-endian reads; callers check bounds first.
    private func u16(_ p: Int) -> UInt16 { UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8 }
    private func u32(_ p: Int) -> UInt32 { UInt32(u16(p)) | UInt32(u16(p + 2)) << 16 }
    private func u64(_ p: Int) -> UInt64 { UInt64(u32(p)) | UInt64(u32(p + 4)) << 32 }
}
