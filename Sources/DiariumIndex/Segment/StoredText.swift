/// Stored text, the on-disk side. The documents' UTF-8 texts follow one another as one raw
/// stream, cut into zstd frames of at most `StoreIndex.blockSize` raw bytes (STORE), compressed
/// with a dictionary trained on the segment's first text (STOREDICT). A text that fits in a
/// block is never split; a longer one (a 2,000-page PDF, a whole register) runs over as many
/// blocks as it needs. `StoreIndex` (STOREINDEX) says where each frame and each document's text
/// is; `TextPositions` (TEXTPOSITIONS) keeps, per document, the byte offset of every
/// `TextPositions.interval`-th word of its body, so that a snippet reads and analyses the few
/// hundred bytes around a matched position — one or two small blocks — instead of the whole text.
///
/// Each structure has one owner type: its writer (`write(into:)`) and its reader
/// (`init(reading:)`, a bounds-checked view over the memory map that decodes nothing up front)
/// side by side, so the byte layout is written down in one place. `StoredTextWriter` builds them
/// for `SegmentBuilder` and `SegmentMerger`; `SegmentReader+StoredText.swift` reads through them.

/// STOREDICT: the zstd dictionary every frame of STORE was compressed with (zstd's dictionary
/// format, as `ZDICT` writes it), or nothing when the segment's text was too short to train one
/// (its frames then have none). Trained once per segment, by `StoredTextWriter`, on its first
/// `sampleSize` bytes cut in blocks.
///
/// Why: a snippet decompresses the block holding its window. In 32 KiB blocks that is 43.5 µs
/// (zstd -3 on the benchmark corpus), two-thirds of a rare word's query; 4 KiB blocks cost 16.4 µs
/// but compress alone to 1.86× instead of 2.17×. With a 64 KiB dictionary trained on the
/// segment's first MiB, 4 KiB blocks compress to 2.27× — smaller than 32 KiB blocks without one
/// (`zstd -b3 -B4096 -D dict` on 20 MB of the 100k corpus; docs/benchmarks.md).
struct StoreDictionary {
    /// Bytes of text the dictionary is trained on: the segment's first.
    static let sampleSize = 1 << 20
    /// Below this much text a segment has no dictionary (it would not pay for itself).
    static let minimumSample = 256 << 10
    /// The dictionary's largest size; a sample under 1 MiB gets a sixteenth of its size.
    static let capacity = 64 << 10

    /// The dictionary (empty: none).
    var bytes: [UInt8]

    /// Trains a dictionary on `sample`, the concatenation of blocks of `blockSizes` bytes; empty
    /// when the sample is under `minimumSample` or zstd declines.
    static func train(sample: [UInt8], blockSizes: [Int]) -> StoreDictionary {
        guard sample.count >= minimumSample else { return StoreDictionary(bytes: []) }
        let dictionary = sample.withUnsafeBytes {
            Zstd.trainDictionary(samples: $0, sampleSizes: blockSizes, capacity: min(capacity, sample.count / 16))
        }
        return StoreDictionary(bytes: dictionary ?? [])
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Writes the section.
    func write(into w: inout ByteWriter) { w.raw(bytes) }

    /// The dictionary of a STOREDICT section, digested for decompression: nil for an empty
    /// section (no dictionary); throws `Damaged` when zstd cannot read it. With `owner` (what
    /// keeps `bytes` mapped), the bytes are referenced instead of copied.
    static func digest(reading bytes: UnsafeRawBufferPointer, owner: AnyObject? = nil) throws(Damaged) -> Zstd.Dictionary? {
        guard !bytes.isEmpty else { return nil }
        guard let d = Zstd.Dictionary(bytes, referencedFrom: owner) else { throw Damaged() }
        return d
    }

    /// A STOREDICT section zstd cannot read.
    struct Damaged: Error {}
}

/// STOREINDEX: `u32` block count B, `u32` document count D, `u32` width W (the bytes of every
/// offset that follows: 4 when STORE and the raw stream are both under 4 GiB, else 8); then
/// B + 1 pairs of offsets: where block i's zstd frame starts in STORE and where its first raw
/// byte is in the stream, the last pair STORE's length and the stream's length (block i's sizes
/// are the differences to pair i + 1: blocks are contiguous in STORE and in the stream); then
/// D + 1 offsets: where each document's text starts in the raw stream (the last is the stream's
/// length). Version 6 wrote 24 bytes a block (both offsets as `u64` and both sizes) and `u64`
/// document starts; at 4-byte offsets a block takes 8 and a document 4 (on the 100k benchmark
/// corpus 3.2 MB of STOREINDEX with 2 KiB blocks; docs/benchmarks.md, twelfth session).
struct StoreIndex {
    /// One zstd frame of STORE.
    struct Block: Equatable, Sendable {
        /// Offset of the frame in STORE.
        var offset: UInt64
        /// Bytes of the frame.
        var compressedSize: UInt32
        /// Bytes the frame decompresses to (at most `StoreIndex.largestBlock`).
        var rawSize: UInt32
        /// Offset of the block's first byte in the raw stream.
        var rawStart: UInt64

        init(offset: UInt64, compressedSize: UInt32, rawSize: UInt32, rawStart: UInt64) {
            self.offset = offset
            self.compressedSize = compressedSize
            self.rawSize = rawSize
            self.rawStart = rawStart
        }
    }

    /// Raw bytes per block the writer closes at. 1 KiB: a snippet decompresses the block (or
    /// two) holding its region of a few hundred bytes, and zstd's decoder costs about 17
    /// instructions a raw byte whatever the block size; with the segment's dictionary
    /// (`StoreDictionary`) 1 KiB blocks compress 2.5 % larger than 2 KiB ones, which the
    /// narrower STOREINDEX and the frames' headers without size and dictionary id pay for
    /// (docs/benchmarks.md, twelfth session). Version 6 wrote 2 KiB blocks (4 KiB before),
    /// version 4 and 5 32 KiB blocks without a dictionary.
    static let blockSize = 1 << 10
    /// Raw bytes a block may hold when read. Each block's size is its own (the difference of
    /// its offsets), so the writer's choice of `blockSize` is no format change; this bound only
    /// keeps a damaged entry from asking for a large buffer.
    static let largestBlock = 4 << 10
    static let headerSize = 12

    let blockCount: Int
    let documentCount: Int
    /// Bytes of an offset: 4 or 8.
    private let width: Int
    private let bytes: UnsafeRawBufferPointer

    /// Writes the section; `blocks` must be contiguous in STORE and in the raw stream, starting
    /// at 0, and `documentStarts` end with the stream's length.
    static func write(blocks: [Block], documentStarts: [UInt64], into w: inout ByteWriter) {
        precondition(!documentStarts.isEmpty, "document starts end with the stream's length")
        var ends: [(store: UInt64, raw: UInt64)] = [(0, 0)]
        for b in blocks {
            precondition(b.offset == ends[ends.count - 1].store && b.rawStart == ends[ends.count - 1].raw, "blocks are contiguous")
            ends.append((b.offset + UInt64(b.compressedSize), b.rawStart + UInt64(b.rawSize)))
        }
        let largest = max(ends[ends.count - 1].store, ends[ends.count - 1].raw, documentStarts.max() ?? 0)
        let wide = largest > UInt64(UInt32.max)
        func offset(_ v: UInt64) { if wide { w.u64(v) } else { w.u32(UInt32(v)) } }
        w.u32(UInt32(blocks.count))
        w.u32(UInt32(documentStarts.count - 1))
        w.u32(wide ? 8 : 4)
        for e in ends {
            offset(e.store)
            offset(e.raw)
        }
        for s in documentStarts { offset(s) }
    }

    /// A view of the section in `bytes`; nil when its width is not 4 or 8 or its size does not
    /// match its counts. Entries are read on demand and checked by their users
    /// (`SegmentReader`), never trusted.
    init?(reading bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.headerSize else { return nil }
        let blocks = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let docs = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        let width = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        guard width == 4 || width == 8, bytes.count == Self.headerSize + ((blocks + 1) * 2 + docs + 1) * width else { return nil }
        blockCount = blocks
        documentCount = docs
        self.width = width
        self.bytes = bytes
    }

    /// Offset `i` after the header.
    @inline(__always)
    private func offset(_ i: Int) -> UInt64 {
        let at = Self.headerSize + i * width
        return width == 4 ? UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            : UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// Where block `i` (0 ≤ i ≤ `blockCount`; `blockCount`: the stream's end) starts in the raw stream.
    private func rawStart(_ i: Int) -> UInt64 { offset(2 * i + 1) }

    /// Block `i` (0 ≤ i < `blockCount`); nil when the entries after it are before it or its
    /// sizes do not fit 32 bits (damage).
    func block(_ i: Int) -> Block? {
        let store = offset(2 * i), raw = offset(2 * i + 1)
        let storeEnd = offset(2 * i + 2), rawEnd = offset(2 * i + 3)
        guard store <= storeEnd, raw <= rawEnd, storeEnd - store <= UInt64(UInt32.max), rawEnd - raw <= UInt64(UInt32.max) else { return nil }
        return Block(offset: store, compressedSize: UInt32(storeEnd - store), rawSize: UInt32(rawEnd - raw), rawStart: raw)
    }

    /// Where document `d`'s text starts in the raw stream (0 ≤ d ≤ `documentCount`; the last is
    /// the stream's length).
    func documentStart(_ d: Int) -> UInt64 {
        offset((blockCount + 1) * 2 + d)
    }

    /// Length of the raw stream the blocks hold (the last block's end).
    var rawLength: UInt64 { rawStart(blockCount) }

    /// The block holding raw offset `x`: the last whose start is at or before it (binary search).
    func block(containing x: UInt64) -> Int {
        var lo = 0, hi = blockCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if rawStart(mid) <= x { lo = mid + 1 } else { hi = mid }
        }
        return max(lo - 1, 0)
    }
}

/// TEXTPOSITIONS: `u32` interval k, `u32` document count D; D + 1 `u32`s: the index of each
/// document's first checkpoint (the last is the checkpoint count C); C `u32` checkpoints: the
/// byte offset, in the document's text, of the word at body position 0, k, 2k, … — ascending,
/// each below the text's length and at the start of a UTF-8 sequence. A document stored
/// without its positions (or whose text has no word) has none.
struct TextPositions {
    /// Words per checkpoint. 64: at about 7 bytes a word, 4 bytes per 450 of text (0.9 %), and
    /// a snippet analyses at most two checkpoints' worth of words around its window.
    static let interval: UInt32 = 64
    static let headerSize = 8

    let interval: Int
    let documentCount: Int
    let checkpointCount: Int
    private let bytes: UnsafeRawBufferPointer

    /// Writes the section: `starts` holds each document's first checkpoint index and, last, the
    /// checkpoint count; `checkpoints` the offsets.
    static func write(interval: UInt32, starts: [UInt32], checkpoints: [UInt32], into w: inout ByteWriter) {
        precondition(starts.last.map { Int($0) == checkpoints.count } ?? false, "starts end with the checkpoint count")
        w.u32(interval)
        w.u32(UInt32(starts.count - 1))
        for s in starts { w.u32(s) }
        for c in checkpoints { w.u32(c) }
    }

    /// A view of the section in `bytes`; nil when its size does not match its counts.
    init?(reading bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.headerSize + 4 else { return nil }
        let interval = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let docs = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        guard interval > 0, bytes.count >= Self.headerSize + (docs + 1) * 4 else { return nil }
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Self.headerSize + docs * 4, as: UInt32.self)))
        guard bytes.count == Self.headerSize + (docs + 1) * 4 + count * 4 else { return nil }
        self.interval = interval
        documentCount = docs
        checkpointCount = count
        self.bytes = bytes
    }

    /// Indices of document `d`'s checkpoints; nil when the table is damaged there.
    func checkpoints(of d: Int) -> Range<Int>? {
        let base = Self.headerSize + d * 4
        let lo = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: base, as: UInt32.self)))
        let hi = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 4, as: UInt32.self)))
        guard lo <= hi, hi <= checkpointCount else { return nil }
        return lo..<hi
    }

    /// Checkpoint `i` (0 ≤ i < `checkpointCount`).
    func checkpoint(_ i: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Self.headerSize + (documentCount + 1) * 4 + i * 4, as: UInt32.self))
    }
}

/// Builds STORE, STOREDICT, STOREINDEX and TEXTPOSITIONS document by document: raw text into
/// the open block, closed when full; a text that fits in a block starts a new block rather than
/// be split. Closed blocks go to a `FrameSink`, which keeps the first
/// `StoreDictionary.sampleSize` bytes uncompressed until the dictionary is trained on them (or
/// the segment ends first) and from then on compresses each block (zstd, level 3, with the
/// dictionary) as it comes.
///
/// A new segment's writer (`init()`) runs its sink on a thread of its own (`FrameThread`): the
/// caller goes on (the builder adds the document's postings) while the blocks are compressed,
/// and `memoryFootprint` waits until the sink has taken every block closed so far, so the
/// budget sees exactly what a sink on the caller's thread would hold (the same segments are
/// sealed at the same documents). A merge's writer (`init(spillingTo:)`) runs it on the
/// caller's thread (a merge runs on a background thread already).
struct StoredTextWriter {
    /// What the serializer writes: the frames (STORE, in order) and the index sections.
    struct Sections {
        var frames: [[UInt8]]
        /// Frames after `frames`, waiting in a scratch file (`init(spillingTo:)`).
        var spilledFrames: SpillFile?
        var storeDictionary: [UInt8]
        var storeIndex: [UInt8]
        var textPositions: [UInt8]
    }

    private var raw: [UInt8] = []
    /// Raw bytes written so far (closed blocks and the open one).
    private var rawLength: UInt64 = 0
    private var documentStarts: [UInt64] = [0]
    private var checkpointStarts: [UInt32] = [0]
    private var checkpoints: [UInt32] = []
    /// The closed blocks' sink, here (a merge) or on its thread (a new segment).
    private var sink: FrameSink?
    private let thread: FrameThread?

    /// Raw bytes per block: `StoreIndex.blockSize`, or (tests: a segment as an earlier writer
    /// wrote it) another size up to `StoreIndex.largestBlock`.
    let blockSize: Int

    /// A writer holding the compressed frames in memory (new segments: the budget bounds them),
    /// compressing on a thread of its own.
    init(blockSize: Int = StoreIndex.blockSize) {
        precondition(blockSize > 0 && blockSize <= StoreIndex.largestBlock, "a block is at most StoreIndex.largestBlock")
        self.blockSize = blockSize
        thread = FrameThread()
    }

    /// A writer whose compressed frames wait in a scratch file in `directory` (merges),
    /// compressing on the caller's thread.
    init(spillingTo directory: String) throws {
        sink = FrameSink(spill: try SpillFile(directory: directory))
        thread = nil
        blockSize = StoreIndex.blockSize
    }

    /// Bytes held: the open block, the sink's (its sample, frames and block entries; waits for
    /// the sink's thread to take every closed block first) and the index sections' entries.
    var memoryFootprint: Int {
        footprint(frames: thread?.memoryFootprint ?? sink?.memoryFootprint ?? 0)
    }

    /// At least `memoryFootprint`, without waiting for the sink's thread while the blocks it
    /// has yet to take cannot matter (`FrameThread.memoryFootprintBound`).
    var memoryFootprintBound: Int {
        footprint(frames: thread?.memoryFootprintBound ?? sink?.memoryFootprint ?? 0)
    }

    private func footprint(frames: Int) -> Int {
        raw.capacity + frames + documentStarts.count * 8 + (checkpointStarts.count + checkpoints.count) * 4
    }

    /// Adds the next document's text with the offsets of its words at body positions 0, k, 2k, …
    /// (`FieldTerms.wordStarts`; empty when unknown). Offsets that do not ascend inside the
    /// text are dropped from there on.
    mutating func add(_ text: UnsafeRawBufferPointer, wordStarts: [UInt32]) {
        beginDocument(length: text.count)
        append(text)
        endDocument(wordStarts: wordStarts)
    }

    /// Starts a document of `length` bytes (its text then comes by `append`).
    mutating func beginDocument(length: Int) {
        if !raw.isEmpty && raw.count + length > blockSize && length <= blockSize { close() }
    }

    /// Appends bytes of the current document's text.
    mutating func append(_ piece: UnsafeRawBufferPointer) {
        var at = 0
        while at < piece.count {
            let n = min(piece.count - at, blockSize - raw.count)
            raw.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[at..<(at + n)]))
            at += n
            rawLength += UInt64(n)
            if raw.count >= blockSize { close() }
        }
    }

    /// Ends the current document.
    mutating func endDocument(wordStarts: [UInt32]) {
        let start = documentStarts[documentStarts.count - 1]
        let length = rawLength - start
        var previous: UInt32?
        for w in wordStarts {
            guard UInt64(w) < length, previous.map({ w > $0 }) ?? true else { break }
            checkpoints.append(w)
            previous = w
        }
        documentStarts.append(rawLength)
        checkpointStarts.append(UInt32(checkpoints.count))
    }

    /// Closes the open block: hands it to the sink.
    private mutating func close() {
        guard !raw.isEmpty else { return }
        if let thread {
            raw.withUnsafeBytes { thread.take($0) }
        } else {
            raw.withUnsafeBytes { sink?.take($0) }
        }
        raw.removeAll(keepingCapacity: true)
    }

    /// The sections, the last block closed.
    mutating func finish() throws -> Sections {
        close()
        if let thread { sink = thread.finish() }
        guard var sink else { preconditionFailure("a stored-text writer is finished once") }
        self.sink = nil
        let frames = try sink.finish()
        var index = ByteWriter()
        StoreIndex.write(blocks: frames.blocks, documentStarts: documentStarts, into: &index)
        var positions = ByteWriter()
        TextPositions.write(interval: TextPositions.interval, starts: checkpointStarts, checkpoints: checkpoints, into: &positions)
        return Sections(frames: frames.frames, spilledFrames: frames.spilled, storeDictionary: frames.dictionary,
                        storeIndex: index.bytes, textPositions: positions.bytes)
    }
}

/// Where `StoredTextWriter`'s closed blocks go, in order: kept uncompressed until the
/// dictionary is decided (`StoreDictionary.sampleSize` bytes of them, or the segment's end),
/// then compressed one by one, each frame recorded (`StoreIndex.Block`) and kept in memory or
/// in a scratch file.
struct FrameSink {
    private var frames: [[UInt8]] = []
    private var blocks: [StoreIndex.Block] = []
    private var storeBytes: UInt64 = 0
    /// Where the next frame's raw bytes start in the stream.
    private var openStart: UInt64 = 0
    /// Closed blocks waiting for the dictionary, one after another, and their sizes.
    private var sample: [UInt8] = []
    private var sampleBlocks: [Int] = []
    /// Set once the dictionary is decided (trained, or none).
    private var dictionary: StoreDictionary?
    private var compressor: Zstd.Compressor?
    /// Closed frames go here instead of `frames` (a merge: its text can outgrow memory).
    private var spill: SpillFile?
    private var spillError: (any Error)?

    init(spill: SpillFile? = nil) {
        self.spill = spill
    }

    /// Bytes held: the sample, the frames kept in memory (or spilled: counted as well, as
    /// before) and the block entries.
    var memoryFootprint: Int {
        sample.capacity + Int(storeBytes) + blocks.count * MemoryLayout<StoreIndex.Block>.stride
    }

    /// The most a block of `rawSize` bytes adds to `memoryFootprint` once compressed: its
    /// largest frame and its entry.
    static func compressedBound(rawSize: Int) -> Int { Zstd.compressBound(rawSize) + MemoryLayout<StoreIndex.Block>.stride }

    /// Whether closed blocks still go to the dictionary's sample (none compressed yet).
    var isSampling: Bool { compressor == nil }

    /// Bytes in the dictionary's sample (0 once the dictionary is decided).
    var sampleBytes: Int { sample.count }

    /// Takes the next closed block: compressed now, or kept for the dictionary's sample.
    mutating func take(_ block: UnsafeRawBufferPointer) {
        if let compressor {
            emit(compressor.compress(block), rawSize: block.count)
        } else {
            sample.append(contentsOf: block)
            sampleBlocks.append(block.count)
            if sample.count >= StoreDictionary.sampleSize { decideDictionary() }
        }
    }

    /// Trains the dictionary on the blocks kept so far and compresses them with it.
    private mutating func decideDictionary() {
        guard dictionary == nil else { return }
        let d = StoreDictionary.train(sample: sample, blockSizes: sampleBlocks)
        let c = Zstd.Compressor(dictionary: d.bytes.isEmpty ? nil : d.bytes)
        dictionary = d
        compressor = c
        var at = 0
        let kept = sample
        kept.withUnsafeBytes { all in
            for n in sampleBlocks {
                emit(c.compress(UnsafeRawBufferPointer(rebasing: all[at..<(at + n)])), rawSize: n)
                at += n
            }
        }
        sample = []
        sampleBlocks = []
    }

    /// Records a frame of the next `rawSize` bytes of the stream and keeps (or spills) it.
    private mutating func emit(_ frame: [UInt8], rawSize: Int) {
        blocks.append(.init(offset: storeBytes, compressedSize: UInt32(frame.count), rawSize: UInt32(rawSize), rawStart: openStart))
        openStart += UInt64(rawSize)
        storeBytes += UInt64(frame.count)
        if let spill, spillError == nil {
            do { try frame.withUnsafeBytes { try spill.append($0) } } catch { spillError = error }
        } else {
            frames.append(frame)
        }
    }

    /// The frames and their entries, the dictionary decided (after the last block).
    mutating func finish() throws -> (frames: [[UInt8]], spilled: SpillFile?, dictionary: [UInt8], blocks: [StoreIndex.Block]) {
        decideDictionary()
        if let spillError { throw spillError }
        var dict = ByteWriter()
        (dictionary ?? StoreDictionary(bytes: [])).write(into: &dict)
        return (frames, spill, dict.bytes, blocks)
    }
}
