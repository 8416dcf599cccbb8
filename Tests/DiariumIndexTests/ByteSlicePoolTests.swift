import Testing
import DiariumTestSupport
@testable import DiariumIndex

/// The segment builder's postings streams: many streams written interleaved (as terms occur
/// in documents) read back exactly, across slice and block boundaries.
@Suite struct ByteSlicePoolTests {
    @Test func interleavedStreamsReadBackExactly() {
        let pool = ByteSlicePool()
        var random = SeededRandom(state: 99)
        let streamCount = 3_000
        var streams = (0..<streamCount).map { _ in pool.makeStream() }
        var expected = [[UInt64]](repeating: [], count: streamCount)
        // Zipf-like: a few streams get most values, most get one or two; sizes cross 4 KiB
        // slices and 1 MiB blocks.
        for _ in 0..<600_000 {
            let r = random.next()
            let s = r % 10 < 6 ? Int(r >> 8) % 8 : Int(r >> 8) % streamCount
            // Values of every width up to 64 bits (a docs entry's frequency and field are 34).
            let value = random.next() >> (random.next() % 64)
            pool.appendVarint(value, to: &streams[s])
            expected[s].append(value)
        }
        #expect(pool.memoryFootprint > ByteSlicePool.blockSize)
        for s in 0..<streamCount {
            var reader = ByteSlicePool.Reader(streams[s], in: pool)
            var got: [UInt64] = []
            while !reader.atEnd { got.append(reader.varint(pool)) }
            #expect(got == expected[s], "stream \(s)")
        }
    }

    @Test func emptyAndOneByteStreams() {
        let pool = ByteSlicePool()
        let empty = pool.makeStream()
        #expect(ByteSlicePool.Reader(empty, in: pool).atEnd)
        var one = pool.makeStream()
        pool.append(7, to: &one)
        var reader = ByteSlicePool.Reader(one, in: pool)
        #expect(reader.byte(pool) == 7)
        #expect(reader.atEnd)
    }
}
