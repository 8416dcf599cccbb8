import CZstd

/// zstd compression of stored text blocks. The only file that imports the zstd C API.
enum Zstd {
    /// Compresses `input` at `level` into one frame that declares its size and ends with a
    /// content checksum (xxHash64, 4 bytes), so a damaged block fails to decompress instead of
    /// yielding other text.
    static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        // A context and two parameters: only allocation can fail, which traps like any allocation.
        guard let context = ZSTD_createCCtx() else { preconditionFailure("zstd: no memory for a compression context") }
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { inp in
                ZSTD_compress2(context, out.baseAddress, out.count, inp.baseAddress, inp.count)
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
