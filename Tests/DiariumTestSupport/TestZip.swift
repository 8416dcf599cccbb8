/// A ZIP writer for tests (Office packages, hostile archives): stored entries, or given raw
/// deflate data with claimed sizes.
public struct TestZip {
    /// One entry: stored (`method` 0) unless given raw deflate data (`method` 8), with a claimed
    /// uncompressed size (ZIP64) or CRC to lie about.
    public struct Item {
        public var name: String
        public var data: [UInt8]
        public var method: UInt16 = 0
        public var claimedSize: UInt64? = nil
        public var crc: UInt32? = nil
        public var flags = 0x800

        public init(name: String, data: [UInt8], method: UInt16 = 0, claimedSize: UInt64? = nil, crc: UInt32? = nil, flags: Int = 0x800) {
            self.name = name
            self.data = data
            self.method = method
            self.claimedSize = claimedSize
            self.crc = crc
            self.flags = flags
        }
    }
    public var items: [Item] = []

    public init() {}

    public mutating func add(_ name: String, _ data: [UInt8]) { items.append(Item(name: name, data: data)) }
    public mutating func add(_ name: String, _ text: String) { add(name, Array(text.utf8)) }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// The archive: local headers and data, the central directory, the end record.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        func le16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: UInt32, _ a: inout [UInt8]) { for k in 0..<4 { a.append(UInt8(v >> (8 * UInt32(k)) & 0xFF)) } }
        for item in items {
            let name = Array(item.name.utf8)
            let crc = item.crc ?? TestZip.crc32(item.data)
            let offset = UInt32(out.count)
            var extra: [UInt8] = []
            var usize = UInt32(item.data.count)
            if let claimed = item.claimedSize {
                usize = 0xFFFF_FFFF
                le16(1, &extra); le16(8, &extra)
                for k in 0..<8 { extra.append(UInt8(claimed >> (8 * UInt64(k)) & 0xFF)) }
            }
            le32(0x0403_4B50, &out); le16(45, &out); le16(item.flags, &out); le16(Int(item.method), &out); le16(0, &out); le16(0x21, &out)
            le32(crc, &out); le32(UInt32(item.data.count), &out); le32(usize, &out); le16(name.count, &out); le16(extra.count, &out)
            out += name + extra + item.data
            le32(0x0201_4B50, &central); le16(45, &central); le16(45, &central); le16(item.flags, &central); le16(Int(item.method), &central)
            le16(0, &central); le16(0x21, &central); le32(crc, &central); le32(UInt32(item.data.count), &central); le32(usize, &central)
            le16(name.count, &central); le16(extra.count, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0, &central); le32(offset, &central)
            central += name + extra
        }
        let cdOffset = out.count
        out += central
        var end: [UInt8] = []
        le32(0x0605_4B50, &end); le16(0, &end); le16(0, &end)
        le16(min(items.count, 0xFFFF), &end); le16(min(items.count, 0xFFFF), &end)
        le32(UInt32(central.count), &end); le32(UInt32(cdOffset), &end); le16(0, &end)
        return out + end
    }
}
