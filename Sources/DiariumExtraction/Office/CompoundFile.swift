/// A Compound File Binary file (MS-CFB; the container of `.doc`, `.xls`, `.ppt`, `.msg` and
/// encrypted OOXML) read from bytes: the owner of the CFB byte layout. Every sector chain is
/// followed with a step limit (a chain can visit each sector once: a loop is an error, not a
/// hang), streams are read up to a byte cap, and the directory is walked iteratively with each
/// entry visited at most once.
struct CompoundFile {
    enum Failure: Error, Equatable {
        case notCompoundFile
        case damaged(String)
        case tooLarge(limit: Int)
    }

    /// A directory entry: a storage (folder) or a stream (file).
    struct Entry {
        var name: String
        var isStorage: Bool
        var start: UInt32
        var size: Int
        /// Children, by entry index (storages only).
        var children: [Int] = []
    }

    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let free: UInt32 = 0xFFFF_FFFF
    static let maxRegular: UInt32 = 0xFFFF_FFFA

    let bytes: [UInt8]
    private(set) var entries: [Entry] = []
    private let sectorSize: Int
    private let miniSectorSize = 64
    private let miniCutoff: Int
    private var fat: [UInt32] = []
    private var miniFAT: [UInt32] = []
    private var miniStream: [UInt8] = []
    /// The most bytes one stream may have.
    let maxStream: Int

    init(_ bytes: [UInt8], maxStream: Int = 256 << 20) throws(Failure) {
        self.bytes = bytes
        self.maxStream = maxStream
        guard bytes.count >= 512, bytes.starts(with: CompoundFile.signature) else { throw .notCompoundFile }
        func u16(_ p: Int) -> Int { Int(bytes[p]) | Int(bytes[p + 1]) << 8 }
        func u32(_ p: Int) -> UInt32 { UInt32(u16(p)) | UInt32(u16(p + 2)) << 16 }
        let shift = u16(0x1E)
        guard shift == 9 || shift == 12 else { throw .damaged("sector size 2^\(shift)") }
        sectorSize = 1 << shift
        miniCutoff = Int(u32(0x38)) == 0 ? 4096 : min(Int(u32(0x38)), 1 << 20)
        let sectorCount = max(0, (bytes.count - sectorSize) / sectorSize + ((bytes.count - sectorSize) % sectorSize > 0 ? 1 : 0))

        // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
        var fatSectors: [UInt32] = []
        for i in 0..<109 {
            let s = u32(0x4C + 4 * i)
            if s <= CompoundFile.maxRegular { fatSectors.append(s) }
        }
        var difat = u32(0x44)
        var steps = 0
        let perSector = sectorSize / 4
        while difat <= CompoundFile.maxRegular {
            steps += 1
            guard steps <= sectorCount, let start = CompoundFile.offset(difat, sectorSize: sectorSize, in: bytes.count) else {
                throw .damaged("DIFAT chain loops or leaves the file")
            }
            for i in 0..<(perSector - 1) {
                let s = u32(start + 4 * i)
                if s <= CompoundFile.maxRegular { fatSectors.append(s) }
            }
            difat = u32(start + 4 * (perSector - 1))
        }
        guard fatSectors.count <= sectorCount + 1 else { throw .damaged("more FAT sectors than sectors") }
        fat.reserveCapacity(fatSectors.count * perSector)
        for s in fatSectors {
            guard let start = CompoundFile.offset(s, sectorSize: sectorSize, in: bytes.count) else { throw .damaged("FAT sector outside the file") }
            for i in 0..<perSector { fat.append(u32(start + 4 * i)) }
        }

        // Directory.
        let directory = try chain(u32(0x30), limit: maxStream)
        var i = 0
        while i + 128 <= directory.count {
            let nameLength = min(64, Int(directory[i + 64]) | Int(directory[i + 65]) << 8)
            var units: [UInt16] = []
            var j = 0
            while j + 1 < nameLength - 1 { units.append(UInt16(directory[i + j]) | UInt16(directory[i + j + 1]) << 8); j += 2 }
            let type = directory[i + 66]
            func d32(_ p: Int) -> UInt32 { UInt32(directory[i + p]) | UInt32(directory[i + p + 1]) << 8 | UInt32(directory[i + p + 2]) << 16 | UInt32(directory[i + p + 3]) << 24 }
            let size = Int(d32(120)) | (sectorSize == 512 ? 0 : Int(d32(124)) << 32)
            entries.append(Entry(name: String(decoding: units, as: UTF16.self), isStorage: type == 1 || type == 5,
                                 start: d32(116), size: max(0, size)))
            siblings.append((d32(68), d32(72), d32(76), type))
            i += 128
        }
        guard !entries.isEmpty, siblings[0].type == 5 else { throw .damaged("no root entry") }
        // Children of each storage: the red-black tree of its child, walked without recursion,
        // each entry at most once.
        var seen = [Bool](repeating: false, count: entries.count)
        seen[0] = true
        var storages = [0]
        while let s = storages.popLast() {
            var stack = [siblings[s].child]
            while let n = stack.popLast() {
                guard n < UInt32(entries.count), !seen[Int(n)] else { continue }
                seen[Int(n)] = true
                let k = Int(n)
                entries[s].children.append(k)
                stack.append(siblings[k].left)
                stack.append(siblings[k].right)
                if entries[k].isStorage { storages.append(k) }
            }
            let all = entries
            entries[s].children.sort { all[$0].name < all[$1].name }
        }
        // Mini stream and mini FAT.
        if entries[0].size > 0 { miniStream = try chain(entries[0].start, limit: min(entries[0].size, maxStream)) }
        let miniFATBytes = try chain(u32(0x3C), limit: maxStream)
        miniFAT = stride(from: 0, to: miniFATBytes.count - 3, by: 4).map {
            UInt32(miniFATBytes[$0]) | UInt32(miniFATBytes[$0 + 1]) << 8 | UInt32(miniFATBytes[$0 + 2]) << 16 | UInt32(miniFATBytes[$0 + 3]) << 24
        }
    }

    private var siblings: [(left: UInt32, right: UInt32, child: UInt32, type: UInt8)] = []

    static func offset(_ sector: UInt32, sectorSize: Int, in count: Int) -> Int? {
        guard sector <= maxRegular else { return nil }
        let start = (Int(sector) + 1) * sectorSize
        return start + sectorSize <= count ? start : nil
    }

    /// The bytes of the regular-sector chain from `start`, at most `limit`.
    private func chain(_ start: UInt32, limit: Int) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var s = start
        var steps = 0
        while s != CompoundFile.endOfChain && s != CompoundFile.free {
            steps += 1
            guard steps <= fat.count + 1, let o = CompoundFile.offset(s, sectorSize: sectorSize, in: bytes.count) else {
                throw steps > fat.count ? .damaged("a sector chain loops") : .damaged("a sector chain leaves the file")
            }
            if out.count >= limit { break }
            out.append(contentsOf: bytes[o..<(o + sectorSize)])
            guard Int(s) < fat.count else { throw .damaged("a sector outside the FAT") }
            s = fat[Int(s)]
        }
        if out.count > limit { out.removeSubrange(limit...) }
        return out
    }

    /// A stream's bytes (mini stream for small ones), at most `maxStream`.
    func read(_ index: Int) throws(Failure) -> [UInt8] {
        let e = entries[index]
        if e.size > maxStream { throw .tooLarge(limit: maxStream) }
        if e.size < miniCutoff && index != 0 {
            var out: [UInt8] = []
            out.reserveCapacity(e.size)
            var s = e.start
            var steps = 0
            while out.count < e.size && s != CompoundFile.endOfChain {
                steps += 1
                let o = Int(s) * miniSectorSize
                guard steps <= miniFAT.count + 1, Int(s) < miniFAT.count, o + miniSectorSize <= miniStream.count else {
                    throw steps > miniFAT.count ? .damaged("a mini sector chain loops") : .damaged("a mini sector outside the mini stream")
                }
                out.append(contentsOf: miniStream[o..<(o + miniSectorSize)])
                s = miniFAT[Int(s)]
            }
            guard out.count >= e.size else { throw .damaged("stream '\(e.name)' is truncated") }
            return Array(out.prefix(e.size))
        }
        let data = try chain(e.start, limit: e.size)
        guard data.count >= e.size else { throw .damaged("stream '\(e.name)' is truncated") }
        return data
    }

    /// The child of storage `parent` named `name` (case-insensitive, as CFB compares names).
    func child(_ parent: Int, _ name: String) -> Int? {
        let lower = name.lowercased()
        return entries[parent].children.first { entries[$0].name.lowercased() == lower }
    }

    /// The stream `name` under storage `parent`, nil when absent.
    func stream(_ parent: Int, _ name: String) throws(Failure) -> [UInt8]? {
        guard let i = child(parent, name), !entries[i].isStorage else { return nil }
        return try read(i)
    }

    /// What a compound file holds, from the names of the root's children.
    enum Kind: String {
        case doc, xls, ppt, msg
        /// An encrypted OOXML package (`EncryptionInfo` and `EncryptedPackage`).
        case encryptedOOXML
        case other
    }

    var kind: Kind {
        let names = Set(entries[0].children.map { entries[$0].name.lowercased() })
        if names.contains("encryptedpackage") && names.contains("encryptioninfo") { return .encryptedOOXML }
        if names.contains("worddocument") { return .doc }
        if names.contains("workbook") || names.contains("book") { return .xls }
        if names.contains("powerpoint document") { return .ppt }
        if names.contains("__properties_version1.0") || names.contains(where: { $0.hasPrefix("__substg1.0_") }) { return .msg }
        return .other
    }
}
