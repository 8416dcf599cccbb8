import Foundation
import Testing

@testable import DiariumIngest

/// The allocator settings an ingest fixes (`Malloc`, through the C shim `CMalloc`), checked by
/// what glibc answers.
@Suite struct MallocTests {
    #if canImport(Glibc)
    /// glibc takes the ingest's thresholds; a value mallopt's `int` cannot hold, or a negative
    /// one, is refused rather than cut short.
    @Test func glibcTakesTheThresholdsAndValuesOutOfRangeAreRefused() {
        #expect(Malloc.fixThresholds())
        #expect(!Malloc.setThresholds(trim: Malloc.trimThreshold, mmap: Int(Int32.max) + 1))
        #expect(!Malloc.setThresholds(trim: -1, mmap: Malloc.mmapThreshold))
        #expect(Malloc.setThresholds(trim: Malloc.trimThreshold, mmap: Malloc.mmapThreshold))
    }

    /// Heap blocks freed between live ones are not given back by any threshold: `malloc_trim`
    /// gives their whole pages back and says so.
    @Test func trimGivesBackFreePagesBetweenLiveBlocks() throws {
        Malloc.fixThresholds()
        let size = 64 << 10  // below the mmap threshold: from the heap
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<64 {
            let block = try #require(malloc(size))
            memset(block, 1, size)
            blocks.append(block)
        }
        // Every other block freed: 32 holes of 64 KiB that cannot merge with the heap's top.
        for i in stride(from: 0, to: blocks.count, by: 2) { free(blocks[i]) }
        #expect(Malloc.releaseFreePages())
        for i in stride(from: 1, to: blocks.count, by: 2) { free(blocks[i]) }
    }
    #endif
}
