import CZstd

/// zstd compression of stored text blocks. The only file that imports the zstd C API.
enum Zstd {
    /// Compresses `input` at `level`.
    static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { inp in
                ZSTD_compress(out.baseAddress, out.count, inp.baseAddress, inp.count, level)
            }
        }
        // Compressing into a buffer of ZSTD_compressBound bytes cannot fail.
        precondition(ZSTD_isError(written) == 0, "zstd compression failed")
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses a frame that must yield exactly `size` bytes; nil if the frame is damaged.
    /// The size the frame header declares must equal `size` before anything is allocated, so a
    /// damaged size in a segment's stored-text index costs nothing; the output buffer is not
    /// zero-filled (the decompressor writes every byte it returns).
    static func decompress(_ input: UnsafeRawBufferPointer, size: Int) -> [UInt8]? {
        guard size >= 0, size <= 1 << 31, let base = input.baseAddress else { return nil }
        let declared = ZSTD_getFrameContentSize(base, input.count)
        guard declared == UInt64(size) else { return nil }
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            let got = ZSTD_decompress(buffer.baseAddress, size, base, input.count)
            ok = ZSTD_isError(got) == 0 && got == size
            count = ok ? size : 0
        }
        return ok ? output : nil
    }
}
