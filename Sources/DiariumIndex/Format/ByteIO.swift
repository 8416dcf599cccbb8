/// Append-only little-endian byte buffer with LEB128 varints: the serializer side of every
/// on-disk structure.
struct ByteWriter: Sendable {
    /// The bytes written so far.
    private(set) var bytes: [UInt8]

    /// Creates an empty writer that reserves `capacity` bytes.
    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written.
    @inline(__always) var count: Int { bytes.count }

    /// Appends an unsigned LEB128 varint.
    @inline(__always) mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends an unsigned LEB128 varint.
    @inline(__always) mutating func varint(_ value: Int) { varint(UInt64(value)) }

    /// Appends one byte.
    @inline(__always) mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Appends a fixed-width little-endian `UInt16`.
    @inline(__always) mutating func u16(_ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a fixed-width little-endian `UInt32`.
    @inline(__always) mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a fixed-width little-endian `UInt64`.
    @inline(__always) mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes.
    @inline(__always) mutating func raw<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// Appends `count` bytes that `body` writes at the pointer it is given (it must write all
    /// `count`): one capacity check for the lot, not one per byte.
    @inline(__always) mutating func append(count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        bytes.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
    }

    /// Removes all bytes, keeping the capacity.
    @inline(__always) mutating func reset() { bytes.removeAll(keepingCapacity: true) }
}

/// Encodes an unsigned LEB128 varint onto the end of `bytes`.
@inline(__always)
func appendVarint(_ value: UInt32, to bytes: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    bytes.append(UInt8(v))
}

/// A bounds-checked cursor over a borrowed byte buffer: the reader side of every on-disk
/// structure. Reads past the end or malformed varints set `failed` instead of trapping, so a
/// corrupt file is reported, never crashed on.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    /// Current read offset.
    var offset: Int
    /// Set once a read ran past the end or met an over-long varint.
    private(set) var failed = false

    /// Reads `buffer` from `offset`.
    @inline(__always) init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        base = buffer
        self.offset = offset
    }

    /// Bytes left.
    @inline(__always) var remaining: Int { base.count - offset }

    /// Whether the cursor reached the end.
    @inline(__always) var isAtEnd: Bool { offset >= base.count }

    /// Reads an unsigned LEB128 varint of at most 10 bytes.
    @inline(__always) mutating func varint() -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < base.count {
            let byte = base[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { break }
        }
        failed = true
        return 0
    }

    /// Reads a varint that must fit in 32 bits.
    @inline(__always) mutating func varint32() -> UInt32 {
        let v = varint()
        if v > UInt64(UInt32.max) { failed = true; return 0 }
        return UInt32(v)
    }

    /// Reads a little-endian `UInt32`.
    @inline(__always) mutating func u32() -> UInt32 {
        guard remaining >= 4 else { failed = true; offset = base.count; return 0 }
        let v = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return UInt32(littleEndian: v)
    }

    /// Reads a little-endian `UInt64`.
    @inline(__always) mutating func u64() -> UInt64 {
        guard remaining >= 8 else { failed = true; offset = base.count; return 0 }
        let v = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: v)
    }

    /// Borrows the next `count` bytes, or nil (and `failed`) past the end.
    @inline(__always) mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { failed = true; offset = base.count; return nil }
        let slice = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
        offset += count
        return slice
    }
}
