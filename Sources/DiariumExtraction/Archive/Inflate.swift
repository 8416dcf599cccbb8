import CZlib

/// Raw DEFLATE (RFC 1951) decompression and CRC-32 through zlib: the only file that imports
/// zlib. The output is capped while it is produced, never trusted from a header: a stream that
/// would inflate past `limit` bytes stops there with `.overLimit`, having held at most
/// `limit` bytes (plus one 64 KiB step) in memory.
enum Inflate {
    enum Failure: Error, Equatable {
        /// The stream inflates to more than the allowed bytes.
        case overLimit
        /// zlib rejected the stream, with its message.
        case corrupt(String)
        /// The compressed data ends before the stream does.
        case truncated
    }

    /// Inflates `input` (raw deflate, no zlib or gzip header) into at most `limit` bytes.
    /// `expected` (the size an archive header claims) only sizes the first buffer.
    static func inflate(_ input: ArraySlice<UInt8>, expected: Int, limit: Int) throws(Failure) -> [UInt8] {
        guard limit >= 0 else { throw .overLimit }
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw .corrupt("zlib could not start (\(initStatus))") }
        defer { inflateEnd(&stream) }
        let step = 1 << 16
        // The first buffer: what the header claims, but never more than deflate can make of the
        // input (at most 1,032 bytes per byte) nor 64 MiB, so a false claim costs nothing.
        let plausible = input.count.multipliedReportingOverflow(by: 1032).partialValue + 1024
        var output = [UInt8](repeating: 0, count: min(max(expected, 1024), limit + 1, 64 << 20, plausible))
        var produced = 0
        var status: Int32 = Z_OK
        var result: Failure? = nil
        input.withUnsafeBufferPointer { inBuf in
            // zlib does not write through next_in; the cast only satisfies its C signature.
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            var remainingInput = inBuf.count
            while true {
                if produced == output.count {
                    if produced > limit { result = .overLimit; return }
                    output.append(contentsOf: repeatElement(0, count: min(max(step, produced), limit + 1 - produced)))
                }
                // avail_in is 32 bits: feed at most 1 GiB at a time.
                let feed = min(remainingInput, 1 << 30)
                stream.avail_in = UInt32(feed)
                let room = min(output.count - produced, 1 << 30)
                status = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                remainingInput -= feed - Int(stream.avail_in)
                produced += room - Int(stream.avail_out)
                if status == Z_STREAM_END { return }
                if status == Z_BUF_ERROR && remainingInput == 0 && stream.avail_out > 0 { result = .truncated; return }
                if status != Z_OK && status != Z_BUF_ERROR {
                    result = .corrupt(stream.msg.map { String(cString: $0) } ?? "error \(status)")
                    return
                }
                if produced > limit { result = .overLimit; return }
            }
        }
        if let result { throw result }
        if produced > limit { throw .overLimit }
        output.removeSubrange(produced...)
        return output
    }

    /// CRC-32 (ISO 3309, as ZIP uses it) of `bytes`.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { b in
            var crc: uLong = CZlib.crc32(0, nil, 0)
            var offset = 0
            while offset < b.count {
                let n = min(b.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, b.baseAddress! + offset, uInt(n))
                offset += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
