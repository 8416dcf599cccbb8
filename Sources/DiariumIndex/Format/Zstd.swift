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
    static func decompress(_ input: UnsafeRawBufferPointer, size: Int) -> [UInt8]? {
        guard size >= 0, size <= 1 << 31 else { return nil }
        var output = [UInt8](repeating: 0, count: size)
        let got = output.withUnsafeMutableBytes { out in
            ZSTD_decompress(out.baseAddress, out.count, input.baseAddress, input.count)
        }
        guard ZSTD_isError(got) == 0, got == size else { return nil }
        return output
    }
}
