/// Many growing byte streams (a segment being built has one stream per term:
/// `SegmentBuilder`'s `Postings`) in blocks of 1 MiB, without an allocation per stream: each stream is a
/// chain of slices whose sizes grow 8, 16, 32, … 4096 bytes, each followed by the 4-byte
/// address of the next (Lucene's `ByteBlockPool` slices, simplified). A term seen once costs
/// one 8-byte slice; a frequent term's stream is mostly 4 KiB slices. The memory held is
/// exactly the blocks (`memoryFootprint`), so the writer's budget counts what the heap holds.
///
/// Addresses are `block << 20 | offset` in 32 bits: at most 4,096 blocks (4 GiB), far above
/// any segment's budget (`isFull` tells the builder when to stop before that).
final class ByteSlicePool {
    /// Where a stream stands: its first slice, the next byte to write, the end of the current
    /// slice's payload, and the current slice's size level.
    struct Stream {
        var head: UInt32
        var tail: UInt32
        var end: UInt32
        var level: UInt8
    }

    static let blockShift = 20
    static let blockSize = 1 << blockShift
    static let maxBlocks = 4096
    /// The last slice-size level: slices of 8 << 9 = 4096 bytes.
    static let maxLevel = 9

    /// Payload bytes of a slice at `level` (the 4-byte link follows).
    @inline(__always)
    static func sliceSize(_ level: Int) -> UInt32 { 8 << UInt32(level) }

    private var blocks: [UnsafeMutablePointer<UInt8>] = []
    /// Next free address (in the last block).
    private var next: UInt32 = 0
    private var blockEnd: UInt32 = 0

    init() {}

    deinit { for b in blocks { b.deallocate() } }

    /// Bytes held by the blocks.
    var memoryFootprint: Int { blocks.count * Self.blockSize }

    /// Whether the pool is close to its 4 GiB address space (the builder should be flushed).
    var isFull: Bool { blocks.count >= Self.maxBlocks - 16 }

    /// Reserves `count` bytes in one block and returns their address.
    @inline(__always)
    private func reserve(_ count: UInt32) -> UInt32 {
        if next &+ count > blockEnd {
            precondition(blocks.count < Self.maxBlocks, "ByteSlicePool: more than 4 GiB")
            blocks.append(.allocate(capacity: Self.blockSize))
            next = UInt32((blocks.count - 1) << Self.blockShift)
            blockEnd = next + UInt32(Self.blockSize)
        }
        let at = next
        next += count
        return at
    }

    @inline(__always)
    private func pointer(_ address: UInt32) -> UnsafeMutablePointer<UInt8> {
        blocks[Int(address >> UInt32(Self.blockShift))] + Int(address & UInt32(Self.blockSize - 1))
    }

    /// A new, empty stream (its first slice reserved).
    func makeStream() -> Stream {
        let size = Self.sliceSize(0)
        let at = reserve(size + 4)
        return Stream(head: at, tail: at, end: at + size, level: 0)
    }

    /// Reads the byte where `stream`'s next byte goes and returns it (a value that means
    /// nothing): `TermTable.warm`'s counterpart for the streams a document's terms append to.
    @inline(__always)
    func warm(_ stream: Stream) -> UInt8 { pointer(stream.tail).pointee }

    /// Appends one byte to `stream`.
    @inline(__always)
    func append(_ byte: UInt8, to stream: inout Stream) {
        if stream.tail == stream.end { grow(&stream) }
        pointer(stream.tail).pointee = byte
        stream.tail += 1
    }

    /// Appends `value` as an unsigned LEB128 varint to `stream`.
    @inline(__always)
    func appendVarint(_ value: UInt64, to stream: inout Stream) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80, to: &stream)
            v >>= 7
        }
        append(UInt8(v), to: &stream)
    }

    /// Chains a next, larger slice to the full `stream`.
    private func grow(_ stream: inout Stream) {
        let level = min(Int(stream.level) + 1, Self.maxLevel)
        let size = Self.sliceSize(level)
        let at = reserve(size + 4)
        // The link: the next slice's address, little-endian, after the full slice's payload.
        UnsafeMutableRawPointer(pointer(stream.end)).storeBytes(of: at.littleEndian, as: UInt32.self)
        stream.tail = at
        stream.end = at + size
        stream.level = UInt8(level)
    }

    /// Reads the bytes of a stream front to back, through pointers into the pool's blocks
    /// (which never move): a byte is a compare and a load, the pool's block table is read only
    /// at the next slice. Valid while the pool lives and the stream is not appended to.
    struct Reader {
        /// The next byte, and the end of the current slice's payload (its link follows).
        private var at: UnsafeMutablePointer<UInt8>
        private var end: UnsafeMutablePointer<UInt8>
        private var level: Int
        /// Where the stream's next byte would be written.
        private let tail: UnsafeMutablePointer<UInt8>

        init(_ stream: Stream, in pool: ByteSlicePool) {
            at = pool.pointer(stream.head)
            end = at + Int(ByteSlicePool.sliceSize(0))
            level = 0
            tail = pool.pointer(stream.tail)
        }

        /// Whether every byte written has been read.
        var atEnd: Bool { at == tail }

        /// The next byte (call only while bytes written are left to read).
        @inline(__always)
        mutating func byte(_ pool: ByteSlicePool) -> UInt8 {
            if at == end {
                let next = UnsafeRawPointer(end).loadUnaligned(as: UInt32.self).littleEndian
                level = min(level + 1, ByteSlicePool.maxLevel)
                at = pool.pointer(next)
                end = at + Int(ByteSlicePool.sliceSize(level))
            }
            let b = at.pointee
            at += 1
            return b
        }

        /// The next unsigned LEB128 varint.
        @inline(__always)
        mutating func varint(_ pool: ByteSlicePool) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = byte(pool)
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }
    }
}
