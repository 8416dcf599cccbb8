import CZstd
import Synchronization

/// zstd compression of stored text blocks, with an optional dictionary. The only file that
/// imports the zstd C API.
///
/// Every frame ends with a content checksum (xxHash64, 4 bytes), so a damaged block — or one
/// decompressed with another dictionary or none — fails instead of yielding other text. A frame
/// declares neither its size (the caller knows it: `StoreIndex`'s entries) nor its dictionary's
/// id (a segment has one dictionary): 5 bytes a frame less (segment version 7: the
/// 2-byte size and 4-byte id go, a 1-byte window descriptor comes).
enum Zstd {
    /// Compression level of stored text.
    static let level: Int32 = 3

    /// The most bytes a frame of `rawSize` bytes can take, with or without a dictionary
    /// (`ZSTD_compressBound`: `Compressor.compress` allocates no more).
    static func compressBound(_ rawSize: Int) -> Int { ZSTD_compressBound(rawSize) }

    /// Compresses `input` at `level` into one frame, without a dictionary.
    static func compress(_ input: [UInt8], level: Int32 = Zstd.level) -> [UInt8] {
        let compressor = Compressor(dictionary: nil, level: level)
        return input.withUnsafeBytes { compressor.compress($0) }
    }

    /// A dictionary trained by zstd's fastCover algorithm (k 200, d 8: one pass, no search over
    /// parameters — on the benchmark corpus as good as the search, within 0.1 %) on `samples`,
    /// the concatenation of pieces of `sampleSizes` bytes; at most `capacity` bytes. nil when the
    /// trainer declines (too few or too uniform samples).
    ///
    /// f 18 (a 1 MiB frequency table) and accel 4: 66 M instructions for a 1 MiB sample against
    /// 129 M with f 20 and accel 1 (a 4 MiB table, whose cache misses made it 2-5 times slower on
    /// the clock), for frames 0.1-0.3 % larger (20 k documents of the benchmark corpus: 2.269×
    /// against 2.275×; docs/benchmarks.md, ninth session). A segment trains once, on the thread
    /// that compresses its frames, and the writer waits for that thread at its next document.
    static func trainDictionary(samples: UnsafeRawBufferPointer, sampleSizes: [Int], capacity: Int) -> [UInt8]? {
        guard let base = samples.baseAddress, !sampleSizes.isEmpty, capacity >= 1024 else { return nil }
        var params = ZDICT_fastCover_params_t()
        params.k = 200
        params.d = 8
        params.f = 18
        params.accel = 4
        params.zParams.compressionLevel = level
        var out = [UInt8](repeating: 0, count: capacity)
        let sizes = sampleSizes.map { Int($0) }
        let written = out.withUnsafeMutableBytes { o in
            sizes.withUnsafeBufferPointer { s in
                ZDICT_trainFromBuffer_fastCover(o.baseAddress, o.count, base, s.baseAddress, UInt32(s.count), params)
            }
        }
        guard ZDICT_isError(written) == 0, written > 0 else { return nil }
        out.removeSubrange(written...)
        return out
    }

    /// A compression context (level, checksum) with the dictionary digested once; one per
    /// writer, used by one thread at a time.
    final class Compressor {
        private let context: OpaquePointer
        private let dictionary: OpaquePointer?

        /// A compressor for `dictionary` (zstd's format, as `trainDictionary` gives; nil: none).
        init(dictionary: [UInt8]?, level: Int32 = Zstd.level) {
            // Only allocation can fail here, which traps like any allocation.
            guard let context = ZSTD_createCCtx() else { preconditionFailure("zstd: no memory for a compression context") }
            self.context = context
            ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
            ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
            ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0)
            ZSTD_CCtx_setParameter(context, ZSTD_c_dictIDFlag, 0)
            if let dictionary, !dictionary.isEmpty {
                let d = dictionary.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, level) }
                guard let d else { preconditionFailure("zstd: no memory for a compression dictionary") }
                self.dictionary = d
                ZSTD_CCtx_refCDict(context, d)
            } else {
                self.dictionary = nil
            }
        }

        deinit {
            ZSTD_freeCCtx(context)
            if let dictionary { ZSTD_freeCDict(dictionary) }
        }

        /// `input` as one frame.
        func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
            let bound = ZSTD_compressBound(input.count)
            var output = [UInt8](repeating: 0, count: bound)
            let written = output.withUnsafeMutableBytes { out in
                ZSTD_compress2(context, out.baseAddress, out.count, input.baseAddress, input.count)
            }
            // Compressing into a buffer of ZSTD_compressBound bytes cannot fail (the context
            // and its parameters are valid; a dictionary stays referenced by the context).
            precondition(ZSTD_isError(written) == 0, "zstd compression failed")
            output.removeSubrange(written...)
            return output
        }
    }

    /// A digested decompression dictionary, read-only once made, so shared by every thread
    /// (zstd allows one `ZSTD_DDict` in concurrent decompressions).
    final class Dictionary: @unchecked Sendable {
        fileprivate let digested: OpaquePointer
        /// What keeps `bytes` alive when they are referenced, not copied.
        private let owner: AnyObject?

        /// The dictionary in `bytes`; nil when zstd cannot read it as a dictionary of its format
        /// (magic number, id, entropy tables: bytes without the magic would otherwise be taken
        /// for a raw-content dictionary). Without `owner` the bytes are copied; with one, zstd
        /// refers to them and `owner` (the mapped segment) is kept for as long as the
        /// dictionary: a fresh `diarium search` on the 100k benchmark index copied four 64 KiB
        /// dictionaries into fresh heap pages (about 70 page faults) only to read them in place.
        init?(_ bytes: UnsafeRawBufferPointer, referencedFrom owner: AnyObject? = nil) {
            guard let base = bytes.baseAddress, bytes.count > 0, ZSTD_getDictID_fromDict(base, bytes.count) != 0 else { return nil }
            guard let d = owner == nil ? ZSTD_createDDict(base, bytes.count) : ZSTD_createDDict_byReference(base, bytes.count) else { return nil }
            digested = d
            self.owner = owner
        }

        deinit { ZSTD_freeDDict(digested) }
    }

    /// Decompression contexts kept for reuse: a context is about 160 KiB, which malloc would
    /// map and unmap for every block decompressed. One pool for every dictionary: a context
    /// whose last frame used another dictionary decodes with zstd's prefetching sequence
    /// decoder (`ddictIsCold`), 24 % more instructions a 2 KiB block but faster on the clock
    /// when the dictionary is not in the cache, as between a page's hits; contexts kept per
    /// dictionary (always the short decoder) took 11 % fewer instructions in the rare class's zstd and were
    /// slower (docs/benchmarks.md, twelfth session). Lives as long as the process.
    private static let contexts = Mutex<[DecompressionContext]>([])
    /// Contexts `contexts` keeps at most (more are freed after use).
    private static let keptContexts = 8

    /// Calls `body` with a context of the pool (or a new one), then keeps it unless the pool
    /// holds `keptContexts` already.
    private static func withContext<R>(_ body: (OpaquePointer) -> R) -> R {
        let taken = contexts.withLock { $0.popLast() } ?? ZSTD_createDCtx().map(DecompressionContext.init)
        guard let taken else { preconditionFailure("zstd: no memory for a decompression context") }
        defer {
            let keep = contexts.withLock { pool -> Bool in
                guard pool.count < keptContexts else { return false }
                pool.append(taken)
                return true
            }
            if !keep { ZSTD_freeDCtx(taken.pointer) }
        }
        return body(taken.pointer)
    }

    /// A `ZSTD_DCtx`: in the pool, or used by the one thread that took it out.
    private struct DecompressionContext: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// The most bytes one frame may decompress to. The output is allocated at the size asked
    /// for before anything is decoded, and since format 7 a frame names no size of its own: the
    /// size comes from the store index, so a damaged entry must not make it allocate more.
    /// Stored-text blocks hold at most `StoreIndex.largestBlock` (4 KiB); 1 MiB leaves room
    /// for larger blocks without a format change of this limit.
    static let largestOutput = 1 << 20

    /// Why a frame was refused.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The size asked for is negative or over `largestOutput`; nothing was decoded.
        case sizeOutOfRange(Int)
        /// The frame does not decode to exactly the size asked for (damaged, truncated, of
        /// another size, or compressed with another dictionary: its checksum fails).
        case damaged

        var description: String {
            switch self {
            case let .sizeOutOfRange(size):
                "a frame asked to decompress to \(size) bytes, outside the 0–\(Zstd.largestOutput) one frame may hold"
            case .damaged: "a frame does not decompress to the size its index gives"
            }
        }
    }

    /// Decompresses a frame that must yield exactly `size` bytes (0 ≤ `size` ≤
    /// `largestOutput`, checked before anything is allocated), with `dictionary` when the
    /// segment has one. A size the frame header declares must equal `size`; the output buffer
    /// is not zero-filled (the decompressor writes every byte it returns, and a frame that
    /// would write more than `size` is an error).
    static func decompress(_ input: UnsafeRawBufferPointer, size: Int, dictionary: Dictionary? = nil) throws(Failure) -> [UInt8] {
        guard size >= 0, size <= largestOutput else { throw .sizeOutOfRange(size) }
        guard let base = input.baseAddress else { throw .damaged }
        let declared = ZSTD_getFrameContentSize(base, input.count)
        guard declared == UInt64(size) || declared == UInt64.max else { throw .damaged }  // UInt64.max: ZSTD_CONTENTSIZE_UNKNOWN
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            let got = if let dictionary {
                withContext { ZSTD_decompress_usingDDict($0, buffer.baseAddress, size, base, input.count, dictionary.digested) }
            } else {
                withContext { ZSTD_decompressDCtx($0, buffer.baseAddress, size, base, input.count) }
            }
            ok = ZSTD_isError(got) == 0 && got == size
            count = ok ? size : 0
        }
        guard ok else { throw .damaged }
        return output
    }
}
